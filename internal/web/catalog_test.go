package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"storefront/internal/shop"
	"strings"
	"testing"
	"time"
)

// productLinks returns the product pages a catalog page links to, in order.
func productLinks(r *pageResp) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<h2 class="card-title"><a href="/products/([^"]+)">`).FindAllStringSubmatch(r.Body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestCatalog(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, path := range []string{"/", "/products"} {
		res := c.get(path).wantStatus(http.StatusOK)
		res.wantText("results-count", "22 products, page 1 of 2")
		if got := len(productLinks(res)); got != 12 {
			t.Errorf("%s shows %d products; want 12", path, got)
		}
		res.wantContains(`<label for="q">`, `<label for="category">`, `<label for="sort">`,
			`href="/products?page=2" rel="next"`, `Kitchen (3)`, `<img src="/images/products/chair.svg" alt="Oak Chair"`,
			"$120.00")
	}
	c.get("/products?category=kitchen").wantStatus(http.StatusOK).wantContains("Only 2 left", "In stock", "<h1>Kitchen</h1>")

	res := c.get("/products?q=MUG").wantStatus(http.StatusOK)
	if got := productLinks(res); len(got) != 1 || got[0] != "mug" {
		t.Errorf("search MUG = %v; want [mug]", got)
	}

	res = c.get("/products?category=home&sort=price_desc").wantStatus(http.StatusOK)
	if got := strings.Join(productLinks(res), ","); got != "chair,lamp" {
		t.Errorf("home by price_desc = %s; want chair,lamp", got)
	}
	res.wantContains("<h1>Home</h1>", `aria-current="page">Home`, "Out of stock")
	// An out-of-stock product has no add-to-cart form; an available one has.
	lamp := res.Body[strings.Index(res.Body, `id="product-lamp"`):]
	lamp = lamp[:strings.Index(lamp, "</li>")]
	if strings.Contains(lamp, "/cart/items") {
		t.Error("the out-of-stock lamp has an add-to-cart form")
	}
	chair := res.Body[strings.Index(res.Body, `id="product-chair"`):]
	if !strings.Contains(chair[:strings.Index(chair, "</li>")], `<input type="hidden" name="product_id" value="chair">`) {
		t.Error("the chair has no add-to-cart form")
	}

	// The second page keeps the filters in its links.
	res = c.get("/products?category=paper&sort=price_asc&page=2").wantStatus(http.StatusOK)
	res.wantText("results-count", "16 products, page 2 of 2")
	res.wantContains(`href="/products?category=paper&amp;sort=price_asc" rel="prev"`)
	if got := productLinks(res); len(got) != 4 || got[0] != "notebook-13" {
		t.Errorf("page 2 = %v; want notebook-13 to -16", got)
	}
}

func TestCatalogInvalidQuery(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, path := range []string{"/products?page=0", "/products?page=abc", "/products?page=-1", "/products?sort=cheap",
		"/products?category=%3Cscript%3E", "/?q=" + strings.Repeat("x", 101)} {
		res := c.get(path).wantStatus(http.StatusUnprocessableEntity)
		if _, ok := res.byID("catalog-error"); !ok {
			t.Errorf("%s: no #catalog-error", path)
		}
		res.wantNotContains("<script>")
	}
}

// TestCatalogSortSelectSendsNoDefault: the sort select belongs to the
// header's search form, so what it sends by default goes with every search
// typed on a listing: the listing's default order (name) is sent as no
// order, and the search gets its own default, the best matches first.
func TestCatalogSortSelectSendsNoDefault(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, path := range []string{"/", "/products?category=kitchen", "/products?sort=name"} {
		res := c.get(path).wantStatus(http.StatusOK)
		if !strings.Contains(res.Body, `<option value="">Name</option>`) && !strings.Contains(res.Body, `<option value="" selected>Name</option>`) {
			t.Errorf("GET %s: the sort select's Name option does not send an empty sort", path)
		}
		res.wantContains(`<option value="price_asc">`)
		res.wantNotContains(`<option value="name"`, `<option value="relevance"`)
	}
	c.get("/products?sort=price_desc").wantContains(`<option value="price_desc" selected>`)
	// What the form sends from a listing, a search typed in: by relevance.
	res := c.get("/products?q=kettle&category=&sort=").wantStatus(http.StatusOK)
	res.wantContains(`<option value="relevance">Best match</option>`, `<option value="name">Name</option>`)
	res.wantNotContains(` selected>Name`)
}

// TestCatalogUnknownCategory: a category id that names no category is
// 404 with what to do (an empty 200 listing would be indexed as a page of
// its own); a category without products is a listing of none.
func TestCatalogUnknownCategory(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, path := range []string{"/products?category=nope", "/products?category=Kitchen", "/products?q=kettle&category=nope"} {
		res := c.get(path).wantStatus(http.StatusNotFound)
		res.wantContains("There is no category")
		res.wantNotContains(`id="product-`)
	}
	c.get("/products?category=empty").wantStatus(http.StatusOK).wantContains("No products match")
	c.get("/products?category=kitchen").wantStatus(http.StatusOK)
}

// TestCatalogPagePastTheLast: a page number past the last is 404 (an
// empty 200 would be indexed as a page of its own, and says "no products
// match" of a list that has some), saying how many pages there are and
// leading to the last one, with the filters kept.
func TestCatalogPagePastTheLast(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	res := c.get("/products?category=paper&sort=price_asc&page=9").wantStatus(http.StatusNotFound)
	res.wantText("catalog-error", "There is no page 9 of this list: it has 2 pages. Go to the last page")
	res.wantContains(`id="last-page-link"`, `href="/products?category=paper&amp;page=2&amp;sort=price_asc"`)
	res.wantNotContains("No products match", `id="product-`)
	res = c.get("/products?q=zzzz&page=2").wantStatus(http.StatusNotFound)
	res.wantText("catalog-error", "There is no page 2: no products match this search. Go to the first page")
	res.wantContains(`href="/products?q=zzzz"`)
	c.get("/products?category=paper&sort=price_asc&page=2").wantStatus(http.StatusOK)
	c.get("/products?q=zzzz").wantStatus(http.StatusOK).wantContains("No products match")
	// Signed in, the same.
	c.register("ada@example.com", "Ada")
	c.get("/products?page=99").wantStatus(http.StatusNotFound).wantContains("There is no page 99")
}

func TestProductPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	res := c.get("/products/chair").wantStatus(http.StatusOK)
	res.wantText("availability", "In stock")
	res.wantText("product-price", "$120.00")
	res.wantContains("<h1>Oak Chair</h1>", "Sturdy &lt;and&gt; plain &amp; simple.", `alt="Oak Chair"`,
		`<label for="quantity">Quantity</label>`, `min="1"`, `max="5"`, `action="/cart/items"`)

	c.get("/products/lamp").wantStatus(http.StatusOK).wantNotContains(`action="/cart/items"`).wantContains("Out of stock")
	c.get("/products/nope").wantStatus(http.StatusNotFound).wantContains("Page not found")
	c.get("/products/bad%20id").wantStatus(http.StatusNotFound)
}

func TestProductImage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	res := c.get("/images/products/kettle.svg").wantStatus(http.StatusOK)
	if got := res.Header.Get("Content-Type"); got != "image/svg+xml" {
		t.Errorf("Content-Type = %q; want image/svg+xml", got)
	}
	if got := res.Header.Get("Cache-Control"); !strings.HasPrefix(got, "public") {
		t.Errorf("Cache-Control = %q; want public caching", got)
	}
	if !strings.HasPrefix(res.Body, "<svg") && !strings.HasPrefix(res.Body, "<?xml") {
		t.Errorf("body starts %q; want an SVG", res.Body[:min(40, len(res.Body))])
	}
	res.wantSecurityHeaders()
	c.get("/images/products/kettle").wantStatus(http.StatusNotFound)
	c.get("/images/products/kettle.png").wantStatus(http.StatusNotFound)
	c.get("/images/products/nope.svg").wantStatus(http.StatusNotFound)
}

// TestSearchTextIsData: SQL and LIKE metacharacters in a search are text
// to find, never query syntax (ASVS V5.3.4): a search finds what its words
// alone find, and changes nothing.
func TestSearchTextIsData(t *testing.T) {
	e := newEnv(t)
	total := func(q string) int {
		t.Helper()
		w := e.send(rawReq{method: "GET", target: "/api/v1/products?q=" + url.QueryEscape(q)})
		var page productPageJSON
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &page) != nil {
			t.Fatalf("search %q = %d %s; want 200", q, w.Code, w.Body)
		}
		return page.Total
	}
	for q, words := range map[string]string{"' OR 1=1 --": "or 1 1", `" OR ""="`: "or", "%": "", "_": "",
		"kettle'; DROP TABLE products; --": "kettle drop table products", "mug%": "mug"} {
		want := 0 // a search without words finds nothing
		if words != "" {
			want = total(words)
		}
		if got := total(q); got != want {
			t.Errorf("search %q = %d results; want %d, as its words %q", q, got, want, words)
		}
	}
	if total("mug%") == 0 {
		t.Errorf("search mug%% found nothing; want the mugs")
	}
	if w := e.send(rawReq{method: "GET", target: "/api/v1/products"}); !strings.Contains(w.Body.String(), `"total":22`) {
		t.Errorf("the catalog after the searches: %s; want its 22 products", w.Body)
	}
}

// TestAPIProductsCursorWalk: following next from the first page visits
// every product once, in the order of the pages, with the same total; a
// cursor of another sort or a made-up one is a 422 naming cursor.
func TestAPIProductsCursorWalk(t *testing.T) {
	e := newEnv(t)
	get := func(target string) (productPageJSON, int) {
		t.Helper()
		w := e.send(rawReq{method: "GET", target: target})
		var page productPageJSON
		if w.Code == http.StatusOK {
			if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
				t.Fatalf("GET %s: %v", target, err)
			}
		}
		return page, w.Code
	}
	for _, sortBy := range []string{"name", "price_desc", "newest"} {
		all, _ := get("/api/v1/products?per_page=100&sort=" + sortBy)
		var walked []string
		page, code := get("/api/v1/products?per_page=5&sort=" + sortBy)
		for code == http.StatusOK {
			for _, p := range page.Items {
				walked = append(walked, p.ID)
			}
			if page.Total != all.Total {
				t.Fatalf("sort %s: total %d on a later page; want %d", sortBy, page.Total, all.Total)
			}
			if page.Next == "" {
				break
			}
			page, code = get("/api/v1/products?per_page=5&sort=" + sortBy + "&cursor=" + url.QueryEscape(page.Next))
		}
		var want []string
		for _, p := range all.Items {
			want = append(want, p.ID)
		}
		if !slices.Equal(walked, want) || len(want) != all.Total {
			t.Errorf("sort %s: the cursor walk visited %v; want %v", sortBy, walked, want)
		}
	}
	first, _ := get("/api/v1/products?per_page=5&sort=name")
	for _, target := range []string{"/api/v1/products?sort=price_asc&cursor=" + url.QueryEscape(first.Next),
		"/api/v1/products?cursor=bm90LWEtY3Vyc29y"} {
		w := e.send(rawReq{method: "GET", target: target})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"cursor"`) {
			t.Errorf("GET %s = %d %s; want 422 naming cursor", target, w.Code, w.Body)
		}
	}
}

// TestCatalogSearchFindsWords: the catalog page finds products by their
// words in any case and number, offers the best matches first, and finds
// nothing for a fragment of a word.
func TestCatalogSearchFindsWords(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	res := c.get("/products?q=KETTLES").wantStatus(http.StatusOK)
	if !strings.Contains(res.Body, `href="/products/kettle"`) {
		t.Errorf("search KETTLES: no link to the kettle in %s", res.Body)
	}
	if !strings.Contains(res.Body, `<option value="relevance"`) {
		t.Errorf("search KETTLES: no Best match order offered")
	}
	res = c.get("/products?q=kett").wantStatus(http.StatusOK)
	if strings.Contains(res.Body, `href="/products/kettle"`) {
		t.Errorf("search kett found the kettle; want words, not fragments")
	}
}

// TestAPIProductListCachedByCatalogVersion: the API's product list, the
// same for every caller, is public with an ETag (304 when it still
// holds), served from the page cache while the catalog is unchanged, and
// fresh once a product changes.
func TestAPIProductListCachedByCatalogVersion(t *testing.T) {
	e := newEnv(t)
	const target = "/api/v1/products?sort=price_asc&per_page=3"
	e.send(rawReq{method: "GET", target: "/api/v1/products"}) // loads the read model, as a server does at start
	first := e.send(rawReq{method: "GET", target: target})
	etag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || etag == "" || !strings.HasPrefix(first.Header().Get("Cache-Control"), "public") {
		t.Fatalf("GET %s = %d, ETag %q, Cache-Control %q; want 200, an ETag, public", target, first.Code, etag, first.Header().Get("Cache-Control"))
	}
	if ct := first.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	again := e.send(rawReq{method: "GET", target: target, header: map[string]string{"If-None-Match": etag}})
	if again.Code != http.StatusNotModified {
		t.Errorf("GET %s with its ETag = %d; want 304", target, again.Code)
	}
	var page productPageJSON
	if err := json.Unmarshal(first.Body.Bytes(), &page); err != nil || len(page.Items) == 0 {
		t.Fatalf("GET %s: %v %s", target, err, first.Body)
	}
	cheapest := page.Items[0]
	price := shop.Money(cheapest.PriceCents + 1)
	if _, err := e.store.UpdateProduct(t.Context(), cheapest.ID, shop.ProductUpdate{PriceCents: &price}); err != nil {
		t.Fatal(err)
	}
	changed := e.send(rawReq{method: "GET", target: target, header: map[string]string{"If-None-Match": etag}})
	if changed.Code != http.StatusOK || changed.Header().Get("ETag") == etag ||
		!strings.Contains(changed.Body.String(), fmt.Sprintf(`"price_cents":%d`, price)) {
		t.Errorf("GET %s after a price change = %d, ETag %q: %s; want 200 with the new price and a new ETag",
			target, changed.Code, changed.Header().Get("ETag"), changed.Body)
	}
}

// TestSignedInCatalogPageSharesTheCatalogPart: a signed-in shopper's
// catalog page keeps their own header (name, cart count) around the
// catalog part every visitor of that address sees, which the page cache
// keeps by the catalog's version: a price change shows at once.
func TestSignedInCatalogPageSharesTheCatalogPart(t *testing.T) {
	e := newEnv(t)
	ada, bob := e.client(), e.client()
	ada.register("ada.main@example.com", "Ada Main")
	bob.register("bob.main@example.com", "Bob Main")
	ada.addToCart("kettle", 2)
	const target = "/products?sort=price_asc"
	main := func(body string) string {
		_, after, _ := strings.Cut(body, "<main")
		before, _, _ := strings.Cut(after, "</main>")
		return before
	}
	adaPage, bobPage := ada.get(target).wantStatus(http.StatusOK), bob.get(target).wantStatus(http.StatusOK)
	guest := e.client().get(target).wantStatus(http.StatusOK)
	if !strings.Contains(adaPage.Body, "Ada Main") || !strings.Contains(bobPage.Body, "Bob Main") ||
		strings.Contains(bobPage.Body, "Ada Main") || !strings.Contains(adaPage.Body, `id="cart-count">2<`) {
		t.Errorf("signed-in pages do not name their own shopper and cart:\nada: %s\nbob: %s", adaPage.Body, bobPage.Body)
	}
	if main(adaPage.Body) == "" || main(adaPage.Body) != main(bobPage.Body) || main(adaPage.Body) != main(guest.Body) {
		t.Errorf("the catalog part differs between shoppers of one address")
	}
	price := shop.Money(1)
	if _, err := e.store.UpdateProduct(t.Context(), "kettle", shop.ProductUpdate{PriceCents: &price}); err != nil {
		t.Fatal(err)
	}
	if again := ada.get(target).wantStatus(http.StatusOK); !strings.Contains(main(again.Body), "$0.01") {
		t.Errorf("after the kettle's price fell to $0.01 the signed-in page's catalog part does not show it: %s", main(again.Body))
	}
}

// TestProductPageContentVersion: the product page's cache key changes
// with every field of the product the page shows and with its category's
// name (the breadcrumb), so a cached page is never served for a product
// that changed.
func TestProductPageContentVersion(t *testing.T) {
	base := shop.Product{ID: "kettle", Name: "Kettle", Description: "Boils.", Category: "kitchen", PriceCents: 3900,
		Stock: 5, Active: true, CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	version := func(p shop.Product, category string) string {
		v := newProductView(&p, "")
		v.Breadcrumbs = []crumbView{{URL: "/", Text: "Home"}, {URL: "/products?category=" + p.Category, Text: category}, {Text: p.Name}}
		return viewVersion(v)
	}
	want := version(base, "Kitchen")
	if version(base, "Kitchen") != want {
		t.Fatal("the same product gives two versions")
	}
	changes := map[string]func(p *shop.Product){
		"name":        func(p *shop.Product) { p.Name = "Kettle 2" },
		"description": func(p *shop.Product) { p.Description = "Boils fast." },
		"category":    func(p *shop.Product) { p.Category = "garden" },
		"price":       func(p *shop.Product) { p.PriceCents++ },
		"stock":       func(p *shop.Product) { p.Stock-- },
		"active":      func(p *shop.Product) { p.Active = false },
		"created":     func(p *shop.Product) { p.CreatedAt = p.CreatedAt.Add(time.Second) },
		"photo":       func(p *shop.Product) { p.Photo = shop.ProductPhoto{Card: "a.jpg", Page: "b.jpg"} },
	}
	for name, change := range changes {
		p := base
		change(&p)
		if version(p, "Kitchen") == want {
			t.Errorf("a change of the %s keeps the page's version", name)
		}
	}
	if version(base, "Cooking") == want {
		t.Errorf("a renamed category keeps the page's version")
	}
}

// TestWithdrawnProductPageSaysSo: a product no longer sold says so on its
// page, as its structured data does (Discontinued), not "Out of stock",
// and offers no add to cart.
func TestWithdrawnProductPageSaysSo(t *testing.T) {
	e := newEnv(t)
	res := e.client().get("/products/old-hose").wantStatus(http.StatusOK)
	res.wantText("availability", "No longer sold")
	res.wantContains("schema.org/Discontinued").wantNotContains("Out of stock", `action="/cart/items"`)
}

// TestCartCountSpokenInTheRightNumber: the header's cart count reads
// "1 item", "2 items" to a screen reader.
func TestCartCountSpokenInTheRightNumber(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.addToCart("kettle", 1)
	c.get("/cart").wantContains(`<span id="cart-count">1</span><span class="visually-hidden"> item</span>`)
	c.addToCart("mug", 1)
	c.get("/cart").wantContains(`<span id="cart-count">2</span><span class="visually-hidden"> items</span>`)
}

// TestProductQuantityBoundedByStock: the quantity field of a product page
// offers no more than is in stock (mug: 2), or than a line holds.
func TestProductQuantityBoundedByStock(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if tag := c.get("/products/mug").tag("quantity"); !strings.Contains(tag, `max="2"`) {
		t.Errorf("mug's quantity input = %s; want max=\"2\" (its stock)", tag)
	}
	if tag := c.get("/products/trowel").tag("quantity"); !strings.Contains(tag, `max="50"`) {
		t.Errorf("trowel's quantity input = %s; want max=\"50\" (its stock)", tag)
	}
}

// TestHasNextPage: a page links to the next one while there is one, and
// never past the highest page number the catalog takes (a link to a 422).
func TestHasNextPage(t *testing.T) {
	for _, tt := range []struct {
		page, pages int
		want        bool
	}{{1, 2, true}, {2, 2, false}, {1, 1, false}, {shop.MaxPage - 1, shop.MaxPage + 84, true}, {shop.MaxPage, shop.MaxPage + 84, false}} {
		if got := hasNextPage(tt.page, tt.pages); got != tt.want {
			t.Errorf("hasNextPage(%d, %d) = %v; want %v", tt.page, tt.pages, got, tt.want)
		}
	}
}
