package shop

import "context"

// UserCartReader is a store that reads a user and a cart in one call
// (DynamoDB: one BatchGetItem across the two tables). A signed-in
// request then learns who asks and what their cart holds in one round
// trip, and its checkout reads neither again: the budget of a checkout
// on DynamoDB is three reads (docs/dynamodb.md, "Calls per request").
type UserCartReader interface {
	// UserAndCart returns the user with userID, ErrNotFound when there
	// is none, and the cart with cartID as Cart returns it (a cart never
	// saved is empty at Version ""), both read strongly in one call; the
	// cart is nil when the store did not read it in that call.
	UserAndCart(ctx context.Context, userID, cartID string) (*User, *Cart, error)
}

// sessionUser reads the user of a signed-in session, with the session's
// cart when the store reads both in one call: the user then carries the
// cart to this request's checkout (checkoutCart).
func (s *Service) sessionUser(ctx context.Context, sess *Session) (*User, error) {
	r, ok := s.store.(UserCartReader)
	if !ok || sess.CartID == "" {
		return s.store.User(ctx, sess.UserID)
	}
	u, c, err := r.UserAndCart(ctx, sess.UserID, sess.CartID)
	if err != nil {
		return nil, err
	}
	if c != nil && c.ID == sess.CartID {
		u.sessionCart = c
	}
	return u, nil
}

// checkoutCart returns the cart a checkout starts from: the one read with
// the user at the start of this request, once (it is then forgotten, so
// a later round reads the cart again), else a read of the store. A cart
// read moments earlier in the same request is as good as a read now: the
// placement is conditional on the cart's version, and a cart changed
// meanwhile makes it run again from a fresh read (ErrCartChanged).
func (s *Service) checkoutCart(ctx context.Context, u *User, cartID string) (*Cart, error) {
	if c := u.takeSessionCart(cartID); c != nil {
		return c, nil
	}
	return s.store.Cart(ctx, cartID)
}

// takeSessionCart returns the cart cartID as read with u at the start of
// this request, once (it is then forgotten, so that a later use reads the
// cart again); nil when u is nil or was read without that cart.
func (u *User) takeSessionCart(cartID string) *Cart {
	if u == nil || u.sessionCart == nil || u.sessionCart.ID != cartID {
		return nil
	}
	c := u.sessionCart
	u.sessionCart = nil
	return c
}
