package metrics

import (
	"context"

	"storefront/internal/shop"
)

// HasProducts is counted like every other call of the store.
func (s *Store) HasProducts(ctx context.Context) (bool, error) {
	return counted[bool](s.count, "HasProducts")(s.Store.HasProducts(ctx))
}

// UserAndCart is counted like every other call when the wrapped store
// reads both in one call (shop.UserCartReader); otherwise it reads the
// user only (counted as User) and no cart, as the interface allows.
func (s *Store) UserAndCart(ctx context.Context, userID, cartID string) (*shop.User, *shop.Cart, error) {
	r, ok := s.Store.(shop.UserCartReader)
	if !ok {
		u, err := s.User(ctx, userID)
		return u, nil, err
	}
	u, c, err := r.UserAndCart(ctx, userID, cartID)
	return u, c, s.count("UserAndCart", err)
}
