package shop

import (
	"context"
)

// LoadDemoCatalog saves the demo catalog when the store holds no product,
// and reports whether it did. Running it on a filled store changes nothing.
func (s *Service) LoadDemoCatalog(ctx context.Context) (bool, error) {
	// HasProducts reads at most one product: a start never counts the
	// catalog (on DynamoDB a COUNT is a scan of the whole table).
	has, err := s.store.HasProducts(ctx)
	if err != nil || has {
		return false, err
	}
	categories, products := DemoCatalog()
	for i := range categories {
		if err := s.store.SaveCategory(ctx, &categories[i]); err != nil {
			return false, err
		}
	}
	for i := range products {
		if err := s.store.SaveProduct(ctx, &products[i]); err != nil {
			return false, err
		}
	}
	s.catalogChanged(ctx)
	s.log.InfoContext(ctx, "demo catalog loaded", "products", len(products), "categories", len(categories))
	return true, nil
}
