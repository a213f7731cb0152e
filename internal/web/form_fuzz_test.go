package web

// Fuzz targets of the HTML pages' input handling: every form a handler
// parses, the sign-in page's next, and the session cookie. `make test` runs
// their seed corpora; `make fuzz` runs each for longer.

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// FuzzPageForms posts any body to every form of the shop, signed in with a
// cart: never a 5xx, a redirect only to a path of this site, and the
// security headers on every answer.
func FuzzPageForms(f *testing.F) {
	e := newEnv(f)
	cookie := e.register("forms@example.com")
	e.send(rawReq{method: "POST", target: "/cart/items", cookie: cookie, form: url.Values{"product_id": {"kettle"}, "quantity": {"1"}}})
	routes := []string{"/cart/items", "/cart/items/kettle", "/cart/confirm-prices", "/login", "/register", "/checkout",
		"/account/name", "/account/password"}
	seeds := []string{"", "quantity=1", "quantity=0", "quantity=-1", "quantity=1.5", "quantity=1e3", "quantity=%EF%BC%91",
		"quantity=%D9%A1", "quantity=99999999999999999999", "quantity=true", "quantity=%201", "quantity=1&quantity=99",
		"product_id=kettle&quantity=2", "product_id=..%2F..&quantity=1", "product_id=%00&quantity=1", "product_id=" + strings.Repeat("k", 65),
		"next=//evil.example", "next=/%5Cevil.example", "next=https://evil.example", "next=/checkout", "next=%2F%2Fevil",
		"email=a@example.com&password=wrong+password+1", "email=%00&password=%00", "email=x&name=y&password=z&confirm_password=z",
		"name=%E2%80%AE", "name=" + strings.Repeat("%C3%A9", 101), "current_password=x&new_password=y&confirm_password=y",
		"full_name=Ada&address_line1=1+Main&city=L&postal_code=N1&country=GB&checkout_key=short",
		"full_name=Ada&address_line1=1+Main&city=L&postal_code=N1&country=GB&checkout_key=fuzz-checkout-0001",
		"%", "a=%zz", "=&=&", "quantity", strings.Repeat("a=b&", 1000)}
	for i := range routes {
		for _, s := range seeds {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		path := routes[int(route)%len(routes)]
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.RemoteAddr = "192.0.2.88:1234"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Cookie", cookieCheckName+"=1; "+sessionCookiePlain+"="+cookie)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("POST %s %q = %d\n%.500s", path, body, w.Code, w.Body)
		}
		if loc := w.Header().Get("Location"); w.Code/100 == 3 && !shop.IsLocalPath(loc) {
			t.Fatalf("POST %s %q redirects to %q", path, body, loc)
		}
		if w.Header().Get("Content-Security-Policy") != contentSecurityPolicy || w.Header().Get("X-Request-Id") == "" {
			t.Fatalf("POST %s %q: headers %v", path, body, w.Header())
		}
	})
}

// FuzzLoginNext: whatever next a sign-in link or form carries, the shop
// only ever leads to a path on its own origin, as a browser resolves it.
func FuzzLoginNext(f *testing.F) {
	e := newEnv(f)
	for _, s := range []string{"", "/", "/checkout", "/orders?x=1", "//evil.example", "/\\evil.example", "https://evil.example",
		"javascript:alert(1)", "/\t/evil.example", "/%2F%2Fevil.example", "/a\nb", " /x", "\\\\evil", "/.//evil", "/@evil.example",
		"/\u3002evil", "/%X0", "/%", "/" + strings.Repeat("a", 2000)} {
		f.Add(s)
	}
	base, _ := url.Parse("https://shop.example/login")
	nextField := regexp.MustCompile(`name="next" value="([^"]*)"`)
	f.Fuzz(func(t *testing.T, next string) {
		n := localNext(next)
		if n != "" && n != next {
			t.Fatalf("localNext(%q) = %q", next, n)
		}
		for _, target := range []string{n, withNext("/login", n), withNext("/register", n)} {
			if target == "" {
				continue
			}
			u, err := url.Parse(browserEscapes(target))
			if err != nil {
				t.Fatalf("%q does not parse: %v", target, err)
			}
			if got := base.ResolveReference(u); got.Host != "shop.example" || got.Scheme != "https" {
				t.Fatalf("next %q leads to %s", next, got)
			}
		}
		if n != "" && n != "/" {
			u, _ := url.Parse(withNext("/login", n))
			if got := u.Query().Get("next"); got != n {
				t.Fatalf("withNext(%q) carries next %q", n, got)
			}
		}
		r := httptest.NewRequest("GET", "/login", nil)
		r.URL.RawQuery = url.Values{"next": {next}}.Encode()
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("GET /login?next=%q = %d", next, w.Code)
		}
		for _, m := range nextField.FindAllStringSubmatch(w.Body.String(), -1) {
			if v := html.UnescapeString(m[1]); v != "" && !shop.IsLocalPath(v) {
				t.Fatalf("the sign-in form carries next %q", v)
			}
		}
	})
}

// browserEscapes writes a % that starts no escape as %25, as a browser
// reads it, so that url.Parse resolves the address as the browser does.
func browserEscapes(s string) string {
	isHex := func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FuzzSessionCookie: any Cookie header is a guest (sent to sign in for the
// account page) unless it carries the real session; never a 5xx.
func FuzzSessionCookie(f *testing.F) {
	e := newEnv(f)
	cookie := e.register("cookie@example.com")
	for _, s := range []string{"", "session=", "session=x", "session=" + cookie + "x", "session=" + strings.Repeat("a", 4000),
		"session=\"" + cookie + "\"", "session=%00", "session=a; session=b", "__Host-session=" + cookie, "session", ";;;", "=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/account", nil)
		r.Header.Set("Cookie", header)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		switch {
		case w.Code == http.StatusOK && strings.Contains(header, cookie):
		case w.Code == http.StatusSeeOther && w.Header().Get("Location") == "/login?next=/account":
		default:
			t.Fatalf("GET /account with Cookie %q = %d %q", header, w.Code, w.Header().Get("Location"))
		}
	})
}
