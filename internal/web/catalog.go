package web

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"storefront/internal/shop"
)

// catalogView is the catalog: the filter form, the category links, one
// page of product cards and the links to the pages around it.
type catalogView struct {
	layoutView
	Heading         string
	Error           string
	Query           string
	Category        string
	Sort            string
	CategoryOptions []optionView
	SortOptions     []optionView
	Categories      []categoryLinkView
	Products        []productCardView
	Total           int
	Page            int
	Pages           int
	PrevURL         string
	NextURL         string
	// LastPageURL, with Error, leads from a page number past the last
	// to the last page there is (the first, of a search without matches),
	// with the link's text.
	LastPageURL, LastPageText string
}

// categoryLinkView is a category filter link with its product count.
type categoryLinkView struct {
	Name    string
	URL     string
	Count   int
	Current bool
}

// productCardView is a product as a card or a product page shows it.
type productCardView struct {
	shop.Product
	URL string
	pictureView
	InStock bool
}

func newProductCard(p shop.Product) productCardView {
	return productCardView{Product: p, URL: productURL(p.ID), pictureView: cardPicture(p), InStock: p.CanBeBought()}
}

// sortOptions are the catalog's orders, as the sort select offers them.
var sortOptions = []optionView{
	{shop.SortName, "Name"},
	{shop.SortPriceAsc, "Price: low to high"},
	{shop.SortPriceDesc, "Price: high to low"},
	{shop.SortNewest, "Newest first"},
}

// searchSortOptions are the orders of a search: the best matches first
// by default (nothing selected selects the first option).
var searchSortOptions = append([]optionView{{shop.SortRelevance, "Best match"}}, sortOptions...)

// browseSortOptions are the orders of a listing without a search. Its
// default, by name, is sent as no order at all: the select belongs to the
// header's search form, and a search typed there then gets its own
// default, the best matches first, rather than "name".
var browseSortOptions = append([]optionView{{"", "Name"}}, sortOptions[1:]...)

// sortOptionsFor returns the orders the sort select offers for a search
// of text.
func sortOptionsFor(text string) []optionView {
	if text == "" {
		return browseSortOptions
	}
	return searchSortOptions
}

// searchText is the search of a catalog address's q as pages show it: an
// invalid UTF-8 sequence becomes U+FFFD, as the service searches it
// (shop.ValidateProductQuery), never a raw byte in the page.
func searchText(q url.Values) string { return strings.ToValidUTF8(q.Get("q"), "\uFFFD") }

// handleCatalog serves GET / and GET /products: search q, category, sort
// and page. Query values the catalog refuses get 422 with a message and
// the filters to try again; never a 500.
func (s *server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req := shop.CatalogRequest{Text: searchText(q), Category: q.Get("category"), Sort: q.Get("sort"),
		Page: q.Get("page"), WithCategories: true}
	c, err := s.shop.BrowseCatalog(r.Context(), req)
	fields := fieldMessages(err)
	if err != nil && fields == nil {
		s.errorPage(w, r, err)
		return
	}
	v := &catalogView{layoutView: layoutView{Title: "Products"}, Heading: "Products",
		Query: req.Text, Category: req.Category, Sort: req.Sort, SortOptions: sortOptionsFor(req.Text)}
	v.setCategories(c.Categories)
	if fields != nil {
		v.Error = fieldSummary(fields)
		s.render(w, r, http.StatusUnprocessableEntity, "catalog", v)
		return
	}
	if req.Category != "" && !slices.ContainsFunc(c.Categories, func(cat shop.Category) bool { return cat.ID == req.Category }) {
		// No category of that id: a 404, never an empty listing of its own.
		v.Error = "There is no category “" + req.Category + "”. Choose one from the list."
		s.render(w, r, http.StatusNotFound, "catalog", v)
		return
	}
	page := c.Query.Page
	v.Page, v.Total, v.Pages = page, c.Total, c.Pages
	if page > 1 && page > c.Pages {
		// Past the last page: a 404 (never an empty page that a crawler
		// would index as a page of its own) that leads to the last one.
		v.Error = "There is no page " + strconv.Itoa(page) + " of this list: it has " + pagesText(c.Pages) + "."
		v.LastPageURL, v.LastPageText = catalogURL(req.Text, req.Category, req.Sort, max(c.Pages, 1)), "Go to the last page"
		if c.Pages == 0 {
			v.Error = "There is no page " + strconv.Itoa(page) + ": no products match this search."
			v.LastPageText = "Go to the first page"
		}
		s.render(w, r, http.StatusNotFound, "catalog", v)
		return
	}
	if page > 1 {
		v.PrevURL = catalogURL(req.Text, req.Category, req.Sort, page-1)
	}
	if hasNextPage(page, v.Pages) {
		v.NextURL = catalogURL(req.Text, req.Category, req.Sort, page+1)
	}
	for _, p := range c.Products {
		v.Products = append(v.Products, newProductCard(p))
	}
	v.setFindability(c.Query) // seo.go
	s.render(w, r, http.StatusOK, "catalog", v)
}

// hasNextPage reports whether page of a list of pages links to the next:
// never past shop.MaxPage, the last number a page may have (the API's
// cursors reach further).
func hasNextPage(page, pages int) bool { return page < pages && page < shop.MaxPage }

// pagesText is a number of pages in words: "1 page", "3 pages".
func pagesText(n int) string {
	if n == 1 {
		return "1 page"
	}
	return strconv.Itoa(n) + " pages"
}

// setCategories fills the category links and options and, for a chosen
// category, the heading.
func (v *catalogView) setCategories(categories []shop.Category) {
	total := 0
	for _, c := range categories {
		total += c.ProductCount
	}
	v.Categories = append(v.Categories, categoryLinkView{Name: "All products", Count: total,
		URL: catalogURL(v.Query, "", v.Sort, 1), Current: v.Category == ""})
	v.CategoryOptions = append(v.CategoryOptions, optionView{"", "All categories"})
	for _, c := range categories {
		v.Categories = append(v.Categories, categoryLinkView{Name: c.Name, Count: c.ProductCount,
			URL: catalogURL(v.Query, c.ID, v.Sort, 1), Current: v.Category == c.ID})
		v.CategoryOptions = append(v.CategoryOptions, optionView{c.ID, c.Name + " (" + strconv.Itoa(c.ProductCount) + ")"})
		if v.Category == c.ID {
			v.Heading, v.Title = c.Name, c.Name
		}
	}
	if v.Query != "" {
		v.Title = "Search: " + v.Query
	}
}

// catalogURL is the address of a catalog page with the given filters.
func catalogURL(text, category, sortBy string, page int) string {
	q := url.Values{}
	if text != "" {
		q.Set("q", text)
	}
	if category != "" {
		q.Set("category", category)
	}
	if sortBy != "" {
		q.Set("sort", sortBy)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/products"
	}
	return "/products?" + q.Encode()
}

// fieldSummary joins field messages in a stable order, for a page that
// shows them in one place.
func fieldSummary(fields map[string]string) string {
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	msgs := make([]string, len(names))
	for i, name := range names {
		msgs[i] = fields[name]
	}
	return strings.Join(msgs, " ")
}

// maxQuantityOf is the most of p one add to cart may ask for: what a cart
// line holds, and no more than is in stock (the store checks it again).
func maxQuantityOf(p *shop.Product) int {
	if p.Stock > 0 {
		return min(shop.MaxLineQuantity, p.Stock)
	}
	return shop.MaxLineQuantity
}

// productView is a product's page with its add-to-cart form.
type productView struct {
	layoutView
	Product   productCardView
	FormError string
	Quantity  fieldView
}

func newProductView(p *shop.Product, quantity string) *productView {
	if quantity == "" {
		quantity = "1"
	}
	product := newProductCard(*p)
	product.pictureView = pagePicture(*p)
	return &productView{layoutView: layoutView{Title: p.Name}, Product: product,
		Quantity: fieldView{Name: "quantity", Label: "Quantity", Type: "number", Value: quantity,
			Min: "1", Max: strconv.Itoa(maxQuantityOf(p)), Required: true}}
}

// handleProduct serves GET /products/{id}: 404 for an unknown product.
// The product is read strongly on every request (its price and
// availability are what the shopper commits to); a guest's page of an
// unchanged product comes from the page cache before this handler runs
// (publicPage, productpage.go).
func (s *server) handleProduct(w http.ResponseWriter, r *http.Request) {
	p, err := s.productOf(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	v := newProductView(p, "")
	s.setProductFindability(r, v, p) // seo.go
	s.render(w, r, http.StatusOK, "product", v)
}
