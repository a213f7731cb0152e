package web

import (
	"encoding/json"
	"net/http"

	"storefront/internal/shop"
)

// The staff's catalog calls of the JSON API (CONTRACT.md, "Staff"): the
// product list with withdrawn products, create, edit, stock by a delta,
// and categories. Every handler is a staffAPIHandler (admin.go). Counts
// (price_cents, stock, delta) are kept as their JSON text, so the one rule
// for counts (shop.ParseCount) refuses 12.5, "12", 1e3 and true alike, with
// the same messages as the pages.

// adminProductJSON is a product as staff see it: its stock as it is (not
// what can be bought) and whether it is on sale.
type adminProductJSON struct {
	productJSON
	Active bool `json:"active"`
}

func newAdminProductJSON(p *shop.Product) adminProductJSON {
	out := adminProductJSON{productJSON: newProductJSON(p), Active: p.Active}
	out.Stock = p.Stock
	return out
}

// handleAPIAdminProducts serves GET /api/v1/admin/products?q&category&page&per_page.
func (s *server) handleAPIAdminProducts(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	v, err := apiQuery(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.shop.StaffCatalog(r.Context(), staff, shop.CatalogRequest{Text: v.Get("q"), Category: v.Get("category"),
		Page: v.Get("page"), PerPage: v.Get("per_page")})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Items   []adminProductJSON `json:"items"`
		Page    int                `json:"page"`
		PerPage int                `json:"per_page"`
		Total   int                `json:"total"`
	}{Items: make([]adminProductJSON, len(c.Products)), Page: c.Query.Page, PerPage: c.Query.PerPage, Total: c.Total}
	for i := range c.Products {
		out.Items[i] = newAdminProductJSON(&c.Products[i])
	}
	s.apiWrite(w, r, http.StatusOK, out)
}

// handleAPIAdminProductCreate serves POST /api/v1/admin/products
// {id, name, description, category, price_cents, stock, active}: 201 with
// the product; active may be left out (true).
func (s *server) handleAPIAdminProductCreate(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	var in struct {
		ID          string          `json:"id"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Category    string          `json:"category"`
		PriceCents  json.RawMessage `json:"price_cents"`
		Stock       json.RawMessage `json:"stock"`
		Active      *bool           `json:"active"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.shop.CreateProduct(r.Context(), staff, shop.ProductInput{ID: in.ID, Name: in.Name,
		Description: in.Description, Category: in.Category, PriceCents: string(in.PriceCents),
		Stock: string(in.Stock), Active: in.Active == nil || *in.Active})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/admin/products/"+p.ID)
	s.apiWrite(w, r, http.StatusCreated, newAdminProductJSON(p))
}

// handleAPIAdminProductEdit serves PATCH /api/v1/admin/products/{id} with
// any of {name, description, category, price_cents, active}: 200 with the
// product; the fields left out stay as they are.
func (s *server) handleAPIAdminProductEdit(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	var in struct {
		Name        *string         `json:"name"`
		Description *string         `json:"description"`
		Category    *string         `json:"category"`
		PriceCents  json.RawMessage `json:"price_cents"`
		Active      *bool           `json:"active"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	e := shop.ProductEdit{Name: in.Name, Description: in.Description, Category: in.Category, Active: in.Active}
	if in.PriceCents != nil {
		price := string(in.PriceCents)
		e.PriceCents = &price
	}
	p, err := s.shop.EditProduct(r.Context(), staff, r.PathValue("id"), e)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newAdminProductJSON(p))
}

// handleAPIAdminProductStock serves POST /api/v1/admin/products/{id}/stock
// {delta}: 200 with the product; 409 insufficient_stock when the stock
// would fall below 0.
func (s *server) handleAPIAdminProductStock(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	var in struct {
		Delta json.RawMessage `json:"delta"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.shop.AdjustStock(r.Context(), staff, r.PathValue("id"), string(in.Delta))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newAdminProductJSON(p))
}

// handleAPIAdminCategoryCreate serves POST /api/v1/admin/categories
// {id, name}: 201 with the category.
func (s *server) handleAPIAdminCategoryCreate(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	var in struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.shop.CreateCategory(r.Context(), staff, shop.Category{ID: in.ID, Name: in.Name})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusCreated, categoryJSON{ID: c.ID, Name: c.Name})
}

// handleAPIAdminCategoryRename serves PATCH /api/v1/admin/categories/{id}
// {name}: 200 with the category.
func (s *server) handleAPIAdminCategoryRename(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	var in struct {
		Name string `json:"name"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.shop.RenameCategory(r.Context(), staff, r.PathValue("id"), in.Name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, categoryJSON{ID: c.ID, Name: c.Name, ProductCount: c.ProductCount})
}
