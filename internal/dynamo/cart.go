package dynamo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// Cart returns the cart with id (strongly consistent) and its version; a
// cart never saved, or deleted, is returned empty at version "".
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

// SaveCart puts the cart's item at a new version on condition that the
// stored item is still at c.Version (cartCondition), and sets c.Version to
// the new one; a cart without lines is deleted on the same condition.
// DynamoDB checks and writes atomically, so concurrent saves of one cart
// never lose each other's lines. A failed condition is shop.ErrConflict,
// nothing saved. At most shop.MaxCartLines lines of a few attributes each
// keep the item far below DynamoDB's 400 KB item limit.
func (s *Store) SaveCart(ctx context.Context, c *shop.Cart) error {
	cond, names, values := cartCondition(c.Version)
	next := ""
	var write func() error
	if len(c.Lines) == 0 {
		write = func() error {
			_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: aws.String(s.carts), Key: cartKey(c.ID),
				ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			})
			return err
		}
	} else {
		next = shop.NewCartVersion()
		it := cartItem(c)
		it["version"] = str(next)
		write = func() error {
			_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String(s.carts), Item: it,
				ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			})
			return err
		}
	}
	// A checkout's transaction holding the cart refuses the write for the
	// few milliseconds it runs: retried with backoff (retryConflicts).
	err := s.retryConflicts(ctx, "save cart", write)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		// When an answer is lost, the SDK sends the write again, and the
		// copy fails its condition against the write itself. The stored
		// cart then is this save's: at version next, or gone after a
		// deletion (empty either way, as this save wanted).
		if now, rerr := s.Cart(ctx, c.ID); rerr == nil && now.Version == next {
			c.Version = next
			return nil
		}
		return fmt.Errorf("dynamo: save cart %s: version %q is no longer current: %w", c.ID, c.Version, shop.ErrConflict)
	}
	if err != nil {
		return err // through storeErr already
	}
	c.Version = next
	return nil
}

// cartCondition is the condition of writing a cart read at version: the
// stored item is still at that version. Version "" is a cart never saved
// (or deleted), so the item must not exist, or have no version attribute.
func cartCondition(version string) (expr string, names map[string]string, values item) {
	names = map[string]string{"#version": "version"}
	if version == "" {
		return "attribute_not_exists(id) OR attribute_not_exists(#version)", names, nil
	}
	return "#version = :v", names, item{":v": str(version)}
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
// Each save carries a random write id, so the SDK's resend of a save that
// was applied is no conflict (appliedAlready): counted again, a lost
// answer would take a wrong guess from the shopper's limit.
// DynamoDB expires records once their window and lock are both over (TTL).
func (s *Store) SaveLoginThrottle(ctx context.Context, t *shop.LoginThrottle) error {
	cond, names, values := throttleCondition(t.Version)
	writeID := rand.Text()
	it := throttleItem(t)
	it[writeIDAttribute] = str(writeID)
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.throttles),
		Item:                                it,
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		if appliedAlready(failed, writeIDAttribute, writeID) {
			return nil
		}
		return fmt.Errorf("dynamo: save login throttle: version %d is no longer current: %w", t.Version, shop.ErrConflict)
	}
	return storeErr("save login throttle", err)
}
