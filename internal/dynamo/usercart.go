package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

var _ shop.UserCartReader = (*Store)(nil)

// UserAndCart reads the user and the cart in one strongly consistent
// BatchGetItem across the users and carts tables (unprocessed keys sent
// again with backoff): a signed-in request's second read, after its
// session (docs/dynamodb.md, "Calls per request"). A missing user is
// shop.ErrNotFound; a cart never saved, or deleted, is empty at version
// "", as Cart returns it.
func (s *Store) UserAndCart(ctx context.Context, userID, cartID string) (*shop.User, *shop.Cart, error) {
	const op = "read user and cart"
	pending := map[string]types.KeysAndAttributes{
		s.users: {Keys: []item{userKey(userID)}, ConsistentRead: aws.Bool(true)},
		s.carts: {Keys: []item{cartKey(cartID)}, ConsistentRead: aws.Bool(true)},
	}
	var userItem, cart item
	err := s.resendUnprocessed(ctx, op, "keys", func() (bool, error) {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return false, storeErr(op, err)
		}
		for _, it := range out.Responses[s.users] {
			userItem = it
		}
		for _, it := range out.Responses[s.carts] {
			cart = it
		}
		pending = out.UnprocessedKeys
		return len(pending) > 0, nil
	})
	if err != nil {
		return nil, nil, err
	}
	if userItem == nil {
		return nil, nil, errNotFound("user", userID)
	}
	u, err := userFromItem(userItem)
	if err != nil {
		return nil, nil, err
	}
	if cart == nil {
		return u, &shop.Cart{ID: cartID}, nil
	}
	c, err := cartFromItem(cart)
	if err != nil {
		return nil, nil, err
	}
	return u, c, nil
}
