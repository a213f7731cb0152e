package shop_test

// Proofs of the account limits of issue 8: nothing a client sends is kept
// beyond its field's limit, throttle keys are fixed-length hashes, the
// current password is guessed no more often than at sign-in, registration
// is limited per client address and checks the cheap refusals before it
// hashes, trivial passwords and look-alike emails are refused, and account
// events are logged for investigation without emails or secrets.

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// keyRecordingStore records every key a client string could become in the
// store: throttle keys read and saved, emails looked up, session hashes,
// cart, product and order ids.
type keyRecordingStore struct {
	shop.Store
	mu       sync.Mutex
	keys     []string // every other key the store was asked for
	throttle []string // throttle keys read
	saved    []string // throttle keys saved
	creates  int      // CreateUser calls: registrations that reached the hash
}

func (s *keyRecordingStore) record(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
}

func (s *keyRecordingStore) LoginThrottle(ctx context.Context, key string) (*shop.LoginThrottle, error) {
	s.mu.Lock()
	s.throttle = append(s.throttle, key)
	s.mu.Unlock()
	return s.Store.LoginThrottle(ctx, key)
}

func (s *keyRecordingStore) SaveLoginThrottle(ctx context.Context, t *shop.LoginThrottle) error {
	s.mu.Lock()
	s.saved = append(s.saved, t.Key)
	s.mu.Unlock()
	return s.Store.SaveLoginThrottle(ctx, t)
}

func (s *keyRecordingStore) UserByEmail(ctx context.Context, email string) (*shop.User, error) {
	s.record(email)
	return s.Store.UserByEmail(ctx, email)
}

func (s *keyRecordingStore) CreateUser(ctx context.Context, u *shop.User) error {
	s.mu.Lock()
	s.creates++
	s.mu.Unlock()
	return s.Store.CreateUser(ctx, u)
}

func (s *keyRecordingStore) Session(ctx context.Context, idHash string) (*shop.Session, error) {
	s.record(idHash)
	return s.Store.Session(ctx, idHash)
}

func (s *keyRecordingStore) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	s.record(id)
	return s.Store.Cart(ctx, id)
}

func (s *keyRecordingStore) Product(ctx context.Context, id string) (*shop.Product, error) {
	s.record(id)
	return s.Store.Product(ctx, id)
}

func (s *keyRecordingStore) Products(ctx context.Context, ids []string) ([]shop.Product, error) {
	for _, id := range ids {
		s.record(id)
	}
	return s.Store.Products(ctx, ids)
}

func (s *keyRecordingStore) Order(ctx context.Context, id string) (*shop.Order, error) {
	s.record(id)
	return s.Store.Order(ctx, id)
}

// recordingService returns a service over f's store that records keys.
func recordingService(f *fixture, cfg shop.Config) (*shop.Service, *keyRecordingStore) {
	rs := &keyRecordingStore{Store: f.store}
	params := cheapHashing
	cfg.PasswordParams, cfg.Now = &params, f.clock.Now
	return shop.NewService(rs, cfg), rs
}

// isThrottleKey reports whether key is a kind of throttle record and 64
// hex digits of SHA-256.
func isThrottleKey(key string) bool {
	kind, sum, ok := strings.Cut(key, ":")
	if !ok || len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return false
	}
	return kind == "account" || kind == "address" || kind == "registration" || kind == "guest-cart"
}

// TestOverlongEmailStoresNothing: a sign-in with a 1 MB email is an unknown
// account: 401 after the same hashing work, and nothing of the email is
// stored (it was once kept as a throttle key that was never deleted); the
// client address still counts the failure, under a fixed-length key.
// Registration refuses an email over 254 characters with a field message.
func TestOverlongEmailStoresNothing(t *testing.T) {
	f := newFixture(t)
	svc, rs := recordingService(f, shop.Config{})
	ctx := t.Context()
	huge := strings.Repeat("a", 1<<20) + "@example.com"
	over := strings.Repeat("a", 243) + "@example.com" // 255 characters
	for _, email := range []string{huge, over, " " + strings.ToUpper(over) + " "} {
		if _, err := svc.Authenticate(ctx, email, "wrong password!", "192.0.2.7"); !errors.Is(err, shop.ErrInvalidCredentials) {
			t.Errorf("Authenticate(%d-byte email) = %v; want ErrInvalidCredentials", len(email), err)
		}
	}
	for _, key := range slices.Concat(rs.keys, rs.throttle, rs.saved) {
		if len(key) > 254 {
			t.Errorf("the store was asked for a %d-byte key; want none over 254", len(key))
		}
	}
	for _, key := range slices.Concat(rs.throttle, rs.saved) {
		if !strings.HasPrefix(key, "address:") || !isThrottleKey(key) {
			t.Errorf("throttle key %q used; want only the client address's, as a fixed-length hash", key)
		}
	}
	th, err := f.store.LoginThrottle(ctx, shop.ThrottleKey("address", "192.0.2.7"))
	if err != nil || th.Failures != 3 {
		t.Errorf("address throttle = %+v, %v; want its 3 failures counted", th, err)
	}
	for _, email := range []string{huge, over} {
		_, err := svc.Register(ctx, shop.RegisterInput{Email: email, Name: "Ada", Password: goodPassword, ConfirmPassword: goodPassword})
		if msg := fields(err)["email"]; !strings.Contains(msg, "254") {
			t.Errorf("Register(%d-byte email) = %v (email message %q); want the 254-character limit named", len(email), err, msg)
		}
	}
	if rs.creates != 0 {
		t.Errorf("%d overlong registrations reached the store; want none", rs.creates)
	}

	// The same hashing work as any unknown account: argon2id's memory, and
	// no copy of the megabyte on top of it.
	params := shop.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Threads: 1}
	timed := shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	cost := uint64(params.MemoryKiB) * 1024
	for name, email := range map[string]string{"unknown email": "nobody@example.com", "1 MB email": huge} {
		var err error
		if got := allocated(func() { _, err = timed.Authenticate(ctx, email, "wrong password!", "") }); got < cost || got > cost+cost/4 {
			t.Errorf("%s: sign-in allocated %d bytes; want one argon2id hash of %d bytes (+25%%)", name, got, cost)
		}
		if !errors.Is(err, shop.ErrInvalidCredentials) {
			t.Errorf("%s: Authenticate = %v; want ErrInvalidCredentials", name, err)
		}
	}
}

// TestThrottleKeysAreFixedLength: every throttle record a sign-in, a
// password change or a registration touches is keyed by kind and a
// SHA-256, whatever the email or address was, so no key grows with the
// input nor exceeds a store's key limit; and the email is not in it.
func TestThrottleKeysAreFixedLength(t *testing.T) {
	f := newFixture(t)
	svc, rs := recordingService(f, shop.Config{})
	ctx := shop.WithClientAddr(t.Context(), "2001:db8::1")
	email := strings.Repeat("x", 200) + "@example.com"
	u, err := svc.Register(ctx, shop.RegisterInput{Email: email, Name: "Ada", Password: goodPassword, ConfirmPassword: goodPassword})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	mustRefuseSignIn(t, ctx, svc, email, "wrong password!", "2001:db8::1", shop.ErrInvalidCredentials)
	mustRefuseSignIn(t, ctx, svc, "Nobody@Example.com", "wrong password!", "2001:db8::1", shop.ErrInvalidCredentials)
	a, err := svc.SignIn(ctx, email, goodPassword, "2001:db8::1", nil)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	_, err = svc.ChangePassword(ctx, u, a.Session, shop.ChangePasswordInput{CurrentPassword: "not it at all!", NewPassword: "a brand new passphrase", ConfirmPassword: "a brand new passphrase"})
	if fields(err)["current_password"] == "" {
		t.Fatalf("ChangePassword(wrong current password) = %v; want a current_password message", err)
	}
	kinds := map[string]bool{}
	for _, key := range slices.Concat(rs.throttle, rs.saved) {
		if !isThrottleKey(key) {
			t.Errorf("throttle key %q; want a kind and 64 hex digits", key)
		}
		kinds[strings.SplitN(key, ":", 2)[0]] = true
	}
	for _, kind := range []string{"account", "address", "registration"} {
		if !kinds[kind] {
			t.Errorf("no %s throttle key was used; want one (keys seen: %q)", kind, rs.saved)
		}
	}
	if want := shop.ThrottleKey("account", email); !strings.HasPrefix(want, "account:") || len(want) != len("account:")+64 {
		t.Errorf("ThrottleKey(account, email) = %q; want account: and 64 hex digits", want)
	}
	if shop.ThrottleKey("account", "a@example.com") == shop.ThrottleKey("address", "a@example.com") {
		t.Error("ThrottleKey ignores the kind; want account and address records apart")
	}
}

// TestClientStringsNeverBecomeLongKeys: every other client string that
// could become a store key (a session cookie or bearer token, a product id
// in a cart path, an order id, a checkout key) is bounded or hashed before
// the store sees it.
func TestClientStringsNeverBecomeLongKeys(t *testing.T) {
	f := newFixture(t)
	svc, rs := recordingService(f, shop.Config{})
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	long := strings.Repeat("k", 100_000)
	if _, _, err := svc.Session(ctx, long); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("Session(100 kB token) = %v; want ErrUnauthorized", err)
	}
	if _, _, err := svc.TokenUser(ctx, long); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("TokenUser(100 kB token) = %v; want ErrUnauthorized", err)
	}
	if _, err := svc.Product(ctx, long); err == nil {
		t.Error("Product(100 kB id) = nil error; want a refusal")
	}
	cartID := shop.UserCartID(u.ID)
	if _, err := svc.AddToCart(ctx, cartID, long, 1); err == nil {
		t.Error("AddToCart(100 kB product id) = nil error; want a refusal")
	}
	if _, err := svc.SetCartQuantity(ctx, nil, cartID, long, 1); err == nil {
		t.Error("SetCartQuantity(100 kB product id) = nil error; want a refusal")
	}
	// Nothing to remove, which is no error; the store must not see the id
	// either.
	if _, err := svc.RemoveFromCart(ctx, cartID, long); err != nil {
		t.Errorf("RemoveFromCart(100 kB product id) = %v; want nil (no such line)", err)
	}
	if _, err := svc.Order(ctx, u, long); err == nil {
		t.Error("Order(100 kB id) = nil error; want a refusal")
	}
	if _, err := svc.AddToCart(ctx, cartID, "kettle", 1); err != nil {
		t.Fatalf("AddToCart(kettle) = %v", err)
	}
	if _, _, err := svc.PlaceOrder(ctx, shop.PlaceOrderInput{User: u, CartID: cartID, Key: long, Address: homeAddress}); err == nil {
		t.Error("PlaceOrder(100 kB checkout key) = nil error; want a refusal")
	}
	for _, key := range slices.Concat(rs.keys, rs.throttle, rs.saved) {
		if len(key) > 256 {
			t.Errorf("the store was asked for a %d-byte key; want every client string bounded or hashed first", len(key))
		}
	}
}

// TestCurrentPasswordChecksThrottled: a wrong current password at a
// password change counts in the account's sign-in throttle, so a stolen
// session gets 10 guesses, as a stranger at the sign-in form does: after
// them the right password is refused with ErrThrottled, for the password
// change and for sign-in, until the lock ends. Each failure is logged with
// the account id and the client address.
func TestCurrentPasswordChecksThrottled(t *testing.T) {
	f := newFixture(t)
	logs := captureLogs(t, f)
	u := f.register(t, "ada@example.com")
	ctx := shop.WithClientAddr(t.Context(), "198.51.100.9")
	a, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "198.51.100.9", nil)
	if err != nil {
		t.Fatal(err)
	}
	newPw := "a brand new passphrase"
	for i := 1; i <= shop.AccountFailureLimit; i++ {
		_, err := f.svc.ChangePassword(ctx, u, a.Session, shop.ChangePasswordInput{CurrentPassword: "guess number " + string(rune('a'+i)), NewPassword: newPw, ConfirmPassword: newPw})
		if fields(err)["current_password"] == "" {
			t.Fatalf("ChangePassword(wrong guess %d) = %v; want a current_password message", i, err)
		}
	}
	right := shop.ChangePasswordInput{CurrentPassword: goodPassword, NewPassword: newPw, ConfirmPassword: newPw}
	if _, err := f.svc.ChangePassword(ctx, u, a.Session, right); !errors.Is(err, shop.ErrThrottled) {
		t.Fatalf("ChangePassword(right password after %d wrong) = %v; want ErrThrottled", shop.AccountFailureLimit, err)
	}
	if _, err := f.svc.Authenticate(ctx, "ada@example.com", goodPassword, ""); !errors.Is(err, shop.ErrThrottled) {
		t.Errorf("Authenticate(right password) while locked by password-change guesses = %v; want ErrThrottled", err)
	}
	if got, err := f.svc.Authenticate(ctx, "ada@example.com", newPw, ""); !errors.Is(err, shop.ErrThrottled) {
		t.Errorf("Authenticate(new password) = %v, %v; want ErrThrottled (the password was not changed)", got, err)
	}
	f.clock.Advance(shop.LockDuration + time.Second)
	if _, err := f.svc.ChangePassword(ctx, u, a.Session, right); err != nil {
		t.Errorf("ChangePassword(right password after the lock) = %v; want nil", err)
	}
	out := logs.String()
	if n := strings.Count(out, "password change: current password wrong"); n != shop.AccountFailureLimit {
		t.Errorf("%d failed current-password checks logged; want %d:\n%s", n, shop.AccountFailureLimit, out)
	}
	for _, want := range []string{"user_id=" + u.ID, "client_addr=198.51.100.9", "sign-in locked", "password change throttled"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{goodPassword, newPw, "guess number", "ada@example.com", a.Token} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q; want no password, email or token", secret)
		}
	}
}

// TestRegistrationLimitPerAddress: a client address gets RegistrationLimit
// registrations per RegistrationWindow, counted in the store (so across
// servers); then ErrTooManyRegistrations, with nothing created, until the
// window is over. Attempts with a taken email count, so registration is no
// unlimited way to learn which emails have accounts; invalid forms do not.
func TestRegistrationLimitPerAddress(t *testing.T) {
	f := newFixture(t)
	serverA, rs := recordingService(f, shop.Config{RegistrationLimit: 3})
	serverB, _ := recordingService(f, shop.Config{RegistrationLimit: 3})
	ctx := shop.WithClientAddr(t.Context(), "203.0.113.5")
	other := shop.WithClientAddr(t.Context(), "203.0.113.6")
	reg := func(svc *shop.Service, ctx context.Context, email string) error {
		_, err := svc.Register(ctx, shop.RegisterInput{Email: email, Name: "Ada", Password: goodPassword, ConfirmPassword: goodPassword})
		return err
	}
	if err := reg(serverA, ctx, "not an email"); fields(err)["email"] == "" {
		t.Fatalf("Register(invalid email) = %v; want a field message", err)
	}
	if err := reg(serverA, ctx, "one@example.com"); err != nil {
		t.Fatalf("Register(1st) = %v", err)
	}
	if err := reg(serverB, ctx, "one@example.com"); !errors.Is(err, shop.ErrEmailTaken) {
		t.Fatalf("Register(taken, 2nd) = %v; want ErrEmailTaken", err)
	}
	if err := reg(serverB, ctx, "three@example.com"); err != nil {
		t.Fatalf("Register(3rd, on the other server) = %v", err)
	}
	creates := rs.creates
	for _, svc := range []*shop.Service{serverA, serverB} {
		if err := reg(svc, ctx, "four@example.com"); !errors.Is(err, shop.ErrTooManyRegistrations) {
			t.Errorf("Register(4th from one address) = %v; want ErrTooManyRegistrations", err)
		}
	}
	if err := reg(serverA, ctx, "one@example.com"); !errors.Is(err, shop.ErrTooManyRegistrations) {
		t.Errorf("Register(taken email past the limit) = %v; want ErrTooManyRegistrations, not ErrEmailTaken", err)
	}
	if rs.creates != creates {
		t.Errorf("a refused registration reached CreateUser")
	}
	if _, err := f.store.UserByEmail(t.Context(), "four@example.com"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("UserByEmail(refused registration) = %v; want ErrNotFound", err)
	}
	if err := reg(serverA, other, "five@example.com"); err != nil {
		t.Errorf("Register(from another address) = %v; want nil", err)
	}
	f.clock.Advance(shop.RegistrationWindow)
	if err := reg(serverA, ctx, "four@example.com"); err != nil {
		t.Errorf("Register(after the window) = %v; want nil", err)
	}
	if err := reg(shop.NewService(f.store, shop.Config{PasswordParams: &cheapHashing, Now: f.clock.Now}), ctx, "six@example.com"); err != nil {
		t.Errorf("Register(default limit 30) = %v; want nil", err)
	}
}

// TestGuestCartLimitPerAddress: a client address starts GuestCartLimit
// guest sessions per GuestCartWindow, counted in the store (so across
// servers); then an add to cart without a session is refused with
// ErrTooManyGuestCarts and stores nothing, until the window is over. An
// IPv6 client counts by its /64, which it may fill with addresses; a
// visitor with a session is not counted.
func TestGuestCartLimitPerAddress(t *testing.T) {
	f := newFixture(t)
	serverA, _ := recordingService(f, shop.Config{GuestCartLimit: 3})
	serverB, _ := recordingService(f, shop.Config{GuestCartLimit: 3})
	add := func(svc *shop.Service, addr string, visit *shop.Visit) (*shop.CartAdd, error) {
		return svc.AddToVisitorCart(shop.WithClientAddr(t.Context(), addr), visit, "kettle", "1")
	}
	var first *shop.CartAdd
	for i, addr := range []string{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2:aaaa:bbbb:cccc:dddd"} {
		out, err := add([]*shop.Service{serverA, serverB}[i%2], addr, &shop.Visit{})
		if err != nil || out.Guest == nil {
			t.Fatalf("AddToVisitorCart(guest %d from %s) = %+v, %v; want a new guest session", i+1, addr, out, err)
		}
		first = cmp.Or(first, out)
	}
	for _, svc := range []*shop.Service{serverA, serverB} {
		out, err := add(svc, "2001:db8:1:2::77", &shop.Visit{})
		if !errors.Is(err, shop.ErrTooManyGuestCarts) || out != nil {
			t.Errorf("AddToVisitorCart(4th guest from the same /64) = %+v, %v; want ErrTooManyGuestCarts", out, err)
		}
	}
	// A visitor who kept their cookie goes on shopping.
	visit, err := serverA.StartVisit(t.Context(), first.Guest.Token)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := add(serverA, "2001:db8:1:2::1", visit); err != nil || out.Guest != nil {
		t.Errorf("AddToVisitorCart(guest with a session, past the limit) = %+v, %v; want added to their cart", out, err)
	}
	for _, addr := range []string{"2001:db8:1:3::1", "203.0.113.9", "::ffff:203.0.113.10"} {
		if out, err := add(serverB, addr, &shop.Visit{}); err != nil || out.Guest == nil {
			t.Errorf("AddToVisitorCart(guest from another network %s) = %+v, %v; want a new session", addr, out, err)
		}
	}
	f.clock.Advance(shop.GuestCartWindow)
	if out, err := add(serverA, "2001:db8:1:2::77", &shop.Visit{}); err != nil || out.Guest == nil {
		t.Errorf("AddToVisitorCart(guest after the window) = %+v, %v; want a new session", out, err)
	}
}

// TestAddressThrottleKey: an IPv6 address counts by its /64, an IPv4
// address mapped into IPv6 as the IPv4 address, and anything else as it is.
func TestAddressThrottleKey(t *testing.T) {
	key := func(addr string) string { return shop.AddressThrottleKey("address", addr) }
	for _, same := range [][2]string{
		{"2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff"},
		{"fe80::1%eth0", "fe80::2"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
	} {
		if key(same[0]) != key(same[1]) {
			t.Errorf("AddressThrottleKey(%s) != AddressThrottleKey(%s); want one client", same[0], same[1])
		}
	}
	for _, apart := range [][2]string{
		{"2001:db8::1", "2001:db8:0:1::1"},
		{"192.0.2.1", "192.0.2.2"},
		{"not an address", "192.0.2.1"},
	} {
		if key(apart[0]) == key(apart[1]) {
			t.Errorf("AddressThrottleKey(%s) == AddressThrottleKey(%s); want two clients", apart[0], apart[1])
		}
	}
	if got, want := key("192.0.2.1"), shop.ThrottleKey("address", "192.0.2.1"); got != want {
		t.Errorf("AddressThrottleKey(IPv4) = %s; want ThrottleKey's %s (records from before stay valid)", got, want)
	}
	if !isThrottleKey(key("2001:db8::1")) {
		t.Errorf("AddressThrottleKey(IPv6) = %s; not a throttle key", key("2001:db8::1"))
	}
}

// TestRegistrationChecksCheapRefusalsFirst: a taken email and an invalid
// form are refused before any password hash is made.
func TestRegistrationChecksCheapRefusalsFirst(t *testing.T) {
	f := newFixture(t)
	params := shop.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Threads: 1}
	svc := shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	ctx := t.Context()
	in := shop.RegisterInput{Email: "ada@example.com", Name: "Ada", Password: goodPassword, ConfirmPassword: goodPassword}
	if _, err := svc.Register(ctx, in); err != nil {
		t.Fatal(err)
	}
	cost := uint64(params.MemoryKiB) * 1024
	var err error
	got := allocated(func() { _, err = svc.Register(ctx, in) })
	if !errors.Is(err, shop.ErrEmailTaken) {
		t.Fatalf("Register(taken) = %v; want ErrEmailTaken", err)
	}
	if got >= cost/2 {
		t.Errorf("a taken email allocated %d bytes; want far less than one argon2id hash (%d bytes): no hash before the lookup", got, cost)
	}
	bad := in
	bad.ConfirmPassword = "something else entirely"
	bad.Email = "new@example.com"
	if got := allocated(func() { svc.Register(ctx, bad) }); got >= cost/2 {
		t.Errorf("an invalid form allocated %d bytes; want no argon2id hash", got)
	}
}

// TestTrivialPasswordsRefusedWithReason: repeated, sequential and
// keyboard-walk passwords, common phrases and the account's own words are
// refused at registration and at password change, each with a message
// saying why (NIST SP 800-63B-4 3.1.1.2); strong passphrases pass.
func TestTrivialPasswordsRefusedWithReason(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		password string
		reason   string // a word the message must contain
	}{
		{"aaaaaaaaaaaa", "repeats"},
		{"111111111111", "repeats"},
		{"            ", "repeats"},
		{"abababababab", "repeats"},
		{"жжжжжжжжжжжж", "repeats"},
		{"abcdefghijkl", "sequence"},
		{"987654321098", "sequence"},
		{"αβγδεζηθικλμ", "sequence"},
		{"qwertyuiopas", "easy to guess"},
		{"asdfghjkl;'\\", "keys"},
		{"iloveyou1234", "common words"},
		{"zxcvbnmasdfg", "easy to guess"},
		{"gracehopper1906", "your name"},
		{"hopper.grace 77", "your name"},
		{"navy.example 1234", "your name"},
	}
	for i, tt := range tests {
		email := "grace.hopper" + string(rune('a'+i)) + "@navy.example"
		_, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Grace Hopper", Password: tt.password, ConfirmPassword: tt.password})
		msg := fields(err)["password"]
		if msg == "" || !strings.Contains(msg, tt.reason) {
			t.Errorf("Register(password %q) message %q; want it refused saying %q", tt.password, msg, tt.reason)
		}
	}
	u := f.register(t, "ada@example.com")
	for _, pw := range []string{"aaaaaaaaaaaa", "lovelace 1815 ada"} {
		_, err := f.svc.ChangePassword(t.Context(), u, nil, shop.ChangePasswordInput{CurrentPassword: goodPassword, NewPassword: pw, ConfirmPassword: pw})
		if fields(err)["new_password"] == "" {
			t.Errorf("ChangePassword(new %q) = %v; want a new_password message", pw, err)
		}
	}
	for i, pw := range []string{"violet-harbour-lantern-42", "correct horse battery 42", "a fresh passphrase here", "Tr0ub4dor&3 zebra", "x7#kPq2!mZ9w"} {
		email := "strong" + string(rune('a'+i)) + "@example.com"
		if _, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Ada", Password: pw, ConfirmPassword: pw}); err != nil {
			t.Errorf("Register(strong password %q) = %v; want success", pw, err)
		}
	}
}

// TestEmailsNormalisedAndLookAlikesRefused: emails are normalised with
// the PRECIS identifier profile (width, case, NFKC), compatible with the
// lower-cased emails stored before; an address mixing scripts to look like
// another is refused at registration with a message saying so, and is no
// account at sign-in.
func TestEmailsNormalisedAndLookAlikesRefused(t *testing.T) {
	for in, want := range map[string]string{
		" Ada@Example.COM ":        "ada@example.com",
		"ＡＤＡ@ｅｘａｍｐｌｅ.ｃｏｍ":          "ada@example.com",
		"ﬁle@example.com":          "file@example.com",
		"Иван@Пример.рф":           "иван@пример.рф",
		"ada.lovelace+shop@ex.org": "ada.lovelace+shop@ex.org",
	} {
		if got := shop.NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q; want %q", in, got, want)
		}
	}
	f := newFixture(t)
	ada := f.register(t, "ada@example.com")
	if _, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: "ＡＤＡ@example.com", Name: "Ada", Password: goodPassword, ConfirmPassword: goodPassword}); !errors.Is(err, shop.ErrEmailTaken) {
		t.Errorf("Register(full-width form of a taken email) = %v; want ErrEmailTaken", err)
	}
	if u, err := f.svc.Authenticate(t.Context(), "ＡＤＡ@EXAMPLE.com", goodPassword, ""); err != nil || u.ID != ada.ID {
		t.Errorf("Authenticate(full-width, upper-case email) = %v; want Ada's account", err)
	}
	// An account stored before, with the email only lower-cased (full-width
	// letters kept), is still found by either form, and still taken.
	legacy := &shop.User{ID: "ulegacy", Email: "ｇｒａｃｅ@example.com", Name: "Grace", PasswordHash: ada.PasswordHash, CreatedAt: f.clock.Now()}
	if err := f.store.CreateUser(t.Context(), legacy); err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"ＧＲＡＣＥ@example.com", "ｇｒａｃｅ@Example.com"} {
		if u, err := f.svc.Authenticate(t.Context(), typed, goodPassword, ""); err != nil || u.ID != legacy.ID {
			t.Errorf("Authenticate(%q) = %v; want the account stored as %q", typed, err, legacy.Email)
		}
		if _, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: typed, Name: "Grace", Password: goodPassword, ConfirmPassword: goodPassword}); !errors.Is(err, shop.ErrEmailTaken) {
			t.Errorf("Register(%q) = %v; want ErrEmailTaken (the account stored as %q)", typed, err, legacy.Email)
		}
	}
	for _, email := range []string{
		"pаypal@example.com",    // Cyrillic а in a Latin local part
		"ada@exаmple.com",       // Cyrillic а in a Latin domain label
		"аda@example.com",       // Cyrillic first letter
		"αda@example.com",       // Greek alpha
		"ada\u0430@example.com", // trailing Cyrillic
	} {
		_, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Ada", Password: goodPassword, ConfirmPassword: goodPassword})
		if msg := fields(err)["email"]; !strings.Contains(msg, "alphabets") {
			t.Errorf("Register(%q) = %v (email message %q); want it refused as mixing alphabets", email, err, msg)
		}
	}
	if _, err := f.svc.Authenticate(t.Context(), "аda@example.com", goodPassword, ""); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("Authenticate(look-alike of ada@example.com, her password) = %v; want ErrInvalidCredentials", err)
	}
	for _, email := range []string{"иван@пример.рф", "ivan@пример.рф", "山田@example.jp", "tanaka太郎カナ@example.jp", "ada😀@example.com"} {
		_, err := f.svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Ivan", Password: goodPassword, ConfirmPassword: goodPassword})
		wantValid := !strings.Contains(email, "😀")
		if got := fields(err)["email"] == ""; got != wantValid {
			t.Errorf("Register(%q) = %v; want valid %v", email, err, wantValid)
		}
	}
}

// captureLogs replaces the fixture's service by one of the same
// configuration whose Logger writes its records, as text, to the buffer it
// returns: the service logs only through the logger it is given.
func captureLogs(t *testing.T, f *fixture) *shoptest.LogBuffer {
	t.Helper()
	buf := &shoptest.LogBuffer{}
	cfg := f.svc.Config()
	cfg.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.svc = shop.NewService(f.store, cfg)
	return buf
}

// TestSignInEventsLogged: sign-in failures and locks are logged with the
// client address and, when the email is an account's, its id; never the
// password, nor the email of an unknown account.
func TestSignInEventsLogged(t *testing.T) {
	f := newFixture(t)
	u := f.register(t, "ada@example.com")
	logs := captureLogs(t, f)
	ctx := t.Context()
	mustRefuseSignIn(t, ctx, f.svc, "nobody@example.com", "secret guess one", "192.0.2.44", shop.ErrInvalidCredentials)
	for range shop.AccountFailureLimit {
		mustRefuseSignIn(t, ctx, f.svc, "ada@example.com", "secret guess two", "192.0.2.45", shop.ErrInvalidCredentials)
	}
	mustRefuseSignIn(t, ctx, f.svc, "ada@example.com", goodPassword, "192.0.2.46", shop.ErrThrottled)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	has := func(msg string, attrs ...string) bool {
		for _, line := range lines {
			ok := strings.Contains(line, "msg=\""+msg+"\"")
			for _, a := range attrs {
				ok = ok && strings.Contains(line, a)
			}
			if ok {
				return true
			}
		}
		return false
	}
	if !has("sign-in failed", "client_addr=192.0.2.44") || has("sign-in failed", "client_addr=192.0.2.44", "user_id=") {
		t.Errorf("unknown account's failure: want it logged with the address and no user id:\n%s", logs)
	}
	if !has("sign-in failed", "client_addr=192.0.2.45", "user_id="+u.ID) {
		t.Errorf("known account's failure: want it logged with the address and the user id:\n%s", logs)
	}
	if !has("sign-in locked", "client_addr=192.0.2.45", "user_id="+u.ID, "key_kind=account") {
		t.Errorf("the lock: want it logged with the address, the user id and the key kind:\n%s", logs)
	}
	if !has("sign-in throttled", "client_addr=192.0.2.46", "user_id="+u.ID) {
		t.Errorf("a sign-in refused while locked: want it logged with the address and the user id:\n%s", logs)
	}
	for _, secret := range []string{"secret guess", goodPassword, "nobody@example.com", "ada@example.com"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q; want no password and no email:\n%s", secret, logs)
		}
	}
}
