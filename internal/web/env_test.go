package web

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver, to inspect the store's file

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
	"storefront/internal/sqlite"
)

// testEnv is the one test environment of package web: the whole server
// over the real service and a fresh SQLite file holding testCategories and
// testProducts, with one clock (testClock) and the log kept in logs. The
// service's store is the real one wrapped in failingStore, which passes
// every call through until a test switches a failure on (e.fail). It is
// driven three ways:
//   - e.client(): a browser (pageClient), over an httptest server;
//   - e.do(apiReq): the JSON API (apiResp), each answer checked against
//     openapi.json;
//   - e.send(rawReq): one request with the cookie and token given,
//     answered by a recorder, without a network (fuzz targets use it).
type testEnv struct {
	tb     testing.TB
	h      http.Handler
	srv    *httptest.Server // serves h to page clients
	store  *sqlite.Store    // the real store, for setting up and reading back
	fail   *failingStore    // what the service uses
	svc    *shop.Service
	dbPath string
	logs   *shoptest.LogBuffer
	clock  *testClock       // the service's clock (second factor codes are computed on it)
	mailer *shoptest.Mailer // the password reset links the service sent (password_reset_test.go)
}

// envSettings are what newEnv's options change.
type envSettings struct {
	cfg          Config
	demo         bool          // the demo catalog instead of the test catalog
	writeTimeout time.Duration // the test server's WriteTimeout (0: none)
	shopCfg      shop.Config   // the service's limits (its clock, store and mailer are the environment's)
}

// envOption changes what newEnv builds.
type envOption func(*envSettings)

// withConfig serves the environment with cfg.
func withConfig(cfg Config) envOption { return func(s *envSettings) { s.cfg = cfg } }

// withServerWriteTimeout gives the test server the WriteTimeout d, as
// cmd/storefront's server has one (its request deadline and a margin).
func withServerWriteTimeout(d time.Duration) envOption {
	return func(s *envSettings) { s.writeTimeout = d }
}

// withGuestCartLimit gives the service the guest cart limit n.
func withGuestCartLimit(n int) envOption {
	return func(s *envSettings) { s.shopCfg.GuestCartLimit = n }
}

// withDemoCatalog fills the store with the demo catalog, the one the shop
// starts with, instead of the test catalog (benchmarks measure pages of
// its size).
func withDemoCatalog() envOption { return func(s *envSettings) { s.demo = true } }

// newEnv opens a fresh store with the test catalog and serves it.
func newEnv(tb testing.TB, opts ...envOption) *testEnv {
	tb.Helper()
	var set envSettings
	for _, o := range opts {
		o(&set)
	}
	path := filepath.Join(tb.TempDir(), "shop.db")
	store, err := sqlite.Open(tb.Context(), path)
	if err != nil {
		tb.Fatalf("sqlite.Open = %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	categories, products := testCategories, testProducts
	if set.demo {
		categories, products = shop.DemoCatalog()
	}
	saveCatalog(tb, store, categories, products)
	fail := &failingStore{Store: store}
	logs := &shoptest.LogBuffer{}
	logger := slog.New(WithRequestID(slog.NewJSONHandler(logs, nil)))
	clock := &testClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	mailer := &shoptest.Mailer{}
	shopCfg := set.shopCfg
	shopCfg.Logger, shopCfg.Now, shopCfg.Images, shopCfg.Mailer = logger, clock.Now, store, mailer
	shopCfg.PasswordParams = &shop.PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1}
	svc := shop.NewService(fail, shopCfg)
	e := &testEnv{tb: tb, h: NewServer(svc, logger, set.cfg), store: store, fail: fail, svc: svc, dbPath: path, logs: logs,
		clock: clock, mailer: mailer}
	e.srv = httptest.NewUnstartedServer(e.h)
	e.srv.Config.WriteTimeout = set.writeTimeout
	e.srv.Start()
	tb.Cleanup(e.srv.Close)
	return e
}

// testPassword is the password of every test account.
const testPassword = "correct horse battery staple"

// The catalog of every test: 16 "Plain Notebook" products in a category of
// their own make two catalog pages; lamp is out of stock, old-hose
// withdrawn from sale, and the category "empty" has no product.
var (
	testCategories = []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "home", Name: "Home"}, {ID: "paper", Name: "Paper"},
		{ID: "garden", Name: "Garden"}, {ID: "empty", Name: "Empty"}}
	testProducts = func() []shop.Product {
		ps := []shop.Product{
			{ID: "kettle", Name: "Enamel Kettle", Description: "Boils water on any stove.", Category: "kitchen", PriceCents: 3900, Stock: 10, Active: true},
			{ID: "mug", Name: "Stoneware Mug", Description: "Holds tea or coffee.", Category: "kitchen", PriceCents: 1250, Stock: 2, Active: true},
			{ID: "lamp", Name: "Reading Lamp", Description: "Warm light for late pages.", Category: "home", PriceCents: 8000, Stock: 0, Active: true},
			{ID: "chair", Name: "Oak Chair", Description: "Sturdy <and> plain & simple.", Category: "home", PriceCents: 12000, Stock: 5, Active: true},
			{ID: "pan", Name: "Cast Iron Pan", Description: "Heavy and lasting.", Category: "kitchen", PriceCents: 2500, Stock: 2, Active: true},
			{ID: "trowel", Name: "Garden Trowel", Description: "Digs small holes.", Category: "garden", PriceCents: 1500, Stock: 50, Active: true},
			{ID: "old-hose", Name: "Old Hose", Description: "No longer sold.", Category: "garden", PriceCents: 900, Stock: 5, Active: false},
		}
		for i := 1; i <= 16; i++ {
			ps = append(ps, shop.Product{ID: fmt.Sprintf("notebook-%02d", i), Name: fmt.Sprintf("Plain Notebook %02d", i),
				Description: "Dotted pages.", Category: "paper", PriceCents: shop.Money(300 + i), Stock: 20, Active: true})
		}
		return ps
	}()
)

// saveCatalog saves a catalog, the products created an hour apart in list
// order, so "newest" has a defined order.
func saveCatalog(tb testing.TB, store shop.Store, categories []shop.Category, products []shop.Product) {
	tb.Helper()
	for i := range categories {
		if err := store.SaveCategory(tb.Context(), &categories[i]); err != nil {
			tb.Fatalf("SaveCategory(%s) = %v", categories[i].ID, err)
		}
	}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range products {
		p.CreatedAt = created.Add(time.Duration(i) * time.Hour)
		if err := store.SaveProduct(tb.Context(), &p); err != nil {
			tb.Fatalf("SaveProduct(%s) = %v", p.ID, err)
		}
	}
}

// setProduct changes a product of the test catalog in the store.
func (e *testEnv) setProduct(id string, change func(p *shop.Product)) {
	e.tb.Helper()
	p, err := e.store.Product(context.Background(), id)
	if err != nil {
		e.tb.Fatalf("Product(%s) = %v", id, err)
	}
	change(p)
	if err := e.store.SaveProduct(context.Background(), p); err != nil {
		e.tb.Fatalf("SaveProduct(%s) = %v", id, err)
	}
}

// testClock starts at a fixed time and moves one millisecond (the
// service's resolution) each reading, so orders have distinct, ordered
// creation times, and a long fuzz run stays far from any session's idle
// timeout.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

// failingStore is the real store with failures a test switches on. Until
// then every call passes through.
type failingStore struct {
	shop.Store
	mu         sync.Mutex
	ping       error
	categories error
	cart       error
	// placeOrder, when set, is PlaceOrder's answer: after placing the
	// order when placeCommits (its answer lost after the write), else
	// having placed nothing. With readsFail, reading orders fails from
	// then on too (the store went away), so the outcome cannot be settled.
	placeOrder   error
	placeCommits bool
	readsFail    bool
	readsFailing bool
	// cartReads and productReads count Cart and Product calls
	// (httpcache_test.go, session_test.go).
	cartReads, productReads atomic.Int64
	// saveProductsDelay delays every SaveProducts call; past
	// saveProductsFailAfter calls (0: never) they fail, unavailable.
	saveProductsDelay     time.Duration
	saveProductsFailAfter int
	saveProductsCalls     int
}

// slowProductSaves delays every SaveProducts call by delay and, after
// failAfter calls (0: never), fails them as a store that stopped
// answering does.
func (s *failingStore) slowProductSaves(delay time.Duration, failAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saveProductsDelay, s.saveProductsFailAfter, s.saveProductsCalls = delay, failAfter, 0
}

func (s *failingStore) SaveProducts(ctx context.Context, products []shop.Product) error {
	s.mu.Lock()
	s.saveProductsCalls++
	delay, fail := s.saveProductsDelay, s.saveProductsFailAfter > 0 && s.saveProductsCalls > s.saveProductsFailAfter
	s.mu.Unlock()
	time.Sleep(delay)
	if fail {
		return fmt.Errorf("save products: %w", shop.ErrUnavailable)
	}
	return s.Store.SaveProducts(ctx, products)
}

// failPing makes Ping answer err (nil: pass through).
func (s *failingStore) failPing(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ping = err
}

// failCategories makes Categories answer err (nil: pass through).
func (s *failingStore) failCategories(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.categories = err
}

// failCart makes Cart answer err (nil: pass through).
func (s *failingStore) failCart(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cart = err
}

func (s *failingStore) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	s.cartReads.Add(1)
	s.mu.Lock()
	err := s.cart
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.Store.Cart(ctx, id)
}

// failPlaceOrder makes PlaceOrder answer err (nil: pass through), after
// placing the order when commit; with readsFail, order reads fail once it
// has.
func (s *failingStore) failPlaceOrder(err error, commit, readsFail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.placeOrder, s.placeCommits, s.readsFail, s.readsFailing = err, commit, readsFail, false
}

func (s *failingStore) Product(ctx context.Context, id string) (*shop.Product, error) {
	s.productReads.Add(1)
	return s.Store.Product(ctx, id)
}

func (s *failingStore) Ping(ctx context.Context) error {
	s.mu.Lock()
	err := s.ping
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.Store.Ping(ctx)
}

func (s *failingStore) Categories(ctx context.Context) ([]shop.Category, error) {
	s.mu.Lock()
	err := s.categories
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.Store.Categories(ctx)
}

func (s *failingStore) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	s.mu.Lock()
	placeErr, commit, readsFail := s.placeOrder, s.placeCommits, s.readsFail
	s.mu.Unlock()
	if placeErr == nil {
		return s.Store.PlaceOrder(ctx, o, cart)
	}
	if commit {
		if err := s.Store.PlaceOrder(ctx, o, cart); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.readsFailing = readsFail
	s.mu.Unlock()
	return placeErr
}

func (s *failingStore) Order(ctx context.Context, id string) (*shop.Order, error) {
	s.mu.Lock()
	failing := s.readsFailing
	s.mu.Unlock()
	if failing {
		return nil, fmt.Errorf("read order %s: %w", id, shop.ErrUnavailable)
	}
	return s.Store.Order(ctx, id)
}

// rawReq is one request sent by e.send: a form (pages) or a JSON body
// (API), with the session cookie and bearer token of a user when set.
type rawReq struct {
	method, target string
	form           url.Values
	json           string
	cookie         string // the session cookie's value
	token          string // the bearer token
	header         map[string]string
	https          bool // as if over TLS
	// cookieName names the session cookie; by default the one of the
	// scheme (https).
	cookieName string
}

// send serves rq and returns the recorded answer.
func (e *testEnv) send(rq rawReq) *httptest.ResponseRecorder {
	e.tb.Helper()
	var body *strings.Reader
	switch {
	case rq.form != nil:
		body = strings.NewReader(rq.form.Encode())
	default:
		body = strings.NewReader(rq.json)
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	r.RemoteAddr = "192.0.2.44:5000"
	if rq.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if rq.json != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	name := sessionCookiePlain
	if rq.https {
		r.TLS = &tls.ConnectionState{}
		name = sessionCookieSecure
	}
	if rq.cookieName != "" {
		name = rq.cookieName
	}
	cookies := []string{cookieCheckName + "=1"}
	if rq.cookie != "" {
		cookies = append(cookies, name+"="+rq.cookie)
	}
	r.Header.Set("Cookie", strings.Join(cookies, "; "))
	return e.serve(r, rq.token, rq.header)
}

// serve answers r with the bearer token (if any) and the headers given,
// into a recorder.
func (e *testEnv) serve(r *http.Request, token string, header map[string]string) *httptest.ResponseRecorder {
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// cookieValue returns the value the answer sets for cookie name, or "".
func cookieValue(w *httptest.ResponseRecorder, name string) string {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// register creates an account through the page and returns its session.
func (e *testEnv) register(email string) string {
	e.tb.Helper()
	w := e.send(rawReq{method: "POST", target: "/register",
		form: url.Values{"email": {email}, "name": {"Sec User"}, "password": {testPassword}, "confirm_password": {testPassword}}})
	cookie := cookieValue(w, sessionCookiePlain)
	if w.Code != http.StatusSeeOther || cookie == "" {
		e.tb.Fatalf("register %s: %d %s", email, w.Code, w.Body)
	}
	return cookie
}

// snapshot returns every row of every table of the store, read through a
// connection of its own, sorted: what the store holds. A session's
// last_seen_at is left out: reading a page keeps the session alive, which
// is the idle timeout's bookkeeping, not a change the visitor asked for.
func (e *testEnv) snapshot() string {
	e.tb.Helper()
	db, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		e.tb.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		e.tb.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			e.tb.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	var out []string
	for _, table := range names {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			e.tb.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.tb.Fatal(err)
			}
			var line []string
			for i, c := range cols {
				if table == "sessions" && c == "last_seen_at" {
					continue
				}
				line = append(line, fmt.Sprintf("%s=%v", c, vals[i]))
			}
			lines = append(lines, strings.Join(line, " "))
		}
		rows.Close()
		slices.Sort(lines)
		out = append(out, table+":\n"+strings.Join(lines, "\n"))
	}
	return strings.Join(out, "\n")
}
