package memstore

import (
	"context"
	"slices"

	"storefront/internal/shop"
)

// SearchOrders filters every order with q.Matches under the lock and
// returns copies of the newest q.Limit.
func (s *Store) SearchOrders(ctx context.Context, q shop.OrderQuery) ([]shop.Order, error) {
	if err := s.lock(ctx, "search orders"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	orders := []shop.Order{}
	for _, o := range s.orders {
		if q.Matches(&o) {
			o.Items, o.StatusHistory = slices.Clone(o.Items), slices.Clone(o.StatusHistory)
			orders = append(orders, o)
		}
	}
	slices.SortFunc(orders, shop.OrdersNewestFirst)
	return orders[:min(len(orders), q.Limit)], nil
}
