package sqlite

import (
	"context"

	"storefront/internal/shop"
)

// FollowCatalogExactly returns FollowCatalog's feed, which is exact: its
// Changes first reads the highest sequence number of the change log in a
// read transaction of its own, which sees every commit before it began, and
// returns an empty batch only when it has reported everything up to that
// number. The triggers write the log in the transaction of each change, and
// one writer at a time commits them, so the log's order is commit order.
func (s *Store) FollowCatalogExactly(ctx context.Context) (shop.CatalogFeed, error) {
	return s.FollowCatalog(ctx)
}
