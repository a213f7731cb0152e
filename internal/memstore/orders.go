package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"storefront/internal/shop"
)

// Cart returns the cart with id, its lines in the order saved, and its
// version; a cart never saved (or deleted) is returned empty at version "",
// never shop.ErrNotFound.
func (s *Store) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	if err := s.lock(ctx, "read cart"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	c, ok := s.carts[id]
	if !ok {
		return &shop.Cart{ID: id, Lines: []shop.CartLine{}}, nil
	}
	c.Lines = slices.Clone(c.Lines)
	return &c, nil
}

// SaveCart replaces the lines of a cart if it is still at c.Version, and
// sets c.Version to a new one (shop.NewCartVersion, never repeated); a cart
// with no lines is deleted. It returns shop.ErrConflict, saving nothing,
// when the stored version differs.
func (s *Store) SaveCart(ctx context.Context, c *shop.Cart) error {
	if err := s.lock(ctx, "save cart"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := s.checkCartVersion(c.ID, c.Version); err != nil {
		return err
	}
	if len(c.Lines) == 0 {
		delete(s.carts, c.ID)
		c.Version = ""
		return nil
	}
	saved := *c
	saved.Lines = slices.Clone(c.Lines)
	saved.Version = shop.NewCartVersion()
	s.carts[c.ID] = saved
	c.Version = saved.Version
	return nil
}

// checkCartVersion returns shop.ErrConflict unless the cart id is stored at
// version want ("" when there is no such cart). The caller holds the lock.
func (s *Store) checkCartVersion(id, want string) error {
	if stored := s.carts[id].Version; stored != want {
		return fmt.Errorf("memstore: cart %s: version %q is no longer current: %w", id, want, shop.ErrConflict)
	}
	return nil
}

// PlaceOrder, all or nothing under the lock: it saves o, decrements the
// stock of every line and deletes the cart (nil: no cart). It returns
// shop.ErrOrderExists if an order with o.ID exists; else
// shop.ErrCartChanged when the cart is not at cart.Version; else a
// *shop.PlacementRefused with the refused lines' products; in each case
// changing nothing.
func (s *Store) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	if err := s.lock(ctx, "place order"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if cart == nil {
		cart = &shop.Cart{}
	}
	if _, ok := s.orders[o.ID]; ok {
		return shop.ErrOrderExists
	}
	if err := s.checkCartVersion(cart.ID, cart.Version); err != nil {
		return fmt.Errorf("memstore: place order %s: %w", o.ID, shop.ErrCartChanged)
	}
	if err := s.refusal(o.Items); err != nil {
		return err
	}
	for _, l := range o.Items {
		p := s.products[l.ProductID]
		p.Stock -= l.Quantity
		s.putProduct(p)
	}
	placed := *o
	placed.Items, placed.StatusHistory = slices.Clone(o.Items), slices.Clone(o.StatusHistory)
	s.orders[o.ID] = placed
	delete(s.carts, cart.ID)
	return nil
}

// refusal reports the products of the lines whose condition
// (shop.CanPlace) fails, nil for a missing one, as a *shop.PlacementRefused;
// nil when every line can be placed. The caller holds the lock.
func (s *Store) refusal(lines []shop.OrderLine) error {
	products := map[string]*shop.Product{}
	for _, l := range lines {
		var state *shop.Product
		if p, ok := s.products[l.ProductID]; ok {
			state = &p
		}
		if !shop.CanPlace(l, state) {
			products[l.ProductID] = state
		}
	}
	if len(products) > 0 {
		return &shop.PlacementRefused{Products: products}
	}
	return nil
}

// Order returns the order with id, or shop.ErrNotFound.
func (s *Store) Order(ctx context.Context, id string) (*shop.Order, error) {
	if err := s.lock(ctx, "read order"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return nil, shop.ErrNotFound
	}
	o.Items, o.StatusHistory = slices.Clone(o.Items), slices.Clone(o.StatusHistory)
	return &o, nil
}

// OrdersByUser returns the orders of userID, newest first (ties by id).
func (s *Store) OrdersByUser(ctx context.Context, userID string) ([]shop.Order, error) {
	if err := s.lock(ctx, "read orders"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	orders := []shop.Order{}
	for _, o := range s.orders {
		if o.UserID == userID {
			o.Items, o.StatusHistory = slices.Clone(o.Items), slices.Clone(o.StatusHistory)
			orders = append(orders, o)
		}
	}
	slices.SortFunc(orders, func(a, b shop.Order) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return orders, nil
}
