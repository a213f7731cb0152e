package shop

import "context"

// CatalogFollower is a store whose product and category changes can be
// followed: the feed that keeps each server's catalog read model
// (catalogmodel.go) within seconds of the store without reading the whole
// catalog per request. On SQLite it is a change log written by triggers in
// the same transaction as the change; on DynamoDB the products table's
// stream.
type CatalogFollower interface {
	// FollowCatalog starts following from now: every product or category
	// change committed after it returns is reported by the feed's Changes.
	// A reader that loads the whole catalog after FollowCatalog returned
	// and then applies every batch of Changes in order holds the catalog
	// as the store has it.
	FollowCatalog(ctx context.Context) (CatalogFeed, error)
}

// CatalogFeed reports the catalog's changes in the order they were
// committed. It is used by one goroutine at a time.
type CatalogFeed interface {
	// Changes returns what changed since the previous call (or since
	// FollowCatalog), without waiting for more: an empty CatalogChanges
	// when nothing did. After an error the next call reports the same
	// changes again, so nothing is lost.
	Changes(ctx context.Context) (CatalogChanges, error)
	// Close releases what the feed holds.
	Close() error
}

// CatalogChanges is one batch of a CatalogFeed.
type CatalogChanges struct {
	// Products are the changed products as they were written, in commit
	// order; a product changed twice may appear twice (the later wins).
	Products []Product
	// CategoriesChanged says a category was added or renamed: read the
	// categories again (they are few).
	CategoriesChanged bool
	// Lost says the feed can no longer tell what changed since the
	// previous batch (its log was pruned or its stream position expired):
	// load the whole catalog again.
	Lost bool
}

// Empty reports whether the batch holds no change at all.
func (c CatalogChanges) Empty() bool {
	return len(c.Products) == 0 && !c.CategoriesChanged && !c.Lost
}
