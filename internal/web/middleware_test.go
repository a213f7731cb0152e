package web

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"storefront/internal/shop"
)

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	css := c.get(staticURL("style.css")).wantStatus(http.StatusOK)
	for name, res := range map[string]*pageResp{
		"page":       c.get("/products"),
		"static":     css,
		"image":      c.get("/images/products/mug.svg"),
		"not found":  c.get("/no/such/page").wantStatus(http.StatusNotFound),
		"405":        c.post("/products", nil).wantStatus(http.StatusMethodNotAllowed),
		"validation": c.get("/products?page=x").wantStatus(http.StatusUnprocessableEntity),
		"refused":    (&pageClient{t: t, env: e, hc: c.hc, origin: "https://evil.example"}).post("/cart/items", nil),
		"redirect":   c.get("/checkout"),
		"health":     c.get("/healthz"),
	} {
		t.Run(name, func(t *testing.T) {
			res.t = t
			res.wantSecurityHeaders()
			if got := res.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("Strict-Transport-Security = %q over plain HTTP; want none", got)
			}
		})
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	res := c.get(staticURL("style.css")).wantStatus(http.StatusOK)
	if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
		t.Errorf("Content-Type = %q; want text/css", got)
	}
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "max-age=31536000") {
		t.Errorf("Cache-Control = %q; want a year", got)
	}
	c.get("/products").wantContains(`<link rel="stylesheet" href="` + strings.ReplaceAll(staticURL("style.css"), "&", "&amp;") + `">`)
	for _, path := range []string{"/static/", "/static/nope.css", "/static/../templates/layout.html", "/static/%2e%2e/templates/layout.html"} {
		// The mux redirects a path with ".." to its clean form, outside /static/.
		if res := c.get(path); res.Status != http.StatusNotFound && res.Header.Get("Location") != "/templates/layout.html" {
			t.Errorf("GET %s = %d; want 404 or a redirect out of /static/", path, res.Status)
		}
	}
}

func TestNoStoreOnPersonalPages(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	res := c.post("/checkout", c.checkoutForm())
	for _, path := range []string{"/", "/products/kettle", "/cart", "/checkout", "/account", "/orders", res.Header.Get("Location"), "/nope"} {
		if got := c.get(path).Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control = %q; want no-store", path, got)
		}
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("POST /checkout: Cache-Control = %q; want no-store", got)
	}
}

func TestHTTPSBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, withConfig(Config{TrustProxy: true}))
	c := e.client()
	r, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/cart/items", strings.NewReader("product_id=kettle&quantity=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("Origin", e.srv.URL)
	res := c.do(r).wantStatus(http.StatusSeeOther)
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("Strict-Transport-Security = %q", got)
	}
	cookie := res.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie = %q; want %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Domain") {
		t.Errorf("Set-Cookie = %q; want no Domain", cookie)
	}

	// Without a trusted proxy the header is the client's word: ignored.
	plain := newEnv(t)
	r, _ = http.NewRequest(http.MethodPost, plain.srv.URL+"/cart/items", strings.NewReader("product_id=kettle&quantity=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Forwarded-Proto", "https")
	res = plain.client().do(r).wantStatus(http.StatusSeeOther)
	if got := res.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("Strict-Transport-Security = %q without a trusted proxy", got)
	}
	if cookie := res.Header.Get("Set-Cookie"); !strings.HasPrefix(cookie, "session=") || strings.Contains(cookie, "Secure") {
		t.Errorf("Set-Cookie = %q; want a plain session cookie", cookie)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	evil := &pageClient{t: t, env: e, hc: c.hc, origin: "https://evil.example"}
	for _, path := range []string{"/cart/items", "/logout", "/checkout", "/login", "/account/password"} {
		res := evil.post(path, url.Values{"product_id": {"kettle"}, "quantity": {"1"}})
		res.wantStatus(http.StatusForbidden)
		res.wantContains("came from another website")
		if _, ok := res.byID("request-id"); !ok {
			t.Errorf("POST %s: the 403 page shows no request id", path)
		}
	}
	c.get("/cart").wantText("cart-count", "0")
	c.get("/account").wantStatus(http.StatusOK) // still signed in

	// Sec-Fetch-Site decides when a browser sends it.
	r, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/cart/items", strings.NewReader("product_id=kettle&quantity=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	c.do(r).wantStatus(http.StatusForbidden)
	r, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/cart/items", strings.NewReader("product_id=kettle&quantity=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	c.do(r).wantRedirect("/cart")
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	big := "email=" + strings.Repeat("a", 2<<20)
	r, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/login", strings.NewReader(big))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", e.srv.URL)
	c.do(r).wantStatus(http.StatusRequestEntityTooLarge).wantContains("Too much data")

	// A body of unannounced length fails while read.
	r, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/register", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", e.srv.URL)
	c.do(r).wantStatus(http.StatusRequestEntityTooLarge)
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	res := c.get("/no/such/page").wantStatus(http.StatusNotFound)
	res.wantContains("<h1>Page not found</h1>", `lang="en"`)
	res.wantText("request-id", res.Header.Get("X-Request-Id"))
	res.wantText("signed-in-name", "Ada")
	if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	res = c.post("/cart", nil).wantStatus(http.StatusMethodNotAllowed)
	if got := res.Header.Get("Allow"); !strings.Contains(got, "GET") {
		t.Errorf("Allow = %q; want GET", got)
	}
	// An address forms post to, asked for with GET (the address bar, the
	// history): the page the form is on, changing nothing.
	for from, to := range map[string]string{"/logout": "/", "/cart/items": "/cart", "/cart/items/kettle": "/cart",
		"/cart/confirm-prices": "/cart", "/account/password": "/account", "/account/name": "/account",
		"/account/second-factor/remove": "/account/second-factor", "/orders/o-1/cancel": "/orders/o-1"} {
		c.get(from).wantRedirect(to)
	}
	c.get("/account").wantStatus(http.StatusOK) // still signed in
}

func TestHealthAndReady(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/healthz").wantStatus(http.StatusOK)
	c.get("/readyz").wantStatus(http.StatusOK)
	e.fail.failPing(shop.ErrUnavailable)
	c.get("/readyz").wantStatus(http.StatusServiceUnavailable)
	c.get("/healthz").wantStatus(http.StatusOK)
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/register")
	c.post("/register", url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {testPassword}, "confirm_password": {testPassword}})
	c.get("/products?q=secret-search")
	logs := e.logs.String()
	for _, secret := range []string{testPassword, "secret-search", c.cookie(sessionCookiePlain)} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs)
		}
	}
	for _, want := range []string{`"msg":"request","method":"POST","path":"/register","status":303`, `"path":"/products","status":200`, `"request_id":"`, `"duration":`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

func TestRecoverPanics(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	s := &server{shop: e.svc, log: slog.New(slog.NewJSONHandler(&logs, nil))}
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	s.pages, s.styleURL = pages, staticURL("style.css")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/elsewhere")
		panic("boom")
	})
	mux.HandleFunc("GET /fine", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fine") })
	mux.HandleFunc("GET /api/v1/panic", func(w http.ResponseWriter, r *http.Request) { panic(errors.New("api boom")) })
	h := chain(mux, s.recoverPanics, s.requestID, s.logRequests, s.securityHeaders)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/panic", nil))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d; want 500", w.Code)
	}
	id := w.Header().Get("X-Request-Id")
	body := w.Body.String()
	if !strings.Contains(body, "<h1>Something went wrong</h1>") || !strings.Contains(body, id) || strings.Contains(body, "boom") {
		t.Errorf("500 page = %s; want the generic page with the request id %s, no detail", body, id)
	}
	if w.Header().Get("Location") != "" || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("headers = %v; want no Location, the security headers", w.Header())
	}
	if !strings.Contains(logs.String(), `"msg":"panic"`) || !strings.Contains(logs.String(), `"request_id":"`+id+`"`) ||
		!strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("log = %s; want the panic and a 500 request line with the request id", logs.String())
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/panic", nil))
	if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), `"error":"internal_error"`) {
		t.Errorf("API panic: %d %s; want a 500 JSON error", w.Code, w.Body.String())
	}

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/fine", nil))
	if w.Code != http.StatusOK || w.Body.String() != "fine" {
		t.Errorf("after a panic: %d %q; want the server working", w.Code, w.Body.String())
	}
}

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
	// A JSON-LD block (seo.go) is data that browsers never run, so
	// script-src does not apply to it; it must hold no markup.
	jsonLD := regexp.MustCompile(`<script type="application/ld\+json">[^<]*</script>`)
	for name, v := range samplePages() {
		w := httptest.NewRecorder()
		s.render(w, httptest.NewRequest("GET", "/", nil), http.StatusOK, name, v)
		if m := inline.FindString(jsonLD.ReplaceAllString(strings.Replace(w.Body.String(), pageshowTag, "", 1), "")); m != "" {
			t.Errorf("page %s holds %q, which the policy would block or which could run script", name, m)
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
			th, err := e.store.LoginThrottle(t.Context(), shop.AddressThrottleKey("address", addr))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := th.Failures, map[bool]int{true: 1}[addr == c.want]; got != want {
				t.Errorf("trust proxy %v: failures counted for %s = %d; want %d", c.trust, addr, got, want)
			}
		}
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
				th, err := e.store.LoginThrottle(t.Context(), shop.AddressThrottleKey("address", addr))
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
