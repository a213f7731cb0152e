package shop

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Catalog paging limits.
const (
	DefaultPerPage = 12
	MaxPerPage     = 100
	MaxQueryLen    = 100
)

// SearchProducts returns one page of the catalog. Out-of-range input is a
// *ValidationError with keys q, category, sort, page, per_page; an empty
// Sort means SortName, zero Page and PerPage mean 1 and DefaultPerPage.
func (s *Service) SearchProducts(ctx context.Context, q ProductQuery) (ProductPage, error) {
	q, err := ValidateProductQuery(q)
	if err != nil {
		return ProductPage{}, err
	}
	m, err := s.catalog.current(ctx)
	if err != nil {
		return ProductPage{}, err
	}
	page, _ := queryCatalog(m, q)
	return page, nil
}

// ValidateProductQuery fills defaults and checks q. Search text that is
// not UTF-8 (a hand-made address, a link in a legacy encoding) has each
// invalid sequence replaced by U+FFFD, so every page and answer shows the
// same valid text. A Cursor replaces Page: a page after the first beside
// it is refused (page), as the page the cursor starts has no number.
func ValidateProductQuery(q ProductQuery) (ProductQuery, error) {
	fe := fieldErrors{}
	q.Text = strings.TrimSpace(strings.ToValidUTF8(q.Text, "\uFFFD"))
	switch {
	case utf8.RuneCountInString(q.Text) > MaxQueryLen:
		fe.add("q", queryMessage)
	case hasControl(q.Text):
		fe.add("q", queryControlMessage)
	}
	if q.Category != "" && !IsID(q.Category) {
		fe.add("category", "Choose a category from the list.")
	}
	switch q.Sort {
	case "":
		q.Sort = SortName
		if q.Text != "" {
			q.Sort = SortRelevance
		}
	case SortName, SortPriceAsc, SortPriceDesc, SortNewest, SortRelevance:
	default:
		fe.add("sort", "Sort by relevance, name, price_asc, price_desc or newest.")
	}
	if q.Cursor != "" {
		if q.Page > 1 { // page 1, the default, may stay in a client's address
			fe.add("page", pageWithCursorMessage)
		}
		if _, ok := parseCursor(q.Cursor, q); !ok {
			fe.add("cursor", "Use the next cursor of the previous page, with the same search, category and sort.")
		}
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Page < 1 || q.Page > MaxPage {
		fe.add("page", pageMessage)
	}
	if q.PerPage == 0 {
		q.PerPage = DefaultPerPage
	}
	if q.PerPage < 1 || q.PerPage > MaxPerPage {
		fe.add("per_page", perPageMessage)
	}
	return q, fe.err()
}

var (
	queryControlMessage   = "The search may not contain control or invisible formatting characters, such as tabs or line breaks."
	pageWithCursorMessage = "Send page or cursor, not both: the cursor (the next of the previous answer) already says where the page starts."
)

// Product returns an active or withdrawn product as the store has it at
// a moment after the call began (a strong read: what a shopper commits
// to), or ErrNotFound.
func (s *Service) Product(ctx context.Context, id string) (*Product, error) {
	p, _, err := s.VersionedProduct(ctx, id)
	if err != nil {
		return nil, err
	}
	own := *p // the caller's to change
	return &own, nil
}

// VersionedProduct is Product with the product's version in this process:
// two calls that return the same version, not 0, return equal products,
// so what is made of one (a rendered page) serves the other. Version 0
// names no state (the store was read, and the product not kept:
// productread.go). The product may be shared with other callers: it must
// not be changed.
func (s *Service) VersionedProduct(ctx context.Context, id string) (*Product, uint64, error) {
	if !IsID(id) {
		return nil, 0, ErrNotFound
	}
	return s.products.product(ctx, id)
}

// Categories returns every category by name with its product count.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	m, err := s.catalog.current(ctx)
	if err != nil {
		return nil, err
	}
	return m.categoriesWithCounts(), nil
}

// CategoryName returns the name of category id as the catalog read model
// has it (a rename may lag, like the listings), or id when it has none,
// without copying the categories as Category does.
func (s *Service) CategoryName(ctx context.Context, id string) string {
	m, err := s.catalog.current(ctx)
	if err != nil {
		return id
	}
	if name, ok := m.categoryName(id); ok {
		return name
	}
	return id
}

// IsID reports whether s is a well-formed URL-safe id: 1 to 64 of a-z, A-Z,
// 0-9, '-' and '_'.
func IsID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
