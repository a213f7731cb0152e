package metrics

import (
	"context"

	"storefront/internal/shop"
)

// FollowCatalogExactly is counted when the feed starts, as FollowCatalog;
// its Changes are not (a product page's check of the store runs them).
func (s *Store) FollowCatalogExactly(ctx context.Context) (shop.CatalogFeed, error) {
	return counted[shop.CatalogFeed](s.count, "FollowCatalogExactly")(s.Store.FollowCatalogExactly(ctx))
}
