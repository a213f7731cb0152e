package shoptest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestService runs the service behaviour that holds only if the store
// keeps it, over servers that share a store: sign-in throttling, and
// concurrent checkouts (no oversell, one order per checkout key, one order
// per cart).
// Domain rules are tested once, in package shop over a store in memory;
// this suite is what each store must add to them. newStores returns n
// handles to one fresh, empty store, as n servers would hold them (their
// own connections, clients or processes; a store in memory may return
// itself n times).
func TestService(t *testing.T, newStores func(t *testing.T, n int) []shop.Store) {
	t.Run("ThrottlingHoldsAcrossServers", func(t *testing.T) { testThrottlingAcrossServers(t, newStores) })
	t.Run("ThrottlingConcurrentBurst", func(t *testing.T) { testThrottlingBurst(t, newStores) })
	t.Run("LastUnitsOverServers", func(t *testing.T) { testLastUnitsOverServers(t, newStores) })
	t.Run("SameCheckoutSubmittedConcurrently", func(t *testing.T) { testSameCheckoutSubmittedConcurrently(t, newStores) })
	t.Run("OneCartManyKeys", func(t *testing.T) { testOneCartManyKeys(t, newStores) })
}

// servicePassword is the password of the suite's accounts.
const servicePassword = "correct horse battery staple"

// newServiceClock returns a clock an hour from now, so that a store
// expiring finished throttle records keeps the suite's.
func newServiceClock() *Clock {
	return NewClock(time.Now().UTC().Truncate(time.Millisecond).Add(time.Hour))
}

// newServers returns a service over each of n handles to one fresh store,
// on one clock, hashing cheaply, with an account "ada@example.com"; and
// the handles. With a barrier, the services place orders through it.
func newServers(t *testing.T, newStores func(t *testing.T, n int) []shop.Store, n int, clock *Clock, barrier ...*Barrier) ([]*shop.Service, []shop.Store) {
	t.Helper()
	params := shop.PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1}
	stores := newStores(t, n)
	if len(stores) != n {
		t.Fatalf("newStores(%d) returned %d stores", n, len(stores))
	}
	var servers []*shop.Service
	for _, s := range stores {
		if len(barrier) > 0 {
			s = barrier[0].HoldPlacements(s)
		}
		servers = append(servers, shop.NewService(s, shop.Config{PasswordParams: &params, Now: clock.Now}))
	}
	mustRegister(t, servers[0], "ada@example.com")
	return servers, stores
}

// testThrottlingAcrossServers: the failure count lives in the store, so two
// servers share it; an unknown email is throttled like a known one, so the
// refusal does not tell which accounts exist (ASVS V2.2.1).
func testThrottlingAcrossServers(t *testing.T, newStores func(t *testing.T, n int) []shop.Store) {
	clock := newServiceClock()
	servers, _ := newServers(t, newStores, 2, clock)
	ctx := t.Context()
	for _, email := range []string{"ada@example.com", "ghost@example.com"} {
		for i := range shop.AccountFailureLimit {
			_, err := servers[i%2].Authenticate(ctx, email, "wrong password!", fmt.Sprintf("198.51.100.%d", 1+i%9))
			if !errors.Is(err, shop.ErrInvalidCredentials) {
				t.Fatalf("%s failure %d on server %d = %v; want ErrInvalidCredentials", email, i+1, i%2, err)
			}
		}
		for n, svc := range servers {
			if _, err := svc.Authenticate(ctx, email, servicePassword, "203.0.113.9"); !errors.Is(err, shop.ErrThrottled) {
				t.Errorf("%s after %d failures split over two servers: server %d = %v; want ErrThrottled", email, shop.AccountFailureLimit, n, err)
			}
		}
	}
	clock.Advance(shop.LockDuration)
	if _, err := servers[1].Authenticate(ctx, "ada@example.com", servicePassword, "203.0.113.9"); err != nil {
		t.Errorf("Authenticate after the lock = %v; want success", err)
	}
}

// testThrottlingBurst: a burst over three servers, each on its own handle
// to the store.
func testThrottlingBurst(t *testing.T, newStores func(t *testing.T, n int) []shop.Store) {
	servers, _ := newServers(t, newStores, 3, newServiceClock())
	SignInBurst(t, servers, "ada@example.com", servicePassword, "203.0.113.7")
}

// SignInBurst sends 40 parallel wrong guesses for the account email from
// clientAddr ("" for none; an address's records then contend too), spread
// over servers (services with no lock between them, sharing one store),
// and checks that exactly shop.AccountFailureLimit get a real
// answer and the right password is then refused on every server. Guesses
// that passed the lock check before the lock was set are answered
// ErrThrottled once it is, so the answer never tells whether such a guess
// was right.
func SignInBurst(t *testing.T, servers []*shop.Service, email, rightPassword, clientAddr string) {
	t.Helper()
	const burst = 40
	var wg sync.WaitGroup
	errs := make([]error, burst)
	for i := range burst {
		svc := servers[i%len(servers)]
		wg.Go(func() { _, errs[i] = svc.Authenticate(t.Context(), email, "wrong password!", clientAddr) })
	}
	wg.Wait()
	answered := 0
	for i, err := range errs {
		switch {
		case errors.Is(err, shop.ErrInvalidCredentials):
			answered++
		case !errors.Is(err, shop.ErrThrottled):
			t.Errorf("attempt %d = %v; want ErrInvalidCredentials or ErrThrottled", i, err)
		}
	}
	if answered != shop.AccountFailureLimit {
		t.Errorf("%d of %d parallel guesses over %d servers got a real answer; want exactly %d", answered, burst, len(servers), shop.AccountFailureLimit)
	}
	for n, svc := range servers {
		if _, err := svc.Authenticate(t.Context(), email, rightPassword, ""); !errors.Is(err, shop.ErrThrottled) {
			t.Errorf("Authenticate(right password) on server %d after the burst = %v; want ErrThrottled", n, err)
		}
	}
}
