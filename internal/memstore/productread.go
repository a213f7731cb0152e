package memstore

import (
	"context"

	"storefront/internal/shop"
)

// FollowCatalogExactly returns FollowCatalog's feed, which is exact: each
// write logs its change under the store's lock, and Changes reads the log
// under the same lock.
func (s *Store) FollowCatalogExactly(ctx context.Context) (shop.CatalogFeed, error) {
	return s.FollowCatalog(ctx)
}
