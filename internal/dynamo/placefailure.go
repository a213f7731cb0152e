package dynamo

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"storefront/internal/shop"
)

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
			if !placeableNow(o.Items, products) {
				return refused(&shop.PlacementRefused{Products: products}, false)
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

// linesState returns the products of the order's lines as the failed
// conditions saw them: the items DynamoDB returned with the cancellation
// (ALL_OLD) where there is one, a strongly consistent read of the others.
// Every line's product id is a key; nil means the product does not exist.
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
		for _, id := range reread {
			products[id] = nil
		}
		for i := range current {
			products[current[i].ID] = &current[i]
		}
	}
	return products, nil
}

// placeableNow reports whether every line's condition (shop.CanPlace)
// holds for the products' state: a transaction cancelled on lines whose
// condition holds again lost to a change that came and went, and is
// retried.
func placeableNow(lines []shop.OrderLine, products map[string]*shop.Product) bool {
	for _, l := range lines {
		if !shop.CanPlace(l, products[l.ProductID]) {
			return false
		}
	}
	return true
}
