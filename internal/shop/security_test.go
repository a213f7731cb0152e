package shop_test

// Proofs of the security requirements that live in the domain (SECURITY.md
// maps each requirement to its test): password policy, sign-in throttling,
// session secrets and lifetimes, and prices decided by the server.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// passwordMessage returns the password message Register gives for pw, or "".
func passwordMessage(t *testing.T, svc *shop.Service, email, pw string) string {
	t.Helper()
	_, err := svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Ada", Password: pw, ConfirmPassword: pw})
	if err != nil && fields(err) == nil && !errors.Is(err, shop.ErrEmailTaken) {
		t.Fatalf("Register(%q) = %v", pw, err)
	}
	return fields(err)["password"]
}

// TestPasswordPolicyHasNoCompositionRules: any long, uncommon password is
// accepted, whatever characters it is made of (ASVS V2.1.9, V2.1.4).
func TestPasswordPolicyHasNoCompositionRules(t *testing.T) {
	f := newFixture(t)
	for i, pw := range []string{
		"violet kangaroo tuesday",       // lower-case letters and spaces only
		"VIOLETKANGAROOTUESDAY",         // upper-case only
		"839201746352",                  // digits only
		"🐈🐕🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵",                  // emoji only: 12 characters, 48 bytes
		"紫色のカンガルーが火曜日に跳ぶ",               // CJK
		"  spaces at both ends count  ", // kept as typed
	} {
		if msg := passwordMessage(t, f.svc, "user"+string(rune('a'+i))+"@example.com", pw); msg != "" {
			t.Errorf("password %q refused: %q; want it accepted (no composition rules)", pw, msg)
		}
	}
}

// TestPasswordNeverTruncated: every character of a long password counts,
// beyond the 72 bytes bcrypt would keep and up to 128 characters of 4 bytes
// (ASVS V2.1.3, V2.1.2).
func TestPasswordNeverTruncated(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	long := strings.Repeat("🐈🐕🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵🐔🐧🐦🐤", 8)[:127*4] + "a" // 128 characters, 509 bytes
	if msg := passwordMessage(t, f.svc, "long@example.com", long); msg != "" {
		t.Fatalf("a 128-character password was refused: %q", msg)
	}
	for _, wrong := range []string{long[:127*4] + "b", long[:127*4], long[:72], long + "a"} {
		if _, err := f.svc.Authenticate(ctx, "long@example.com", wrong, ""); !errors.Is(err, shop.ErrInvalidCredentials) {
			t.Errorf("Authenticate(%d-byte variant) = %v; want ErrInvalidCredentials", len(wrong), err)
		}
	}
	if _, err := f.svc.Authenticate(ctx, "long@example.com", long, ""); err != nil {
		t.Errorf("Authenticate(exact) = %v", err)
	}
}

// TestCommonPasswordRefusedWithReason: a password of the common list is
// refused in any letter case, and the message says why (ASVS V2.1.7).
func TestCommonPasswordRefusedWithReason(t *testing.T) {
	f := newFixture(t)
	for _, pw := range []string{"qwerty123456", "1q2w3e4r5t6y", "PASSWORD1234"} {
		if !shop.IsCommonPassword(pw) {
			t.Fatalf("%q is not on the list; pick another sample", pw)
		}
		msg := passwordMessage(t, f.svc, "common@example.com", pw)
		if !strings.Contains(msg, "too common") {
			t.Errorf("password %q: message %q; want it to say the password is too common", pw, msg)
		}
	}
}

// TestContextWordsRefusedAsPasswords: the email address and the shop's name
// are refused, also dressed up with case, digits, spaces or symbols.
func TestContextWordsRefusedAsPasswords(t *testing.T) {
	f := newFixture(t) // default shop name: Storefront
	for _, pw := range []string{"Storefront2026!", "s t o r e f r o n t 1 2", "STOREFRONT-12345"} {
		if msg := passwordMessage(t, f.svc, "shop@example.com", pw); !strings.Contains(msg, "shop's name") {
			t.Errorf("password %q: message %q; want the shop's name refused", pw, msg)
		}
	}
	for _, pw := range []string{"AdaLovelace@Example.com", "adalovelace@example.com 2026"} {
		if msg := passwordMessage(t, f.svc, "adalovelace@example.com", pw); !strings.Contains(msg, "email") {
			t.Errorf("password %q: message %q; want the email refused", pw, msg)
		}
	}
	params := cheapHashing
	named := shop.NewService(f.store, shop.Config{ShopName: "Acme Hardware", PasswordParams: &params})
	if msg := passwordMessage(t, named, "acme@example.com", "acme hardware 99"); !strings.Contains(msg, "shop's name") {
		t.Errorf("shop Acme Hardware, password %q: message %q; want the shop's name refused", "acme hardware 99", msg)
	}
	// A password merely containing the name is a passphrase, not the name.
	if msg := passwordMessage(t, f.svc, "fan@example.com", "my favourite storefront ever"); msg != "" {
		t.Errorf("a passphrase containing the shop's name was refused: %q", msg)
	}
}

// TestSignInThrottlingConcurrentBurst: a burst of parallel guesses gets
// exactly the limit of real answers, also when it is spread over servers
// (services with no lock between them) sharing one store. Guesses that
// passed the lock check before the lock was set are answered ErrThrottled
// once it is, so the answer never tells whether such a guess was right.
// Servers on their own connections to each store, and two servers sharing
// the throttle records, are in shoptest.TestService, which every store runs.
func TestSignInThrottlingConcurrentBurst(t *testing.T) {
	tests := []struct {
		name    string
		servers func(t *testing.T, f *fixture) []*shop.Service
	}{
		{"one server", func(t *testing.T, f *fixture) []*shop.Service { return []*shop.Service{f.svc} }},
		{"two servers on one store", func(t *testing.T, f *fixture) []*shop.Service {
			params := cheapHashing
			return []*shop.Service{f.svc, shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now})}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.register(t, "ada@example.com")
			shoptest.SignInBurst(t, tt.servers(t, f), "ada@example.com", goodPassword, "")
		})
	}
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestUnknownEmailCostsTheSameHashing: a sign-in with an unknown email runs
// argon2id with the same parameters as one with a known email, measured by
// the memory argon2id fills (its cost parameter), so neither timing nor
// load tells whether an account exists (ASVS V2.2.1, V3.2.x enumeration).
func TestUnknownEmailCostsTheSameHashing(t *testing.T) {
	f := newFixture(t)
	params := shop.PasswordParams{MemoryKiB: 8 * 1024, Iterations: 1, Threads: 1}
	svc := shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	ctx := t.Context()
	if _, err := svc.Register(ctx, shop.RegisterInput{Email: "ada@example.com", Name: "Ada", Password: goodPassword, ConfirmPassword: goodPassword}); err != nil {
		t.Fatal(err)
	}
	cost := uint64(params.MemoryKiB) * 1024
	var knownErr, unknownErr, rightErr error
	known := allocated(func() { _, knownErr = svc.Authenticate(ctx, "ada@example.com", "wrong password!", "") })
	unknown := allocated(func() { _, unknownErr = svc.Authenticate(ctx, "nobody@example.com", "wrong password!", "") })
	right := allocated(func() { _, rightErr = svc.Authenticate(ctx, "ada@example.com", goodPassword, "") })
	if !errors.Is(knownErr, shop.ErrInvalidCredentials) || !errors.Is(unknownErr, shop.ErrInvalidCredentials) || rightErr != nil {
		t.Fatalf("Authenticate(known, unknown, right) = %v, %v, %v; want ErrInvalidCredentials twice, then nil", knownErr, unknownErr, rightErr)
	}
	for name, got := range map[string]uint64{"known email": known, "unknown email": unknown, "right password": right} {
		if got < cost || got > cost+cost/4 {
			t.Errorf("%s: sign-in allocated %d bytes; want one argon2id hash of %d bytes (+25%%)", name, got, cost)
		}
	}
}

// TestSessionSecretsAreRandomAndStoredHashed: session ids and API tokens
// carry 256 random bits and only their SHA-256 reaches the store, so a copy
// of the store holds nothing a client could present (ASVS V3.2.2, V3.2.4,
// V2.10.x-style secret storage).
func TestSessionSecretsAreRandomAndStoredHashed(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ada@example.com")
	seen := map[string]bool{}
	check := func(kind, token, idHash string) {
		t.Helper()
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) < 16 {
			t.Errorf("%s token %q: %d bytes, %v; want at least 128 bits, URL-safe", kind, token, len(raw), err)
		}
		if seen[token] {
			t.Errorf("%s token %q issued twice", kind, token)
		}
		seen[token] = true
		sum := sha256.Sum256([]byte(token))
		if idHash != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: stored id %q; want the SHA-256 of the token", kind, idHash)
		}
		if _, err := f.store.Session(ctx, idHash); err != nil {
			t.Errorf("%s: store.Session(hash) = %v; want the session", kind, err)
		}
		if _, err := f.store.Session(ctx, token); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("%s: store.Session(raw token) = %v; want ErrNotFound (only the hash is a key)", kind, err)
		}
	}
	for range 50 {
		in, err := f.svc.SignIn(ctx, "ada@example.com", goodPassword, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		check("web", in.Token, in.Session.IDHash)
		tok, err := f.svc.CreateToken(ctx, "ada@example.com", goodPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		check("api", tok.Token, tok.Session.IDHash)
		guest, err := f.svc.StartGuestSession(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check("guest", guest.Token, guest.Session.IDHash)
	}
}

// TestSessionTimeoutsAreConfigurable: the idle and absolute timeouts are the
// configured ones, enforced by the server (ASVS V3.3.2).
func TestSessionTimeoutsAreConfigurable(t *testing.T) {
	tests := []struct {
		name               string
		idle, maxAge, step time.Duration
	}{
		{"idle 5m, max age 1h", 5 * time.Minute, time.Hour, 4 * time.Minute},
		{"idle 2h, max age 24h", 2 * time.Hour, 24 * time.Hour, 90 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.register(t, "ada@example.com")
			params := cheapHashing
			svc := shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now,
				SessionIdleTimeout: tt.idle, SessionMaxAge: tt.maxAge})
			checkSessionLifetime(t, f, svc, tt.idle, tt.maxAge, tt.step)
		})
	}
}

// TestAPITokenLifetime: a bearer token lives as long as a browser session
// may (STOREFRONT_SESSION_MAX_AGE, 12 hours by default), then the server
// refuses it (ASVS V3.3.2).
func TestAPITokenLifetime(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ada@example.com")
	tok, err := f.svc.CreateToken(ctx, "ada@example.com", goodPassword, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Session.ExpiresAt.Sub(tok.Session.CreatedAt); got != 12*time.Hour {
		t.Errorf("default token lifetime = %v; want 12h", got)
	}
	params := cheapHashing
	svc := shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now, SessionMaxAge: time.Hour})
	tok, err = svc.CreateToken(ctx, "ada@example.com", goodPassword, "", "")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour - time.Second)
	if _, _, err := svc.TokenUser(ctx, tok.Token); err != nil {
		t.Errorf("TokenUser before the configured hour = %v; want alive (no idle timeout for programs)", err)
	}
	f.clock.Advance(time.Second)
	if _, _, err := svc.TokenUser(ctx, tok.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("TokenUser after the configured hour = %v; want ErrUnauthorized", err)
	}
}

// TestSessionTokensRefused: anything but a live token of the right kind is
// ErrUnauthorized, never another error, however long or odd.
func TestSessionTokensRefused(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	f.register(t, "ada@example.com")
	web := mustSignIn(t, f.svc, "ada@example.com", goodPassword)
	api := mustCreateToken(t, f.svc, "ada@example.com", goodPassword)
	for _, token := range []string{"", " ", web.Token + " ", strings.ToUpper(web.Token), strings.Repeat("a", 10000), "\x00", "' OR 1=1 --", web.Session.IDHash} {
		if _, _, err := f.svc.Session(ctx, token); !errors.Is(err, shop.ErrUnauthorized) {
			t.Errorf("Session(%.20q) = %v; want ErrUnauthorized", token, err)
		}
		if _, _, err := f.svc.TokenUser(ctx, token); !errors.Is(err, shop.ErrUnauthorized) {
			t.Errorf("TokenUser(%.20q) = %v; want ErrUnauthorized", token, err)
		}
	}
	if _, _, err := f.svc.Session(ctx, api.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("Session(an API token) = %v; want ErrUnauthorized", err)
	}
	if _, _, err := f.svc.TokenUser(ctx, web.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("TokenUser(a web session) = %v; want ErrUnauthorized", err)
	}
}

// TestCheckoutStopsOnWithdrawnProduct: a product withdrawn since it went
// into the cart stops the checkout, changing nothing, until the shopper
// confirms (which drops the line); the order is then priced from the
// catalog, never from what the cart remembered.
func TestCheckoutStopsOnWithdrawnProduct(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	cart := shop.UserCartID(u.ID)
	f.mustAddToCart(t, cart, "kettle", 1)
	f.mustAddToCart(t, cart, "mug", 2)
	mug, err := f.store.Product(ctx, "mug")
	if err != nil {
		t.Fatalf("Product(mug) = %v", err)
	}
	mug.Active = false
	if err := f.store.SaveProduct(ctx, mug); err != nil {
		t.Fatal(err)
	}
	_, _, err = checkout(t, f, u, shop.NewCheckoutKey())
	var perr *shop.PriceError
	if !errors.As(err, &perr) || len(perr.Items) != 1 || !perr.Items[0].Withdrawn || perr.Items[0].ProductID != "mug" {
		t.Fatalf("PlaceOrder(withdrawn mug) = %v; want a PriceError naming the withdrawn mug", err)
	}
	if f.stock(t, "kettle") != 10 {
		t.Errorf("kettle stock = %d; want 10 (nothing changed)", f.stock(t, "kettle"))
	}
	if _, err := f.svc.ConfirmCartPrices(ctx, cart); err != nil {
		t.Fatal(err)
	}
	// The cart remembers a price the shopper never saw in the catalog
	// (as if tampered with): the checkout refuses it too.
	c, err := f.store.Cart(ctx, cart)
	if err != nil || len(c.Lines) != 1 {
		t.Fatalf("Cart(%s) = %+v, %v; want the kettle's line", cart, c, err)
	}
	c.Lines[0].SeenPriceCents = 1
	if err := f.store.SaveCart(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := checkout(t, f, u, shop.NewCheckoutKey()); !errors.As(err, &perr) || perr.Items[0].NewPriceCents != 3900 {
		t.Fatalf("PlaceOrder(line remembered at 1 cent) = %v; want a PriceError with the catalog's 3900", err)
	}
	if _, err := f.svc.ConfirmCartPrices(ctx, cart); err != nil {
		t.Fatal(err)
	}
	o, _, err := checkout(t, f, u, shop.NewCheckoutKey())
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Items) != 1 || o.Items[0].UnitPriceCents != 3900 || o.SubtotalCents != 3900 || o.ShippingCents != 500 || o.TotalCents != 4400 {
		t.Errorf("order = %+v; want one kettle at 3900, shipping 500, total 4400", o)
	}
}
