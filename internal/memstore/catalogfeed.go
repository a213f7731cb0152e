package memstore

import (
	"context"

	"storefront/internal/shop"
)

// catalogChange is one entry of the store's catalog change log: a product
// as written, or (Product nil) a category change.
type catalogChange struct {
	Product *shop.Product
}

// putProduct saves p and logs the change for the catalog feed; the caller
// holds s.mu.
func (s *Store) putProduct(p shop.Product) {
	s.products[p.ID] = p
	s.catalogLog = append(s.catalogLog, catalogChange{Product: &p})
}

// putCategory saves c and logs the change; the caller holds s.mu.
func (s *Store) putCategory(c shop.Category) {
	s.categories[c.ID] = c
	s.catalogLog = append(s.catalogLog, catalogChange{})
}

// catalogFeed reads the change log from a position in it.
type catalogFeed struct {
	store *Store
	next  int // the index of the first entry not reported
}

// FollowCatalog returns a feed of the catalog changes from now on.
func (s *Store) FollowCatalog(ctx context.Context) (shop.CatalogFeed, error) {
	if err := s.lock(ctx, "follow the catalog"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return &catalogFeed{store: s, next: len(s.catalogLog)}, nil
}

// Changes returns the log's entries since the previous call.
func (f *catalogFeed) Changes(ctx context.Context) (shop.CatalogChanges, error) {
	if err := f.store.lock(ctx, "read catalog changes"); err != nil {
		return shop.CatalogChanges{}, err
	}
	defer f.store.mu.Unlock()
	var changes shop.CatalogChanges
	for _, c := range f.store.catalogLog[f.next:] {
		if c.Product == nil {
			changes.CategoriesChanged = true
		} else {
			changes.Products = append(changes.Products, *c.Product)
		}
	}
	f.next = len(f.store.catalogLog)
	return changes, nil
}

// Close releases nothing.
func (f *catalogFeed) Close() error { return nil }
