package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/sqlite"
)

// pageEnv is the whole server over the real service and a temporary SQLite
// store, served by httptest and driven like a browser: with a cookie jar
// and same-origin headers, cross-origin protection on.
type pageEnv struct {
	t     *testing.T
	srv   *httptest.Server
	store shop.Store
	svc   *shop.Service
	logs  *syncBuffer
}

// syncBuffer collects log output written by concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The catalog of every page test: 16 "Plain Notebook" products in a
// category of their own make two catalog pages.
var (
	pageCategories = []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "home", Name: "Home"}, {ID: "paper", Name: "Paper"}}
	pageProducts   = func() []shop.Product {
		ps := []shop.Product{
			{ID: "kettle", Name: "Enamel Kettle", Description: "Boils water on any stove.", Category: "kitchen", PriceCents: 3900, Stock: 10, Active: true},
			{ID: "mug", Name: "Stoneware Mug", Description: "Holds tea or coffee.", Category: "kitchen", PriceCents: 1250, Stock: 2, Active: true},
			{ID: "lamp", Name: "Reading Lamp", Description: "Warm light for late pages.", Category: "home", PriceCents: 8000, Stock: 0, Active: true},
			{ID: "chair", Name: "Oak Chair", Description: "Sturdy <and> plain & simple.", Category: "home", PriceCents: 12000, Stock: 5, Active: true},
		}
		for i := 1; i <= 16; i++ {
			ps = append(ps, shop.Product{ID: fmt.Sprintf("notebook-%02d", i), Name: fmt.Sprintf("Plain Notebook %02d", i),
				Description: "Dotted pages.", Category: "paper", PriceCents: shop.Money(300 + i), Stock: 20, Active: true})
		}
		return ps
	}()
)

// pagePassword is the password of every test account.
const pagePassword = "correct horse battery staple"

// newPageEnv starts a server over a fresh store with the test catalog.
func newPageEnv(t *testing.T) *pageEnv {
	t.Helper()
	return newPageEnvOn(t, newPageStore(t), Config{})
}

// newPageStore opens a fresh SQLite store in a temporary directory.
func newPageStore(t *testing.T) *sqlite.Store {
	t.Helper()
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatalf("sqlite.Open = %v", err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// saveTestCatalog saves categories and products, the products created an
// hour apart in list order, so "newest" has a defined order.
func saveTestCatalog(t *testing.T, store shop.Store, categories []shop.Category, products []shop.Product) {
	t.Helper()
	for i := range categories {
		if err := store.SaveCategory(t.Context(), &categories[i]); err != nil {
			t.Fatalf("SaveCategory(%s) = %v", categories[i].ID, err)
		}
	}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range products {
		p.CreatedAt = created.Add(time.Duration(i) * time.Hour)
		if err := store.SaveProduct(t.Context(), &p); err != nil {
			t.Fatalf("SaveProduct(%s) = %v", p.ID, err)
		}
	}
}

// newPageEnvOn starts a server over store (which may wrap a real one to
// fail on purpose), loading the test catalog.
func newPageEnvOn(t *testing.T, store shop.Store, cfg Config) *pageEnv {
	t.Helper()
	saveTestCatalog(t, store, pageCategories, pageProducts)
	svc := shop.NewService(store, shop.Config{PasswordParams: &shop.PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1}})
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	srv := httptest.NewServer(NewServer(svc, logger, cfg))
	t.Cleanup(srv.Close)
	return &pageEnv{t: t, srv: srv, store: store, svc: svc, logs: logs}
}

// setProduct changes a product of the test catalog in the store.
func (e *pageEnv) setProduct(id string, change func(p *shop.Product)) {
	e.t.Helper()
	p, err := e.store.Product(context.Background(), id)
	if err != nil {
		e.t.Fatalf("Product(%s) = %v", id, err)
	}
	change(p)
	if err := e.store.SaveProduct(context.Background(), p); err != nil {
		e.t.Fatalf("SaveProduct(%s) = %v", id, err)
	}
}

// pageClient is one browser: a cookie jar, redirects not followed (tests
// check them), and the Origin header of the shop on every POST.
type pageClient struct {
	t   *testing.T
	env *pageEnv
	hc  *http.Client
	// origin is sent as Origin on POSTs; "" sends none.
	origin string
}

func (e *pageEnv) client() *pageClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.clientWithJar(jar)
}

// cookielessClient is a browser that refuses every cookie.
func (e *pageEnv) cookielessClient() *pageClient { return e.clientWithJar(nil) }

func (e *pageEnv) clientWithJar(jar http.CookieJar) *pageClient {
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &pageClient{t: e.t, env: e, hc: hc, origin: e.srv.URL}
}

// pageResp is an answer, its body read.
type pageResp struct {
	t      *testing.T
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
	res := c.post("/register", url.Values{"email": {email}, "name": {name}, "password": {pagePassword}, "confirm_password": {pagePassword}})
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

// failingStore is a real store with some methods made to fail.
type failingStore struct {
	shop.Store
	ping       error
	placeOrder error
}

func (s *failingStore) Ping(ctx context.Context) error {
	if s.ping != nil {
		return s.ping
	}
	return s.Store.Ping(ctx)
}

func (s *failingStore) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	if s.placeOrder != nil {
		return s.placeOrder
	}
	return s.Store.PlaceOrder(ctx, o, cart)
}
