package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// maxTransactItems is DynamoDB's limit of actions in one transaction.
const maxTransactItems = 100

// PlaceOrder runs one TransactWriteItems: per line an update of the
// product decrementing its stock on condition that it exists, is active,
// still has the line's price and enough stock; the put of the order on
// condition that no order has its id; the delete of the cart on condition
// that it is still at cart.Version. DynamoDB applies all of it or nothing.
//
// Errors: shop.ErrOrderExists when the order was placed before (which is
// how a repeated checkout, same key and so same order id, is recognised,
// even when an earlier attempt's answer was lost); shop.ErrCartChanged
// when the cart is no longer the one the order was built from; a
// *shop.PlacementRefused with the state of every line's product when a
// line's condition (shop.CanPlace) failed and still fails; when DynamoDB cancels
// for a conflicting concurrent transaction or throttling, the transaction
// is sent again with exponential backoff and jitter a few times, then
// shop.ErrConflict or shop.ErrUnavailable, nothing placed.
//
// A transaction sent whose answer never came (a cut connection, a timeout,
// a 5xx) may have been applied. It is sent again with the same
// ClientRequestToken, which DynamoDB answers, for ten minutes, with the
// outcome of the first (success if it was applied) rather than applying it
// twice; a resend refused because the order exists is checked against the
// stored order, which is this call's own when its creation time is
// (isOwnOrder), so a server ignoring the token also answers success. When
// the attempts or the request's deadline run out with such an
// attempt unsettled, the identical transaction is resent (resolveAttempts)
// under a fresh short deadline (resolveTimeout), since the request's may be
// spent. When no answer settles it, PlaceOrder returns
// shop.ErrOutcomeUnknown: the order may exist. An attempt that never left
// (connection refused) settles nothing and changes nothing.
func (s *Store) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	in, err := s.placeOrderInput(o, cart)
	if err != nil {
		return err
	}
	var (
		// generation numbers the tokens: a new one after each answer
		// that settled the transaction as not applied, since DynamoDB may
		// answer a token it has seen with that same refusal.
		generation int
		// unsettled: an attempt may have been applied and no answer
		// since told (an attempt that was never sent tells nothing).
		unsettled bool
		resolving bool
		attempts  = s.txAttempts
		lastErr   error
	)
	send := ctx
	for attempt := 1; ; attempt++ {
		in.ClientRequestToken = aws.String(placeOrderToken(o, cart, generation))
		mayBeApplied := unsettled
		_, err := s.db.TransactWriteItems(send, in, withoutSDKRetries)
		if err == nil {
			return nil
		}
		f := s.placeOrderFailure(send, o, err)
		if mayBeApplied && errors.Is(f.err, shop.ErrOrderExists) && s.isOwnOrder(send, o) {
			// The earlier attempt was applied, and this resend was
			// refused by the order's condition rather than answered by
			// the token (a server that ignores tokens, or one past their
			// ten minutes): the order is this call's, not an earlier one's.
			return nil
		}
		switch {
		case f.sent && !f.answered:
			unsettled = true
		case f.answered:
			unsettled = false
			generation++
		}
		lastErr = f.err
		if !f.retry || (resolving && !unsettled) {
			// Settling, an answer that it was not applied ends it: the
			// request's time is over, so nothing new is placed.
			return f.err
		}
		if attempt < attempts {
			if serr := shop.Pause(send, backoff(s.txBackoff, attempt)); serr == nil {
				continue
			}
		}
		// The attempts or the deadline are spent.
		if !unsettled {
			return fmt.Errorf("%w (after %d attempts)", lastErr, attempt)
		}
		if resolving {
			// lastErr's kind (ErrUnavailable) is left out: it would say
			// nothing was applied.
			return fmt.Errorf("dynamo: place order %s: %w: no answer after %d attempts: %v", o.ID, shop.ErrOutcomeUnknown, attempt, lastErr)
		}
		// The request's deadline may be spent: settle the outcome under a
		// fresh short one, still within the token's ten minutes.
		resolving = true
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
		defer cancel()
		send, attempts = rctx, attempt+resolveAttempts
	}
}

// isOwnOrder reports whether the stored order with o's id is o as this
// PlaceOrder call wrote it (its creation time is the call's own, to the
// millisecond the orders item keeps), rather than the order of an earlier
// checkout with the same key. Unreadable is not known to be its own.
func (s *Store) isOwnOrder(ctx context.Context, o *shop.Order) bool {
	stored, err := s.Order(ctx, o.ID)
	return err == nil && stored.UserID == o.UserID &&
		stored.CreatedAt.Format(orderTimeLayout) == o.CreatedAt.UTC().Format(orderTimeLayout)
}

// resolveTimeout and resolveAttempts bound the resending of a transaction
// whose outcome is unknown once the request's attempts are spent: short,
// since the shopper is waiting, and the request's deadline may be over.
const (
	resolveTimeout  = 2 * time.Second
	resolveAttempts = 2
)

// withoutSDKRetries turns the SDK's own retries off for one call:
// PlaceOrder retries itself, since it must know of each attempt whether
// DynamoDB may have applied it.
func withoutSDKRetries(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }

// placeOrderToken is the ClientRequestToken of a PlaceOrder transaction:
// the order id and a digest of what else makes the transaction (its
// creation time, the cart version, the token generation), so a resend of
// the identical transaction has the same token and a different one never
// does (DynamoDB refuses a known token with other parameters). At most 36
// characters, DynamoDB's limit.
func placeOrderToken(o *shop.Order, cart *shop.Cart, generation int) string {
	version := ""
	if cart != nil {
		version = cart.Version
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%d", o.ID, o.CreatedAt.UnixNano(), version, generation))
	id := o.ID
	if len(id) > 25 {
		id = id[:25]
	}
	return id + "-" + hex.EncodeToString(sum[:5])
}

// placeOrderInput builds the transaction of PlaceOrder: items 0 to
// len(o.Items)-1 update the products of the lines in order, then come the
// put of the order and, when cart is set, the conditional delete of the
// cart.
func (s *Store) placeOrderInput(o *shop.Order, cart *shop.Cart) (*dynamodb.TransactWriteItemsInput, error) {
	if n := len(o.Items) + 2; n > maxTransactItems {
		return nil, fmt.Errorf("dynamo: place order %s: %d lines; at most %d fit one transaction", o.ID, len(o.Items), maxTransactItems-2)
	}
	seen := map[string]bool{}
	var tx []types.TransactWriteItem
	for _, l := range o.Items {
		if seen[l.ProductID] {
			// One transaction may touch an item only once.
			return nil, fmt.Errorf("dynamo: place order %s: product %s is on two lines", o.ID, l.ProductID)
		}
		seen[l.ProductID] = true
		tx = append(tx, types.TransactWriteItem{Update: &types.Update{
			TableName:           aws.String(s.products),
			Key:                 productKey(l.ProductID),
			UpdateExpression:    aws.String("SET #stock = #stock - :q"),
			ConditionExpression: aws.String("attribute_exists(#id) AND #active = :true AND #price = :p AND #stock >= :q"),
			ExpressionAttributeNames: map[string]string{
				"#id": "id", "#stock": "stock", "#active": "active", "#price": "price_cents",
			},
			ExpressionAttributeValues: item{":q": num(l.Quantity), ":p": num(l.UnitPriceCents), ":true": boolean(true)},
			// The product as it was when the condition failed tells why.
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	tx = append(tx, types.TransactWriteItem{Put: &types.Put{
		TableName:           aws.String(s.orders),
		Item:                orderItem(o),
		ConditionExpression: aws.String("attribute_not_exists(order_id)"),
	}})
	if cart != nil && cart.ID != "" {
		// The order is the cart at this version: another checkout of the
		// same cart, or a line added since, fails this condition.
		cond, names, values := cartCondition(cart.Version)
		tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.carts), Key: cartKey(cart.ID),
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values}})
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: tx}, nil
}
