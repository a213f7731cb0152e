package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"

	"net/url"
	"regexp"
	"strings"
	"testing"
)

// pageClient is one browser: a cookie jar, redirects not followed (tests
// check them), and the Origin header of the shop on every POST.
type pageClient struct {
	t   testing.TB
	env *testEnv
	hc  *http.Client
	// origin is sent as Origin on POSTs; "" sends none.
	origin string
}

func (e *testEnv) client() *pageClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.tb.Fatal(err)
	}
	return e.clientWithJar(jar)
}

// cookielessClient is a browser that refuses every cookie.
func (e *testEnv) cookielessClient() *pageClient { return e.clientWithJar(nil) }

func (e *testEnv) clientWithJar(jar http.CookieJar) *pageClient {
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &pageClient{t: e.tb, env: e, hc: hc, origin: e.srv.URL}
}

// pageResp is an answer, its body read.
type pageResp struct {
	t      testing.TB
	Status int
	Header http.Header
	Body   string
}

func (c *pageClient) do(r *http.Request) *pageResp {
	c.t.Helper()
	res, err := c.hc.Do(r)
	if err != nil {
		c.t.Fatalf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", r.Method, r.URL.Path, err)
	}
	return &pageResp{t: c.t, Status: res.StatusCode, Header: res.Header, Body: string(body)}
}

func (c *pageClient) get(path string) *pageResp {
	c.t.Helper()
	r, err := http.NewRequest(http.MethodGet, c.env.srv.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(r)
}

func (c *pageClient) post(path string, form url.Values) *pageResp {
	c.t.Helper()
	r, err := http.NewRequest(http.MethodPost, c.env.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.origin != "" {
		r.Header.Set("Origin", c.origin)
	}
	return c.do(r)
}

// follow GETs the Location of a redirect.
func (c *pageClient) follow(res *pageResp) *pageResp {
	c.t.Helper()
	loc := res.Header.Get("Location")
	if loc == "" {
		c.t.Fatalf("follow: no Location (status %d)", res.Status)
	}
	return c.get(loc)
}

// cookie returns the value of the named cookie the jar holds for the
// shop, or "".
func (c *pageClient) cookie(name string) string {
	if c.hc.Jar == nil {
		return ""
	}
	u, _ := url.Parse(c.env.srv.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// register creates an account through the form (after GET /register, as a
// browser does) and checks it signed the browser in.
func (c *pageClient) register(email, name string) {
	c.t.Helper()
	c.get("/register")
	res := c.post("/register", url.Values{"email": {email}, "name": {name}, "password": {testPassword}, "confirm_password": {testPassword}})
	res.wantRedirect("/")
}

// login signs in through the form and checks the redirect.
func (c *pageClient) login(email, password, next, wantLocation string) {
	c.t.Helper()
	c.get("/login")
	res := c.post("/login", url.Values{"email": {email}, "password": {password}, "next": {next}})
	res.wantRedirect(wantLocation)
}

// addToCart adds through the catalog's form and checks the redirect to
// the cart.
func (c *pageClient) addToCart(productID string, quantity int) {
	c.t.Helper()
	res := c.post("/cart/items", url.Values{"product_id": {productID}, "quantity": {fmt.Sprint(quantity)}})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/cart") {
		res.t.Fatalf("add %s: status %d Location %q; want 303 to /cart\n%s", productID, res.Status, res.Header.Get("Location"), res.Body)
	}
}

// testAddress is a valid checkout form's address.
func testAddress() url.Values {
	return url.Values{"full_name": {"Ada Lovelace"}, "address_line1": {"12 St James's Square"}, "address_line2": {""},
		"city": {"London"}, "postal_code": {"SW1Y 4JH"}, "country": {"GB"}}
}

func (r *pageResp) wantStatus(status int) *pageResp {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("status = %d; want %d\n%s", r.Status, status, r.Body)
	}
	return r
}

func (r *pageResp) wantRedirect(location string) *pageResp {
	r.t.Helper()
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != location {
		r.t.Fatalf("status %d Location %q; want 303 to %q\n%s", r.Status, r.Header.Get("Location"), location, r.Body)
	}
	return r
}

func (r *pageResp) wantContains(parts ...string) *pageResp {
	r.t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Body, p) {
			r.t.Errorf("page lacks %q\n%s", p, r.Body)
		}
	}
	return r
}

func (r *pageResp) wantNotContains(parts ...string) *pageResp {
	r.t.Helper()
	for _, p := range parts {
		if strings.Contains(r.Body, p) {
			r.t.Errorf("page holds %q; it must not", p)
		}
	}
	return r
}

// byID returns the text content of the element with id, tags stripped,
// and whether there is one.
func (r *pageResp) byID(id string) (string, bool) {
	m := regexp.MustCompile(`<(\w+)[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindStringSubmatchIndex(r.Body)
	if m == nil {
		return "", false
	}
	tag := r.Body[m[2]:m[3]]
	rest := r.Body[m[1]:]
	end := strings.Index(rest, "</"+tag+">")
	if end < 0 {
		return "", true
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(rest[:end], "")
	return strings.Join(strings.Fields(text), " "), true
}

// wantText checks the text of the element with id.
func (r *pageResp) wantText(id, want string) {
	r.t.Helper()
	got, ok := r.byID(id)
	if !ok {
		r.t.Fatalf("no element #%s\n%s", id, r.Body)
	}
	if got != want {
		r.t.Errorf("#%s = %q; want %q", id, got, want)
	}
}

// tag returns the start tag of the element with id, or "".
func (r *pageResp) tag(id string) string {
	return regexp.MustCompile(`<[^>]*\sid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(r.Body)
}

// wantFieldError checks the accessible message of a form field: the input
// is aria-invalid and names FIELD-error in aria-describedby, which holds
// the message.
func (r *pageResp) wantFieldError(field, wantPart string) {
	r.t.Helper()
	msg, ok := r.byID(field + "-error")
	if !ok {
		r.t.Errorf("no #%s-error\n%s", field, r.Body)
		return
	}
	if !strings.Contains(msg, wantPart) {
		r.t.Errorf("#%s-error = %q; want it to contain %q", field, msg, wantPart)
	}
	input := r.tag(field)
	if !strings.Contains(input, `aria-invalid="true"`) || !regexp.MustCompile(`aria-describedby="[^"]*\b`+field+`-error\b`).MatchString(input) {
		r.t.Errorf("input #%s = %s; want aria-invalid and aria-describedby naming %s-error", field, input, field)
	}
}

// inputValue returns the value attribute of the input with id.
func (r *pageResp) inputValue(id string) string {
	m := regexp.MustCompile(`\bvalue="([^"]*)"`).FindStringSubmatch(r.tag(id))
	if m == nil {
		return ""
	}
	return m[1]
}

// hiddenValue returns the value of the hidden input named name.
func (r *pageResp) hiddenValue(name string) string {
	r.t.Helper()
	m := regexp.MustCompile(`<input type="hidden" name="` + regexp.QuoteMeta(name) + `" value="([^"]*)">`).FindStringSubmatch(r.Body)
	if m == nil {
		r.t.Fatalf("no hidden input %s\n%s", name, r.Body)
	}
	return m[1]
}

// wantSecurityHeaders checks the headers every answer carries.
func (r *pageResp) wantSecurityHeaders() {
	r.t.Helper()
	want := map[string]string{
		"Content-Security-Policy": contentSecurityPolicy,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
		"X-Frame-Options":         "DENY",
	}
	for name, value := range want {
		if got := r.Header.Get(name); got != value {
			r.t.Errorf("%s = %q; want %q", name, got, value)
		}
	}
	if r.Header.Get("X-Request-Id") == "" {
		r.t.Error("no X-Request-Id")
	}
	if got := r.Header.Get("Server"); got != "" {
		r.t.Errorf("Server = %q; want none", got)
	}
}
