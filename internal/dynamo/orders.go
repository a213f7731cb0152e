package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

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
// condition that no order has its id; the delete of the cart on condition
// that it is still at cart.Version. DynamoDB applies all of it or nothing.
//
// Errors: shop.ErrOrderExists when the order was placed before (which is
// how a repeated checkout, same key and so same order id, is recognised,
// even when an earlier attempt's answer was lost); shop.ErrCartChanged
// when the cart is no longer the one the order was built from; a
// *shop.PriceError naming every repriced, withdrawn or missing product,
// else a *shop.StockError naming every short line; when DynamoDB cancels
// for a conflicting concurrent transaction or throttling, the transaction
// is sent again with exponential backoff and jitter a few times, then
// shop.ErrConflict or shop.ErrUnavailable, nothing placed.
//
// A transaction sent whose answer never came (a cut connection, a timeout,
// a 5xx) may have been applied. It is sent again with the same
// ClientRequestToken, which DynamoDB answers, for ten minutes, with the
// outcome of the first (success if it was applied) rather than applying it
// twice. When the attempts or the request's deadline run out with such an
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
		_, err := s.db.TransactWriteItems(send, in, withoutSDKRetries)
		if err == nil {
			return nil
		}
		f := s.placeOrderFailure(send, o, err)
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
			if serr := sleep(send, backoff(s.txBackoff, attempt)); serr == nil {
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

// placeFailure is what one failed PlaceOrder attempt tells.
type placeFailure struct {
	err      error // the error to return if no attempt follows
	retry    bool  // another attempt may succeed
	sent     bool  // the request may have reached DynamoDB
	answered bool  // DynamoDB answered that it was not applied
}

// placeOrderFailure translates a failed PlaceOrder transaction.
func (s *Store) placeOrderFailure(ctx context.Context, o *shop.Order, err error) placeFailure {
	var canceled *types.TransactionCanceledException
	var conflict *types.TransactionConflictException
	var inProgress *types.TransactionInProgressException
	var api smithy.APIError
	var status interface{ HTTPStatusCode() int }
	refused := func(err error, retry bool) placeFailure {
		return placeFailure{err: err, retry: retry, sent: true, answered: true}
	}
	switch {
	case errors.As(err, &canceled):
		c := classifyCancellation(canceled.CancellationReasons, len(o.Items))
		switch c.kind {
		case cancelOrderExists:
			return refused(fmt.Errorf("dynamo: place order %s: %w", o.ID, shop.ErrOrderExists), false)
		case cancelCartChanged:
			return refused(fmt.Errorf("dynamo: place order %s: %w", o.ID, shop.ErrCartChanged), false)
		case cancelLines:
			products, err := s.linesState(ctx, o, canceled.CancellationReasons, c.failedLines)
			if err != nil {
				return refused(err, false)
			}
			if err := lineProblems(o.Items, products); err != nil {
				return refused(err, false)
			}
			// Every line is fine now: a concurrent change came and went.
			return refused(fmt.Errorf("dynamo: place order %s: %w: conditions failed but hold now", o.ID, shop.ErrConflict), true)
		case cancelThrottled:
			return refused(fmt.Errorf("dynamo: place order %s: %w: transaction throttled: %v", o.ID, shop.ErrUnavailable, err), true)
		case cancelConflict:
			return refused(fmt.Errorf("dynamo: place order %s: %w: %v", o.ID, shop.ErrConflict, err), true)
		}
		return refused(fmt.Errorf("dynamo: place order %s: transaction canceled: %v", o.ID, err), false)
	case errors.As(err, &conflict):
		return refused(fmt.Errorf("dynamo: place order %s: %w: %v", o.ID, shop.ErrConflict, err), true)
	case errors.As(err, &inProgress):
		// The same token's transaction is still running: its outcome is
		// coming; ask again.
		return placeFailure{err: storeErr("place order "+o.ID, err), retry: true, sent: true}
	case notSent(err):
		return placeFailure{err: storeErr("place order "+o.ID, err), retry: true}
	case errors.As(err, &status) && status.HTTPStatusCode() >= 500:
		// A 5xx answer to a transaction does not say it was not applied.
		return placeFailure{err: storeErr("place order "+o.ID, err), retry: true, sent: true}
	case errors.As(err, &api):
		// Any other answer of DynamoDB refused the request: throttling
		// (retried), a validation error or a missing table (a bug).
		return refused(storeErr("place order "+o.ID, err), isUnavailable(err))
	}
	// No answer: the connection was cut or timed out after the request
	// went out, or the request's deadline ran out.
	return placeFailure{err: storeErr("place order "+o.ID, err), retry: !errors.Is(err, context.Canceled), sent: true}
}

// notSent reports whether a request failed before any of it could reach
// DynamoDB: the connection could not even be made.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

type cancelKind int

const (
	cancelUnknown     cancelKind = iota // a validation error or a reason we do not know: a bug
	cancelOrderExists                   // the order's put failed its condition
	cancelCartChanged                   // the cart's delete failed its condition
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
// rest does not matter; a failed cart condition over the lines.
func classifyCancellation(reasons []types.CancellationReason, lines int) cancellation {
	if reasonCode(reasons, lines) == codeConditionalCheckFailed {
		return cancellation{kind: cancelOrderExists}
	}
	// A changed cart wins over the lines: the order was built from a cart
	// that is gone, so its lines' problems do not matter.
	if reasonCode(reasons, lines+1) == codeConditionalCheckFailed {
		return cancellation{kind: cancelCartChanged}
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
