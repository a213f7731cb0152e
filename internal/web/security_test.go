package web

// Proofs of the security requirements of the HTTP layer that the other
// tests do not already give (SECURITY.md maps each requirement to its
// test): session secrets and cookies, cross-site refusal and safe methods on
// every route, security headers on every kind of answer, logging, error
// detail, and who may reach which cart and order.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// pageRoutes returns the patterns routes.go registers, read from its
// source, so a route added there is checked here without editing the test.
func pageRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		patterns = append(patterns, m[1])
	}
	if len(patterns) < 20 {
		t.Fatalf("found %d page routes in routes.go; the pattern reader is out of date", len(patterns))
	}
	return patterns
}

// allRoutes returns every route of the server, pages and API, as
// "METHOD /path" with path values filled in for a request.
func allRoutes(t *testing.T, orderID string) []string {
	t.Helper()
	patterns := pageRoutes(t)
	for _, rt := range (&server{}).apiRouteTable() {
		patterns = append(patterns, rt.pattern)
	}
	fill := strings.NewReplacer("{$}", "", "{product_id}", "kettle", "{file}", "kettle.svg")
	var out []string
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		switch {
		case strings.Contains(path, "/orders/{id}"):
			path = strings.Replace(path, "{id}", orderID, 1)
		case path == "/static/":
			path = staticURL("style.css")
		}
		out = append(out, method+" "+strings.Replace(fill.Replace(path), "{id}", "kettle", 1))
	}
	return out
}

// TestSessionSecretsNeverStored inspects the database files after sign-ups
// through the page and the API: session ids and bearer tokens carry at
// least 128 random bits and appear there only as their SHA-256; passwords
// only as argon2id hashes (ASVS V3.2.2, V2.4.1, V3.5.2).
func TestSessionSecretsNeverStored(t *testing.T) {
	e := newEnv(t)
	var secrets []string
	for i := range 3 {
		email := fmt.Sprintf("stored%d@example.com", i)
		secrets = append(secrets, e.register(email), e.token(email, testPassword))
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

// TestStateChangingRoutesRefuseCrossSite sends every POST, PUT and DELETE
// route of the pages and the API, as a browser on another site would (the
// victim's cookie and token attached): each is 403 and the store is
// unchanged (ASVS V4.2.2, V13.2.3).
func TestStateChangingRoutesRefuseCrossSite(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("victim@example.com")
	token := e.token("victim@example.com", testPassword)
	orderID := e.orderOne(token, "trowel", "victim-order-1")
	e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/kettle", token: token, json: `{"quantity": 2}`})
	form := url.Values{"product_id": {"kettle"}, "quantity": {"0"}, "name": {"Evil"}, "email": {"evil@example.com"},
		"password": {testPassword}, "confirm_password": {testPassword}, "current_password": {testPassword},
		"new_password": {"evil new passphrase"}, "full_name": {"Evil"}, "address_line1": {"1 Evil St"}, "city": {"Evil"},
		"postal_code": {"666"}, "country": {"GB"}, "checkout_key": {"evil-checkout-1"}}
	before := e.snapshot()
	unsafe := 0
	for _, route := range allRoutes(t, orderID) {
		method, path, _ := strings.Cut(route, " ")
		if method == http.MethodGet {
			continue
		}
		unsafe++
		for name, hdr := range map[string]map[string]string{
			"Origin":         {"Origin": "https://evil.example"},
			"Sec-Fetch-Site": {"Sec-Fetch-Site": "cross-site"},
		} {
			rq := rawReq{method: method, target: path, cookie: cookie, token: token, header: hdr}
			if strings.HasPrefix(path, "/api/") {
				rq.json = `{"quantity": 1, "email": "evil@example.com", "password": "` + testPassword + `", "name": "Evil", "shipping_address": ` + apiJSON(apiAddress) + `}`
				rq.header["Idempotency-Key"] = "evil-order-1"
			} else {
				rq.form = form
			}
			w := e.send(rq)
			if w.Code != http.StatusForbidden {
				t.Errorf("%s %s with a foreign %s = %d; want 403", method, path, name, w.Code)
			}
			if rq.json != "" && !strings.Contains(w.Body.String(), `"error":"cross_origin_request"`) {
				t.Errorf("%s %s: body %s; want the JSON error cross_origin_request", method, path, w.Body)
			}
		}
	}
	if unsafe < 12 {
		t.Errorf("checked %d state-changing routes; the route reader is out of date", unsafe)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("refused cross-site requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestGETNeverChangesState sends GET and HEAD to every route of the pages
// and the API, GET-only routes with the query strings their pages use, and
// GET to every POST, PUT and DELETE path (405), signed in with a cart and
// an order: the store is unchanged and the session still works (ASVS
// V13.2.1, V4.2.2).
func TestGETNeverChangesState(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("reader@example.com")
	token := e.token("reader@example.com", testPassword)
	orderID := e.orderOne(token, "trowel", "reader-order-1")
	e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/kettle", token: token, json: `{"quantity": 2}`})
	before := e.snapshot()

	targets := []string{"/login?cookies=1&next=/checkout", "/login?cookies=1&registered=1", "/account?updated=password",
		"/cart?added=1", "/products?q=mug&category=kitchen&sort=price_desc&page=1", "/products?page=0", "/orders/onothere",
		"/api/v1/products?q=kettle&page=1&per_page=100", "/api/v1/orders/onothere", "/logout?next=/", "/register?next=/checkout"}
	for _, route := range allRoutes(t, orderID) {
		_, path, _ := strings.Cut(route, " ")
		targets = append(targets, path)
	}
	for _, target := range targets {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if w := e.send(rawReq{method: method, target: target, cookie: cookie, token: token}); w.Code >= 500 {
				t.Errorf("%s %s = %d", method, target, w.Code)
			}
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("GET and HEAD requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if w := e.send(rawReq{method: "GET", target: "/account", cookie: cookie}); w.Code != http.StatusOK {
		t.Errorf("GET /account after the GETs = %d; want still signed in", w.Code)
	}
	if w := e.send(rawReq{method: "GET", target: "/api/v1/me", token: token}); w.Code != http.StatusOK {
		t.Errorf("GET /api/v1/me after the GETs = %d; want the token alive", w.Code)
	}
}

// TestUnknownMethodsAnswer405 asks pages and API calls with methods they do
// not take, standard and made-up: 405 with an Allow header naming only the
// path's methods; the API answers in its JSON error shape (ASVS V14.5.1,
// V13.2.1).
func TestUnknownMethodsAnswer405(t *testing.T) {
	e := newEnv(t)
	methods := []string{"TRACE", "PROPFIND", "BREW", "LINK", "PATCH", "PUT", "DELETE", "OPTIONS"}
	for _, path := range []string{"/", "/products", "/products/kettle", "/cart", "/cart/items", "/login", "/logout", "/checkout", "/healthz", staticURL("style.css")} {
		for _, m := range methods {
			w := e.send(rawReq{method: m, target: path})
			allow := w.Header().Get("Allow")
			if w.Code != http.StatusMethodNotAllowed || allow == "" || strings.Contains(allow, m) {
				t.Errorf("%s %s = %d, Allow %q; want 405 with Allow not naming %s", m, path, w.Code, allow, m)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Errorf("%s %s: Content-Type %q; want the HTML error page", m, path, w.Header().Get("Content-Type"))
			}
		}
	}
	for path, want := range map[string]string{
		"/api/v1/products":          "GET, HEAD",
		"/api/v1/cart/items/kettle": "PUT, DELETE",
		"/api/v1/tokens/current":    "DELETE",
		"/api/v1/orders":            "GET, HEAD, POST",
		"/api/v1/openapi.json":      "GET, HEAD",
	} {
		for _, m := range methods {
			if strings.Contains(want, m) {
				continue
			}
			w := e.send(rawReq{method: m, target: path})
			res := &apiResp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
			if w.Code != http.StatusMethodNotAllowed || res.Header.Get("Allow") != want || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s = %d, Allow %q, %s; want 405 JSON with Allow %q", m, path, w.Code, res.Header.Get("Allow"),
					res.Header.Get("Content-Type"), want)
			}
			for _, p := range apiCheckResponse(m, path, res) {
				t.Errorf("%s %s: %s", m, path, p)
			}
		}
	}
}

// errSecret is an internal error whose text must never reach a person.
var errSecret = errors.New("disk I/O error at /var/secret/storefront.db")

// TestSecurityHeadersOnAPIAndErrors checks the headers of the answers
// TestSecurityHeadersOnEveryAnswer does not: API successes and errors (201,
// 204, 401, 405, 413, 415, 422), a page 413, internal errors of a page and
// of the API, HEAD; and that no answer allows other origins (CORS) (ASVS
// V14.4.1-7, V14.3.3, V14.5.3).
func TestSecurityHeadersOnAPIAndErrors(t *testing.T) {
	e := newEnv(t)
	e.register("headers@example.com")
	token := e.token("headers@example.com", testPassword)
	broken := newEnv(t)
	broken.fail.failCategories(errSecret)
	big := strings.Repeat("a", maxBodyBytes+1)
	origin := map[string]string{"Origin": "https://other.example"}
	for name, w := range map[string]*httptest.ResponseRecorder{
		"API 200":         e.send(rawReq{method: "GET", target: "/api/v1/products", header: origin}),
		"API 201":         e.send(rawReq{method: "POST", target: "/api/v1/tokens", json: apiJSON(map[string]string{"email": "headers@example.com", "password": testPassword})}),
		"API 204":         e.send(rawReq{method: "DELETE", target: "/api/v1/tokens/current", token: token}),
		"API 401":         e.send(rawReq{method: "GET", target: "/api/v1/me", header: origin}),
		"API 405":         e.send(rawReq{method: "TRACE", target: "/api/v1/products"}),
		"API 413":         e.send(rawReq{method: "POST", target: "/api/v1/users", json: big}),
		"API 415":         e.send(rawReq{method: "POST", target: "/api/v1/users", form: url.Values{"email": {"x"}}}),
		"API 422":         e.send(rawReq{method: "POST", target: "/api/v1/users", json: `{"nickname": 1}`}),
		"API 500":         broken.send(rawReq{method: "GET", target: "/api/v1/categories"}),
		"API HEAD":        e.send(rawReq{method: "HEAD", target: "/api/v1/categories"}),
		"API preflight":   e.send(rawReq{method: "OPTIONS", target: "/api/v1/cart", header: map[string]string{"Origin": "https://other.example", "Access-Control-Request-Method": "PUT"}}),
		"page 413":        e.send(rawReq{method: "POST", target: "/login", form: url.Values{"email": {big}}}),
		"page 500":        broken.send(rawReq{method: "GET", target: "/products"}),
		"page HEAD":       e.send(rawReq{method: "HEAD", target: "/products"}),
		"page 400 cookie": e.send(rawReq{method: "GET", target: "/login?cookies=1"}),
	} {
		t.Run(name, func(t *testing.T) {
			res := &pageResp{t: t, Status: w.Code, Header: w.Result().Header, Body: w.Body.String()}
			res.wantSecurityHeaders()
			for h := range res.Header {
				if strings.HasPrefix(strings.ToLower(h), "access-control-") {
					t.Errorf("header %s: %q; want no CORS header", h, res.Header.Get(h))
				}
			}
			if ct := res.Header.Get("Content-Type"); w.Code != http.StatusNoContent &&
				ct != "application/json" && !strings.Contains(ct, "charset=utf-8") {
				t.Errorf("Content-Type = %q; want JSON or a charset", ct)
			}
		})
	}
}

// TestContentSecurityPolicyAllowsNoInlineScript parses the policy and every
// rendered page: scripts only from this origin and none inline (no
// 'unsafe-inline', no event handler attributes, no javascript: URLs),
// object-src 'none', base-uri 'none', form-action 'self', frame-ancestors
// 'none' (ASVS V14.4.3, V14.4.7, V5.3.3).
func TestContentSecurityPolicyAllowsNoInlineScript(t *testing.T) {
	directives := map[string]string{}
	for _, d := range strings.Split(contentSecurityPolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{"default-src": "'self'", "script-src": "'self'", "object-src": "'none'",
		"base-uri": "'none'", "form-action": "'self'", "frame-ancestors": "'none'", "style-src": "'self'"} {
		if directives[name] != want {
			t.Errorf("Content-Security-Policy %s = %q; want %q", name, directives[name], want)
		}
	}
	if strings.Contains(contentSecurityPolicy, "unsafe-") || strings.Contains(contentSecurityPolicy, "*") ||
		strings.Contains(contentSecurityPolicy, "data:") || strings.Contains(contentSecurityPolicy, "http:") {
		t.Errorf("Content-Security-Policy %q allows more than this origin", contentSecurityPolicy)
	}
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{log: slog.New(slog.DiscardHandler), pages: pages, styleURL: staticURL("style.css"), scriptURL: staticURL("pageshow.js")}
	inline := regexp.MustCompile(`(?i)<script|\son[a-z]+\s*=|javascript:|\sstyle\s*=|<(iframe|object|embed|base)\b`)
	for name, v := range samplePages() {
		w := httptest.NewRecorder()
		s.render(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, name, v)
		if m := inline.FindString(strings.Replace(w.Body.String(), pageshowTag, "", 1)); m != "" {
			t.Errorf("page %s holds %q, which the policy would block or which could run script", name, m)
		}
	}
}

// TestCredentialInputsAutocomplete checks every password and email input of
// the shop's pages: the autocomplete token password managers need
// (current-password, new-password, email), and forms that post passwords
// with method post (ASVS V2.1.11, V8.3.1).
func TestCredentialInputsAutocomplete(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("auto@example.com")
	want := map[string]map[string]string{
		"/login":    {"email": "email", "password": "current-password"},
		"/register": {"email": "email", "password": "new-password", "confirm_password": "new-password"},
		"/account":  {"current_password": "current-password", "new_password": "new-password", "confirm_password": "new-password"},
	}
	inputs := regexp.MustCompile(`<input\b[^>]*>`)
	attr := func(tag, name string) string {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return m[1]
	}
	for _, path := range []string{"/login", "/register", "/account", "/checkout", "/cart", "/products", "/products/kettle"} {
		w := e.send(rawReq{method: "GET", target: path, cookie: cookie})
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, w.Code)
		}
		body := w.Body.String()
		seen := map[string]bool{}
		for _, tag := range inputs.FindAllString(body, -1) {
			typ, name := attr(tag, "type"), attr(tag, "name")
			if typ != "password" && typ != "email" {
				continue
			}
			seen[name] = true
			if got, ok := want[path][name]; !ok || attr(tag, "autocomplete") != got {
				t.Errorf("%s: %s; want autocomplete=%q", path, tag, want[path][name])
			}
			if typ == "password" && strings.Contains(tag, "value=") {
				t.Errorf("%s: %s writes a password back", path, tag)
			}
		}
		for name := range want[path] {
			if !seen[name] {
				t.Errorf("%s: no %s input", path, name)
			}
		}
		for _, form := range regexp.MustCompile(`(?s)<form\b[^>]*>.*?</form>`).FindAllString(body, -1) {
			if strings.Contains(form, `type="password"`) && !strings.HasPrefix(form, `<form method="post"`) {
				t.Errorf("%s: a password form does not post: %.80s", path, form)
			}
		}
	}
}

// TestAuthenticationEventsLogged drives sign-up, sign-in success and
// failure, lock-out, throttling, password change and API tokens through the
// server with the log captured: each event is logged with its request id,
// and no log line holds a password, a session cookie, a bearer token, a
// password hash or an email (ASVS V7.1.1, V7.1.2, V7.2.1).
func TestAuthenticationEventsLogged(t *testing.T) {
	e := newEnv(t)

	const wrong, newPassword = "wrong guess of mine", "a fresh passphrase here"
	cookie := e.register("logged@example.com")
	secrets := []string{testPassword, wrong, newPassword, cookie, "$argon2id", "logged@example.com", "locked@example.com"}
	login := func(email, pw string) *httptest.ResponseRecorder {
		w := e.send(rawReq{method: "POST", target: "/login", form: url.Values{"email": {email}, "password": {pw}}})
		if c := cookieValue(w, sessionCookiePlain); c != "" {
			secrets = append(secrets, c)
		}
		return w
	}
	login("logged@example.com", testPassword)
	login("logged@example.com", wrong)
	e.register("locked@example.com")
	for range shop.AccountFailureLimit {
		login("locked@example.com", wrong)
	}
	if w := login("locked@example.com", testPassword); w.Code != http.StatusTooManyRequests {
		t.Fatalf("sign-in after the limit = %d; want 429", w.Code)
	}
	w := e.send(rawReq{method: "POST", target: "/account/password", cookie: cookie,
		form: url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("password change = %d %s", w.Code, w.Body)
	}
	secrets = append(secrets, cookieValue(w, sessionCookiePlain))
	token := e.token("logged@example.com", newPassword)
	secrets = append(secrets, token)
	e.send(rawReq{method: "POST", target: "/api/v1/tokens", json: apiJSON(map[string]string{"email": "logged@example.com", "password": wrong})})
	e.send(rawReq{method: "GET", target: "/api/v1/me", token: token})
	e.send(rawReq{method: "DELETE", target: "/api/v1/tokens/current", token: token})

	logs := e.logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
	}
	events := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.RequestID == "" {
			t.Errorf("log line without request id: %s", line)
		}
		events[rec.Msg]++
	}
	for msg, min := range map[string]int{"account registered": 2, "signed in": 2, "sign-in failed": 1 + shop.AccountFailureLimit + 1,
		"sign-in locked": 1, "sign-in throttled": 1, "password changed": 1} {
		if events[msg] < min {
			t.Errorf("%d log lines %q; want at least %d\n%s", events[msg], msg, min, logs)
		}
	}
}

// TestClientAddressFromTrustedProxyOnly: sign-in throttling counts the
// address the trusted proxy appended to X-Forwarded-For; without a trusted
// proxy the header is the client's word and ignored (ASVS V2.2.1,
// V14.5.4-style proxy trust).
func TestClientAddressFromTrustedProxyOnly(t *testing.T) {
	for _, c := range []struct {
		trust bool
		want  string
	}{{true, "203.0.113.7"}, {false, "192.0.2.44"}} {
		e := newEnv(t, withConfig(Config{TrustProxy: c.trust}))
		e.send(rawReq{method: "POST", target: "/login", form: url.Values{"email": {"x@example.com"}, "password": {"wrong guess of mine"}},
			header: map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}})
		for _, addr := range []string{"203.0.113.7", "198.51.100.1", "192.0.2.44"} {
			th, err := e.store.LoginThrottle(t.Context(), shop.ThrottleKey("address", addr))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := th.Failures, map[bool]int{true: 1}[addr == c.want]; got != want {
				t.Errorf("trust proxy %v: failures counted for %s = %d; want %d", c.trust, addr, got, want)
			}
		}
	}
}

// TestErrorsHideInternalDetail: an internal failure answers a generic page
// or API error with the request id, never the error's text, which is
// logged with that id (ASVS V7.4.1).
func TestErrorsHideInternalDetail(t *testing.T) {
	e := newEnv(t)
	e.fail.failCategories(errSecret)
	for _, target := range []string{"/products", "/api/v1/categories"} {
		w := e.send(rawReq{method: "GET", target: target})
		id := w.Header().Get("X-Request-Id")
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || id == "" || !strings.Contains(body, id) {
			t.Errorf("GET %s = %d, request id %q; want 500 showing the request id\n%s", target, w.Code, id, body)
		}
		for _, detail := range []string{"disk", "/var/secret", "storefront.db", "goroutine", ".go:"} {
			if strings.Contains(body, detail) {
				t.Errorf("GET %s shows %q", target, detail)
			}
		}
		if !regexp.MustCompile(`"request_id":"` + id + `"[^\n]*/var/secret|/var/secret[^\n]*"request_id":"` + id + `"`).MatchString(e.logs.String()) {
			t.Errorf("GET %s: the error is not logged with request id %s:\n%s", target, id, e.logs.String())
		}
	}
}

// TestClientCannotSetPricesOrReachOthersCarts: prices, totals and whose
// cart it is are never taken from the client. Extra form fields are
// ignored, unknown JSON fields refused; the order is priced from the
// catalog; another user's cart and orders stay out of reach on every route
// (404 or their own, empty, resources) (ASVS V4.1.2, V4.2.1, V11.1.5).
func TestClientCannotSetPricesOrReachOthersCarts(t *testing.T) {
	e := newEnv(t)
	e.register("owner@example.com")
	ownerToken := e.token("owner@example.com", testPassword)
	ownerOrder := e.orderOne(ownerToken, "trowel", "owner-order-1")
	e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/pan", token: ownerToken, json: `{"quantity": 2}`})
	owner, err := e.store.UserByEmail(t.Context(), "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ownerCart := shop.UserCartID(owner.ID)
	ownerState := func() string {
		c, _ := e.svc.Cart(t.Context(), ownerCart)
		orders, _ := e.svc.Orders(t.Context(), owner)
		return fmt.Sprintf("%+v %d", c.Lines, len(orders))
	}
	before := ownerState()

	cookie := e.register("mallory@example.com")
	token := e.token("mallory@example.com", testPassword)
	forged := url.Values{"product_id": {"kettle"}, "quantity": {"1"}, "price_cents": {"1"}, "unit_price_cents": {"1"},
		"total_cents": {"1"}, "cart_id": {ownerCart}, "user_id": {owner.ID}}
	if w := e.send(rawReq{method: "POST", target: "/cart/items", cookie: cookie, form: forged}); w.Code != http.StatusSeeOther {
		t.Fatalf("POST /cart/items = %d", w.Code)
	}
	for _, body := range []string{`{"quantity": 1, "price_cents": 1}`, `{"quantity": 1, "cart_id": "` + ownerCart + `"}`,
		`{"quantity": 1, "user_id": "` + owner.ID + `"}`} {
		w := e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/kettle", token: token, json: body})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "not accepted") {
			t.Errorf("PUT %s = %d %s; want 422 naming the unknown field", body, w.Code, w.Body)
		}
	}
	w := e.send(rawReq{method: "POST", target: "/api/v1/orders", token: token, header: map[string]string{"Idempotency-Key": "mallory-1"},
		json: `{"shipping_address": ` + apiJSON(apiAddress) + `, "total_cents": 1}`})
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("POST /orders with total_cents = %d; want 422", w.Code)
	}
	page := e.send(rawReq{method: "GET", target: "/checkout", cookie: cookie})
	key := regexp.MustCompile(`name="checkout_key" value="([^"]+)"`).FindStringSubmatch(page.Body.String())
	if key == nil {
		t.Fatalf("no checkout key\n%s", page.Body)
	}
	checkout := testAddress()
	checkout.Set("checkout_key", key[1])
	checkout.Set("total_cents", "1")
	checkout.Set("shipping_cents", "0")
	w = e.send(rawReq{method: "POST", target: "/checkout", cookie: cookie, form: checkout})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /checkout = %d %s", w.Code, w.Body)
	}
	mallory, _ := e.store.UserByEmail(t.Context(), "mallory@example.com")
	orders, _ := e.svc.Orders(t.Context(), mallory)
	if len(orders) != 1 || orders[0].TotalCents != 3900+500 || orders[0].Items[0].UnitPriceCents != 3900 {
		t.Errorf("mallory's orders = %+v; want one kettle at the catalog's 3900 plus 500 shipping", orders)
	}

	for _, rq := range []rawReq{
		{method: "GET", target: "/orders/" + ownerOrder, cookie: cookie},
		{method: "GET", target: "/orders/" + ownerOrder},
		{method: "GET", target: "/api/v1/orders/" + ownerOrder, token: token},
	} {
		if w := e.send(rq); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "Lovelace") {
			t.Errorf("%s %s as another user = %d; want 404 without its content", rq.method, rq.target, w.Code)
		}
	}
	for _, rq := range []rawReq{
		{method: "GET", target: "/orders", cookie: cookie},
		{method: "GET", target: "/api/v1/orders", token: token},
		{method: "GET", target: "/cart", cookie: cookie},
		{method: "GET", target: "/api/v1/cart", token: token},
	} {
		if w := e.send(rq); w.Code != http.StatusOK || strings.Contains(w.Body.String(), ownerOrder) || strings.Contains(w.Body.String(), "Cast Iron Pan") {
			t.Errorf("%s %s shows the owner's order or cart (%d)", rq.method, rq.target, w.Code)
		}
	}
	e.send(rawReq{method: "DELETE", target: "/api/v1/cart/items/pan", token: token})
	e.send(rawReq{method: "POST", target: "/cart/items/pan", cookie: cookie, form: url.Values{"quantity": {"0"}, "cart_id": {ownerCart}}})
	e.send(rawReq{method: "POST", target: "/cart/confirm-prices", cookie: cookie, form: url.Values{"cart_id": {ownerCart}}})
	if after := ownerState(); after != before {
		t.Errorf("another user's requests changed the owner's cart or orders: %s -> %s", before, after)
	}
}

// TestRepeatedParametersTakeTheFirst: a parameter sent twice (HTTP
// parameter pollution) is read once, the first value, by every parser
// (ASVS V5.1.1).
func TestRepeatedParametersTakeTheFirst(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("hpp@example.com")
	w := e.send(rawReq{method: "POST", target: "/cart/items?quantity=50", cookie: cookie,
		form: url.Values{"product_id": {"kettle", "pan"}, "quantity": {"1", "99"}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /cart/items = %d %s", w.Code, w.Body)
	}
	owner, _ := e.store.UserByEmail(t.Context(), "hpp@example.com")
	c, _ := e.svc.Cart(t.Context(), shop.UserCartID(owner.ID))
	if len(c.Lines) != 1 || c.Lines[0].ProductID != "kettle" || c.Lines[0].Quantity != 1 {
		t.Errorf("cart = %+v; want 1 kettle, the first values", c.Lines)
	}
	w = e.send(rawReq{method: "GET", target: "/api/v1/products?per_page=1&per_page=100&page=2&page=1"})
	var page productPageJSON
	if json.Unmarshal(w.Body.Bytes(), &page) != nil || page.PerPage != 1 || page.Page != 2 {
		t.Errorf("GET /api/v1/products with repeated parameters: %s; want per_page 1, page 2", w.Body)
	}
}

// TestSearchTextIsData: SQL and LIKE metacharacters in a search are text
// to find, never query syntax (ASVS V5.3.4).
func TestSearchTextIsData(t *testing.T) {
	e := newEnv(t)
	for _, q := range []string{"' OR 1=1 --", `" OR ""="`, "%", "_", "kettle'; DROP TABLE products; --"} {
		w := e.send(rawReq{method: "GET", target: "/api/v1/products?q=" + url.QueryEscape(q)})
		var page productPageJSON
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &page) != nil || page.Total != 0 {
			t.Errorf("search %q = %d, %d results; want 200 with none", q, w.Code, page.Total)
		}
	}
	if w := e.send(rawReq{method: "GET", target: "/api/v1/products"}); !strings.Contains(w.Body.String(), `"total":22`) {
		t.Errorf("the catalog after the searches: %s; want its 22 products", w.Body)
	}
}

// TestForwardedHeadersFromTheTrustedHop: behind a trusted proxy, the
// client address and the scheme are read from the entry that proxy wrote,
// the rightmost of X-Forwarded-For and of X-Forwarded-Proto (over several
// header lines too): whatever a client sent before it, spoofed values in
// the same headers included, changes nothing. Without a trusted proxy both
// headers are ignored.
func TestForwardedHeadersFromTheTrustedHop(t *testing.T) {
	const spoofed, real = "203.0.113.99", "198.51.100.7"
	cases := []struct {
		name      string
		trust     bool
		xff, xfp  []string // header lines as received by the shop
		wantAddr  string   // the address whose failure is counted
		wantHTTPS bool
	}{
		{"client forged both, proxy appended", true, []string{spoofed + ", " + real}, []string{"https, http"}, real, false},
		{"client forged both, proxy added lines", true, []string{spoofed, real}, []string{"https", "http"}, real, false},
		{"proxy says https after a client's http", true, []string{real}, []string{"http, https"}, real, true},
		{"address with a port", true, []string{spoofed + ", " + real + ":4711"}, []string{"https"}, real, true},
		{"IPv6 with a port", true, []string{"[2001:db8::7]:4711"}, nil, "2001:db8::7", false},
		{"garbage from the proxy keeps the peer", true, []string{spoofed + ", unknown"}, nil, "192.0.2.44", false},
		{"no trusted proxy", false, []string{spoofed + ", " + real}, []string{"https"}, "192.0.2.44", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, withConfig(Config{TrustProxy: c.trust}))
			r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"email": {"x@example.com"}, "password": {"wrong guess of mine"}}.Encode()))
			r.RemoteAddr = "192.0.2.44:5000"
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			for _, v := range c.xfp {
				r.Header.Add("X-Forwarded-Proto", v)
			}
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("POST /login = %d; want 401", w.Code)
			}
			for _, addr := range []string{c.wantAddr, spoofed, real, "192.0.2.44"} {
				th, err := e.store.LoginThrottle(t.Context(), shop.ThrottleKey("address", addr))
				if err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int{true: 1}[addr == c.wantAddr]; th.Failures != want {
					t.Errorf("failures counted for %s = %d; want %d", addr, th.Failures, want)
				}
			}
			hsts := w.Header().Get("Strict-Transport-Security") != ""
			secure := strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), "\n"), "; Secure")
			if hsts != c.wantHTTPS || secure != c.wantHTTPS {
				t.Errorf("HSTS %v, Secure cookies %v; want HTTPS %v", hsts, secure, c.wantHTTPS)
			}
		})
	}
}

// TestAccountEventsLoggedForInvestigation: sign-in failures, locks and
// failed current-password checks are logged with the client address (the
// one the trusted proxy reported) and the account's id when the email is
// an account's; never a password, a token, nor an email.
func TestAccountEventsLoggedForInvestigation(t *testing.T) {
	e := newEnv(t, withConfig(Config{TrustProxy: true}))
	const client = "198.51.100.23"
	viaProxy := map[string]string{"X-Forwarded-For": "203.0.113.99, " + client}
	cookie := e.register("known@example.com")
	u, err := e.store.UserByEmail(t.Context(), "known@example.com")
	if err != nil {
		t.Fatal(err)
	}
	login := func(email, pw string) {
		e.send(rawReq{method: "POST", target: "/login", form: url.Values{"email": {email}, "password": {pw}}, header: viaProxy})
	}
	login("stranger@example.com", "wrong guess of mine")
	e.send(rawReq{method: "POST", target: "/api/v1/tokens", header: viaProxy,
		json: apiJSON(map[string]string{"email": "known@example.com", "password": "wrong guess of mine"})})
	e.send(rawReq{method: "POST", target: "/account/password", cookie: cookie, header: viaProxy,
		form: url.Values{"current_password": {"wrong guess of mine"}, "new_password": {"a fresh passphrase here"}, "confirm_password": {"a fresh passphrase here"}}})
	for range shop.AccountFailureLimit {
		login("known@example.com", "wrong guess of mine")
	}
	login("known@example.com", testPassword)

	type record struct {
		Msg        string `json:"msg"`
		ClientAddr string `json:"client_addr"`
		UserID     string `json:"user_id"`
	}
	var records []record
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var rec record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		records = append(records, rec)
	}
	find := func(msg, userID string) bool {
		return slices.ContainsFunc(records, func(r record) bool {
			return r.Msg == msg && r.ClientAddr == client && r.UserID == userID
		})
	}
	for _, want := range []struct{ msg, userID string }{
		{"sign-in failed", ""},   // the unknown email: no account, no email
		{"sign-in failed", u.ID}, // the API's and the form's
		{"password change: current password wrong", u.ID},
		{"sign-in locked", u.ID},
		{"sign-in throttled", u.ID},
	} {
		if !find(want.msg, want.userID) {
			t.Errorf("no %q line with client_addr %s and user_id %q:\n%s", want.msg, client, want.userID, e.logs)
		}
	}
	for _, secret := range []string{"wrong guess of mine", testPassword, "a fresh passphrase here", cookie, "stranger@example.com", "known@example.com", "203.0.113.99"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("the log holds %q; want no password, token, email nor forged address", secret)
		}
	}
}
