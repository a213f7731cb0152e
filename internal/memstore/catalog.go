package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"storefront/internal/shop"
)

// SaveProduct inserts or replaces a product.
func (s *Store) SaveProduct(ctx context.Context, p *shop.Product) error {
	if err := s.lock(ctx, "save product"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.putProduct(*p)
	return nil
}

// Product returns the product with id, or shop.ErrNotFound.
func (s *Store) Product(ctx context.Context, id string) (*shop.Product, error) {
	if err := s.lock(ctx, "read product"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return nil, shop.ErrNotFound
	}
	return &p, nil
}

// Products returns the products with the given ids that exist, in the
// order of ids.
func (s *Store) Products(ctx context.Context, ids []string) ([]shop.Product, error) {
	if err := s.lock(ctx, "read products"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	found := []shop.Product{}
	for _, id := range ids {
		if p, ok := s.products[id]; ok {
			found = append(found, p)
		}
	}
	return found, nil
}

// Categories returns the categories ordered by name (ties by id), each
// counting its active products.
func (s *Store) Categories(ctx context.Context) ([]shop.Category, error) {
	if err := s.lock(ctx, "read categories"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	categories := make([]shop.Category, 0, len(s.categories))
	for _, c := range s.categories {
		c.ProductCount = 0
		categories = append(categories, c)
	}
	sortCategories(categories)
	return categories, nil
}

// SaveCategory inserts or replaces a category; ProductCount is not stored.
func (s *Store) SaveCategory(ctx context.Context, c *shop.Category) error {
	if err := s.lock(ctx, "save category"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	saved := *c
	saved.ProductCount = 0
	s.putCategory(saved)
	return nil
}

// CountProducts returns how many products exist, active or not.
func (s *Store) CountProducts(ctx context.Context) (int, error) {
	if err := s.lock(ctx, "count products"); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return len(s.products), nil
}

// HasProducts reports whether any product exists, active or not.
func (s *Store) HasProducts(ctx context.Context) (bool, error) {
	if err := s.lock(ctx, "look for a product"); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	return len(s.products) > 0, nil
}

// sortCategories orders categories by name, ties by id.
func sortCategories(categories []shop.Category) {
	slices.SortFunc(categories, func(a, b shop.Category) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
}
