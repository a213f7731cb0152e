package web

// HTTP caching: public guest pages (Cache-Control, ETag, 304), personal
// pages no-store, and the page cache (hits, its bounds, invalidation by the
// catalog's version, the product page's store read on every request).

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"storefront/internal/shop"
)

// cacheEnv is a test environment whose server is looked into: its page
// cache, with the catalog's version read from version.
type cacheEnv struct {
	*testEnv
	s       *server
	h       http.Handler
	version atomic.Uint64
}

func newCacheEnv(t *testing.T, cfg Config) *cacheEnv {
	t.Helper()
	ce := &cacheEnv{testEnv: newEnv(t)}
	ce.version.Store(1)
	cfg.CatalogVersion = func(context.Context) uint64 { return ce.version.Load() }
	ce.s, ce.h = newServer(ce.svc, slog.New(slog.DiscardHandler), cfg)
	return ce
}

// get serves GET target with the headers given (name, value, ...) and a
// session cookie when cookie is set.
func (ce *cacheEnv) get(target, cookie string, header ...string) *httptest.ResponseRecorder {
	return serveTo(ce.h, http.MethodGet, target, cookie, header...)
}

func serveTo(h http.Handler, method, target, cookie string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Cookie", cookieCheckName+"=1")
	if cookie != "" {
		r.Header.Set("Cookie", cookieCheckName+"=1; "+sessionCookiePlain+"="+cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// hasVary reports whether an answer's Vary names name.
func hasVary(h http.Header, name string) bool {
	for _, v := range h.Values("Vary") {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), name) {
				return true
			}
		}
	}
	return false
}

// guestPages are the public pages and the Cache-Control each gets.
var guestPages = []struct{ path, cacheControl string }{
	{"/", listingPolicy.cacheControl},
	{"/products", listingPolicy.cacheControl},
	{"/products?category=kitchen", listingPolicy.cacheControl},
	{"/products?q=kettle&sort=price_desc", listingPolicy.cacheControl},
	{"/products/kettle", productPolicy.cacheControl},
}

// TestGuestPagesPublic: a guest's catalog and product pages are public
// (shared caches may keep them), the same bytes for every guest, with
// nothing personal in them; a weak ETag answers a revalidation with 304
// carrying the same caching and security headers.
func TestGuestPagesPublic(t *testing.T) {
	for _, cached := range []bool{true, false} {
		t.Run(fmt.Sprintf("page cache %v", cached), func(t *testing.T) {
			cfg := Config{}
			if !cached {
				cfg.PageCacheBytes = -1
			}
			ce := newCacheEnv(t, cfg)
			for _, c := range guestPages {
				w := ce.get(c.path, "")
				h := w.Header()
				if w.Code != http.StatusOK || h.Get("Cache-Control") != c.cacheControl {
					t.Fatalf("GET %s (guest) = %d, Cache-Control %q; want 200, %q", c.path, w.Code, h.Get("Cache-Control"), c.cacheControl)
				}
				etag := h.Get("ETag")
				if !strings.HasPrefix(etag, `W/"`) || !hasVary(h, "Cookie") || !hasVary(h, "Accept-Encoding") {
					t.Errorf("GET %s: ETag %q, Vary %q; want a weak ETag and Vary: Accept-Encoding, Cookie", c.path, etag, h.Values("Vary"))
				}
				if h.Get("Set-Cookie") != "" || h.Get("Content-Security-Policy") != contentSecurityPolicy {
					t.Errorf("GET %s: Set-Cookie %q, CSP %q; want none and the policy", c.path, h.Get("Set-Cookie"), h.Get("Content-Security-Policy"))
				}
				body := w.Body.String()
				for _, personal := range []string{"Signed in as", `action="/logout"`, "flash"} {
					if strings.Contains(body, personal) {
						t.Errorf("GET %s (guest, public) shows %q", c.path, personal)
					}
				}
				if !strings.Contains(body, `id="cart-count">0<`) {
					t.Errorf("GET %s (guest, public): no cart count of 0", c.path)
				}
				// Another guest, with other cookies: the same bytes.
				other := ce.get(c.path, "", "Cookie", "theme=dark")
				if other.Body.String() != body || other.Header().Get("ETag") != etag {
					t.Errorf("GET %s: another guest got other bytes or ETag %q; want the same page", c.path, other.Header().Get("ETag"))
				}

				not := ce.get(c.path, "", "If-None-Match", `"other", `+etag)
				nh := not.Header()
				if not.Code != http.StatusNotModified || not.Body.Len() != 0 || nh.Get("ETag") != etag ||
					nh.Get("Cache-Control") != c.cacheControl || nh.Get("Content-Security-Policy") != contentSecurityPolicy {
					t.Errorf("GET %s If-None-Match: %d, body %d bytes, ETag %q, Cache-Control %q; want 304, none, %q, %q",
						c.path, not.Code, not.Body.Len(), nh.Get("ETag"), nh.Get("Cache-Control"), etag, c.cacheControl)
				}
				if w := ce.get(c.path, "", "If-None-Match", `W/"stale"`); w.Code != http.StatusOK || w.Body.String() != body {
					t.Errorf("GET %s with a stale ETag = %d; want 200 and the page", c.path, w.Code)
				}
				head := serveTo(ce.h, http.MethodHead, c.path, "")
				if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("ETag") != etag {
					t.Errorf("HEAD %s = %d, %d bytes, ETag %q; want 200, none, %q", c.path, head.Code, head.Body.Len(), head.Header().Get("ETag"), etag)
				}
			}
		})
	}
}

// TestPersonalPagesNoStore: with a session cookie (a guest's cart, a
// signed-in user, even an unknown one being cleared) the same addresses
// are personal: no-store, no ETag; so are refusals and other pages.
func TestPersonalPagesNoStore(t *testing.T) {
	ce := newCacheEnv(t, Config{})
	w := ce.send(rawReq{method: "POST", target: "/cart/items", form: url.Values{"product_id": {"kettle"}, "quantity": {"1"}}})
	guestCart := cookieValue(w, sessionCookiePlain)
	user := ce.register("personal@example.com")
	for _, c := range guestPages {
		ce.get(c.path, "") // a guest's public page first, kept in the page cache
		for name, cookie := range map[string]string{"guest with a cart": guestCart, "signed in": user, "unknown session": "no-such-session"} {
			w := ce.get(c.path, cookie)
			if cc := w.Header().Get("Cache-Control"); w.Code != http.StatusOK || cc != "no-store" || w.Header().Get("ETag") != "" {
				t.Errorf("GET %s (%s) = %d, Cache-Control %q, ETag %q; want 200, no-store, none", c.path, name, w.Code, cc, w.Header().Get("ETag"))
			}
			if name == "signed in" && !strings.Contains(w.Body.String(), "Sec User") {
				t.Errorf("GET %s (signed in) does not name the user: the guests' page was served", c.path)
			}
			if name == "guest with a cart" && !strings.Contains(w.Body.String(), `id="cart-count">1<`) {
				t.Errorf("GET %s (guest with a cart) does not count the cart: the guests' page was served", c.path)
			}
		}
	}
	for _, path := range []string{"/products/no-such", "/products?sort=nope", "/cart", "/login", "/register", "/nope"} {
		if w := ce.get(path, ""); w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
			t.Errorf("GET %s (guest) = %d, Cache-Control %q, ETag %q; want no-store, none", path, w.Code, w.Header().Get("Cache-Control"), w.Header().Get("ETag"))
		}
	}
	// The signed-in pages left nothing behind for guests.
	if w := ce.get("/", ""); strings.Contains(w.Body.String(), "Sec User") || w.Header().Get("Cache-Control") == "no-store" {
		t.Errorf("GET / (guest) after signed-in visits: Cache-Control %q, names the user %v; want the public guest page",
			w.Header().Get("Cache-Control"), strings.Contains(w.Body.String(), "Sec User"))
	}
}

// TestAPIAnswersToATokenNoStore: the API's product list is public to a
// client without credentials, and personal (no-store, no ETag) to one that
// sends a bearer token, as every answer to a token is.
func TestAPIAnswersToATokenNoStore(t *testing.T) {
	ce := newCacheEnv(t, Config{})
	token := ce.signUp("token.cache@example.com")
	const target = "/api/v1/products?per_page=3"
	if w := ce.get(target, ""); w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Cache-Control"), "public") {
		t.Fatalf("GET %s without a token = %d, Cache-Control %q; want 200, public", target, w.Code, w.Header().Get("Cache-Control"))
	}
	w := ce.get(target, "", "Authorization", "Bearer "+token)
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
		t.Errorf("GET %s with a token = %d, Cache-Control %q, ETag %q; want 200, no-store, none", target, w.Code,
			w.Header().Get("Cache-Control"), w.Header().Get("ETag"))
	}
}

// TestStaticFilesImmutableOnlyUnderTheirVersion: a static file is kept
// for a year under the address pages link to (its content's version in v);
// under another v or none (a page of another release, during a rolling
// deploy) caches must ask again, so they never keep one file under
// another's address.
func TestStaticFilesImmutableOnlyUnderTheirVersion(t *testing.T) {
	ce := newCacheEnv(t, Config{})
	linked := staticURL("style.css")
	for target, want := range map[string]string{
		linked:                         "public, max-age=31536000, immutable",
		"/static/style.css?v=deadbeef": "public, no-cache",
		"/static/style.css":            "public, no-cache",
	} {
		w := ce.get(target, "")
		if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != want || w.Header().Get("ETag") == "" {
			t.Errorf("GET %s = %d, Cache-Control %q, ETag %q; want 200, %q and an ETag", target, w.Code,
				w.Header().Get("Cache-Control"), w.Header().Get("ETag"), want)
		}
	}
	if !strings.Contains(ce.get("/", "").Body.String(), `href="`+strings.ReplaceAll(linked, "&", "&amp;")+`"`) {
		t.Errorf("the pages do not link the stylesheet as %s", linked)
	}
}

// TestPageCacheListingsByCatalogVersion: a guest's listing is rendered
// once per catalog version and address (query parameters in any order),
// then served from the page cache; a new version renders it again, and a
// version of 0 (no change feed) keeps nothing.
func TestPageCacheListingsByCatalogVersion(t *testing.T) {
	ce := newCacheEnv(t, Config{})
	first := ce.get("/products?category=kitchen&sort=price_desc", "")
	hits := ce.s.pageCache.hits.Load()
	again := ce.get("/products?sort=price_desc&category=kitchen", "")
	if got := ce.s.pageCache.hits.Load() - hits; got != 1 || again.Body.String() != first.Body.String() {
		t.Fatalf("the same listing again: %d page cache hits, same bytes %v; want 1, true", got, again.Body.String() == first.Body.String())
	}

	// The catalog changes: a listing kept from before is not served.
	ce.setProduct("kettle", func(p *shop.Product) { p.PriceCents = 4100 })
	ce.version.Add(1)
	hits = ce.s.pageCache.hits.Load()
	changed := ce.get("/products?category=kitchen&sort=price_desc", "")
	if got := ce.s.pageCache.hits.Load() - hits; got != 0 || changed.Body.String() == first.Body.String() {
		t.Errorf("after a catalog change: %d hits, same bytes %v; want 0 and a new page", got, changed.Body.String() == first.Body.String())
	}
	if !strings.Contains(changed.Body.String(), "$41.00") {
		t.Errorf("after a price change the listing does not show $41.00")
	}

	ce.version.Store(0)
	entries, _ := ce.s.pageCache.stats()
	ce.get("/products?category=garden", "")
	ce.get("/products?category=garden", "")
	if now, _ := ce.s.pageCache.stats(); now != entries {
		t.Errorf("catalog version 0: the page cache went from %d to %d pages; want none kept", entries, now)
	}
}

// TestPageCacheProductPageIsCurrent: a guest's product page shows the
// product as the store has it now: a price or stock change by another
// writer shows on the next request, with a new ETag, whatever the
// catalog's version says; an unchanged product's page is served from the
// page cache, after a check of the store's change log in place of a read
// of the product (shop's productread.go). A signed-in visitor's page is
// current too, and personal.
func TestPageCacheProductPageIsCurrent(t *testing.T) {
	ce := newCacheEnv(t, Config{})
	reads := ce.fail.productReads.Load()
	first := ce.get("/products/kettle", "")
	hits := ce.s.pageCache.hits.Load()
	second := ce.get("/products/kettle", "")
	if got := ce.s.pageCache.hits.Load() - hits; got != 1 || second.Body.String() != first.Body.String() {
		t.Errorf("the same product page again: %d page cache hits; want 1 and the same bytes", got)
	}
	if got := ce.fail.productReads.Load() - reads; got != 1 {
		t.Errorf("two pages of an unchanged product read it from the store %d times; want 1 (then the change log)", got)
	}

	user := ce.register("current@example.com")
	// The catalog's version stays: the product page does not rely on it.
	for _, change := range []struct {
		name string
		f    func(p *shop.Product)
		want string
	}{
		{"price", func(p *shop.Product) { p.PriceCents = 4250 }, "$42.50"},
		{"stock", func(p *shop.Product) { p.Stock = 0 }, "cannot be ordered"},
	} {
		ce.setProduct("kettle", change.f)
		w := ce.get("/products/kettle", "")
		if !strings.Contains(w.Body.String(), change.want) {
			t.Errorf("after a %s change the product page lacks %q", change.name, change.want)
		}
		if w.Header().Get("ETag") == first.Header().Get("ETag") {
			t.Errorf("after a %s change the ETag stayed %q", change.name, w.Header().Get("ETag"))
		}
		hits := ce.s.pageCache.hits.Load()
		if again := ce.get("/products/kettle", ""); again.Body.String() != w.Body.String() || ce.s.pageCache.hits.Load()-hits != 1 {
			t.Errorf("after a %s change, the page again: not the same page from the page cache", change.name)
		}
		signedIn := ce.get("/products/kettle", user)
		if !strings.Contains(signedIn.Body.String(), change.want) || !strings.Contains(signedIn.Body.String(), "Sec User") ||
			signedIn.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("after a %s change the signed-in product page: shows %q %v, names the user %v, Cache-Control %q; want true, true, no-store",
				change.name, change.want, strings.Contains(signedIn.Body.String(), change.want),
				strings.Contains(signedIn.Body.String(), "Sec User"), signedIn.Header().Get("Cache-Control"))
		}
	}
}

// TestPageCacheProductPageCategoryRename: a product page names its
// category; a rename shows on it (through the catalog read model, as on
// the listings) though the product itself is unchanged.
func TestPageCacheProductPageCategoryRename(t *testing.T) {
	ce := newCacheEnv(t, Config{})
	if w := ce.get("/products/kettle", ""); !strings.Contains(w.Body.String(), ">Kitchen<") {
		t.Fatalf("the product page does not name its category Kitchen")
	}
	if err := ce.store.SaveCategory(t.Context(), &shop.Category{ID: "kitchen", Name: "Cookware"}); err != nil {
		t.Fatal(err)
	}
	if w := ce.get("/products/kettle", ""); !strings.Contains(w.Body.String(), ">Cookware<") {
		t.Errorf("after the category's rename the product page does not name it Cookware")
	}
}

// TestPageCacheBounds: the page cache holds at most its byte budget and
// entry count, dropping the least recently used page first; it keeps no
// page over an eighth of the budget, and no key over maxPageKeyBytes.
func TestPageCacheBounds(t *testing.T) {
	page := func(key string, size int) *cachedPage {
		return newCachedPage(key, "text/html", []byte(strings.Repeat("x", size)), false)
	}
	c := newPageCache[*cachedPage](10_000, 5)
	for i := range 5 {
		c.put(page(fmt.Sprint("k", i), 1000))
	}
	c.get("k0") // k0 is now the most recently used, k1 the least
	c.put(page("k5", 1000))
	if n, _ := c.stats(); n != 5 || c.get("k1") != nil || c.get("k0") == nil || c.get("k5") == nil {
		t.Errorf("over the entry bound: %d pages, k1 kept %v, k0 %v; want 5, k1 dropped, k0 kept", n, c.get("k1") != nil, c.get("k0") != nil)
	}
	c = newPageCache[*cachedPage](10_000, 100)
	for i := range 50 {
		c.put(page(fmt.Sprint("k", i), 1000))
	}
	if n, b := c.stats(); b > 10_000 || n != 8 {
		t.Errorf("over the byte bound: %d pages, %d bytes; want 8 pages within 10000 bytes", n, b)
	}
	c.put(page("big", 2000)) // over an eighth of the budget
	if c.get("big") != nil {
		t.Error("a page over an eighth of the budget was kept")
	}
	c.put(page("k49", 500)) // replaces
	if n, b := c.stats(); n != 8 || b > 10_000 || len(c.get("k49").body) != 500 {
		t.Errorf("replacing a page: %d pages, %d bytes; want 8 within 10000 and the new one", n, b)
	}

	// Through the server: many addresses stay within a small budget, and a
	// long one is answered but never kept.
	ce := newCacheEnv(t, Config{PageCacheBytes: 200_000})
	for i := range 60 {
		ce.get(fmt.Sprintf("/products?q=kettle&x=%d", i), "")
	}
	if n, b := ce.s.pageCache.stats(); b > 200_000 || n == 0 {
		t.Errorf("60 listings in a 200000-byte cache: %d pages, %d bytes; want some, within the budget", n, b)
	}
	n, _ := ce.s.pageCache.stats()
	long := "/products?q=kettle&x=" + strings.Repeat("a", maxPageKeyBytes)
	if w := ce.get(long, ""); w.Code != http.StatusOK || w.Header().Get("ETag") == "" {
		t.Errorf("GET a long address = %d, ETag %q; want 200 and an ETag", w.Code, w.Header().Get("ETag"))
	}
	if now, _ := ce.s.pageCache.stats(); now != n && now > n {
		t.Errorf("a long address was kept: %d pages, %d before", now, n)
	}
}

// TestPageKey: equal addresses share a key, and everything a page depends
// on (host, scheme, path, query values) tells keys apart.
func TestPageKey(t *testing.T) {
	s := &server{}
	key := func(target string, edit func(r *http.Request)) string {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if edit != nil {
			edit(r)
		}
		k, ok := s.pageKey(r, "listing", "7")
		if !ok {
			t.Fatalf("pageKey(%s) refused", target)
		}
		return k
	}
	base := key("/products?q=a&category=b", nil)
	if got := key("/products?category=b&q=a", nil); got != base {
		t.Errorf("reordered query: key %q; want %q", got, base)
	}
	for name, other := range map[string]string{
		"another host":   key("/products?q=a&category=b", func(r *http.Request) { r.Host = "other.example" }),
		"another path":   key("/products/a?q=a&category=b", nil),
		"another value":  key("/products?q=a&category=c", nil),
		"a second value": key("/products?q=a&q=b&category=b", nil),
	} {
		if other == base {
			t.Errorf("%s: the same key %q", name, base)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/products?q=%zz", nil)
	if _, ok := s.pageKey(r, "listing", "7"); ok {
		t.Error("a query that does not parse got a key")
	}
}
