package shop

import "context"

// MaxPage is the highest catalog page number anyone may ask for: deeper
// pages are refused, not searched.
const MaxPage = 10000

// CatalogRequest is a catalog browse as it arrives, every value the text
// of a query parameter: Page and PerPage "" mean 1 and DefaultPerPage.
// WithCategories asks for the category list too (the catalog page shows
// it; the API's product search does not).
type CatalogRequest struct {
	Text, Category, Sort string
	Page, PerPage        string
	// Cursor is the Next of the page before (keyset pagination); it
	// replaces Page.
	Cursor         string
	WithCategories bool
}

// Catalog is one page of the catalog, ready to show: the query as it was
// understood (defaults filled), the products, the number of matches and
// of pages, and (WithCategories) every category with its product count.
type Catalog struct {
	Query    ProductQuery
	Products []Product
	Total    int
	Pages    int
	Next     string // the cursor of the next page; "" on the last
	// Categories are every category; with search words, each counts the
	// search's matches in it, else its products on sale.
	Categories []Category
}

// BrowseCatalog answers one catalog request, the catalog page's and the
// API's product search alike. A request out of range is a *ValidationError
// (keys q, category, sort, page, per_page) returned with a Catalog that
// still holds the query and (WithCategories) the categories, so the page
// can offer the filters again. Store failures come back with a nil
// Catalog.
func (s *Service) BrowseCatalog(ctx context.Context, req CatalogRequest) (*Catalog, error) {
	return s.browseCatalog(ctx, req, false)
}

// browseCatalog is BrowseCatalog, listing withdrawn products too when
// includeInactive (StaffCatalog).
func (s *Service) browseCatalog(ctx context.Context, req CatalogRequest, includeInactive bool) (*Catalog, error) {
	q, verr := ValidateProductQuery(ProductQuery{Text: req.Text, Category: req.Category, Sort: req.Sort,
		Page: countParam(req.Page, MaxPage), PerPage: countParam(req.PerPage, MaxPerPage), Cursor: req.Cursor,
		IncludeInactive: includeInactive})
	c := &Catalog{Query: q}
	m, err := s.catalog.current(ctx)
	if err != nil {
		return nil, err
	}
	var searchCounts map[string]int
	if verr == nil {
		found, counts := queryCatalog(m, q)
		c.Products, c.Total, c.Next, searchCounts = found.Items, found.Total, found.Next, counts
		c.Pages = (found.Total + q.PerPage - 1) / q.PerPage
	}
	if req.WithCategories {
		categories := m.categoriesWithCounts()
		if searchCounts != nil {
			for i := range categories {
				categories[i].ProductCount = searchCounts[categories[i].ID]
			}
		}
		c.Categories = categories
	}
	return c, verr
}

// queryCatalog answers a valid query from the read model m; counts are a
// search's matches per category (nil without search words).
func queryCatalog(m *catalogModel, q ProductQuery) (ProductPage, map[string]int) {
	var cursor *pageCursor
	if q.Cursor != "" {
		c, _ := parseCursor(q.Cursor, q) // valid: ValidateProductQuery checked it
		cursor = &c
	}
	answer := m.query(q, cursor)
	return answer.ProductPage, answer.CategoryCounts
}

// countParam reads the text of a count parameter for ValidateProductQuery:
// 0 when absent (its default), -1 when it is not a whole number from 1 to
// max (ParseCount's plain form), so that ValidateProductQuery refuses it
// with its own message.
func countParam(s string, max int) int {
	if s == "" {
		return 0
	}
	n, ok := ParseCount(s, max)
	if !ok || n == 0 {
		return -1
	}
	return n
}

// StockForSale is how many of the product can be bought now: its stock,
// or 0 when it is withdrawn from sale.
func (p Product) StockForSale() int {
	if !p.Active {
		return 0
	}
	return max(p.Stock, 0)
}

// CanBeBought reports whether the product can be added to a cart now.
func (p Product) CanBeBought() bool { return p.StockForSale() > 0 }
