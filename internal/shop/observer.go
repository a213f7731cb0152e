package shop

import (
	"context"
	"errors"
)

// Observer is told of the service's events that operators count: how
// checkouts end and how sign-ins fail. The program counts them as metrics
// (package metrics); the domain stays free of any metrics library. Its
// methods are called on the request's goroutine, so they must be quick and
// safe for concurrent use.
type Observer interface {
	// CheckoutFinished is told how one PlaceOrder call ended: one of the
	// Checkout* outcomes.
	CheckoutFinished(outcome string)
	// SignInFailed is told of a refused sign-in attempt (a password, a
	// second factor code): SignInInvalid or SignInThrottled.
	SignInFailed(reason string)
	// SignInLocked is told that failures locked a throttle key of kind
	// "account" or "address" for LockDuration.
	SignInLocked(keyKind string)
}

// How a checkout ends (Observer.CheckoutFinished, CheckoutOutcomeOf).
const (
	CheckoutPlaced            = "placed"   // a new order
	CheckoutReplayed          = "replayed" // the key's earlier order, answered again
	CheckoutInvalid           = "invalid"  // the address or the checkout key
	CheckoutKeyReused         = "key_reused"
	CheckoutCartEmpty         = "cart_empty"
	CheckoutInsufficientStock = "insufficient_stock"
	CheckoutPriceChanged      = "price_changed"
	CheckoutConflict          = "conflict"    // nothing ordered; the cart kept changing
	CheckoutUnavailable       = "unavailable" // nothing ordered; the store could not be reached
	CheckoutOutcomeUnknown    = "outcome_unknown"
	CheckoutError             = "error" // anything else
)

// CheckoutOutcomes are every outcome CheckoutOutcomeOf returns, so that a
// counter can show each at zero before it first happens.
var CheckoutOutcomes = []string{CheckoutPlaced, CheckoutReplayed, CheckoutInvalid, CheckoutKeyReused, CheckoutCartEmpty,
	CheckoutInsufficientStock, CheckoutPriceChanged, CheckoutConflict, CheckoutUnavailable, CheckoutOutcomeUnknown, CheckoutError}

// Why a sign-in attempt was refused (Observer.SignInFailed).
const (
	SignInInvalid   = "invalid_credentials" // a wrong password or code, counted toward the lock
	SignInThrottled = "throttled"           // refused while the account or address is locked
)

// CheckoutOutcomeOf names how a PlaceOrder call that returned replayed and
// err ended. The order of the cases matters: ErrOutcomeUnknown is checked
// before the kinds it may wrap, so an unsettled order is never counted as
// "nothing ordered".
func CheckoutOutcomeOf(replayed bool, err error) string {
	var verr *ValidationError
	switch {
	case err == nil && replayed:
		return CheckoutReplayed
	case err == nil:
		return CheckoutPlaced
	case errors.Is(err, ErrOutcomeUnknown):
		return CheckoutOutcomeUnknown
	case errors.As(err, &verr):
		return CheckoutInvalid
	case errors.Is(err, ErrIdempotencyKeyReused):
		return CheckoutKeyReused
	case errors.Is(err, ErrCartEmpty):
		return CheckoutCartEmpty
	case errors.Is(err, ErrOutOfStock):
		return CheckoutInsufficientStock
	case errors.Is(err, ErrPriceChanged):
		return CheckoutPriceChanged
	case errors.Is(err, ErrConflict), errors.Is(err, ErrCartNotAsShown):
		return CheckoutConflict
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return CheckoutUnavailable
	}
	return CheckoutError
}

// noObserver is the Observer of a service configured without one.
type noObserver struct{}

func (noObserver) CheckoutFinished(string) {}
func (noObserver) SignInFailed(string)     {}
func (noObserver) SignInLocked(string)     {}
