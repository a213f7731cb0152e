package memstore

import (
	"cmp"
	"context"
	"slices"

	"storefront/internal/shop"
)

// CreateProduct inserts a new product, or returns shop.ErrProductExists.
func (s *Store) CreateProduct(ctx context.Context, p *shop.Product) error {
	if err := s.lock(ctx, "create product"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, taken := s.products[p.ID]; taken {
		return shop.ErrProductExists
	}
	s.putProduct(*p)
	return nil
}

// SaveProducts inserts or replaces every product, all at once.
func (s *Store) SaveProducts(ctx context.Context, products []shop.Product) error {
	if err := s.lock(ctx, "save products"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, p := range products {
		s.putProduct(p)
	}
	return nil
}

// EachProduct calls each with a copy of every product, in id order. The
// products are copied first, so each may call the store.
func (s *Store) EachProduct(ctx context.Context, each func(*shop.Product) error) error {
	if err := s.lock(ctx, "read products"); err != nil {
		return err
	}
	all := make([]shop.Product, 0, len(s.products))
	for _, p := range s.products {
		all = append(all, p)
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b shop.Product) int { return cmp.Compare(a.ID, b.ID) })
	for i := range all {
		if err := each(&all[i]); err != nil {
			return err
		}
	}
	return nil
}
