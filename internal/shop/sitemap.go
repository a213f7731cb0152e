package shop

import "context"

// EachProductForSale calls each with every active product (withdrawn ones
// are skipped), in id order, stopping at (and returning) the first error
// each returns. It reads the catalog read model, not the store: a sitemap
// of 100,000 products reads nothing per request, and lists what the
// listings list.
func (s *Service) EachProductForSale(ctx context.Context, each func(*Product) error) error {
	m, err := s.catalog.current(ctx)
	if err != nil {
		return err
	}
	for _, p := range m.forSale() {
		if err := each(p); err != nil {
			return err
		}
	}
	return nil
}
