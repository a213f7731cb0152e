package shop

import (
	"errors"
	"sort"
	"strings"
)

// The error kinds of the shop. Adapters map them to HTTP statuses and page
// messages in one place (web.statusFor); storage packages translate their
// driver errors into these, so no driver text ever reaches a person.
var (
	ErrNotFound           = errors.New("not found")
	ErrEmailTaken         = errors.New("email already registered")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrUnauthorized       = errors.New("unauthorized")
	ErrThrottled          = errors.New("too many attempts")
	ErrCartEmpty          = errors.New("cart is empty")
	ErrCartFull           = errors.New("cart has too many lines")
	ErrOutOfStock         = errors.New("insufficient stock")
	// ErrStockLimit is a stock adjustment refused because it would take
	// the stock over MaxStock (Store.AdjustStock).
	ErrStockLimit           = errors.New("stock over its limit")
	ErrPriceChanged         = errors.New("price changed")
	ErrIdempotencyKeyReused = errors.New("idempotency key reused with another request")
	// ErrOrderExists is returned by Store.PlaceOrder when an order with the
	// same id was already placed: the service answers a replay with it.
	ErrOrderExists = errors.New("order already exists")
	// ErrProductExists is returned by Store.CreateProduct, saving
	// nothing, when a product with the same id exists.
	ErrProductExists = errors.New("product already exists")
	// ErrInvalidTransition is returned by Store.ChangeOrderStatus, changing
	// nothing, when the order's status is not the one the change starts
	// from (another change won, or the change is not allowed from there).
	ErrInvalidTransition = errors.New("invalid order status transition")
	// ErrConflict means a concurrent write won; the caller may retry.
	ErrConflict = errors.New("conflicting concurrent update")
	// ErrCartChanged is returned by Store.PlaceOrder, changing nothing,
	// when the cart is no longer at the version the order was built from
	// (another checkout placed it, or lines were added or changed).
	ErrCartChanged = errors.New("cart changed since it was read")
	// ErrOutcomeUnknown means an order was sent to the store but whether it
	// was placed could not be learned (the answer was lost and the store
	// stayed unreachable): never "nothing was ordered". The same checkout
	// key resolves it, to the order or to a clean refusal.
	ErrOutcomeUnknown = errors.New("order outcome unknown")
	// ErrUnavailable means the store could not be reached or refused the
	// work for now (timeouts, throttling): "try again", HTTP 503.
	ErrUnavailable = errors.New("store unavailable")
)

// ValidationError carries one message for people per invalid field, keyed
// by the form field (or JSON field) name.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	names := make([]string, 0, len(e.Fields))
	for name := range e.Fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return "invalid input: " + strings.Join(names, ", ")
}

// fieldErrors collects field messages; err returns nil when there are none.
type fieldErrors map[string]string

func (f fieldErrors) add(field, message string) {
	if _, ok := f[field]; !ok {
		f[field] = message
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

// Shortage names one cart line that stock cannot cover.
type Shortage struct {
	ProductID string
	Name      string
	Requested int
	Available int
}

// StockError lists every short line; errors.Is(err, ErrOutOfStock) holds.
type StockError struct {
	Items []Shortage
}

func (e *StockError) Error() string { return ErrOutOfStock.Error() }
func (e *StockError) Unwrap() error { return ErrOutOfStock }

// PriceChange names a product whose price differs from the one the shopper
// saw when adding it to the cart, or that is no longer sold (NewPriceCents 0,
// Withdrawn true).
type PriceChange struct {
	ProductID     string
	Name          string
	OldPriceCents Money
	NewPriceCents Money
	Withdrawn     bool
}

// PriceError lists every changed line; errors.Is(err, ErrPriceChanged) holds.
type PriceError struct {
	Items []PriceChange
	// Shortages are the lines whose stock is short as well (the price
	// error is told first, RefusalOf): for the shopper to fix both at once.
	Shortages []Shortage
}

func (e *PriceError) Error() string { return ErrPriceChanged.Error() }
func (e *PriceError) Unwrap() error { return ErrPriceChanged }
