package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// sitemapLocs reads the <loc> addresses of a sitemap or sitemap index.
func sitemapLocs(t *testing.T, res *pageResp) []string {
	t.Helper()
	var doc struct {
		XMLName xml.Name
		Locs    []string `xml:"url>loc"`
		Maps    []string `xml:"sitemap>loc"`
	}
	if err := xml.Unmarshal([]byte(res.Body), &doc); err != nil {
		t.Fatalf("sitemap is not XML: %v\n%s", err, res.Body)
	}
	if doc.XMLName.Space != "http://www.sitemaps.org/schemas/sitemap/0.9" {
		t.Errorf("sitemap namespace %q", doc.XMLName.Space)
	}
	return append(doc.Locs, doc.Maps...)
}

// TestSitemap: the index names the pages sitemap and one products sitemap
// per sitemapPageSize active products; together they list every active
// product once and no withdrawn one; past the last file is 404.
func TestSitemap(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	base := e.srv.URL
	defer func(n int) { sitemapPageSize = n }(sitemapPageSize)
	sitemapPageSize = 5 // 22 active products: 5 files

	res := c.get("/sitemap.xml").wantStatus(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Errorf("Content-Type %q; want application/xml", ct)
	}
	files := sitemapLocs(t, res)
	want := []string{base + "/sitemaps/pages.xml"}
	for i := 1; i <= 5; i++ {
		want = append(want, fmt.Sprintf("%s/sitemaps/products-%d.xml", base, i))
	}
	if strings.Join(files, " ") != strings.Join(want, " ") {
		t.Errorf("sitemap index = %v; want %v", files, want)
	}

	var products []string
	for _, f := range files[1:] {
		locs := sitemapLocs(t, c.get(strings.TrimPrefix(f, base)).wantStatus(http.StatusOK))
		if len(locs) > sitemapPageSize {
			t.Errorf("%s lists %d; want at most %d", f, len(locs), sitemapPageSize)
		}
		products = append(products, locs...)
	}
	var active []string
	for _, p := range testProducts {
		if p.Active {
			active = append(active, base+"/products/"+p.ID)
		}
	}
	sort.Strings(active)
	if strings.Join(products, "\n") != strings.Join(active, "\n") {
		t.Errorf("product sitemaps list\n%s\nwant every active product once, in id order:\n%s", strings.Join(products, "\n"), strings.Join(active, "\n"))
	}
	for _, u := range products {
		if strings.HasSuffix(u, "/old-hose") {
			t.Errorf("the withdrawn old-hose is listed")
		}
	}
	pages := sitemapLocs(t, c.get("/sitemaps/pages.xml").wantStatus(http.StatusOK))
	if len(pages) == 0 || pages[0] != base+"/" {
		t.Errorf("pages sitemap = %v; want the home page first", pages)
	}
	for _, p := range []string{"/sitemaps/products-6.xml", "/sitemaps/products-0.xml", "/sitemaps/products-01.xml", "/sitemaps/other.xml"} {
		c.get(p).wantStatus(http.StatusNotFound)
	}
}

// manyProducts is the real store with a catalog of n generated products
// (every tenth withdrawn) that EachProduct yields, counting its calls.
type manyProducts struct {
	shop.Store
	n     int
	reads int
}

func (m *manyProducts) EachProduct(ctx context.Context, each func(*shop.Product) error) error {
	m.reads++
	for i := 0; i < m.n; i++ {
		p := &shop.Product{ID: fmt.Sprintf("p%06d", i), Name: "P", Category: "paper", PriceCents: 100, Stock: 1, Active: i%10 != 0}
		if err := each(p); err != nil {
			return err
		}
	}
	return nil
}

// TestSitemapFromTheReadModel: at 100,000 products the product sitemaps
// come from the catalog read model (the store's products are read once,
// when the model loads, not per sitemap request), each file within the
// protocol's 50,000 addresses, the withdrawn left out.
func TestSitemapFromTheReadModel(t *testing.T) {
	e := newEnv(t)
	big := &manyProducts{Store: e.store, n: 100000}
	s := &server{shop: shop.NewService(big, shop.Config{Logger: slog.New(slog.DiscardHandler)}), log: slog.New(slog.DiscardHandler)}
	for round := range 2 {
		total := 0
		for _, file := range []string{"products-1.xml", "products-2.xml"} {
			r := httptest.NewRequest(http.MethodGet, "http://shop.example/sitemaps/"+file, nil)
			r.SetPathValue("file", file)
			w := httptest.NewRecorder()
			s.handleSitemapFile(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("%s: status %d", file, w.Code)
			}
			n := strings.Count(w.Body.String(), "<url>")
			if n > sitemapMaxURLs {
				t.Errorf("%s lists %d addresses; the protocol allows %d", file, n, sitemapMaxURLs)
			}
			total += n
			if strings.Contains(w.Body.String(), "/products/p000000<") || strings.Contains(w.Body.String(), "/products/p050000<") {
				t.Errorf("%s lists a withdrawn product", file)
			}
		}
		if total != 90000 {
			t.Errorf("round %d: the two files list %d products; want the 90,000 active ones", round, total)
		}
	}
	if big.reads != 1 {
		t.Errorf("four sitemap files read every product from the store %d times; want once (the read model's load)", big.reads)
	}
}

func TestRobots(t *testing.T) {
	e := newEnv(t)
	res := e.client().get("/robots.txt").wantStatus(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q; want text/plain", ct)
	}
	res.wantContains("User-agent: *\n", "Disallow: /api/\n", "Sitemap: "+e.srv.URL+"/sitemap.xml\n")
	res.wantNotContains("Disallow: /\n", "Disallow: /products")
}

// structuredData decodes the page's JSON-LD data block.
func structuredData(t *testing.T, res *pageResp) []map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindAllStringSubmatch(res.Body, -1)
	if len(m) != 1 {
		t.Fatalf("%d JSON-LD blocks; want 1", len(m))
	}
	var data []map[string]any
	if err := json.Unmarshal([]byte(m[0][1]), &data); err != nil {
		t.Fatalf("JSON-LD is not JSON: %v\n%s", err, m[0][1])
	}
	return data
}

// TestProductStructuredData: the product page's schema.org Product carries
// its offer's price, currency and availability as the page shows them, and
// its BreadcrumbList the trail the page shows; nothing in it can end the
// script element early.
func TestProductStructuredData(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, tc := range []struct{ id, price, availability string }{
		{"kettle", "39.00", "https://schema.org/InStock"},
		{"mug", "12.50", "https://schema.org/LimitedAvailability"},
		{"lamp", "80.00", "https://schema.org/OutOfStock"},
		{"chair", "120.00", "https://schema.org/InStock"},
	} {
		res := c.get("/products/" + tc.id).wantStatus(http.StatusOK)
		data := structuredData(t, res)
		if len(data) != 2 {
			t.Fatalf("%s: %d items; want Product and BreadcrumbList", tc.id, len(data))
		}
		p, crumbs := data[0], data[1]
		want := testProduct(t, tc.id)
		offer, _ := p["offers"].(map[string]any)
		if p["@type"] != "Product" || p["@context"] != "https://schema.org" || p["name"] != want.Name || p["description"] != want.Description ||
			p["sku"] != tc.id || p["url"] != e.srv.URL+"/products/"+tc.id {
			t.Errorf("%s: Product = %v", tc.id, p)
		}
		if img, _ := p["image"].(string); !strings.HasPrefix(img, e.srv.URL+"/images/") {
			t.Errorf("%s: image %q; want an absolute address of its picture", tc.id, img)
		}
		if offer["@type"] != "Offer" || offer["price"] != tc.price || offer["priceCurrency"] != "USD" || offer["availability"] != tc.availability {
			t.Errorf("%s: offer = %v; want price %s USD, %s", tc.id, offer, tc.price, tc.availability)
		}
		if !strings.Contains(res.Body, want.PriceCents.String()) {
			t.Errorf("%s: the page does not show the price %s", tc.id, want.PriceCents)
		}
		items, _ := crumbs["itemListElement"].([]any)
		if crumbs["@type"] != "BreadcrumbList" || len(items) != 3 {
			t.Fatalf("%s: BreadcrumbList = %v", tc.id, crumbs)
		}
		second := items[1].(map[string]any)
		third := items[2].(map[string]any)
		if second["item"] != e.srv.URL+"/products?category="+want.Category || second["position"] != 2.0 ||
			third["name"] != want.Name || third["item"] != e.srv.URL+"/products/"+tc.id {
			t.Errorf("%s: breadcrumbs = %v", tc.id, items)
		}
		res.wantContains(`<nav class="breadcrumbs" aria-label="Breadcrumb">`, `<li><a href="/products?category=`+want.Category+`">`,
			`<span aria-current="page">`+html.EscapeString(want.Name)+`</span>`)
	}
	// "Sturdy <and> plain & simple." stays data: no "<" inside the block.
	body := c.get("/products/chair").Body
	block := body[strings.Index(body, `<script type="application/ld+json">`):]
	block = block[:strings.Index(block, "</script>")]
	if strings.Contains(block[1:], "<") {
		t.Errorf("JSON-LD holds a raw '<': %s", block)
	}
}

func testProduct(t *testing.T, id string) shop.Product {
	t.Helper()
	for _, p := range testProducts {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no test product %s", id)
	return shop.Product{}
}

// canonical returns the page's canonical address, "" for none.
func canonical(res *pageResp) string {
	m := regexp.MustCompile(`<link rel="canonical" href="([^"]*)">`).FindAllStringSubmatch(res.Body, -1)
	if len(m) == 0 {
		return ""
	}
	if len(m) > 1 {
		res.t.Errorf("%d canonical links", len(m))
	}
	return html.UnescapeString(m[0][1])
}

// TestAbsoluteURLsAtThePublicURL: with Config.PublicURL (STOREFRONT_SHOP_URL)
// set, canonical links, structured data, robots.txt and the sitemaps name
// the shop at that address, whatever Host the request came with (a CDN or
// a proxy in front of the shop sends its own).
func TestAbsoluteURLsAtThePublicURL(t *testing.T) {
	const public = "https://shop.example/store"
	e := newEnv(t, withConfig(Config{PublicURL: public}))
	c := e.client()
	for _, host := range []string{"", "origin.internal:8443"} {
		get := func(path string) *pageResp {
			t.Helper()
			r, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if host != "" {
				r.Host = host
			}
			return c.do(r).wantStatus(http.StatusOK)
		}
		for path, want := range map[string]string{"/": "/", "/products?q=Mug": "/products?q=mug", "/products/mug": "/products/mug", "/cart": "/cart"} {
			if got := canonical(get(path)); got != public+want {
				t.Errorf("GET %s (Host %q): canonical %q; want %q", path, host, got, public+want)
			}
		}
		if p := structuredData(t, get("/products/kettle"))[0]; p["url"] != public+"/products/kettle" {
			t.Errorf("Host %q: Product url %v; want %s", host, p["url"], public+"/products/kettle")
		}
		if body := get("/robots.txt").Body; !strings.Contains(body, "\nSitemap: "+public+"/sitemap.xml\n") {
			t.Errorf("Host %q: robots.txt\n%s\nwant the sitemap at %s", host, body, public)
		}
		files := sitemapLocs(t, get("/sitemap.xml"))
		pages := sitemapLocs(t, get("/sitemaps/pages.xml"))
		products := sitemapLocs(t, get("/sitemaps/products-1.xml"))
		if len(files) < 2 || len(pages) == 0 || len(products) == 0 {
			t.Fatalf("Host %q: sitemaps %v, %v, %v; want addresses in each", host, files, pages, products)
		}
		for _, loc := range slices.Concat(files, pages, products) {
			if !strings.HasPrefix(loc, public+"/") {
				t.Errorf("Host %q: sitemap address %q; want it under %s", host, loc, public)
			}
		}
	}
}

// TestCanonicalURLs: one address per catalog view (search text trimmed and
// lower-cased, default sort and page 1 left out, parameters in one order;
// the whole catalog is the home page); other pages are their path without
// a query; errors and refused forms have none.
func TestCanonicalURLs(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	base := e.srv.URL
	for path, want := range map[string]string{
		"/":                                  "/",
		"/products":                          "/",
		"/products?page=1&sort=name":         "/",
		"/products?q=":                       "/",
		"/products?q=%20%20Mug%20%20":        "/products?q=mug",
		"/products?q=Plain++NOTEBOOK&page=2": "/products?page=2&q=plain+notebook",
		"/products?sort=price_asc&category=kitchen&page=1": "/products?category=kitchen&sort=price_asc",
		"/products?category=paper&page=2":                  "/products?category=paper&page=2",
		"/products/mug":                                    "/products/mug",
		"/products/mug?utm_source=mail":                    "/products/mug",
		"/cart":                                            "/cart",
		"/register?next=/checkout":                         "/register",
		"/products?category=kitchen&q=mug&sort=newest&utm_medium=ad": "/products?category=kitchen&q=mug&sort=newest",
	} {
		res := c.get(path).wantStatus(http.StatusOK)
		if got := canonical(res); got != base+want {
			t.Errorf("GET %s: canonical %q; want %q", path, got, base+want)
		}
		if !regexp.MustCompile(`<meta name="description" content="[^"]{40,}">`).MatchString(res.Body) {
			t.Errorf("GET %s: no meta description", path)
		}
	}
	for _, path := range []string{"/products/nope", "/nowhere", "/products?page=0"} {
		if res := c.get(path); canonical(res) != "" {
			t.Errorf("GET %s (%d): canonical %q; want none", path, res.Status, canonical(res))
		}
	}
	if res := c.post("/register", url.Values{"email": {"x"}}); canonical(res) != "" {
		t.Errorf("refused form: canonical %q; want none", canonical(res))
	}

	// Every catalog view has its own title.
	titles := map[string]string{}
	for _, path := range []string{"/", "/products?page=2", "/products?category=kitchen", "/products?q=mug", "/products?q=mug&category=kitchen", "/products/mug", "/products/kettle"} {
		m := regexp.MustCompile(`<title>([^<]*)</title>`).FindStringSubmatch(c.get(path).Body)
		if m == nil {
			t.Fatalf("GET %s: no title", path)
		}
		if other, ok := titles[m[1]]; ok {
			t.Errorf("GET %s and %s share the title %q", path, other, m[1])
		}
		titles[m[1]] = path
	}

	// A Host that is not a plain host name is never written into the page.
	s := &server{}
	for host, want := range map[string]string{"shop.example": "http://shop.example/x", "shop.example:8000": "http://shop.example:8000/x",
		"[::1]:8000": "http://[::1]:8000/x", `evil"><script>`: "", "a b": "", "": ""} {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.Host = host
		if got := s.absoluteURL(r, "/x"); got != want {
			t.Errorf("absoluteURL with Host %q = %q; want %q", host, got, want)
		}
	}
}

// TestErrorSummary: a refused form starts with a summary that takes the
// focus and links each message to its field (href="#NAME", an element
// with that id), in the form's order; the inline messages stay.
func TestErrorSummary(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/register")
	res := c.post("/register", url.Values{"email": {"not-an-email"}, "name": {""}, "password": {"short"}, "confirm_password": {"other"}}).
		wantStatus(http.StatusUnprocessableEntity)
	summary := regexp.MustCompile(`(?s)<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>.*?</div>`).FindString(res.Body)
	if summary == "" {
		t.Fatalf("no focusable error summary\n%s", res.Body)
	}
	if strings.Index(res.Body, summary) > strings.Index(res.Body, "<form method=\"post\" action=\"/register\"") {
		t.Error("the summary comes after the form; want it at the top")
	}
	links := regexp.MustCompile(`<li><a href="#([a-z_]+)">([^<]+)</a></li>`).FindAllStringSubmatch(summary, -1)
	var fields []string
	for _, l := range links {
		fields = append(fields, l[1])
		msg, ok := res.byID(l[1] + "-error")
		if !ok || msg != html.UnescapeString(l[2]) {
			t.Errorf("summary says %q for #%s; its inline message is %q", l[2], l[1], msg)
		}
		if !strings.Contains(res.tag(l[1]), `name="`+l[1]+`"`) {
			t.Errorf("summary links to #%s, which is not its input: %q", l[1], res.tag(l[1]))
		}
		res.wantFieldError(l[1], "")
	}
	if got := strings.Join(fields, " "); got != "email name password confirm_password" {
		t.Errorf("summary links to %q; want every refused field in the form's order", got)
	}
	if strings.Count(res.Body, "autofocus") != 1 {
		t.Errorf("%d autofocus attributes; want the summary's only", strings.Count(res.Body, "autofocus"))
	}

	// A form refused as a whole: the summary holds the message only.
	c.get("/login")
	res = c.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password here"}})
	res.wantText("form-error", "The email or password is not correct.")
	res.wantContains(`class="error-summary"`).wantNotContains(`<a href="#`)

	// Not refused: no summary.
	c.get("/register").wantNotContains("error-summary", "autofocus")
}

func TestErrorSummaryView(t *testing.T) {
	if v := errorSummary("", fieldView{Name: "a"}, selectView{Name: "b"}); v != nil {
		t.Errorf("errorSummary of valid fields = %+v; want nil", v)
	}
	v := errorSummaryIn("pw", "", fieldView{Name: "a", Error: "A."}, fieldView{Name: "b"}, selectView{Name: "c", Error: "C."})
	if v == nil || v.ID != "pw-" || len(v.Links) != 2 || v.Links[0] != (linkView{"#a", "A."}) || v.Links[1] != (linkView{"#c", "C."}) {
		t.Errorf("errorSummaryIn = %+v", v)
	}
}

// TestFieldKeyboards: inputs ask phones for the right keyboard and leave
// addresses and codes as typed.
func TestFieldKeyboards(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	reg := c.get("/register")
	if tag := reg.tag("email"); !strings.Contains(tag, `type="email"`) || !strings.Contains(tag, `autocomplete="email"`) ||
		!strings.Contains(tag, `autocapitalize="none" spellcheck="false"`) {
		t.Errorf("email input %s", tag)
	}
	if tag := reg.tag("password"); !strings.Contains(tag, `autocomplete="new-password"`) {
		t.Errorf("password input %s", tag)
	}
	if tag := c.get("/products/kettle").tag("quantity"); !strings.Contains(tag, `type="number"`) || !strings.Contains(tag, `inputmode="numeric"`) {
		t.Errorf("quantity input %s", tag)
	}
	if got := (fieldView{Name: "code", Type: "text", Autocomplete: "one-time-code"}).InputMode(); got != "numeric" {
		t.Errorf("one-time code inputmode %q; want numeric", got)
	}
	if tag := c.get("/").tag("q"); !strings.Contains(tag, `type="search"`) || !strings.Contains(tag, `name="q"`) {
		t.Errorf("search input %s", tag)
	}
}

// TestCartConfirmationAndFreeShipping: after adding, the cart names the
// product added, once; it says how much more ships free.
func TestCartConfirmationAndFreeShipping(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.addToCart("kettle", 1)
	res := c.get("/cart").wantStatus(http.StatusOK)
	res.wantText("added-to-cart", "Enamel Kettle is in your cart. Continue shopping")
	res.wantText("free-shipping", "Add $11.00 more to get free shipping. Shipping is free on orders of $50.00 or more.")
	c.get("/cart").wantStatus(http.StatusOK).wantNotContains(`id="added-to-cart"`)
	c.addToCart("kettle", 1)
	res = c.get("/cart")
	res.wantText("added-to-cart", "Enamel Kettle is in your cart (2 in all). Continue shopping")
	res.wantText("free-shipping", "Your order ships free. Shipping is free on orders of $50.00 or more.")
}

// TestOrderProgress: the timeline shows the steps done with their times,
// the current one, and those to come; a cancelled order ends there.
func TestOrderProgress(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	o := &shop.Order{Status: shop.OrderStatusShipped, CreatedAt: at, TrackingNumber: "1Z9",
		StatusHistory: []shop.StatusChange{{Status: shop.OrderStatusAccepted, At: at.Add(time.Hour)}, {Status: shop.OrderStatusShipped, At: at.Add(2 * time.Hour)}}}
	got := summarizeSteps(orderProgress(o))
	if want := "placed:done accepted:done shipped:current(1Z9) delivered:todo"; got != want {
		t.Errorf("shipped order: %s; want %s", got, want)
	}
	o = &shop.Order{Status: shop.OrderStatusCancelled, CreatedAt: at,
		StatusHistory: []shop.StatusChange{{Status: shop.OrderStatusCancelled, At: at.Add(time.Hour)}}}
	if got, want := summarizeSteps(orderProgress(o)), "placed:done cancelled:current"; got != want {
		t.Errorf("cancelled order: %s; want %s", got, want)
	}
	o = &shop.Order{Status: shop.OrderStatusPlaced, CreatedAt: at}
	if got, want := summarizeSteps(orderProgress(o)), "placed:current accepted:todo shipped:todo delivered:todo"; got != want {
		t.Errorf("placed order: %s; want %s", got, want)
	}
}

func summarizeSteps(steps []progressStepView) string {
	var parts []string
	for _, s := range steps {
		p := s.Status + ":" + s.State
		if s.Note != "" {
			p += "(" + s.Note + ")"
		}
		if s.State != "todo" && s.At.IsZero() {
			p += "(no time)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " ")
}

// TestNotFoundHelps: a 404 page offers ways on (search, the catalog) and
// is not indexed as a page.
func TestNotFoundHelps(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for _, path := range []string{"/nowhere", "/products/nope"} {
		res := c.get(path).wantStatus(http.StatusNotFound)
		res.wantContains(`<form class="site-search"`, `href="/products"`)
		if canonical(res) != "" {
			t.Errorf("%s: a 404 has a canonical link", path)
		}
	}
}
