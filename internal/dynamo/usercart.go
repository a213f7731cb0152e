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
	found, err := s.getOneEach(ctx, op, map[string]item{s.users: userKey(userID), s.carts: cartKey(cartID)})
	if err != nil {
		return nil, nil, err
	}
	userItem, cart := found[s.users], found[s.carts]
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

// getOneEach reads the item under its key in each table of keys, all in
// one strongly consistent BatchGetItem (unprocessed keys sent again with
// backoff), and returns those found by table.
func (s *Store) getOneEach(ctx context.Context, op string, keys map[string]item) (map[string]item, error) {
	pending := make(map[string]types.KeysAndAttributes, len(keys))
	for table, key := range keys {
		pending[table] = types.KeysAndAttributes{Keys: []item{key}, ConsistentRead: aws.Bool(true)}
	}
	found := make(map[string]item, len(keys))
	err := s.resendUnprocessed(ctx, op, "keys", func() (bool, error) {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return false, storeErr(op, err)
		}
		for table, items := range out.Responses {
			for _, it := range items {
				found[table] = it
			}
		}
		pending = out.UnprocessedKeys
		return len(pending) > 0, nil
	})
	return found, err
}
