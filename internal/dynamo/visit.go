package dynamo

import (
	"context"
	"fmt"

	"storefront/internal/shop"
)

var _ shop.VisitReader = (*Store)(nil)

// SessionVisit reads the session (by its hashed id), the user userID and
// the cart cartID in one strongly consistent BatchGetItem across the
// three tables (unprocessed keys sent again with backoff): a signed-in
// catalog page's only call (docs/dynamodb.md, "Calls per request"). The
// ids come from the browser's cookie: the service uses the user and cart
// only when the session names them. A missing session is
// shop.ErrNotFound; a missing user is nil; a cart never saved, or
// deleted, is empty at version "", as Cart returns it. userID or cartID
// "" is not read (nil).
func (s *Store) SessionVisit(ctx context.Context, idHash, userID, cartID string) (*shop.Session, *shop.User, *shop.Cart, error) {
	const op = "read session visit"
	keys := map[string]item{s.sessions: sessionKey(idHash)}
	if userID != "" {
		keys[s.users] = userKey(userID)
	}
	if cartID != "" {
		keys[s.carts] = cartKey(cartID)
	}
	found, err := s.getOneEach(ctx, op, keys)
	if err != nil {
		return nil, nil, nil, err
	}
	sessItem, userItem, cartItem := found[s.sessions], found[s.users], found[s.carts]
	if sessItem == nil {
		return nil, nil, nil, fmt.Errorf("dynamo: session: %w", shop.ErrNotFound)
	}
	sess, err := sessionFromItem(sessItem)
	if err != nil {
		return nil, nil, nil, err
	}
	var u *shop.User
	if userItem != nil {
		if u, err = userFromItem(userItem); err != nil {
			return nil, nil, nil, err
		}
	}
	var c *shop.Cart
	switch {
	case cartID == "":
	case cartItem == nil:
		c = &shop.Cart{ID: cartID}
	default:
		if c, err = cartFromItem(cartItem); err != nil {
			return nil, nil, nil, err
		}
	}
	return sess, u, c, nil
}
