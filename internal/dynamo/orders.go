package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// Cancellation reason codes of TransactWriteItems.
const (
	codeNone                   = "None"
	codeConditionalCheckFailed = "ConditionalCheckFailed"
	codeTransactionConflict    = "TransactionConflict"
)

// maxTransactItems is DynamoDB's limit of actions in one transaction.
const maxTransactItems = 100

// PlaceOrder runs one TransactWriteItems: per line an update of the
// product decrementing its stock on condition that it exists, is active,
// still has the line's price and enough stock; the put of the order on
// condition that no order has its id; the delete of the cart. DynamoDB
// applies all of it or nothing.
//
// Errors: shop.ErrOrderExists when the order was placed before (which is
// how a repeated checkout, same key and so same order id, is recognised,
// even when an earlier attempt's answer was lost); a *shop.PriceError
// naming every repriced, withdrawn or missing product, else a
// *shop.StockError naming every short line; when DynamoDB cancels for a
// conflicting concurrent transaction or throttling, the same transaction
// is retried with exponential backoff and jitter a few times, then
// shop.ErrConflict or shop.ErrUnavailable; shop.ErrUnavailable when
// DynamoDB cannot be reached (the SDK has retried already). Retrying after
// ErrUnavailable is safe: the order id makes the transaction idempotent.
func (s *Store) PlaceOrder(ctx context.Context, o *shop.Order, cartID string) error {
	in, err := s.placeOrderInput(o, cartID)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		// The SDK fills in a ClientRequestToken and reuses it for its own
		// retries, so a transaction whose answer was lost is not applied
		// twice. A run cancelled by DynamoDB is over: the next one is a
		// new request and gets a new token (the SDK writes the token into
		// in, hence the reset).
		in.ClientRequestToken = nil
		_, err := s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		retry, err := s.placeOrderFailure(ctx, o, err)
		if !retry {
			return err
		}
		if attempt >= s.txAttempts {
			return fmt.Errorf("%w (after %d attempts)", err, attempt)
		}
		if serr := sleep(ctx, backoff(s.txBackoff, attempt)); serr != nil {
			return storeErr("place order", serr)
		}
	}
}

// placeOrderInput builds the transaction of PlaceOrder: items 0 to
// len(o.Items)-1 update the products of the lines in order, then come the
// put of the order and, when cartID is set, the delete of the cart.
func (s *Store) placeOrderInput(o *shop.Order, cartID string) (*dynamodb.TransactWriteItemsInput, error) {
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
	if cartID != "" {
		tx = append(tx, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.carts), Key: cartKey(cartID)}})
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: tx}, nil
}

// placeOrderFailure translates a failed PlaceOrder transaction: whether to
// run it again, and the error to return otherwise (or once the attempts
// are spent).
func (s *Store) placeOrderFailure(ctx context.Context, o *shop.Order, err error) (retry bool, _ error) {
	var canceled *types.TransactionCanceledException
	var conflict *types.TransactionConflictException
	switch {
	case errors.As(err, &canceled):
		c := classifyCancellation(canceled.CancellationReasons, len(o.Items))
		switch c.kind {
		case cancelOrderExists:
			return false, fmt.Errorf("dynamo: place order %s: %w", o.ID, shop.ErrOrderExists)
		case cancelLines:
			products, err := s.linesState(ctx, o, canceled.CancellationReasons, c.failedLines)
			if err != nil {
				return false, err
			}
			if err := lineProblems(o.Items, products); err != nil {
				return false, err
			}
			// Every line is fine now: a concurrent change came and went.
			return true, fmt.Errorf("dynamo: place order %s: %w: conditions failed but hold now", o.ID, shop.ErrConflict)
		case cancelThrottled:
			return true, fmt.Errorf("dynamo: place order %s: %w: transaction throttled: %v", o.ID, shop.ErrUnavailable, err)
		case cancelConflict:
			return true, fmt.Errorf("dynamo: place order %s: %w: %v", o.ID, shop.ErrConflict, err)
		}
		return false, fmt.Errorf("dynamo: place order %s: transaction canceled: %v", o.ID, err)
	case errors.As(err, &conflict):
		return true, fmt.Errorf("dynamo: place order %s: %w: %v", o.ID, shop.ErrConflict, err)
	}
	return false, storeErr("place order "+o.ID, err)
}

type cancelKind int

const (
	cancelUnknown     cancelKind = iota // a validation error or a reason we do not know: a bug
	cancelOrderExists                   // the order's put failed its condition
	cancelLines                         // some product updates failed their conditions
	cancelConflict                      // only conflicts with other transactions (maybe throttling too)
	cancelThrottled                     // only throttling
)

type cancellation struct {
	kind        cancelKind
	failedLines []int // indexes of the lines whose condition failed
}

// classifyCancellation reads the cancellation reasons of the PlaceOrder
// transaction (index-aligned with its items: lines, then order, then cart).
// A failed order condition wins over everything: the order exists, so the
// rest does not matter.
func classifyCancellation(reasons []types.CancellationReason, lines int) cancellation {
	if reasonCode(reasons, lines) == codeConditionalCheckFailed {
		return cancellation{kind: cancelOrderExists}
	}
	var c cancellation
	conflict, throttled, unknown := false, false, false
	for i := range reasons {
		switch code := reasonCode(reasons, i); {
		case code == codeNone || code == "":
		case code == codeConditionalCheckFailed && i < lines:
			c.failedLines = append(c.failedLines, i)
		case code == codeTransactionConflict:
			conflict = true
		case throttleReason(code):
			throttled = true
		default:
			unknown = true
		}
	}
	switch {
	case len(c.failedLines) > 0:
		c.kind = cancelLines
	case unknown:
		c.kind = cancelUnknown
	case conflict:
		c.kind = cancelConflict
	case throttled:
		c.kind = cancelThrottled
	}
	return c
}

func throttleReason(code string) bool {
	switch code {
	case "ThrottlingError", "ProvisionedThroughputExceeded", "ThrottlingException", "RequestLimitExceeded":
		return true
	}
	return false
}

// reasonCode returns the code of reason i, "" when there is none.
func reasonCode(reasons []types.CancellationReason, i int) string {
	if i < 0 || i >= len(reasons) {
		return ""
	}
	return aws.ToString(reasons[i].Code)
}

// anyRetryable reports whether a cancellation was (also) caused by a
// conflict or throttling, which a retry may overcome.
func anyRetryable(reasons []types.CancellationReason) bool {
	for i := range reasons {
		if code := reasonCode(reasons, i); code == codeTransactionConflict || throttleReason(code) {
			return true
		}
	}
	return false
}

// linesState returns the products of the order's lines as the failed
// conditions saw them: the items DynamoDB returned with the cancellation
// (ALL_OLD) where there is one, a strongly consistent read of the others.
// A product missing from the map does not exist.
func (s *Store) linesState(ctx context.Context, o *shop.Order, reasons []types.CancellationReason, failed []int) (map[string]*shop.Product, error) {
	products := map[string]*shop.Product{}
	for _, i := range failed {
		if old := reasons[i].Item; len(old) > 0 {
			p, err := productFromItem(old)
			if err != nil {
				return nil, err
			}
			products[p.ID] = p
		}
	}
	var reread []string
	for _, l := range o.Items {
		if products[l.ProductID] == nil {
			reread = append(reread, l.ProductID)
		}
	}
	if len(reread) > 0 {
		current, err := s.Products(ctx, reread)
		if err != nil {
			return nil, err
		}
		for i := range current {
			products[current[i].ID] = &current[i]
		}
	}
	return products, nil
}

// lineProblems checks the order's lines against the products' state: a
// *shop.PriceError naming every missing, withdrawn or repriced product,
// else a *shop.StockError naming every short line, else nil. It mirrors
// the conditions of the transaction.
func lineProblems(lines []shop.OrderLine, products map[string]*shop.Product) error {
	var changes []shop.PriceChange
	var shortages []shop.Shortage
	for _, l := range lines {
		p := products[l.ProductID]
		switch {
		case p == nil:
			changes = append(changes, shop.PriceChange{ProductID: l.ProductID, Name: l.Name, OldCents: l.UnitPriceCents, Withdrawn: true})
		case !p.Active:
			changes = append(changes, shop.PriceChange{ProductID: p.ID, Name: p.Name, OldCents: l.UnitPriceCents, Withdrawn: true})
		case p.PriceCents != l.UnitPriceCents:
			changes = append(changes, shop.PriceChange{ProductID: p.ID, Name: p.Name, OldCents: l.UnitPriceCents, NewCents: p.PriceCents})
		case p.Stock < l.Quantity:
			shortages = append(shortages, shop.Shortage{ProductID: p.ID, Name: p.Name, Requested: l.Quantity, Available: max(p.Stock, 0)})
		}
	}
	if len(changes) > 0 {
		return &shop.PriceError{Items: changes}
	}
	if len(shortages) > 0 {
		return &shop.StockError{Items: shortages}
	}
	return nil
}

// backoff returns the delay before attempt+1: base doubled per attempt,
// capped at a second, half of it random (jitter), so
// transactions that collided do not collide again in lockstep.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 10)
	d = min(d, time.Second)
	if d <= 0 {
		return 0
	}
	// Jitter only spreads retries apart; it needs no unpredictability.
	return d/2 + rand.N(d/2+1) // #nosec G404 -- not a secret
}

// Order returns the order with id, strongly consistent, or
// shop.ErrNotFound.
func (s *Store) Order(ctx context.Context, id string) (*shop.Order, error) {
	it, err := s.getItem(ctx, "read order", s.orders, orderKey(id))
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, errNotFound("order", id)
	}
	return orderFromItem(it)
}

// OrdersByUser queries the by_user_created index, newest first (ties by id,
// descending). The index is eventually consistent: an order placed a
// moment ago may be missing for a fraction of a second; the page showing a
// just-placed order reads it with Order, strongly consistent.
func (s *Store) OrdersByUser(ctx context.Context, userID string) ([]shop.Order, error) {
	orders := []shop.Order{}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.orders),
		IndexName:                 aws.String(indexOrdersByUser),
		KeyConditionExpression:    aws.String("user_id = :u"),
		ExpressionAttributeValues: item{":u": str(userID)},
		ScanIndexForward:          aws.Bool(false),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, storeErr("read orders of user", err)
		}
		for _, it := range out.Items {
			o, err := orderFromItem(it)
			if err != nil {
				return nil, err
			}
			orders = append(orders, *o)
		}
	}
	slices.SortStableFunc(orders, func(a, b shop.Order) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return orders, nil
}
