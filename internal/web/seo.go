package web

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"storefront/internal/shop"
)

// What search engines read: each page's description and canonical address,
// the structured data of product pages (schema.org Product, Offer and
// BreadcrumbList as JSON-LD), robots.txt and the sitemaps.

// pageDescriptions are the meta descriptions of the pages whose handler
// sets none (render fills them in by template name). Pages about one thing
// (a product, a category, a search) set their own.
var pageDescriptions = map[string]string{ // #nosec G101 -- page descriptions ("password_reset" is a page), no credentials
	"catalog":               "Shop kitchenware, home goods and more at Storefront: clear prices in US dollars, stock shown on every product, free shipping on orders of $50.00 or more.",
	"product":               "A product of Storefront, with its price, stock and description.",
	"cart":                  "Your Storefront shopping cart: change quantities, see the total and how far you are from free shipping, then check out.",
	"checkout":              "Check out at Storefront: review your order, enter the shipping address and place the order.",
	"register":              "Create a Storefront account to check out, follow your orders and keep your cart on every device.",
	"login":                 "Sign in to your Storefront account to check out and see your orders.",
	"login_code":            "Enter the code from your authenticator app to finish signing in to Storefront.",
	"password_forgot":       "Forgot your Storefront password? Ask for a link to set a new one.",
	"password_reset":        "Choose a new password for your Storefront account.",
	"account":               "Your Storefront account: change your name, password and two-step sign-in.",
	"account_second_factor": "Turn two-step sign-in with an authenticator app on or off for your Storefront account.",
	"orders":                "Your Storefront orders, newest first, with their status.",
	"order":                 "One of your Storefront orders: its status and progress, the products, totals and shipping address.",
	"message":               "Storefront: a shop of kitchenware, home goods and more, with free shipping on orders of $50.00 or more.",
}

// staffDescription is the description of every page of the staff area.
const staffDescription = "The Storefront staff area: products, stock, categories, orders and the audit log."

// describe fills the layout's description when its handler set none.
func describe(l *layoutView, page string) {
	if l.Description != "" {
		return
	}
	if d, ok := pageDescriptions[page]; ok {
		l.Description = d
	} else if strings.HasPrefix(page, "admin") {
		l.Description = staffDescription
	} else {
		l.Description = pageDescriptions["message"]
	}
}

// hostPattern is what a Host header may hold to be written into a page's
// canonical address: a name or address and a port, nothing that could
// break out of an attribute or point elsewhere.
var hostPattern = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// absoluteURL is path on this shop, for canonical links and sitemaps,
// which must be absolute: at Config.PublicURL when set (behind a CDN or a
// proxy that rewrites Host, the address the request came by is not the
// shop's), else as the visitor reached it (scheme and host); "" when the
// request's host is not a plain host name (then no canonical link is
// better than a wrong one).
func (s *server) absoluteURL(r *http.Request, path string) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL + path
	}
	if !hostPattern.MatchString(r.Host) {
		return ""
	}
	scheme := "http"
	if s.isHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

// sortRelevance is the default order of a search (shop.SortRelevance), by
// its value.
const sortRelevance = "relevance"

// catalogCanonical is the one address of a catalog view: the search text
// trimmed, its spaces collapsed and lower-cased (the search ignores case),
// the default sort and the first page left out, the parameters in a fixed
// order; the whole unfiltered catalog is the home page.
func catalogCanonical(q shop.ProductQuery) string {
	text := strings.ToLower(strings.Join(strings.Fields(q.Text), " "))
	sortBy := q.Sort
	if sortBy == shop.SortName && text == "" || sortBy == sortRelevance && text != "" {
		sortBy = "" // the default order of the view
	}
	if text == "" && q.Category == "" && sortBy == "" && q.Page <= 1 {
		return "/"
	}
	return catalogURL(text, q.Category, sortBy, q.Page)
}

// catalogTitle is the title of a catalog view: its heading, the search and
// the page, so that every view has its own.
func catalogTitle(heading, text string, page int) string {
	t := heading
	if text != "" {
		t = "Search: " + text
		if heading != "Products" {
			t += " in " + heading
		}
	}
	if page > 1 {
		t += ", page " + strconv.Itoa(page)
	}
	return t
}

// catalogDescription is the meta description of a catalog view.
func catalogDescription(heading, text string, total int) string {
	n := strconv.Itoa(total) + " products"
	if total == 1 {
		n = "1 product"
	}
	switch {
	case text != "":
		return fmt.Sprintf("%s matching “%s” at Storefront, with prices and stock.", n, text)
	case heading != "Products":
		return fmt.Sprintf("Shop %s at Storefront: %s with prices and stock; free shipping on orders of $50.00 or more.", heading, n)
	}
	return pageDescriptions["catalog"]
}

// snippet shortens text to at most max characters, at a word boundary,
// for a meta description.
func snippet(text string, max int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	r := []rune(text)[:max-1]
	cut := string(r)
	if i := strings.LastIndex(cut, " "); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,.;:") + "…"
}

// crumbView is one step of a breadcrumb trail; the last one, the page
// itself, has no URL.
type crumbView struct{ URL, Text string }

// schema.org vocabulary, as JSON-LD.
type (
	ldProduct struct {
		Context     string  `json:"@context"`
		Type        string  `json:"@type"`
		ID          string  `json:"@id,omitempty"`
		SKU         string  `json:"sku"`
		Name        string  `json:"name"`
		Description string  `json:"description"`
		Image       string  `json:"image,omitempty"`
		Category    string  `json:"category,omitempty"`
		URL         string  `json:"url,omitempty"`
		Offers      ldOffer `json:"offers"`
	}
	ldOffer struct {
		Type          string `json:"@type"`
		Price         string `json:"price"`
		PriceCurrency string `json:"priceCurrency"`
		Availability  string `json:"availability"`
		URL           string `json:"url,omitempty"`
	}
	ldBreadcrumbs struct {
		Context string    `json:"@context"`
		Type    string    `json:"@type"`
		Items   []ldCrumb `json:"itemListElement"`
	}
	ldCrumb struct {
		Type     string `json:"@type"`
		Position int    `json:"position"`
		Name     string `json:"name"`
		Item     string `json:"item,omitempty"`
	}
)

// priceText is a price as schema.org wants it: a plain decimal, "12.50".
func priceText(m shop.Money) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(m)/100, int64(m)%100)
}

// availabilityURL is the schema.org ItemAvailability of a product.
func availabilityURL(p *shop.Product) string {
	switch {
	case !p.Active:
		return "https://schema.org/Discontinued"
	case p.Stock <= 0:
		return "https://schema.org/OutOfStock"
	case p.Stock <= 3:
		return "https://schema.org/LimitedAvailability"
	}
	return "https://schema.org/InStock"
}

// productStructuredData is the JSON-LD of a product page: the product with
// its offer (price, currency, availability), and the breadcrumb trail.
// base makes addresses absolute ("" leaves them relative to the page).
func productStructuredData(p *shop.Product, categoryName, imageURL, base string, crumbs []crumbView) []any {
	url := base + productURL(p.ID)
	img := imageURL
	if strings.HasPrefix(img, "/") {
		img = base + img
	}
	product := ldProduct{Context: "https://schema.org", Type: "Product", ID: url + "#product", SKU: p.ID, Name: p.Name,
		Description: p.Description, Image: img, Category: categoryName, URL: url,
		Offers: ldOffer{Type: "Offer", Price: priceText(p.PriceCents), PriceCurrency: shop.Currency,
			Availability: availabilityURL(p), URL: url}}
	return []any{product, breadcrumbStructuredData(crumbs, base, url)}
}

// breadcrumbStructuredData is a BreadcrumbList of crumbs; the last one, the
// page itself, is here.
func breadcrumbStructuredData(crumbs []crumbView, base, here string) ldBreadcrumbs {
	b := ldBreadcrumbs{Context: "https://schema.org", Type: "BreadcrumbList"}
	for i, c := range crumbs {
		item := here
		if c.URL != "" {
			item = base + c.URL
		}
		b.Items = append(b.Items, ldCrumb{Type: "ListItem", Position: i + 1, Name: c.Text, Item: item})
	}
	return b
}

// handleRobots serves GET /robots.txt: everything a shopper can see may be
// crawled (the JSON API is not for crawlers), and where the sitemap is.
func (s *server) handleRobots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	body := "User-agent: *\nDisallow: /api/\n"
	if u := s.absoluteURL(r, "/sitemap.xml"); u != "" {
		body += "\nSitemap: " + u + "\n"
	}
	_, _ = w.Write([]byte(body))
}

// sitemapMaxURLs is how many addresses one sitemap file may list (the
// sitemaps protocol's limit).
const sitemapMaxURLs = 50000

// sitemapPageSize is how many products each products sitemap lists; a
// variable so tests can page small catalogs.
var sitemapPageSize = sitemapMaxURLs

// handleSitemapIndex serves GET /sitemap.xml: a sitemap index naming the
// sitemap of the shop's pages (home, categories) and as many product
// sitemaps as the active products fill, sitemapPageSize each, so that 100,000
// products stay within the protocol's 50,000 addresses per file.
func (s *server) handleSitemapIndex(w http.ResponseWriter, r *http.Request) {
	c, err := s.shop.BrowseCatalog(r.Context(), shop.CatalogRequest{PerPage: "1"})
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	files := (c.Total + sitemapPageSize - 1) / sitemapPageSize
	if files < 1 {
		files = 1
	}
	bw := sitemapWriter(w)
	_, _ = bw.WriteString(xml.Header + `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	writeSitemapEntry(bw, "sitemap", s.absoluteURL(r, "/sitemaps/pages.xml"))
	for i := 1; i <= files; i++ {
		writeSitemapEntry(bw, "sitemap", s.absoluteURL(r, "/sitemaps/products-"+strconv.Itoa(i)+".xml"))
	}
	_, _ = bw.WriteString("</sitemapindex>\n")
	_ = bw.Flush()
}

// handleSitemapFile serves GET /sitemaps/pages.xml (the home page and
// every category) and GET /sitemaps/products-N.xml (the Nth
// sitemapPageSize active products, in id order), streamed from the
// service's product iteration: a product is written as it is read.
func (s *server) handleSitemapFile(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	if file == "pages.xml" {
		categories, err := s.shop.Categories(r.Context())
		if err != nil {
			s.errorPage(w, r, err)
			return
		}
		bw := sitemapWriter(w)
		_, _ = bw.WriteString(xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		writeSitemapEntry(bw, "url", s.absoluteURL(r, "/"))
		for _, c := range categories {
			if c.ProductCount > 0 {
				writeSitemapEntry(bw, "url", s.absoluteURL(r, catalogURL("", c.ID, "", 1)))
			}
		}
		_, _ = bw.WriteString("</urlset>\n")
		_ = bw.Flush()
		return
	}
	n, ok := sitemapProductsFile(file)
	if !ok {
		s.errorPage(w, r, shop.ErrNotFound)
		return
	}
	first, last := (n-1)*sitemapPageSize, n*sitemapPageSize
	var bw *bufio.Writer
	i := 0
	err := s.shop.EachProductForSale(r.Context(), func(p *shop.Product) error {
		defer func() { i++ }()
		if i < first {
			return nil
		}
		if i >= last {
			return errSitemapFull
		}
		if bw == nil {
			bw = sitemapWriter(w)
			_, _ = bw.WriteString(xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		}
		writeSitemapEntry(bw, "url", s.absoluteURL(r, productURL(p.ID)))
		return nil
	})
	switch {
	case err != nil && !errors.Is(err, errSitemapFull) && bw == nil:
		s.errorPage(w, r, err)
		return
	case err != nil && !errors.Is(err, errSitemapFull):
		// The answer has begun: cut it short, so that the client sees a
		// broken document rather than a partial sitemap that looks whole.
		s.log.ErrorContext(r.Context(), "sitemap failed", "request_id", w.Header().Get("X-Request-Id"), "err", err)
		panic(http.ErrAbortHandler)
	case bw == nil && n > 1:
		s.errorPage(w, r, shop.ErrNotFound) // past the last file
		return
	case bw == nil:
		bw = sitemapWriter(w) // no product on sale: the first file is empty
		_, _ = bw.WriteString(xml.Header + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	}
	_, _ = bw.WriteString("</urlset>\n")
	_ = bw.Flush()
}

// errSitemapFull stops the product iteration once a sitemap file is full.
var errSitemapFull = errors.New("sitemap file full")

// sitemapProductsFile reads N of "products-N.xml".
func sitemapProductsFile(file string) (int, bool) {
	num, ok := strings.CutPrefix(file, "products-")
	if !ok {
		return 0, false
	}
	num, ok = strings.CutSuffix(num, ".xml")
	if !ok || num == "" || len(num) > 6 || num[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	return n, err == nil && n >= 1
}

// sitemapWriter starts a sitemap answer; the sitemaps change with the
// catalog, so they are cached for an hour at most.
func sitemapWriter(w http.ResponseWriter) *bufio.Writer {
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	return bufio.NewWriterSize(w, 16<<10)
}

// writeSitemapEntry writes <url><loc>loc</loc></url> (or <sitemap>...).
// A bufio.Writer keeps its first write error and Flush returns it: a
// client that left only ends the answer early.
func writeSitemapEntry(bw *bufio.Writer, element, loc string) {
	_, _ = bw.WriteString("<" + element + "><loc>")
	_ = xml.EscapeText(bw, []byte(loc))
	_, _ = bw.WriteString("</loc></" + element + ">\n")
}

// setFindability gives a catalog view its title, description, canonical
// address and, below the home page, its breadcrumbs, from the query as
// the service understood it.
func (v *catalogView) setFindability(q shop.ProductQuery) {
	v.Title = catalogTitle(v.Heading, q.Text, q.Page)
	v.Description = catalogDescription(v.Heading, q.Text, v.Total)
	v.Canonical = catalogCanonical(q)
	switch {
	case q.Text != "":
		v.Breadcrumbs = []crumbView{{URL: "/", Text: "Home"}}
		if q.Category != "" {
			v.Breadcrumbs = append(v.Breadcrumbs, crumbView{URL: catalogURL("", q.Category, "", 1), Text: v.Heading})
		}
		v.Breadcrumbs = append(v.Breadcrumbs, crumbView{Text: "Search results"})
	case q.Category != "":
		v.Breadcrumbs = []crumbView{{URL: "/", Text: "Home"}, {Text: v.Heading}}
	}
}

// setFindability gives a product page its description, canonical
// address, breadcrumbs (home, its category, itself) and structured data.
// The category's name is looked up; if that fails the page still shows,
// with the category's id.
func (s *server) setProductFindability(r *http.Request, v *productView, p *shop.Product) {
	categoryName := p.Category
	if c, err := s.shop.Category(r.Context(), p.Category); err == nil {
		categoryName = c.Name
	}
	v.Description = snippet(p.Name+", "+p.PriceCents.String()+" at Storefront ("+strings.ToLower(p.Availability())+"): "+p.Description, 155)
	v.Canonical = productURL(p.ID)
	v.Breadcrumbs = []crumbView{{URL: "/", Text: "Home"}, {URL: catalogURL("", p.Category, "", 1), Text: categoryName}, {Text: p.Name}}
	base := s.absoluteURL(r, "")
	v.StructuredData = productStructuredData(p, categoryName, v.Product.ImageURL, base, v.Breadcrumbs)
}

// frame fills what the layout shows around page besides the visitor: the
// header's search box (not in the staff area, which has its own search),
// the cart page's confirmation of the product just added, the description, and the canonical address, absolute, of a page
// answered 200 to a GET or HEAD (an error or a form shown again has none).
func (s *server) frame(w http.ResponseWriter, r *http.Request, l *layoutView, status int, page string) {
	l.SearchForm = !strings.HasPrefix(page, "admin")
	switch page {
	case "catalog":
		l.CatalogFilters = true
		l.SearchQuery = searchText(r.URL.Query())
	case "cart":
		l.AddedID = s.takeAdded(w, r)
	}
	describe(l, page)
	switch {
	case status != http.StatusOK || r.Method != http.MethodGet && r.Method != http.MethodHead:
		l.Canonical = ""
	case l.Canonical == "":
		l.Canonical = s.absoluteURL(r, r.URL.EscapedPath())
	case strings.HasPrefix(l.Canonical, "/"):
		l.Canonical = s.absoluteURL(r, l.Canonical)
	}
}
