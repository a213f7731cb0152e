package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"storefront/internal/shop"
)

// TestSignedInCatalogPageStitchedGzip: a catalog page with a session is
// its personal part stitched, uncompressed, between the kept compressed
// rest; Go's standard gzip reader (a strict decoder: block structure,
// CRC-32 and length) decodes it to exactly the page a server without the
// kept rest renders whole, for two shoppers of one address (the second
// from the kept rest), and a guest with a cart, plain for a
// client that does not accept gzip, and nothing is stored by caches.
func TestSignedInCatalogPageStitchedGzip(t *testing.T) {
	e := newEnv(t)
	whole := NewServer(e.svc, slog.New(slog.DiscardHandler), Config{PageCacheBytes: -1})
	ada, bob := e.register("ada.stitch@example.com"), e.register("bob.stitch@example.com")
	w := e.send(rawReq{method: "POST", target: "/cart/items", form: url.Values{"product_id": {"kettle"}, "quantity": {"3"}}})
	guest := cookieValue(w, sessionCookiePlain)
	if guest == "" {
		t.Fatal("adding to a guest's cart set no session cookie")
	}
	get := func(h http.Handler, target, cookie string, gzipped bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Cookie", sessionCookiePlain+"="+cookie)
		if gzipped {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for _, target := range []string{"/", "/products?sort=price_desc", "/products?q=notebook&page=2"} {
		for _, who := range []struct{ name, cookie, want string }{
			{"ada", ada, `id="cart-count">0<`},
			{"bob", bob, `id="cart-count">0<`},
			{"guest with a cart", guest, `id="cart-count">3<`},
			{"ada again", ada, `id="cart-count">0<`},
		} {
			want := get(whole, target, who.cookie, false)
			if want.Code != http.StatusOK || !strings.Contains(want.Body.String(), who.want) {
				t.Fatalf("%s GET %s whole = %d, want a page with %s", who.name, target, want.Code, who.want)
			}
			zw := get(e.h, target, who.cookie, true)
			if zw.Code != http.StatusOK || zw.Header().Get("Content-Encoding") != "gzip" || zw.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("%s GET %s = %d, Content-Encoding %q, Cache-Control %q; want 200, gzip, no-store", who.name, target,
					zw.Code, zw.Header().Get("Content-Encoding"), zw.Header().Get("Cache-Control"))
			}
			if zw.Header().Get("Content-Length") != strconv.Itoa(zw.Body.Len()) {
				t.Errorf("%s GET %s Content-Length %s for %d bytes", who.name, target, zw.Header().Get("Content-Length"), zw.Body.Len())
			}
			if personal := `<span id="cart-count">`; !bytes.Contains(zw.Body.Bytes(), []byte(personal)) {
				t.Errorf("%s GET %s: the gzip stream lacks the personal part as a stored block; compressed whole?", who.name, target)
			}
			br := bytes.NewReader(zw.Body.Bytes())
			zr, err := gzip.NewReader(br)
			if err != nil {
				t.Fatalf("%s GET %s: gzip header: %v", who.name, target, err)
			}
			zr.Multistream(false)
			got, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%s GET %s: gzip body: %v", who.name, target, err)
			}
			if br.Len() != 0 {
				t.Errorf("%s GET %s: %d bytes after the gzip member", who.name, target, br.Len())
			}
			if !bytes.Equal(got, want.Body.Bytes()) {
				t.Errorf("%s GET %s decodes to a page other than the one rendered whole:\n%s\nwant:\n%s", who.name, target, got, want.Body)
			}
			plain := get(e.h, target, who.cookie, false)
			if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("%s GET %s without gzip = %q encoded, another page than the one rendered whole", who.name, target,
					plain.Header().Get("Content-Encoding"))
			}
		}
	}
}

// TestFramedCacheBounds: the framed pages kept (in a pageCache of their
// own) stay within the entries and bytes given, the least recently used
// dropped first; a page over an eighth of the bytes is not kept.
func TestFramedCacheBounds(t *testing.T) {
	page := func(key string, n int) *framedPage {
		return &framedPage{key: key, before: bytes.Repeat([]byte("a"), n)}
	}
	c := newPageCache[*framedPage](8000, 3)
	for _, key := range []string{"k1", "k2", "k3", "k4"} {
		c.put(page(key, 100))
	}
	if c.get("k1") != nil || c.get("k2") == nil || c.get("k4") == nil {
		t.Errorf("after 4 pages in a cache of 3: k1 kept %v, k2 %v, k4 %v; want the oldest dropped", c.get("k1") != nil, c.get("k2") != nil, c.get("k4") != nil)
	}
	c.put(page("big", 1000))
	if c.get("big") != nil {
		t.Error("a page over an eighth of the bytes was kept")
	}
	for i := range 20 {
		c.put(page("b"+strconv.Itoa(i), 900))
	}
	if c.bytes > c.maxBytes || c.order.Len() > c.maxEntries || len(c.byKey) != c.order.Len() {
		t.Errorf("cache holds %d bytes in %d pages (%d keys); want at most %d in %d", c.bytes, c.order.Len(), len(c.byKey), c.maxBytes, c.maxEntries)
	}
}

// TestSignedInCatalogPageKeptUnderTheVersionReadBeforeIt: the catalog's
// version read before a signed-in page is rendered is the one the page is
// kept under. A version read again after rendering may be newer than what
// the page shows (a change landed in between), and keeping the old page
// under it would show the old price to every signed-in shopper until the
// next change.
func TestSignedInCatalogPageKeptUnderTheVersionReadBeforeIt(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var calls uint64
	racing := true
	version := func(context.Context) uint64 {
		mu.Lock()
		defer mu.Unlock()
		if racing { // each read sees a change land: 1, 2, ...
			calls++
			return calls
		}
		return 2
	}
	h := NewServer(e.svc, slog.New(slog.DiscardHandler), Config{CatalogVersion: version})
	ada := e.register("ada.version@example.com")
	get := func() string {
		r := httptest.NewRequest(http.MethodGet, "/products?category=kitchen", nil)
		r.Header.Set("Cookie", sessionCookiePlain+"="+ada)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("GET = %d", w.Code)
		}
		return w.Body.String()
	}
	if page := get(); !strings.Contains(page, "$39.00") {
		t.Fatalf("the first page lacks the kettle's $39.00:\n%s", page)
	}
	e.setProduct("kettle", func(p *shop.Product) { p.PriceCents = 4200 })
	mu.Lock()
	racing = false // the version of the change: 2
	mu.Unlock()
	if page := get(); !strings.Contains(page, "$42.00") || strings.Contains(page, "$39.00") {
		t.Errorf("after the change (version 2) the page shows the old price, kept under version 2 by the first request:\n%s", page)
	}
}
