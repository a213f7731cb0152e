package web

// Sessions: secrets never stored, cookie attributes, renewal at sign-up.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestSessionSecretsNeverStored inspects the database files after sign-ups
// through the page and the API: session ids and bearer tokens carry at
// least 128 random bits and appear there only as their SHA-256; passwords
// only as argon2id hashes (ASVS V3.2.2, V2.4.1, V3.5.2).
func TestSessionSecretsNeverStored(t *testing.T) {
	e := newEnv(t)
	var secrets []string
	for i := range 3 {
		email := fmt.Sprintf("stored%d@example.com", i)
		// A session cookie and a bearer token are the secret and the ids
		// of the session's user and cart (shop.SignedIn.Credential).
		secret, _, _ := strings.Cut(e.register(email), ".")
		tokenSecret, _, _ := strings.Cut(e.token(email, testPassword), ".")
		secrets = append(secrets, secret, tokenSecret)
	}
	files, _ := filepath.Glob(e.dbPath + "*") // the database and its WAL
	var stored []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, b...)
	}
	for _, s := range secrets {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(raw) < 16 {
			t.Errorf("secret %q: %d bytes, %v; want at least 128 bits, base64url", s, len(raw), err)
		}
		if bytes.Contains(stored, []byte(s)) {
			t.Errorf("the database files hold the secret %q itself", s)
		}
		sum := sha256.Sum256([]byte(s))
		if !bytes.Contains(stored, []byte(hex.EncodeToString(sum[:]))) {
			t.Errorf("the database files lack the SHA-256 of %q: how is the session found?", s)
		}
	}
	if bytes.Contains(stored, []byte(testPassword)) || !bytes.Contains(stored, []byte("$argon2id$")) {
		t.Error("the database files hold the password, or no argon2id hash")
	}
	if len(slices.Compact(slices.Sorted(slices.Values(secrets)))) != len(secrets) {
		t.Errorf("secrets repeat: %v", secrets)
	}
}

// TestSessionCookieAttributes checks every cookie the shop sets: HttpOnly,
// SameSite=Lax, Path=/, no Domain always; over HTTPS (directly or behind a
// trusted proxy) Secure and the __Host- prefix, which is then the only
// session cookie the server reads; HSTS of a year over HTTPS (ASVS V3.4.1-5,
// V14.4.5).
func TestSessionCookieAttributes(t *testing.T) {
	signUp := func(e *testEnv, rq rawReq) (*httptest.ResponseRecorder, []*http.Cookie) {
		t.Helper()
		rq.method, rq.target = "POST", "/register"
		rq.form = url.Values{"email": {"cookie" + fmt.Sprint(time.Now().UnixNano()) + "@example.com"}, "name": {"C"},
			"password": {testPassword}, "confirm_password": {testPassword}}
		w := e.send(rq)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("register: %d %s", w.Code, w.Body)
		}
		form := e.send(rawReq{method: "GET", target: "/register", https: rq.https, header: rq.header})
		return w, append(w.Result().Cookies(), form.Result().Cookies()...)
	}
	check := func(name string, cookies []*http.Cookie, secure bool) {
		t.Helper()
		if len(cookies) < 2 {
			t.Fatalf("%s: cookies %v; want the session and the cookie check", name, cookies)
		}
		for _, c := range cookies {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != secure {
				t.Errorf("%s: cookie %s; want HttpOnly, SameSite=Lax, Path=/, no Domain, Secure %v", name, c, secure)
			}
		}
	}

	plain := newEnv(t)
	w, cookies := signUp(plain, rawReq{})
	check("plain HTTP", cookies, false)
	if cookieValue(w, sessionCookiePlain) == "" || w.Header().Get("Strict-Transport-Security") != "" {
		t.Errorf("plain HTTP: no session cookie, or HSTS sent: %v", w.Header())
	}
	// The client's X-Forwarded-Proto is not trusted without a proxy.
	w, _ = signUp(plain, rawReq{header: map[string]string{"X-Forwarded-Proto": "https"}})
	if cookieValue(w, sessionCookiePlain) == "" {
		t.Errorf("untrusted X-Forwarded-Proto changed the cookie: %v", w.Result().Cookies())
	}

	for name, c := range map[string]struct {
		cfg Config
		rq  rawReq
	}{
		"TLS":           {Config{}, rawReq{https: true}},
		"trusted proxy": {Config{TrustProxy: true}, rawReq{header: map[string]string{"X-Forwarded-Proto": "https"}}},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, withConfig(c.cfg))
			w, cookies := signUp(e, c.rq)
			check(name, cookies, true)
			token := cookieValue(w, sessionCookieSecure)
			if token == "" || cookieValue(w, sessionCookiePlain) != "" {
				t.Fatalf("cookies %v; want only %s", w.Result().Cookies(), sessionCookieSecure)
			}
			if hsts := w.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=31536000") {
				t.Errorf("Strict-Transport-Security = %q; want a year", hsts)
			}
			rq := c.rq
			rq.method, rq.target, rq.form, rq.cookie, rq.cookieName = "GET", "/account", nil, token, sessionCookieSecure
			if w := e.send(rq); w.Code != http.StatusOK {
				t.Errorf("GET /account with the %s cookie = %d; want 200", sessionCookieSecure, w.Code)
			}
			// A cookie without the prefix (one a subdomain or plain-HTTP
			// page could plant) is not a session over HTTPS.
			rq.https, rq.cookie = false, ""
			rq.header = map[string]string{"Cookie": sessionCookiePlain + "=" + token}
			if c.cfg.TrustProxy {
				rq.header["X-Forwarded-Proto"] = "https"
			} else {
				rq.https = true
			}
			if w := e.send(rq); w.Code != http.StatusSeeOther {
				t.Errorf("GET /account over HTTPS with a plain %s cookie = %d; want 303 to sign in", sessionCookiePlain, w.Code)
			}
		})
	}
}

// TestSessionRenewedAtRegistration: registering from a guest session (which
// holds a cart) issues a new session id and ends the guest's (ASVS V3.2.1;
// sign-in and password change: TestLoginRenewsSessionAndMergesGuestCart,
// TestAccountPage).
func TestSessionRenewedAtRegistration(t *testing.T) {
	e := newEnv(t)
	w := e.send(rawReq{method: "POST", target: "/cart/items", form: url.Values{"product_id": {"kettle"}, "quantity": {"1"}}})
	guest := cookieValue(w, sessionCookiePlain)
	if guest == "" {
		t.Fatal("no guest session")
	}
	w = e.send(rawReq{method: "POST", target: "/register", cookie: guest,
		form: url.Values{"email": {"renew@example.com"}, "name": {"R"}, "password": {testPassword}, "confirm_password": {testPassword}}})
	user := cookieValue(w, sessionCookiePlain)
	if w.Code != http.StatusSeeOther || user == "" || user == guest {
		t.Fatalf("register from a guest session: %d, cookie %q; want a new session id", w.Code, user)
	}
	if _, _, err := e.svc.Session(t.Context(), guest); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("guest session after registration = %v; want ended", err)
	}
	if loc := w.Header().Get("Location"); strings.Contains(loc, user) {
		t.Errorf("Location %q carries the session id", loc)
	}
}

// TestCartReadOnlyByPagesShowingIt: the visit's cart summary is read from
// the store only by a page that shows it, once per request however many
// parts of the page show it (the layout's count and the cart page); a POST
// that only redirects reads no cart for the visit.
func TestCartReadOnlyByPagesShowingIt(t *testing.T) {
	e := newEnv(t)
	w := e.send(rawReq{method: "POST", target: "/cart/items", form: url.Values{"product_id": {"kettle"}, "quantity": {"1"}}})
	guest := cookieValue(w, sessionCookiePlain)
	if w.Code != http.StatusSeeOther || guest == "" {
		t.Fatalf("POST /cart/items (guest) = %d, cookie %q; want 303 and a session", w.Code, guest)
	}
	user := e.register("reads@example.com")
	for _, c := range []struct {
		name   string
		rq     rawReq
		status int
		reads  int64
	}{
		{"cart page", rawReq{method: "GET", target: "/cart", cookie: guest}, http.StatusOK, 1},
		{"product page", rawReq{method: "GET", target: "/products/kettle", cookie: guest}, http.StatusOK, 1},
		{"refused quantity shows the cart", rawReq{method: "POST", target: "/cart/items/kettle", cookie: guest,
			form: url.Values{"quantity": {"abc"}}}, http.StatusUnprocessableEntity, 1},
		{"checkout form", rawReq{method: "GET", target: "/checkout", cookie: user}, http.StatusOK, 1},
		{"remove a line, redirect", rawReq{method: "POST", target: "/cart/items/mug", cookie: guest,
			form: url.Values{"quantity": {"0"}}}, http.StatusSeeOther, 1}, // SetCartQuantity's own read
		{"sign out, redirect", rawReq{method: "POST", target: "/logout", cookie: user, form: url.Values{}}, http.StatusSeeOther, 0},
	} {
		before := e.fail.cartReads.Load()
		w := e.send(c.rq)
		got := e.fail.cartReads.Load() - before
		if w.Code != c.status || got != c.reads {
			t.Errorf("%s: %s %s = %d with %d cart reads; want %d with %d", c.name, c.rq.method, c.rq.target, w.Code, got, c.status, c.reads)
		}
	}
}

// TestSessionCookieOfTheSecretAlone: the session cookie names the
// session's user and cart next to its secret (read with the session in
// one store call), and a cookie of the secret alone, as the shop set
// before, still signs its browser in.
func TestSessionCookieOfTheSecretAlone(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("old-cookie@example.com")
	secret, ids, ok := strings.Cut(cookie, ".")
	if !ok || strings.Count(ids, ".") != 1 {
		t.Fatalf("session cookie %q; want SECRET.USERID.CARTID", cookie)
	}
	for _, c := range []string{cookie, secret} {
		w := e.send(rawReq{method: "GET", target: "/", cookie: c})
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<span id="signed-in-name">Sec User</span>`) {
			t.Errorf("GET / with cookie %q = %d, not signed in; want the shopper's page", c, w.Code)
		}
		if got := cookieValue(w, sessionCookiePlain); got != "" {
			t.Errorf("GET / with cookie %q set the session cookie to %q; want it kept", c, got)
		}
	}
}
