package shop_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"storefront/internal/memstore"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// cheapHashing keeps argon2id fast in tests; production uses OWASPParams.
var cheapHashing = shop.PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1}

type fixture struct {
	svc   *shop.Service
	store shop.Store
	clock *shoptest.Clock
}

// newFixture returns a service over a store in memory holding two
// categories and a few products. What must hold on every store is in the
// suites of package shoptest, which each store runs.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := memstore.New()
	clock := shoptest.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params, Now: clock.Now})
	f := &fixture{svc: svc, store: store, clock: clock}
	ctx := t.Context()
	for _, c := range []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "garden", Name: "Garden"}} {
		if err := store.SaveCategory(ctx, &c); err != nil {
			t.Fatalf("SaveCategory(%s) = %v", c.ID, err)
		}
	}
	f.product(t, "kettle", 3900, 10)
	f.product(t, "mug", 1250, 3)
	f.product(t, "spade", 2400, 1)
	return f
}

func (f *fixture) product(t *testing.T, id string, price shop.Money, stock int) *shop.Product {
	t.Helper()
	p := &shop.Product{ID: id, Name: "The " + id, Description: "A fine " + id + ".", Category: "kitchen",
		PriceCents: price, Stock: stock, Active: true, CreatedAt: f.clock.Now()}
	if err := f.store.SaveProduct(t.Context(), p); err != nil {
		t.Fatalf("SaveProduct(%s): %v", id, err)
	}
	return p
}

func (f *fixture) stock(t *testing.T, id string) int {
	t.Helper()
	p, err := f.store.Product(t.Context(), id)
	if err != nil {
		t.Fatalf("Product(%s): %v", id, err)
	}
	return p.Stock
}

const goodPassword = "correct horse battery staple"

// password128 is a strong password of exactly 128 characters, the longest
// allowed: one of a repeated few characters would be refused as guessable.
const password128 = "The quick brown fox jumps over 7 lazy dogs while violet kangaroos sing on Tuesday by the old harbour lantern, 42 times! Ok, sure"

func (f *fixture) register(t *testing.T, email string) *shop.User {
	t.Helper()
	u, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Ada Lovelace", Password: goodPassword, ConfirmPassword: goodPassword})
	if err != nil {
		t.Fatalf("Register(%s) = %v", email, err)
	}
	return u
}

// mustAddToCart adds quantity of productID to the cart, or fails the test.
func (f *fixture) mustAddToCart(t *testing.T, cartID, productID string, quantity int) *shop.CartView {
	t.Helper()
	v, err := f.svc.AddToCart(t.Context(), cartID, productID, quantity)
	if err != nil {
		t.Fatalf("AddToCart(%s, %s, %d) = %v; want nil", cartID, productID, quantity, err)
	}
	return v
}

// mustRemoveFromCart removes the line of productID, or fails the test.
func (f *fixture) mustRemoveFromCart(t *testing.T, cartID, productID string) {
	t.Helper()
	if _, err := f.svc.RemoveFromCart(t.Context(), cartID, productID); err != nil {
		t.Fatalf("RemoveFromCart(%s, %s) = %v; want nil", cartID, productID, err)
	}
}

// mustCart returns the cart view of cartID, or fails the test.
func (f *fixture) mustCart(t *testing.T, cartID string) *shop.CartView {
	t.Helper()
	v, err := f.svc.Cart(t.Context(), cartID)
	if err != nil {
		t.Fatalf("Cart(%s) = %v; want nil", cartID, err)
	}
	return v
}

// mustOrders returns the orders of u, or fails the test.
func (f *fixture) mustOrders(t *testing.T, u *shop.User) []shop.Order {
	t.Helper()
	orders, err := f.svc.Orders(t.Context(), u)
	if err != nil {
		t.Fatalf("Orders(%s) = %v; want nil", u.Email, err)
	}
	return orders
}

// mustSignIn signs in to svc with a web session, or fails the test.
func mustSignIn(t *testing.T, svc *shop.Service, email, password string) *shop.SignedIn {
	t.Helper()
	in, err := svc.SignIn(t.Context(), email, password, "", nil)
	if err != nil {
		t.Fatalf("SignIn(%s) = %v; want nil", email, err)
	}
	return in
}

// mustCreateToken issues an API token from svc, or fails the test.
func mustCreateToken(t *testing.T, svc *shop.Service, email, password string) *shop.SignedIn {
	t.Helper()
	tok, err := svc.CreateToken(t.Context(), email, password, "", "")
	if err != nil {
		t.Fatalf("CreateToken(%s) = %v; want nil", email, err)
	}
	return tok
}

// mustRefuseSignIn authenticates email with password from clientAddr on
// svc, which must refuse it with want: a failure the throttle counts
// (ErrInvalidCredentials) or one it refuses (ErrThrottled).
func mustRefuseSignIn(t *testing.T, ctx context.Context, svc *shop.Service, email, password, clientAddr string, want error) {
	t.Helper()
	if _, err := svc.Authenticate(ctx, email, password, clientAddr); !errors.Is(err, want) {
		t.Fatalf("Authenticate(%.40s, %q, %s) = %v; want %v", email, password, clientAddr, err, want)
	}
}

var homeAddress = shop.Address{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}

func fields(err error) map[string]string {
	var verr *shop.ValidationError
	if errors.As(err, &verr) {
		return verr.Fields
	}
	return nil
}

func TestRegisterValidation(t *testing.T) {
	long := strings.Repeat("a", 120) + "@example.com"
	tests := []struct {
		name  string
		in    shop.RegisterInput
		field string // the field that must carry a message; "" = valid
	}{
		{"valid", shop.RegisterInput{"ada@example.com", "Ada", goodPassword, goodPassword}, ""},
		{"empty email", shop.RegisterInput{"", "Ada", goodPassword, goodPassword}, "email"},
		{"no at", shop.RegisterInput{"ada.example.com", "Ada", goodPassword, goodPassword}, "email"},
		{"no domain dot", shop.RegisterInput{"ada@example", "Ada", goodPassword, goodPassword}, "email"},
		{"display name", shop.RegisterInput{"Ada <ada@example.com>", "Ada", goodPassword, goodPassword}, "email"},
		{"email too long", shop.RegisterInput{long + long, "Ada", goodPassword, goodPassword}, "email"},
		{"empty name", shop.RegisterInput{"ada@example.com", "  ", goodPassword, goodPassword}, "name"},
		{"name too long", shop.RegisterInput{"ada@example.com", strings.Repeat("é", 101), goodPassword, goodPassword}, "name"},
		{"name 100 runes", shop.RegisterInput{"ada@example.com", strings.Repeat("é", 100), goodPassword, goodPassword}, ""},
		{"name control char", shop.RegisterInput{"ada@example.com", "Ada\x00", goodPassword, goodPassword}, "name"},
		{"password 11", shop.RegisterInput{"ada@example.com", "Ada", "abcdefghijk", "abcdefghijk"}, "password"},
		{"password 12 runes of 4 bytes", shop.RegisterInput{"ada@example.com", "Ada", "🐈🐕🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵", "🐈🐕🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵"}, ""},
		{"password 11 runes many bytes", shop.RegisterInput{"ada@example.com", "Ada", strings.Repeat("🐈", 11), strings.Repeat("🐈", 11)}, "password"},
		{"password 128", shop.RegisterInput{"ada@example.com", "Ada", password128, password128}, ""},
		{"password 129", shop.RegisterInput{"ada@example.com", "Ada", strings.Repeat("xq7", 43), strings.Repeat("xq7", 43)}, "password"},
		{"common password", shop.RegisterInput{"ada@example.com", "Ada", "qwerty123456", "qwerty123456"}, "password"},
		{"common password any case", shop.RegisterInput{"ada@example.com", "Ada", "QWERTY123456", "QWERTY123456"}, "password"},
		{"email as password", shop.RegisterInput{"adalovelace@example.com", "Ada", "AdaLovelace@example.com", "AdaLovelace@example.com"}, "password"},
		{"confirm differs", shop.RegisterInput{"ada@example.com", "Ada", goodPassword, goodPassword + " "}, "confirm_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.svc.Register(t.Context(), tt.in)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Register = %v; want success", err)
				}
				return
			}
			if msg := fields(err)[tt.field]; msg == "" {
				t.Fatalf("Register = %v; want a message for %q", err, tt.field)
			}
		})
	}
}

func TestRegisterEmailUniqueRegardlessOfCase(t *testing.T) {
	f := newFixture(t)
	u := f.register(t, "Ada@Example.com")
	if u.Email != "ada@example.com" {
		t.Errorf("Email = %q; want it lower-cased", u.Email)
	}
	_, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: "ADA@example.COM", Name: "Other", Password: goodPassword, ConfirmPassword: goodPassword})
	if !errors.Is(err, shop.ErrEmailTaken) {
		t.Fatalf("Register(same email, other case) = %v; want ErrEmailTaken", err)
	}
}

func TestSignInGenericFailureAndPasswordNeverTrimmed(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	pw := "  spaces around me  "
	if _, err := f.svc.Register(ctx, shop.RegisterInput{Email: "sp@example.com", Name: "Sp", Password: pw, ConfirmPassword: pw}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignIn(ctx, "sp@example.com", strings.TrimSpace(pw), "", nil); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("SignIn(trimmed password) = %v; want ErrInvalidCredentials", err)
	}
	if _, err := f.svc.SignIn(ctx, "nobody@example.com", pw, "", nil); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("SignIn(unknown email) = %v; want ErrInvalidCredentials", err)
	}
	in, err := f.svc.SignIn(ctx, " SP@example.com ", pw, "", nil)
	if err != nil {
		t.Fatalf("SignIn(exact password) = %v", err)
	}
	if in.Token == "" || in.Session.UserID != in.User.ID {
		t.Errorf("SignIn = %+v; want a token and a session of the user", in)
	}
}

func TestSignInThrottling(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ada@example.com")
	for i := range shop.AccountFailureLimit {
		if _, err := f.svc.SignIn(ctx, "ada@example.com", "wrong password!", "10.0.0.1", nil); !errors.Is(err, shop.ErrInvalidCredentials) {
			t.Fatalf("failure %d: SignIn = %v; want ErrInvalidCredentials", i+1, err)
		}
	}
	if _, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "10.0.0.2", nil); !errors.Is(err, shop.ErrThrottled) {
		t.Fatalf("SignIn after %d failures = %v; want ErrThrottled even with the right password", shop.AccountFailureLimit, err)
	}
	f.clock.Advance(shop.LockDuration - time.Second)
	if _, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "10.0.0.2", nil); !errors.Is(err, shop.ErrThrottled) {
		t.Fatalf("SignIn just before the lock ends = %v; want ErrThrottled", err)
	}
	f.clock.Advance(2 * time.Second)
	if _, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "10.0.0.2", nil); err != nil {
		t.Fatalf("SignIn after the lock = %v; want success", err)
	}
	// Success cleared the count: nine more failures do not lock.
	for range shop.AccountFailureLimit - 1 {
		if _, err := f.svc.SignIn(ctx, "ada@example.com", "wrong password!", "10.0.0.3", nil); !errors.Is(err, shop.ErrInvalidCredentials) {
			t.Fatalf("SignIn(wrong password) after the lock = %v; want ErrInvalidCredentials", err)
		}
	}
	if _, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "10.0.0.3", nil); err != nil {
		t.Fatalf("SignIn after 9 new failures = %v; want success", err)
	}
}

func TestSignInThrottlingPerAddress(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ada@example.com")
	for i := range shop.AddressFailureLimit {
		// Different unknown accounts from one address.
		email := "guess" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@example.com"
		mustRefuseSignIn(t, ctx, f.svc, email, "wrong password!", "10.9.9.9", shop.ErrInvalidCredentials)
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", goodPassword, "10.9.9.9"); !errors.Is(err, shop.ErrThrottled) {
		t.Fatalf("Authenticate from a locked address = %v; want ErrThrottled", err)
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", goodPassword, "10.1.1.1"); err != nil {
		t.Fatalf("Authenticate from another address = %v; want success", err)
	}
}

// contendedStore lets another server win the race for throttle saves:
// before each of the next races saves it saves the stored record itself,
// changed by other, so the service's save is at a stale version.
type contendedStore struct {
	shop.Store
	races int
	other func(t *shop.LoginThrottle)
	saves int
}

func (s *contendedStore) SaveLoginThrottle(ctx context.Context, t *shop.LoginThrottle) error {
	s.saves++
	if s.races > 0 {
		s.races--
		current, err := s.Store.LoginThrottle(ctx, t.Key)
		if err != nil {
			return err
		}
		s.other(current)
		if err := s.Store.SaveLoginThrottle(ctx, current); err != nil {
			return err
		}
	}
	return s.Store.SaveLoginThrottle(ctx, t)
}

// TestSignInThrottleLosesNoRace: a failure whose save lost to another
// server's is counted again on the record that server saved, so neither
// is lost.
func TestSignInThrottleLosesNoRace(t *testing.T) {
	f := newFixture(t)
	f.register(t, "ada@example.com")
	now := f.clock.Now()
	cs := &contendedStore{Store: f.store, races: 3, other: func(t *shop.LoginThrottle) {
		t.Failures++
		t.WindowStart = now
	}}
	params := cheapHashing
	svc := shop.NewService(cs, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	if _, err := svc.Authenticate(t.Context(), "ada@example.com", "wrong password!", ""); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Fatalf("Authenticate(wrong password, 3 lost races) = %v; want ErrInvalidCredentials", err)
	}
	got, err := f.store.LoginThrottle(t.Context(), shop.ThrottleKey("account", "ada@example.com"))
	if err != nil || got.Failures != 4 || got.Version != 4 {
		t.Errorf("LoginThrottle(account) = %+v, %v; want the 3 failures of the other server and this one (Failures 4, Version 4)", got, err)
	}
	if cs.saves != 4 {
		t.Errorf("SaveLoginThrottle called %d times; want 4 (3 lost races, then the save)", cs.saves)
	}
}

// TestSignInRefusedWhenThrottleCannotBeSaved: when every save of the
// throttle record loses to another (endless contention), the service gives
// up after a bounded number of rounds and refuses the sign-in with
// ErrUnavailable, wrong and right password alike: an uncounted guess gets
// no answer.
func TestSignInRefusedWhenThrottleCannotBeSaved(t *testing.T) {
	f := newFixture(t)
	f.register(t, "ada@example.com")
	cs := &contendedStore{Store: f.store, races: 1000, other: func(*shop.LoginThrottle) {}}
	params := cheapHashing
	svc := shop.NewService(cs, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	// With no failures to clear, a right password saves nothing.
	if _, err := svc.Authenticate(t.Context(), "ada@example.com", goodPassword, ""); err != nil || cs.saves != 0 {
		t.Fatalf("Authenticate(right password, no failures) = %v after %d saves; want nil after none", err, cs.saves)
	}
	if _, err := f.svc.Authenticate(t.Context(), "ada@example.com", "wrong password!", ""); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Fatalf("Authenticate(wrong password) = %v; want ErrInvalidCredentials", err)
	}
	for _, pw := range []string{"wrong password!", goodPassword} {
		cs.saves = 0
		_, err := svc.Authenticate(t.Context(), "ada@example.com", pw, "")
		if !errors.Is(err, shop.ErrUnavailable) {
			t.Errorf("Authenticate(%q) under endless contention = %v; want ErrUnavailable", pw, err)
		}
		if cs.saves < 2 || cs.saves > 20 {
			t.Errorf("Authenticate(%q) under endless contention tried %d saves; want a few, bounded", pw, cs.saves)
		}
	}
	got, err := f.store.LoginThrottle(t.Context(), shop.ThrottleKey("account", "ada@example.com"))
	if err != nil || got.Failures != 1 {
		t.Errorf("LoginThrottle(account) = %+v, %v; want the one failure saved before (nothing cleared)", got, err)
	}
}

func TestWeakHashUpgradedAtSignIn(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	stronger := shop.PasswordParams{MemoryKiB: 128, Iterations: 2, Threads: 1}
	svc := shop.NewService(f.store, shop.Config{PasswordParams: &stronger, Now: f.clock.Now})
	if _, err := svc.Authenticate(ctx, "ada@example.com", goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	after, err := f.store.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.PasswordHash == u.PasswordHash || !strings.Contains(after.PasswordHash, "m=128,t=2,p=1") {
		t.Errorf("hash after sign-in = %q; want it upgraded to m=128,t=2,p=1", after.PasswordHash)
	}
	if _, err := svc.Authenticate(ctx, "ada@example.com", goodPassword, ""); err != nil {
		t.Errorf("Authenticate with the upgraded hash = %v", err)
	}
}

func TestPasswordHashIsArgon2idWithOWASPParameters(t *testing.T) {
	f := newFixture(t)
	svc := shop.NewService(f.store, shop.Config{Now: f.clock.Now}) // default parameters
	u, err := svc.Register(t.Context(), shop.RegisterInput{Email: "a@example.com", Name: "A", Password: goodPassword, ConfirmPassword: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(u.PasswordHash, goodPassword) {
		t.Errorf("PasswordHash = %q; want argon2id m=19456,t=2,p=1", u.PasswordHash)
	}
}

// checkSessionLifetime: a web session of svc lasts maxAge (ExpiresAt),
// stays alive while a request comes every step (shorter than idle), also
// past the idle timeout, ends after idle without one, and ends at maxAge
// however active. maxAge must be a multiple of step.
func checkSessionLifetime(t *testing.T, f *fixture, svc *shop.Service, idle, maxAge, step time.Duration) {
	t.Helper()
	ctx := t.Context()
	in := mustSignIn(t, svc, "ada@example.com", goodPassword)
	if got := in.Session.ExpiresAt.Sub(in.Session.CreatedAt); got != maxAge {
		t.Errorf("session lifetime = %v; want %v", got, maxAge)
	}
	// Activity keeps the session alive past the idle timeout...
	for elapsed := step; elapsed <= idle+step; elapsed += step {
		f.clock.Advance(step)
		if _, _, err := svc.Session(ctx, in.Token); err != nil {
			t.Fatalf("Session after %v of activity every %v (idle timeout %v) = %v; want alive", elapsed, step, idle, err)
		}
	}
	// ...but idle time ends it.
	f.clock.Advance(idle)
	if _, _, err := svc.Session(ctx, in.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Fatalf("Session after %v idle (idle timeout %v) = %v; want ErrUnauthorized", idle, idle, err)
	}

	// The absolute timeout holds however active the session is.
	in = mustSignIn(t, svc, "ada@example.com", goodPassword)
	for elapsed := step; elapsed < maxAge; elapsed += step {
		f.clock.Advance(step)
		if _, _, err := svc.Session(ctx, in.Token); err != nil {
			t.Fatalf("Session at %v of %v, active every %v = %v; want alive", elapsed, maxAge, step, err)
		}
	}
	f.clock.Advance(step)
	if _, _, err := svc.Session(ctx, in.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Fatalf("Session after %v, active every %v (max age %v) = %v; want ErrUnauthorized", maxAge, step, maxAge, err)
	}
}

// TestSessionTimeoutsAndSignOut: by default sessions end after 30 idle
// minutes and 12 hours at most, and at sign-out; configured timeouts are
// TestSessionTimeoutsAreConfigurable.
func TestSessionTimeoutsAndSignOut(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ada@example.com")
	checkSessionLifetime(t, f, f.svc, 30*time.Minute, 12*time.Hour, 20*time.Minute)

	in := mustSignIn(t, f.svc, "ada@example.com", goodPassword)
	sess, _, err := f.svc.Session(ctx, in.Token)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.EndSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Session(ctx, in.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Fatalf("Session after sign-out = %v; want ErrUnauthorized", err)
	}
	if _, _, err := f.svc.TokenUser(ctx, in.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Fatalf("TokenUser(a web session) = %v; want ErrUnauthorized", err)
	}
}

func TestSignInRenewsSessionAndMergesGuestCart(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	// The user's own cart already holds 2 mugs (stock 3).
	if _, err := f.svc.AddToCart(ctx, shop.UserCartID(u.ID), "mug", 2); err != nil {
		t.Fatal(err)
	}
	guest, err := f.svc.StartGuestSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddToCart(ctx, guest.Session.CartID, "mug", 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddToCart(ctx, guest.Session.CartID, "kettle", 4); err != nil {
		t.Fatal(err)
	}
	in, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "", guest.Session)
	if err != nil {
		t.Fatal(err)
	}
	if in.Token == guest.Token || in.Session.IDHash == guest.Session.IDHash {
		t.Error("SignIn kept the guest session id; want a new one")
	}
	if _, _, err := f.svc.Session(ctx, guest.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("guest session after sign-in = %v; want ended", err)
	}
	cart, err := f.svc.Cart(ctx, in.Session.CartID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, l := range cart.Lines {
		got[l.ProductID] = l.Quantity
	}
	if got["mug"] != 3 || got["kettle"] != 4 || len(got) != 2 {
		t.Errorf("merged cart = %v; want mug 3 (2+2 capped by stock 3), kettle 4", got)
	}
	if want := []shop.CartShortfall{{ProductID: "mug", Wanted: 2, Added: 1}}; !slices.Equal(in.CartShortfall, want) {
		t.Errorf("SignIn().CartShortfall = %+v; want %+v (the guest's mugs beyond the stock)", in.CartShortfall, want)
	}
	if guestCart := f.mustCart(t, guest.Session.CartID); len(guestCart.Lines) != 0 {
		t.Errorf("guest cart after merge has %d lines; want it emptied", len(guestCart.Lines))
	}
}

// addingTabStore is a store where another tab of the guest adds a line to
// the guest cart right after the sign-in merged that cart into the user's,
// before the guest cart is emptied (once).
type addingTabStore struct {
	shop.Store
	svc        *shop.Service
	guestCart  string
	productID  string
	added      atomic.Bool
	addFailure error
}

func (s *addingTabStore) SaveCart(ctx context.Context, c *shop.Cart) error {
	if err := s.Store.SaveCart(ctx, c); err != nil {
		return err
	}
	if strings.HasPrefix(c.ID, "user-") && s.added.CompareAndSwap(false, true) {
		_, s.addFailure = s.svc.AddToCart(ctx, s.guestCart, s.productID, 1)
	}
	return nil
}

// TestSignInMergeKeepsALineAddedMeanwhile: a line the guest's other tab
// adds while the sign-in merges the guest cart ends in the user's cart,
// not deleted with the guest cart.
func TestSignInMergeKeepsALineAddedMeanwhile(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ada@example.com")
	guest, err := f.svc.StartGuestSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddToCart(ctx, guest.Session.CartID, "kettle", 2); err != nil {
		t.Fatal(err)
	}
	tab := &addingTabStore{Store: f.store, guestCart: guest.Session.CartID, productID: "spade"}
	svc := shop.NewService(tab, shop.Config{PasswordParams: &cheapHashing, Now: f.clock.Now})
	tab.svc = svc
	in, err := svc.SignIn(ctx, "ada@example.com", goodPassword, "", guest.Session)
	if err != nil {
		t.Fatal(err)
	}
	if !tab.added.Load() || tab.addFailure != nil {
		t.Fatalf("the other tab's add: ran %v, error %v; want it done during the merge", tab.added.Load(), tab.addFailure)
	}
	got := map[string]int{}
	for _, l := range f.mustCart(t, in.Session.CartID).Lines {
		got[l.ProductID] = l.Quantity
	}
	if got["kettle"] != 2 || got["spade"] != 1 || len(got) != 2 {
		t.Errorf("user's cart after sign-in = %v; want kettle 2 and the spade added meanwhile", got)
	}
	if guestCart := f.mustCart(t, guest.Session.CartID); len(guestCart.Lines) != 0 {
		t.Errorf("guest cart after merge has %d lines; want it emptied", len(guestCart.Lines))
	}
}

func TestChangePasswordEndsOtherSessionsAndTokens(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	a := mustSignIn(t, f.svc, "ada@example.com", goodPassword)
	b := mustSignIn(t, f.svc, "ada@example.com", goodPassword)
	tok, err := f.svc.CreateToken(ctx, "ada@example.com", goodPassword, "", "")
	if err != nil {
		t.Fatal(err)
	}
	newPw := "a brand new passphrase"
	_, err = f.svc.ChangePassword(ctx, u, a.Session, shop.ChangePasswordInput{CurrentPassword: "not it at all!", NewPassword: newPw, ConfirmPassword: newPw})
	if fields(err)["current_password"] == "" {
		t.Fatalf("ChangePassword(wrong current) = %v; want a current_password message", err)
	}
	renewed, err := f.svc.ChangePassword(ctx, u, a.Session, shop.ChangePasswordInput{CurrentPassword: goodPassword, NewPassword: newPw, ConfirmPassword: newPw})
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"this session": a.Token, "other session": b.Token} {
		if _, _, err := f.svc.Session(ctx, token); !errors.Is(err, shop.ErrUnauthorized) {
			t.Errorf("%s after password change = %v; want ended", name, err)
		}
	}
	if _, _, err := f.svc.TokenUser(ctx, tok.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("API token after password change = %v; want revoked", err)
	}
	if _, _, err := f.svc.Session(ctx, renewed.Token); err != nil {
		t.Errorf("renewed session = %v; want alive", err)
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", newPw, ""); err != nil {
		t.Errorf("Authenticate(new password) = %v", err)
	}
}

// TestAddToCartRefusals: each refused addition names its reason and leaves
// the cart as it was.
func TestAddToCartRefusals(t *testing.T) {
	tests := []struct {
		name      string
		productID string
		quantity  int
		check     func(err error) bool
		want      string
	}{
		{"quantity 0", "mug", 0, func(err error) bool { return fields(err)["quantity"] != "" }, "a quantity message"},
		{"quantity 100", "mug", 100, func(err error) bool { return fields(err)["quantity"] != "" }, "a quantity message"},
		{"unknown product", "nope", 1, func(err error) bool { return errors.Is(err, shop.ErrNotFound) }, "ErrNotFound"},
		{"more than the stock", "mug", 2, func(err error) bool {
			var serr *shop.StockError
			return errors.As(err, &serr) && len(serr.Items) == 1 && serr.Items[0].Available == 3 && serr.Items[0].Requested == 4
		}, "a StockError with 4 requested, 3 available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			const cart = "guest-test"
			f.mustAddToCart(t, cart, "mug", 2) // of 3 in stock
			if _, err := f.svc.AddToCart(t.Context(), cart, tt.productID, tt.quantity); !tt.check(err) {
				t.Errorf("AddToCart(%s, %d) = %v; want %s", tt.productID, tt.quantity, err, tt.want)
			}
			if v := f.mustCart(t, cart); len(v.Lines) != 1 || v.Lines[0].Quantity != 2 {
				t.Errorf("cart after a refused addition = %+v; want the 2 mugs alone", v.Lines)
			}
		})
	}
}

func TestCartRules(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	cart := "guest-test"
	f.mustAddToCart(t, cart, "mug", 2)
	v, err := f.svc.SetCartQuantity(ctx, nil, cart, "mug", 3)
	if err != nil {
		t.Fatal(err)
	}
	// 3 x 12.50 = 37.50 < 50.00: shipping 5.00.
	if v.SubtotalCents != 3750 || v.ShippingCents != 500 || v.TotalCents != 4250 || v.ItemCount != 3 {
		t.Errorf("cart = subtotal %v shipping %v total %v count %d; want 3750 500 4250 3", v.SubtotalCents, v.ShippingCents, v.TotalCents, v.ItemCount)
	}
	if v, err = f.svc.AddToCart(ctx, cart, "spade", 1); err != nil {
		t.Fatal(err)
	}
	// 37.50 + 24.00 = 61.50 >= 50.00: free shipping.
	if v.SubtotalCents != 6150 || v.ShippingCents != 0 || v.TotalCents != 6150 {
		t.Errorf("cart = subtotal %v shipping %v total %v; want 6150 0 6150", v.SubtotalCents, v.ShippingCents, v.TotalCents)
	}
	if v.Lines[0].ProductID != "mug" || v.Lines[0].LineTotalCents != 3750 || v.Lines[0].UnitPriceCents != 1250 {
		t.Errorf("first line = %+v; want mug 3 x 1250 = 3750", v.Lines[0])
	}
	if v, err = f.svc.SetCartQuantity(ctx, nil, cart, "mug", 0); err != nil || len(v.Lines) != 1 {
		t.Errorf("SetCartQuantity(0) = %d lines, %v; want the line removed", len(v.Lines), err)
	}
	if v, err = f.svc.RemoveFromCart(ctx, cart, "spade"); err != nil || len(v.Lines) != 0 || v.TotalCents != 0 {
		t.Errorf("RemoveFromCart = %+v, %v; want an empty cart with total 0", v, err)
	}
}

func TestShippingThreshold(t *testing.T) {
	for _, tt := range []struct{ subtotal, want shop.Money }{{1, 500}, {4999, 500}, {5000, 0}, {123456, 0}} {
		if got := shop.ShippingFor(tt.subtotal); got != tt.want {
			t.Errorf("ShippingFor(%d) = %d; want %d", tt.subtotal, got, tt.want)
		}
	}
}

func TestCartLineLimit(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	for i := range shop.MaxCartLines {
		f.product(t, "p"+string(rune('a'+i/26))+string(rune('a'+i%26)), 100, 5)
	}
	for i := range shop.MaxCartLines {
		if _, err := f.svc.AddToCart(ctx, "c", "p"+string(rune('a'+i/26))+string(rune('a'+i%26)), 1); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.AddToCart(ctx, "c", "kettle", 1); fields(err)["product_id"] == "" {
		t.Errorf("AddToCart(line 51) = %v; want a product_id message", err)
	}
}

// TestSignInMergeIntoAFullCartSaysWhatDidNotFit: a guest's products that
// do not fit into the account's full cart (50 lines) are not added, and
// the sign-in says so, product by product, instead of dropping them
// unseen.
func TestSignInMergeIntoAFullCartSaysWhatDidNotFit(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	for i := range shop.MaxCartLines {
		id := "p" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		f.product(t, id, 100, 5)
		if _, err := f.svc.AddToCart(ctx, shop.UserCartID(u.ID), id, 1); err != nil {
			t.Fatal(err)
		}
	}
	guest, err := f.svc.StartGuestSession(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"kettle", "paa"} { // a new line, and one the account's cart has
		if _, err := f.svc.AddToCart(ctx, guest.Session.CartID, id, 2); err != nil {
			t.Fatal(err)
		}
	}
	in, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "", guest.Session)
	if err != nil {
		t.Fatal(err)
	}
	if want := []shop.CartShortfall{{ProductID: "kettle", Wanted: 2, Added: 0}}; !slices.Equal(in.CartShortfall, want) {
		t.Errorf("SignIn().CartShortfall = %+v; want %+v", in.CartShortfall, want)
	}
	cart := f.mustCart(t, in.Session.CartID)
	if len(cart.Lines) != shop.MaxCartLines || cart.Lines[0].ProductID != "paa" || cart.Lines[0].Quantity != 3 {
		t.Errorf("merged cart = %d lines, first %+v; want 50, paa 1+2", len(cart.Lines), cart.Lines[0])
	}
}

func checkout(t *testing.T, f *fixture, u *shop.User, key string) (*shop.Order, bool, error) {
	t.Helper()
	return f.svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: key, Address: homeAddress})
}

func TestPlaceOrderIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	f.mustAddToCart(t, shop.UserCartID(u.ID), "kettle", 2)
	f.mustAddToCart(t, shop.UserCartID(u.ID), "mug", 1)
	key := shop.NewCheckoutKey()
	o, replayed, err := checkout(t, f, u, key)
	if err != nil || replayed {
		t.Fatalf("PlaceOrder = %v, replayed %v; want a new order", err, replayed)
	}
	want := shop.Order{ID: shop.OrderID(u.ID, key), UserID: u.ID, UserEmail: "ada@example.com", Status: "placed",
		CreatedAt: f.clock.Now(), Currency: "USD", Totals: shop.Totals{ItemCount: 3, SubtotalCents: 9050, ShippingCents: 0, TotalCents: 9050},
		ShippingAddress: homeAddress,
		Items:           []shop.OrderLine{{"kettle", "The kettle", 3900, 2, 7800}, {"mug", "The mug", 1250, 1, 1250}}}
	if !ordersEqual(*o, want) {
		t.Errorf("order = %+v\nwant %+v", *o, want)
	}
	if f.stock(t, "kettle") != 8 || f.stock(t, "mug") != 2 {
		t.Errorf("stock = kettle %d mug %d; want 8 2", f.stock(t, "kettle"), f.stock(t, "mug"))
	}
	if cart := f.mustCart(t, shop.UserCartID(u.ID)); len(cart.Lines) != 0 {
		t.Errorf("cart after order has %d lines; want empty", len(cart.Lines))
	}

	// The same checkout again, even with a refilled cart: the same order.
	f.mustAddToCart(t, shop.UserCartID(u.ID), "kettle", 1)
	again, replayed, err := checkout(t, f, u, key)
	if err != nil || !replayed || again.ID != o.ID {
		t.Fatalf("replay = %v, %v, %v; want the same order, replayed", again, replayed, err)
	}
	if f.stock(t, "kettle") != 8 {
		t.Errorf("kettle stock after replay = %d; want 8 (unchanged)", f.stock(t, "kettle"))
	}
	if orders := f.mustOrders(t, u); len(orders) != 1 {
		t.Errorf("orders = %d; want 1", len(orders))
	}
	// The same key with another address is refused.
	other := homeAddress
	other.City = "Paris"
	if _, _, err := f.svc.PlaceOrder(ctx, shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: key, Address: other}); !errors.Is(err, shop.ErrIdempotencyKeyReused) {
		t.Errorf("PlaceOrder(same key, other address) = %v; want ErrIdempotencyKeyReused", err)
	}
}

func ordersEqual(a, b shop.Order) bool {
	if len(a.Items) != len(b.Items) || !a.CreatedAt.Equal(b.CreatedAt) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	a.Items, b.Items = nil, nil
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	return a.ID == b.ID && a.UserID == b.UserID && a.UserEmail == b.UserEmail && a.Status == b.Status &&
		a.Currency == b.Currency && a.ItemCount == b.ItemCount && a.SubtotalCents == b.SubtotalCents &&
		a.ShippingCents == b.ShippingCents && a.TotalCents == b.TotalCents && a.ShippingAddress == b.ShippingAddress
}

func TestPlaceOrderConcurrentSameKeyGivesOneOrder(t *testing.T) {
	f := newFixture(t)
	u := f.register(t, "ada@example.com")
	f.mustAddToCart(t, shop.UserCartID(u.ID), "kettle", 1)
	key := shop.NewCheckoutKey()
	var wg sync.WaitGroup
	ids := make([]string, 8)
	errs := make([]error, len(ids))
	for i := range ids {
		wg.Go(func() {
			if o, _, err := checkout(t, f, u, key); err == nil {
				ids[i] = o.ID
			} else {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	for i, id := range ids {
		if id != shop.OrderID(u.ID, key) {
			t.Errorf("submission %d got order %q, %v; want %q", i, id, errs[i], shop.OrderID(u.ID, key))
		}
	}
	if got := f.stock(t, "kettle"); got != 9 {
		t.Errorf("kettle stock = %d; want 9", got)
	}
}

func TestPlaceOrderStockAndPriceRules(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	cart := shop.UserCartID(u.ID)
	if _, _, err := checkout(t, f, u, shop.NewCheckoutKey()); !errors.Is(err, shop.ErrCartEmpty) {
		t.Errorf("PlaceOrder(empty cart) = %v; want ErrCartEmpty", err)
	}
	f.mustAddToCart(t, cart, "mug", 3)
	f.mustAddToCart(t, cart, "spade", 1)
	f.mustAddToCart(t, cart, "kettle", 1)
	// Someone else buys 2 mugs and the spade meanwhile.
	f.product(t, "mug", 1250, 1)
	f.product(t, "spade", 2400, 0)
	_, _, err := checkout(t, f, u, shop.NewCheckoutKey())
	var serr *shop.StockError
	if !errors.As(err, &serr) || len(serr.Items) != 2 {
		t.Fatalf("PlaceOrder(short) = %v; want a StockError naming mug and spade", err)
	}
	if serr.Items[0] != (shop.Shortage{ProductID: "mug", Name: "The mug", Requested: 3, Available: 1}) ||
		serr.Items[1] != (shop.Shortage{ProductID: "spade", Name: "The spade", Requested: 1, Available: 0}) {
		t.Errorf("shortages = %+v", serr.Items)
	}
	if f.stock(t, "kettle") != 10 {
		t.Errorf("kettle stock = %d; want 10 (nothing changed)", f.stock(t, "kettle"))
	}
	if c := f.mustCart(t, cart); len(c.Lines) != 3 {
		t.Errorf("cart lines = %d; want 3 (kept)", len(c.Lines))
	}
	f.mustRemoveFromCart(t, cart, "mug")
	f.mustRemoveFromCart(t, cart, "spade")

	// A repriced product stops the checkout until the shopper confirms.
	f.product(t, "kettle", 4500, 10)
	_, _, err = checkout(t, f, u, shop.NewCheckoutKey())
	var perr *shop.PriceError
	if !errors.As(err, &perr) || perr.Items[0] != (shop.PriceChange{ProductID: "kettle", Name: "The kettle", OldPriceCents: 3900, NewPriceCents: 4500}) {
		t.Fatalf("PlaceOrder(repriced) = %v; want a PriceError 3900 -> 4500", err)
	}
	v := f.mustCart(t, cart)
	if !v.Lines[0].PriceChanged() || v.Lines[0].UnitPriceCents != 4500 {
		t.Errorf("cart line = %+v; want the new price, flagged as changed", v.Lines[0])
	}
	if _, err := f.svc.ConfirmCartPrices(ctx, cart); err != nil {
		t.Fatal(err)
	}
	o, _, err := checkout(t, f, u, shop.NewCheckoutKey())
	if err != nil || o.TotalCents != 4500+500 {
		t.Fatalf("PlaceOrder after confirming = %+v, %v; want total 5000", o, err)
	}
}

func TestOrdersOnlyForTheirOwner(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	ada := f.register(t, "ada@example.com")
	bob := f.register(t, "bob@example.com")
	f.mustAddToCart(t, shop.UserCartID(ada.ID), "kettle", 1)
	o, _, err := checkout(t, f, ada, shop.NewCheckoutKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Order(ctx, bob, o.ID); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Order(bob, ada's order) = %v; want ErrNotFound", err)
	}
	if got, err := f.svc.Order(ctx, ada, o.ID); err != nil || got.ID != o.ID {
		t.Errorf("Order(ada, her order) = %v, %v", got, err)
	}
	if list := f.mustOrders(t, bob); len(list) != 0 {
		t.Errorf("bob's orders = %d; want 0", len(list))
	}
	// The same key used by two users gives two different orders.
	if shop.OrderID(ada.ID, "k-12345678") == shop.OrderID(bob.ID, "k-12345678") {
		t.Error("OrderID ignores the user")
	}
}

func TestOrdersNewestFirst(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	var ids []string
	for range 3 {
		f.mustAddToCart(t, shop.UserCartID(u.ID), "kettle", 1)
		o, _, err := checkout(t, f, u, shop.NewCheckoutKey())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
		f.clock.Advance(time.Minute)
	}
	list, err := f.svc.Orders(ctx, u)
	if err != nil || len(list) != 3 || list[0].ID != ids[2] || list[2].ID != ids[0] {
		t.Errorf("Orders = %v, %v; want newest first %v", list, err, ids)
	}
}

func TestSearchProductsValidation(t *testing.T) {
	f := newFixture(t)
	for _, q := range []shop.ProductQuery{{Sort: "random"}, {Cursor: "not-a-cursor"}, {Page: -1}, {PerPage: 101}, {Category: "a b"}, {Text: strings.Repeat("x", 101)}} {
		if _, err := f.svc.SearchProducts(t.Context(), q); fields(err) == nil {
			t.Errorf("SearchProducts(%+v) = %v; want a ValidationError", q, err)
		}
	}
	page, err := f.svc.SearchProducts(t.Context(), shop.ProductQuery{Text: "KETTLES"})
	if err != nil || page.Total != 1 || page.Items[0].ID != "kettle" {
		t.Errorf("SearchProducts(KETTLES) = %+v, %v; want the kettle (words in any case, plurals)", page, err)
	}
}

func TestReadyReportsStore(t *testing.T) {
	f := newFixture(t)
	if err := f.svc.Ready(t.Context()); err != nil {
		t.Errorf("Ready = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := f.svc.Ready(ctx); err == nil {
		t.Error("Ready(cancelled context) = nil; want an error")
	}
}

// raceStore hides orders from the first Order call, as if a concurrent
// submission of the same checkout committed just after it.
// raceStore answers the first cart read with the cart as it was before
// (the race of two submissions of one checkout: the second read the cart
// before the first placed it and emptied it).
type raceStore struct {
	shop.Store
	before *shop.Cart
	calls  int
}

func (s *raceStore) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	s.calls++
	if s.calls == 1 {
		return s.before, nil
	}
	return s.Store.Cart(ctx, id)
}

func TestPlaceOrderLosingTheRaceToTheSameCheckoutAnswersWithTheOrder(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	f.mustAddToCart(t, shop.UserCartID(u.ID), "kettle", 1)
	before, err := f.store.Cart(ctx, shop.UserCartID(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	key := shop.NewCheckoutKey()
	first, _, err := checkout(t, f, u, key)
	if err != nil {
		t.Fatal(err)
	}
	params := cheapHashing
	racing := shop.NewService(&raceStore{Store: f.store, before: before}, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	o, replayed, err := racing.PlaceOrder(ctx, shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: key, Address: homeAddress})
	if err != nil || !replayed || o.ID != first.ID {
		t.Fatalf("PlaceOrder after losing the race = %v, replayed %v, %v; want the first order", o, replayed, err)
	}
}
