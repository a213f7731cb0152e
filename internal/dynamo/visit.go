package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
	pending := map[string]types.KeysAndAttributes{
		s.sessions: {Keys: []item{sessionKey(idHash)}, ConsistentRead: aws.Bool(true)},
	}
	if userID != "" {
		pending[s.users] = types.KeysAndAttributes{Keys: []item{userKey(userID)}, ConsistentRead: aws.Bool(true)}
	}
	if cartID != "" {
		pending[s.carts] = types.KeysAndAttributes{Keys: []item{cartKey(cartID)}, ConsistentRead: aws.Bool(true)}
	}
	var sessItem, userItem, cartItem item
	err := s.resendUnprocessed(ctx, op, "keys", func() (bool, error) {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return false, storeErr(op, err)
		}
		for _, it := range out.Responses[s.sessions] {
			sessItem = it
		}
		for _, it := range out.Responses[s.users] {
			userItem = it
		}
		for _, it := range out.Responses[s.carts] {
			cartItem = it
		}
		pending = out.UnprocessedKeys
		return len(pending) > 0, nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
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
