package shop

import "context"

// EachProductForSale calls each with every active product (withdrawn ones
// are skipped), in id order, stopping at (and returning) the first error
// each returns. It streams the store's product iteration (EachProduct):
// the catalog is never held in memory whole, so a sitemap of 100,000
// products costs one product at a time.
func (s *Service) EachProductForSale(ctx context.Context, each func(*Product) error) error {
	return s.store.EachProduct(ctx, func(p *Product) error {
		if !p.Active {
			return nil
		}
		return each(p)
	})
}
