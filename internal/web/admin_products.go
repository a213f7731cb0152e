package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"storefront/internal/shop"
)

// The staff's product pages (issue 10, items 2 and 3): the product list
// with withdrawn products, search and paging, the form of a new product,
// and a product's page with its edit form and its restock form. The CSV
// upload on the list is admin_catalog_import.go; categories are
// admin_categories.go. Every handler is a staffPageHandler (admin.go).

// adminProductsView is GET /admin/products.
type adminProductsView struct {
	adminView
	Notice   string
	Search   fieldView
	Category selectView
	Catalog  *shop.Catalog
	Rows     []adminProductRow
	PrevURL  string
	NextURL  string
	Import   catalogImportView
}

// adminProductRow is one product of the list, with the address of its page.
type adminProductRow struct {
	shop.Product
	URL string
}

// catalogImportView is the CSV upload form and, after a refused file, its
// problems, each naming its line.
type catalogImportView struct {
	File     fieldView
	Problems []shop.RowError
}

// adminProductPath is the address of product id's staff page.
func adminProductPath(id string) string { return "/admin/products/" + url.PathEscape(id) }

// newAdminProductsView is the product list of c (nil after a refused
// query: only the search form again). notice says what just happened.
func newAdminProductsView(req shop.CatalogRequest, c *shop.Catalog, fields map[string]string, notice string) *adminProductsView {
	v := &adminProductsView{adminView: newAdminView("Products", "/admin/products"), Notice: notice, Catalog: c,
		Search: fieldView{Name: "q", Label: "Search names and descriptions", Type: "search", Value: req.Text, Error: fields["q"]},
		Import: catalogImportView{File: catalogFileField("")}}
	v.Category = selectView{Name: "category", Label: "Category", Value: req.Category, Error: fields["category"],
		Options: []optionView{{Value: "", Label: "All categories"}}}
	if c == nil {
		return v
	}
	for _, cat := range c.Categories {
		v.Category.Options = append(v.Category.Options, optionView{Value: cat.ID, Label: cat.Name})
	}
	for _, p := range c.Products {
		v.Rows = append(v.Rows, adminProductRow{Product: p, URL: adminProductPath(p.ID)})
	}
	pageURL := func(page int) string {
		q := url.Values{"page": {strconv.Itoa(page)}}
		if req.Text != "" {
			q.Set("q", req.Text)
		}
		if req.Category != "" {
			q.Set("category", req.Category)
		}
		return "/admin/products?" + q.Encode()
	}
	if c.Query.Page > 1 {
		v.PrevURL = pageURL(c.Query.Page - 1)
	}
	if c.Query.Page < c.Pages {
		v.NextURL = pageURL(c.Query.Page + 1)
	}
	return v
}

// handleAdminProducts serves GET /admin/products?q&category&page: every
// product, withdrawn ones too, by name, 50 a page. After an upload,
// ?created=N&updated=M says what it did.
func (s *server) handleAdminProducts(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	q := r.URL.Query()
	req := shop.CatalogRequest{Text: q.Get("q"), Category: q.Get("category"), Page: q.Get("page"), PerPage: adminPerPage}
	c, err := s.shop.StaffCatalog(r.Context(), staff, req)
	fields := fieldMessages(err)
	if err != nil && fields == nil {
		s.errorPage(w, r, err)
		return
	}
	notice := ""
	if created, updated := q.Get("created"), q.Get("updated"); created != "" || updated != "" {
		notice = "The file was imported: " + created + " products created, " + updated + " updated."
	}
	status := http.StatusOK
	if fields != nil {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "admin_products", newAdminProductsView(req, c, fields, notice))
}

// adminPerPage is the staff's page size: a long list to scan, not cards.
const adminPerPage = "50"

// adminProductView is the form of a new product (Product nil) or a
// product's page: its edit form and, for an existing one, its restock form.
// The description's input is DescriptionField: a field named Description
// would hide the layout's meta description (layoutView.Description).
type adminProductView struct {
	adminView
	Notice           string
	FormError        string
	Product          *shop.Product
	Action           string
	PhotoURL         string
	ID               fieldView
	Name             fieldView
	DescriptionField fieldView
	Category         selectView
	Price            fieldView
	Stock            fieldView
	Active           bool
	Delta            fieldView
}

// productFormValues are the values the product form shows: a product's,
// or what was posted; Delta is the restock form's.
type productFormValues struct {
	ID, Name, Description, Category, PriceCents, Stock string
	Active                                             bool
	Delta                                              string
}

func valuesOf(p *shop.Product) productFormValues {
	return productFormValues{ID: p.ID, Name: p.Name, Description: p.Description, Category: p.Category,
		PriceCents: strconv.FormatInt(int64(p.PriceCents), 10), Stock: strconv.Itoa(p.Stock), Active: p.Active}
}

// newAdminProductView is the product form of f with values in, field
// messages and the restock form's message (stockMessage).
func newAdminProductView(f *shop.ProductForm, in productFormValues, fields map[string]string) *adminProductView {
	v := &adminProductView{Product: f.Product, Active: in.Active,
		Name: fieldView{Name: "name", Label: "Name", Type: "text", Value: in.Name, Error: fields["name"], Required: true},
		DescriptionField: fieldView{Name: "description", Label: "Description", Value: in.Description,
			Error: fields["description"], Hint: "A few sentences; line breaks are kept."},
		Category: selectView{Name: "category", Label: "Category", Value: in.Category, Error: fields["category"], Required: true},
		Price: fieldView{Name: "price_cents", Label: "Price in cents", Type: "number", Value: in.PriceCents,
			Error: fields["price_cents"], Hint: "1250 for $12.50.", Required: true, Min: "0"},
		Delta: fieldView{Name: "delta", Label: "Change in stock", Type: "text", Value: in.Delta, Error: fields["delta"],
			Hint: "12 adds twelve, -3 removes three; an order placed meanwhile is never lost.", Required: true},
	}
	for _, c := range f.Categories {
		v.Category.Options = append(v.Category.Options, optionView{Value: c.ID, Label: c.Name + " (" + c.ID + ")"})
	}
	if f.Product == nil {
		v.adminView, v.Action = newAdminView("New product", "/admin/products"), "/admin/products"
		v.Category.Options = append([]optionView{{Value: "", Label: "Choose a category"}}, v.Category.Options...)
		v.ID = fieldView{Name: "id", Label: "Id", Type: "text", Value: in.ID, Error: fields["id"], Required: true,
			Hint: "Part of the product's address: letters (a to z, A to Z; the case counts), digits, hyphens or underscores, such as desk-lamp-2."}
		v.Stock = fieldView{Name: "stock", Label: "Stock", Type: "number", Value: in.Stock, Error: fields["stock"],
			Required: true, Min: "0"}
		return v
	}
	v.adminView, v.Action = newAdminView(f.Product.Name, "/admin/products"), adminProductPath(f.Product.ID)
	v.PhotoURL = photoPagePath(f.Product.ID)
	return v
}

// handleAdminProductNew serves GET /admin/products/new: the form of a new
// product.
func (s *server) handleAdminProductNew(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	f, err := s.shop.StaffProductForm(r.Context(), staff, "")
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_product", newAdminProductView(f, productFormValues{Stock: "0", Active: true}, nil))
}

// handleAdminProductCreate serves POST /admin/products: it creates the
// product, then 303 to its page; bad fields or a taken id show the form
// again (422, or 409 for the id) with the values kept.
func (s *server) handleAdminProductCreate(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := productFormValues{ID: f.Get("id"), Name: f.Get("name"), Description: f.Get("description"),
		Category: f.Get("category"), PriceCents: f.Get("price_cents"), Stock: f.Get("stock"), Active: f.Get("active") == "true"}
	p, err := s.shop.CreateProduct(r.Context(), staff, shop.ProductInput{ID: in.ID, Name: in.Name,
		Description: in.Description, Category: in.Category, PriceCents: in.PriceCents, Stock: in.Stock, Active: in.Active})
	if err == nil {
		http.Redirect(w, r, adminProductPath(p.ID)+"?saved=created", http.StatusSeeOther)
		return
	}
	s.productFormError(w, r, staff, "", in, err)
}

// handleAdminProduct serves GET /admin/products/{id}: the product's edit
// and restock forms; ?saved=... says what was just saved.
func (s *server) handleAdminProduct(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	f, err := s.shop.StaffProductForm(r.Context(), staff, r.PathValue("id"))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	v := newAdminProductView(f, valuesOf(f.Product), nil)
	v.Notice = savedNotices[r.URL.Query().Get("saved")]
	s.render(w, r, http.StatusOK, "admin_product", v)
}

// savedNotices are the notices of ?saved= on a product's page.
var savedNotices = map[string]string{
	"created": "The product was created.",
	"edited":  "The changes were saved. Shoppers with it in their cart are asked to confirm a new price before checkout.",
	"stock":   "The stock was changed.",
}

// handleAdminProductEdit serves POST /admin/products/{id}: it saves name,
// description, category, price and active, then 303 to the product's
// page; bad fields show the form again (422) with the values kept.
func (s *server) handleAdminProductEdit(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	id, f := r.PathValue("id"), r.PostForm
	in := productFormValues{Name: f.Get("name"), Description: f.Get("description"), Category: f.Get("category"),
		PriceCents: f.Get("price_cents"), Active: f.Get("active") == "true"}
	_, err := s.shop.EditProduct(r.Context(), staff, id, shop.ProductEdit{Name: &in.Name, Description: &in.Description,
		Category: &in.Category, PriceCents: &in.PriceCents, Active: &in.Active})
	if err == nil {
		http.Redirect(w, r, adminProductPath(id)+"?saved=edited", http.StatusSeeOther)
		return
	}
	s.productFormError(w, r, staff, id, in, err)
}

// handleAdminProductStock serves POST /admin/products/{id}/stock (field
// delta): it adjusts the stock, then 303 to the product's page; a bad
// delta shows the page again with the message at the field and the delta
// entered (422, or 409 when it would take the stock below 0).
func (s *server) handleAdminProductStock(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	id, delta := r.PathValue("id"), r.PostForm.Get("delta")
	_, err := s.shop.AdjustStock(r.Context(), staff, id, delta)
	if err == nil {
		http.Redirect(w, r, adminProductPath(id)+"?saved=stock", http.StatusSeeOther)
		return
	}
	s.productFormError(w, r, staff, id, productFormValues{Delta: delta}, err)
}

// productFormError shows staff the product form of id ("" for a new product)
// again with the field messages of err, or the error page when err is no
// refusal of a field. in holds the posted values; for a refused restock
// (only the delta posted) the product's own are shown with that delta.
func (s *server) productFormError(w http.ResponseWriter, r *http.Request, staff *shop.User, id string, in productFormValues, err error) {
	fields, status := fieldMessages(err), http.StatusUnprocessableEntity
	var short *shop.StockError
	switch {
	case errors.As(err, &short) && len(short.Items) == 1:
		n := strconv.Itoa(short.Items[0].Available)
		fields, status = map[string]string{"delta": "Only " + n + " in stock: you can remove at most " + n + "."}, http.StatusConflict
	case errors.Is(err, shop.ErrProductExists):
		fields, status = map[string]string{"id": "A product with this id exists already; choose another id."}, http.StatusConflict
	case fields == nil:
		s.errorPage(w, r, err)
		return
	}
	f, ferr := s.shop.StaffProductForm(r.Context(), staff, id)
	if ferr != nil {
		s.errorPage(w, r, ferr)
		return
	}
	if _, restock := fields["delta"]; restock {
		delta := in.Delta
		in = valuesOf(f.Product)
		in.Delta = delta
	}
	v := newAdminProductView(f, in, fields)
	v.FormError = problemFor(err).Message
	if status == http.StatusConflict {
		v.FormError = "That could not be saved; see the highlighted field."
	}
	s.render(w, r, status, "admin_product", v)
}
