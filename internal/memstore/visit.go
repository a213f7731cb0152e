package memstore

import (
	"context"
	"slices"

	"storefront/internal/shop"
)

var _ shop.VisitReader = (*Store)(nil)

// SessionVisit returns the session whose secret hashes to idHash, or
// shop.ErrNotFound, with the user and the cart the session itself names,
// under one lock; userID and cartID, the browser's hints, are not needed.
// The user is nil for a guest's session or a user that no longer exists;
// a cart never saved is empty at Version "", as Cart returns it.
func (s *Store) SessionVisit(ctx context.Context, idHash, _, _ string) (*shop.Session, *shop.User, *shop.Cart, error) {
	if err := s.lock(ctx, "read session visit"); err != nil {
		return nil, nil, nil, err
	}
	defer s.mu.Unlock()
	sess, ok := s.sessions[idHash]
	if !ok {
		return nil, nil, nil, shop.ErrNotFound
	}
	var u *shop.User
	if found, ok := s.users[sess.UserID]; ok && sess.UserID != "" {
		u = &found
	}
	var c *shop.Cart
	if sess.CartID != "" {
		found, ok := s.carts[sess.CartID]
		if !ok {
			found = shop.Cart{ID: sess.CartID}
		}
		found.Lines = slices.Clone(found.Lines)
		if found.Lines == nil {
			found.Lines = []shop.CartLine{}
		}
		c = &found
	}
	return &sess, u, c, nil
}
