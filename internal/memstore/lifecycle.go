package memstore

import (
	"context"
	"fmt"
	"slices"

	"storefront/internal/shop"
)

// UpdateProduct sets the fields u names on product id under the lock, on
// condition that it exists (shop.ErrNotFound otherwise).
func (s *Store) UpdateProduct(ctx context.Context, id string, u shop.ProductUpdate) (*shop.Product, error) {
	if err := s.lock(ctx, "update product"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return nil, shop.ErrNotFound
	}
	p = u.Apply(p)
	s.putProduct(p)
	return &p, nil
}

// AdjustStock adds delta to the stock of product id under the lock; a
// result below 0 is a *shop.StockError, an addition over shop.MaxStock
// shop.ErrStockLimit, changing nothing.
func (s *Store) AdjustStock(ctx context.Context, id string, delta int) (*shop.Product, error) {
	if err := s.lock(ctx, "adjust stock"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return nil, shop.ErrNotFound
	}
	if p.Stock+delta < 0 {
		return nil, &shop.StockError{Items: []shop.Shortage{{ProductID: id, Name: p.Name, Requested: -delta, Available: p.Stock}}}
	}
	if delta > 0 && p.Stock+delta > shop.MaxStock {
		return nil, fmt.Errorf("memstore: stock of %s is %d: %w", id, p.Stock, shop.ErrStockLimit)
	}
	p.Stock += delta
	s.putProduct(p)
	return &p, nil
}

// ChangeOrderStatus changes the order's status under the lock, on
// condition that it is u.From; a cancellation puts every line back into
// stock in the same step. A resent change applied already (the order's
// last) returns the order.
func (s *Store) ChangeOrderStatus(ctx context.Context, id string, u shop.StatusUpdate) (*shop.Order, error) {
	if err := s.lock(ctx, "change order status"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return nil, shop.ErrNotFound
	}
	if o.Status != u.From {
		if o.LastChangeIs(u.Change) {
			o.Items, o.StatusHistory = slices.Clone(o.Items), slices.Clone(o.StatusHistory)
			return &o, nil
		}
		return nil, fmt.Errorf("memstore: order %s is %s, not %s: %w", id, o.Status, u.From, shop.ErrInvalidTransition)
	}
	if u.Change.Status == shop.OrderStatusCancelled {
		for _, l := range o.Items {
			if _, ok := s.products[l.ProductID]; !ok {
				return nil, fmt.Errorf("memstore: restock of order %s: product %s: %w", id, l.ProductID, shop.ErrNotFound)
			}
		}
		for _, l := range o.Items {
			p := s.products[l.ProductID]
			p.Stock += l.Quantity
			s.putProduct(p)
		}
	}
	o.Status, o.UpdatedAt = u.Change.Status, u.Change.At
	o.StatusHistory = append(slices.Clone(o.StatusHistory), u.Change)
	if u.TrackingNumber != "" {
		o.TrackingNumber = u.TrackingNumber
	}
	s.orders[id] = o
	o.Items, o.StatusHistory = slices.Clone(o.Items), slices.Clone(o.StatusHistory)
	return &o, nil
}
