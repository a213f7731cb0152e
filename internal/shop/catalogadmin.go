package shop

import (
	"cmp"
	"context"
	"errors"
	"strings"
)

// The staff's catalog management (issue 10, items 2 and 3): products
// listed with the withdrawn ones, created, edited and restocked, and
// categories created and renamed. Every caller sits behind the admin gate;
// each method checks again that actor, the staff user the audit log names,
// is staff (ErrNotFound otherwise, as the gate answers).

// LowStockLevel is the stock at or below which an active product is listed
// first on the staff dashboard.
const LowStockLevel = 3

// MaxCategoryNameLen bounds a category's name, in characters.
const MaxCategoryNameLen = 100

// ProductInput is a new product as staff send it. Price and stock are the
// text of the form's fields (the API's numbers are formatted so), read by
// ParseCount, so the page and the API refuse the same values with the same
// messages.
type ProductInput struct {
	ID, Name, Description, Category string
	PriceCents, Stock               string
	Active                          bool
}

// ProductEdit names the fields of a product to change; nil leaves a field
// as it is. PriceCents is text, as in ProductInput.
type ProductEdit struct {
	Name, Description, Category, PriceCents *string
	Active                                  *bool
}

// StaffCatalog answers the staff's product list: BrowseCatalog with the
// withdrawn products too, and the categories.
func (s *Service) StaffCatalog(ctx context.Context, actor *User, req CatalogRequest) (*Catalog, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	req.WithCategories = true
	return s.browseCatalog(ctx, req, true)
}

// ProductForm is what the staff's product form shows: the product (nil
// for a new one) and the categories to choose from.
type ProductForm struct {
	Product    *Product
	Categories []Category
}

// StaffProductForm returns the form of product id, or of a new product
// when id is ""; ErrNotFound when there is no product id.
func (s *Service) StaffProductForm(ctx context.Context, actor *User, id string) (*ProductForm, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	f := &ProductForm{}
	if id != "" {
		p, err := s.Product(ctx, id)
		if err != nil {
			return nil, err
		}
		f.Product = p
	}
	categories, err := s.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	f.Categories = categories
	return f, nil
}

// CreateProduct saves a new product. Bad fields are a *ValidationError
// keyed id, name, description, category, price_cents, stock (the category
// must exist); a taken id is ErrProductExists. Nothing is saved then.
func (s *Service) CreateProduct(ctx context.Context, actor *User, in ProductInput) (*Product, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	fields := fieldErrors{}
	price, stock := parseAmount(fields, "price_cents", in.PriceCents, int(MaxPriceCents), priceMessage),
		parseAmount(fields, "stock", in.Stock, MaxStock, stockMessage)
	p, err := ValidateProduct(Product{ID: in.ID, Name: in.Name, Description: in.Description,
		Category: in.Category, PriceCents: Money(price), Stock: stock, Active: in.Active})
	addFields(fields, err)
	if err := s.checkCategory(ctx, fields, p.Category); err != nil {
		return nil, err
	}
	if err := fields.err(); err != nil {
		return nil, err
	}
	p.CreatedAt = s.now()
	if err := s.store.CreateProduct(ctx, &p); err != nil {
		return nil, err
	}
	s.catalogChanged(ctx)
	s.recordAudit(ctx, actor, AuditProductCreate, p.ID, nil, p)
	return &p, nil
}

// EditProduct changes the fields e names on product id (ErrNotFound if
// there is none), checked as CreateProduct checks them; only a named
// field's problem refuses the edit. Stock is not among them (AdjustStock).
// A price change needs nothing more: each cart line records the price its
// shopper saw, so they are asked to confirm the new one before checkout.
func (s *Service) EditProduct(ctx context.Context, actor *User, id string, e ProductEdit) (*Product, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	before, err := s.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	fields := fieldErrors{}
	u := ProductUpdate{Name: e.Name, Description: e.Description, Category: e.Category, Active: e.Active}
	if e.PriceCents != nil {
		price := Money(parseAmount(fields, "price_cents", *e.PriceCents, int(MaxPriceCents), priceMessage))
		u.PriceCents = &price
	}
	cleaned, err := ValidateProduct(u.Apply(*before))
	var verr *ValidationError
	if errors.As(err, &verr) {
		for field, named := range map[string]bool{"name": e.Name != nil, "description": e.Description != nil,
			"category": e.Category != nil, "price_cents": e.PriceCents != nil} {
			if m, bad := verr.Fields[field]; bad && named {
				fields.add(field, m)
			}
		}
	}
	if e.Category != nil {
		if err := s.checkCategory(ctx, fields, cleaned.Category); err != nil {
			return nil, err
		}
	}
	if err := fields.err(); err != nil {
		return nil, err
	}
	// The cleaned text (trimmed, line breaks as "\n") is what is saved.
	if u.Name != nil {
		u.Name = &cleaned.Name
	}
	if u.Description != nil {
		u.Description = &cleaned.Description
	}
	after, err := s.store.UpdateProduct(ctx, id, u)
	if err != nil {
		return nil, err
	}
	s.catalogChanged(ctx)
	s.recordAudit(ctx, actor, AuditProductUpdate, id, before, after)
	return after, nil
}

// AdjustStock adds delta, the text of a whole number with an optional sign
// ("+100", "-3"), to the stock of product id, atomically with concurrent
// orders (Store.AdjustStock). A delta that is 0, not a number, or would
// take the stock over MaxStock (an addition: a removal from a stock a
// cancellation took over it is no problem) is a *ValidationError (field delta); one
// that would take it below 0 is a *StockError (ErrOutOfStock), changing
// nothing; a missing product is ErrNotFound.
func (s *Service) AdjustStock(ctx context.Context, actor *User, id, delta string) (*Product, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	before, err := s.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	n, ok := parseDelta(delta)
	if !ok || n == 0 || n > 0 && before.Stock+n > MaxStock {
		return nil, &ValidationError{Fields: map[string]string{"delta": deltaMessage}}
	}
	after, err := s.store.AdjustStock(ctx, id, n)
	if errors.Is(err, ErrStockLimit) { // another adjustment came first
		return nil, &ValidationError{Fields: map[string]string{"delta": deltaMessage}}
	}
	if err != nil {
		return nil, err
	}
	s.catalogChanged(ctx)
	// The stock this change started from is after's less the delta (the
	// store applied it atomically); before's, read earlier, may be another
	// change's.
	s.recordAudit(ctx, actor, AuditStockAdjust, id, map[string]int{"stock": after.Stock - n, "delta": n},
		map[string]int{"stock": after.Stock})
	return after, nil
}

var deltaMessage = "Enter the change in stock as a whole number other than 0, such as 12 to add or -3 to remove, " +
	"leaving at most " + itoa(MaxStock) + " in stock."

// parseDelta reads a whole number with an optional leading sign, its
// digits by ParseCount's plain rule.
func parseDelta(s string) (int, bool) {
	sign := 1
	if rest, found := strings.CutPrefix(s, "-"); found {
		sign, s = -1, rest
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	n, ok := ParseCount(s, MaxStock)
	return sign * n, ok
}

// LowStockProducts returns the active products with at most LowStockLevel
// in stock, the fewest first: the staff dashboard lists them first.
func (s *Service) LowStockProducts(ctx context.Context) ([]Product, error) {
	m, err := s.catalog.current(ctx)
	if err != nil {
		return nil, err
	}
	return m.lowStock(LowStockLevel), nil
}

// FewestInStockFirst orders products as the staff dashboard lists them:
// stock ascending, then name, then id. It is a cmp function for
// slices.SortFunc.
func FewestInStockFirst(a, b Product) int {
	return cmp.Or(cmp.Compare(a.Stock, b.Stock), compareNames(a.Name, b.Name), strings.Compare(a.ID, b.ID))
}

// CreateCategory saves a new category. A bad or taken id or a bad name is
// a *ValidationError (fields id, name), saving nothing.
func (s *Service) CreateCategory(ctx context.Context, actor *User, c Category) (*Category, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	c = Category{ID: strings.TrimSpace(c.ID), Name: cleanText(c.Name)}
	fields := fieldErrors{}
	if !IsID(c.ID) {
		fields.add("id", "The id must be 1 to 64 letters (a to z, A to Z; the case counts), digits, hyphens or underscores, such as garden-tools.")
	} else if _, taken, err := s.category(ctx, c.ID); err != nil {
		return nil, err
	} else if taken {
		fields.add("id", "A category with this id exists already; choose another id, or rename that one.")
	}
	if m := textProblem(c.Name, "the name", MaxCategoryNameLen, false); m != "" {
		fields.add("name", m)
	}
	if err := fields.err(); err != nil {
		return nil, err
	}
	if err := s.store.SaveCategory(ctx, &c); err != nil {
		return nil, err
	}
	s.catalogChanged(ctx)
	s.recordAudit(ctx, actor, AuditCategorySave, c.ID, nil, c.Name)
	return &c, nil
}

// RenameCategory sets the name of category id (ErrNotFound if there is
// none); a bad name is a *ValidationError (field name).
func (s *Service) RenameCategory(ctx context.Context, actor *User, id, name string) (*Category, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	before, found, err := s.category(ctx, id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	c := Category{ID: id, Name: cleanText(name)}
	if counted, err := s.Category(ctx, id); err == nil {
		c.ProductCount = counted.ProductCount
	}
	if m := textProblem(c.Name, "the name", MaxCategoryNameLen, false); m != "" {
		return nil, &ValidationError{Fields: map[string]string{"name": m}}
	}
	if err := s.store.SaveCategory(ctx, &c); err != nil {
		return nil, err
	}
	s.catalogChanged(ctx)
	s.recordAudit(ctx, actor, AuditCategorySave, id, before.Name, c.Name)
	return &c, nil
}

// Category returns the category id with its product count, or
// ErrNotFound, as the listings know it (the catalog read model: a product
// page's breadcrumb reads no store).
func (s *Service) Category(ctx context.Context, id string) (*Category, error) {
	categories, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range categories {
		if c.ID == id {
			return &c, nil
		}
	}
	return nil, ErrNotFound
}

// category returns the category id and whether it exists, read from the
// store (a write is checked against what exists now, not against a read
// model a moment behind). The list of categories is short, so it is read
// whole.
func (s *Service) category(ctx context.Context, id string) (Category, bool, error) {
	categories, err := s.store.Categories(ctx)
	if err != nil {
		return Category{}, false, err
	}
	for _, c := range categories {
		if c.ID == id {
			return c, true, nil
		}
	}
	return Category{}, false, nil
}

// checkCategory adds a message for field category unless the category
// exists (a malformed id has its message already).
func (s *Service) checkCategory(ctx context.Context, fields fieldErrors, id string) error {
	if _, bad := fields["category"]; bad {
		return nil
	}
	_, found, err := s.category(ctx, id)
	if err == nil && !found {
		fields.add("category", "Choose a category from the list; a new one is created on the categories page.")
	}
	return err
}

// parseAmount reads a count field by ParseCount, adding message for field
// when it is not a plain whole number from 0 to max.
func parseAmount(fields fieldErrors, field, text string, max int, message string) int {
	n, ok := ParseCount(strings.TrimSpace(text), max)
	if !ok {
		fields.add(field, message)
	}
	return n
}

// addFields adds the messages of a *ValidationError to fields (the first
// message of a field stays).
func addFields(fields fieldErrors, err error) {
	var verr *ValidationError
	if errors.As(err, &verr) {
		for field, m := range verr.Fields {
			fields.add(field, m)
		}
	}
}
