package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// Cart returns the cart with id (strongly consistent); a cart never saved,
// or deleted, is returned empty.
func (s *Store) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	it, err := s.getItem(ctx, "read cart", s.carts, cartKey(id))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return &shop.Cart{ID: id}, nil
	}
	return cartFromItem(it)
}

// SaveCart replaces the cart's item; a cart without lines is deleted.
// At most shop.MaxCartLines lines of a few attributes each keep the item
// far below DynamoDB's 400 KB item limit.
func (s *Store) SaveCart(ctx context.Context, c *shop.Cart) error {
	if len(c.Lines) == 0 {
		return s.DeleteCart(ctx, c.ID)
	}
	return s.putItem(ctx, "save cart", s.carts, cartItem(c))
}

// DeleteCart removes a cart; removing a missing one is no error.
func (s *Store) DeleteCart(ctx context.Context, id string) error {
	return s.deleteItem(ctx, "delete cart", s.carts, cartKey(id))
}

// LoginThrottle returns the throttle record of key (strongly consistent);
// one never saved is zero-valued with Key set. A record past its TTL that
// DynamoDB has not deleted yet is returned as it is: its window and lock
// are over, which the service sees from the times.
func (s *Store) LoginThrottle(ctx context.Context, key string) (*shop.LoginThrottle, error) {
	it, err := s.getItem(ctx, "read login throttle", s.throttles, throttleKey(key))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return &shop.LoginThrottle{Key: key}, nil
	}
	return throttleFromItem(it)
}

// SaveLoginThrottle puts t at version t.Version+1 on condition that the
// stored item is still at t.Version (throttleCondition): DynamoDB checks
// and writes atomically, so servers sharing the table never lose each
// other's updates. A failed condition is shop.ErrConflict, nothing saved.
// When an answer is lost and the SDK resends a put that was applied, the
// resend fails its condition too: the service then reads its own update
// and counts the failure once more, which errs on the strict side.
// DynamoDB expires records once their window and lock are both over (TTL).
func (s *Store) SaveLoginThrottle(ctx context.Context, t *shop.LoginThrottle) error {
	cond, names, values := throttleCondition(t.Version)
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.throttles),
		Item:                      throttleItem(t),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return fmt.Errorf("dynamo: save login throttle: version %d is no longer current: %w", t.Version, shop.ErrConflict)
	}
	return storeErr("save login throttle", err)
}
