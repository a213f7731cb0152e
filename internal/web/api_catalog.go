package web

import (
	"encoding/json"
	"net/http"

	"storefront/internal/shop"
)

// productJSON is a product as the API shows it. Stock is what can be
// bought: 0 for a product withdrawn from sale.
type productJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Category    string `json:"category"`
	PriceCents  int64  `json:"price_cents"`
	Currency    string `json:"currency"`
	Stock       int    `json:"stock"`
	ImageURL    string `json:"image_url"`
}

func newProductJSON(p *shop.Product) productJSON {
	return productJSON{ID: p.ID, Name: p.Name, Description: p.Description, Category: p.Category,
		PriceCents: int64(p.PriceCents), Currency: shop.Currency, Stock: p.StockForSale(),
		ImageURL: productPictureURL(p)}
}

// productPageJSON is one page of the catalog.
type productPageJSON struct {
	Items   []productJSON `json:"items"`
	Page    int           `json:"page"`
	PerPage int           `json:"per_page"`
	Total   int           `json:"total"`
	// Next is the cursor of the next page (keyset pagination: pass it as
	// cursor, with the same q, category, sort and per_page); absent on the
	// last page.
	Next string `json:"next,omitempty"`
}

// categoryJSON is a category with the number of products on sale in it.
type categoryJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ProductCount int    `json:"product_count"`
}

// handleAPICategories serves GET /api/v1/categories.
func (s *server) handleAPICategories(w http.ResponseWriter, r *http.Request) {
	categories, err := s.shop.Categories(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Items []categoryJSON `json:"items"`
	}{Items: make([]categoryJSON, len(categories))}
	for i, c := range categories {
		out.Items[i] = categoryJSON{ID: c.ID, Name: c.Name, ProductCount: c.ProductCount}
	}
	s.apiWrite(w, r, http.StatusOK, out)
}

// handleAPIProducts serves GET /api/v1/products?q&category&sort&page&per_page&cursor.
func (s *server) handleAPIProducts(w http.ResponseWriter, r *http.Request) {
	v, err := apiQuery(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.shop.BrowseCatalog(r.Context(), shop.CatalogRequest{Text: v.Get("q"), Category: v.Get("category"),
		Sort: v.Get("sort"), Page: v.Get("page"), PerPage: v.Get("per_page"), Cursor: v.Get("cursor")})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := productPageJSON{Items: make([]productJSON, len(c.Products)), Page: c.Query.Page, PerPage: c.Query.PerPage, Total: c.Total,
		Next: c.Next}
	for i := range c.Products {
		out.Items[i] = newProductJSON(&c.Products[i])
	}
	s.apiWritePublic(w, r, out)
}

// handleAPIProduct serves GET /api/v1/products/{id}.
func (s *server) handleAPIProduct(w http.ResponseWriter, r *http.Request) {
	p, err := s.shop.Product(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newProductJSON(p))
}

// apiWritePublic answers 200 with v as JSON; when the request is one the
// page cache keeps by the catalog's version (a listing asked without a
// session, publicPage), the answer is kept there and the next such request
// is served from it, with its ETag, compressed once.
func (s *server) apiWritePublic(w http.ResponseWriter, r *http.Request, v any) {
	pr, _ := r.Context().Value(publicRequestKey{}).(*publicRequest)
	if pr == nil || pr.key == "" || s.pageCache == nil {
		s.apiWrite(w, r, http.StatusOK, v)
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p := newCachedPage(pr.key, "application/json", append(body, '\n'), true)
	s.pageCache.put(p)
	servePage(w, r, p, pr.policy)
}
