package shop

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
)

// NewCheckoutKey returns a one-time checkout key for a checkout form: the
// order placed with it gets an id derived from it, so submitting the form
// again can only find that order, never place a second one.
func NewCheckoutKey() string { return newSecret() }

// OrderID derives the order id of a checkout key. The user id is part of
// it, so keys chosen by different API clients can never collide.
func OrderID(userID, checkoutKey string) string {
	sum := sha256.Sum256([]byte("order\x00" + userID + "\x00" + checkoutKey))
	return "o" + lowerBase32(sum[:15])
}

// The length of a checkout key or an API Idempotency-Key, in characters.
const (
	MinCheckoutKeyLen = 8
	MaxCheckoutKeyLen = 128
)

// IsCheckoutKey reports whether key is acceptable as a checkout key or an
// API Idempotency-Key: MinCheckoutKeyLen to MaxCheckoutKeyLen visible
// ASCII characters.
func IsCheckoutKey(key string) bool {
	if len(key) < MinCheckoutKeyLen || len(key) > MaxCheckoutKeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// PlaceOrderInput is one checkout: the buyer, the cart they fill, the
// checkout key and the shipping address.
type PlaceOrderInput struct {
	User    *User
	CartID  string
	Key     string
	Address Address
	// CartVersion is the version of the cart the shopper confirmed (the
	// checkout page's CartView.Version): a cart changed since (in another
	// tab) is refused with ErrCartNotAsShown rather than ordered unseen.
	// "" orders the cart as it is (the API, whose client reads the cart
	// itself).
	CartVersion string
}

// ErrCartNotAsShown refuses a checkout whose cart changed since the page
// the shopper confirmed showed it. Nothing was ordered.
var ErrCartNotAsShown = errors.New("the cart changed since the checkout page showed it")

// PlaceOrder places the cart as an order, idempotently by checkout key.
// It returns the order and whether it was placed by an earlier call with
// the same key and address (a replay). Errors: a *ValidationError for the
// address (keys full_name, line1, line2, city, postal_code, country) or the
// key (key checkout_key); ErrIdempotencyKeyReused when the key placed an
// order with another address; ErrCartEmpty (also when a concurrent
// checkout of the same cart with another key placed it first); a
// *StockError; a *PriceError when a price changed since the shopper added
// the product (they confirm with ConfirmCartPrices); ErrUnavailable or
// ErrConflict when nothing was ordered (the store said no order has the
// key's id) and trying again may work; ErrOutcomeUnknown when whether the
// key's order exists could not be learned (its write was sent and the
// answer lost, or the store could not be read). After each of the last
// three, a retry with the same key is safe and resolves the outcome.
//
// The order is the cart as it is at placement: the store places it only
// while the cart is still at the version the order was built from. When
// lines were added or changed meanwhile, the checkout runs again from the
// fresh cart (at most checkoutRounds times), so a line added during a
// checkout is either in the order or still in the cart, never dropped.
func (s *Service) PlaceOrder(ctx context.Context, in PlaceOrderInput) (o *Order, replayed bool, err error) {
	defer func() { s.cfg.Observer.CheckoutFinished(CheckoutOutcomeOf(replayed, err)) }()
	addr, err := ValidateAddress(in.Address)
	if !IsCheckoutKey(in.Key) {
		return nil, false, &ValidationError{Fields: map[string]string{"checkout_key": "This checkout form has expired. Review your order and place it again."}}
	}
	if err != nil {
		return nil, false, err
	}
	// The key's order is not looked up first: the placement's condition
	// on the order id refuses a second order (ErrOrderExists), and every
	// way a checkout can end without placing (an empty or refused cart, a
	// failed read or write) looks it up before answering (replay). A
	// checkout reads only what placing needs.
	id := OrderID(in.User.ID, in.Key)
	for round := 1; ; round++ {
		o, replayed, err := s.placeCart(ctx, id, in, addr)
		if !errors.Is(err, ErrCartChanged) {
			return o, replayed, err
		}
		if round >= checkoutRounds {
			// Nothing was placed: every round's transaction was refused.
			return nil, false, fmt.Errorf("%w: the cart kept changing during checkout: %w", ErrConflict, err)
		}
	}
}

// checkoutRounds bounds how often one checkout starts again from the fresh
// cart because the cart changed between reading it and placing it.
const checkoutRounds = 3

// resolveTimeout bounds the reads that settle an order's outcome after the
// store failed to confirm it. The request's own deadline may be spent by
// then, so they run under a fresh one, short enough that the shopper gets
// an answer soon.
const resolveTimeout = 2 * time.Second

// placeCart is one round of PlaceOrder: it reads the cart, builds the
// order from it and places it, on condition that the cart is unchanged.
// ErrCartChanged means nothing was placed and the cart changed since it
// was read.
func (s *Service) placeCart(ctx context.Context, id string, in PlaceOrderInput, addr Address) (*Order, bool, error) {
	c, err := s.checkoutCart(ctx, in.User, in.CartID)
	if err != nil {
		// An earlier submission of the key may have placed the order.
		return s.lostRace(ctx, id, in.User, addr, err)
	}
	if in.CartVersion != "" && c.Version != in.CartVersion {
		// Or it placed it, which changed the cart: then that order.
		return s.lostRace(ctx, id, in.User, addr, ErrCartNotAsShown)
	}
	if len(c.Lines) == 0 {
		return s.lostRace(ctx, id, in.User, addr, ErrCartEmpty)
	}
	products, err := s.productsOf(ctx, c)
	if err != nil {
		return s.lostRace(ctx, id, in.User, addr, err)
	}
	o := &Order{ID: id, UserID: in.User.ID, UserEmail: in.User.Email, Status: OrderStatusPlaced,
		CreatedAt: s.now(), Currency: Currency, ShippingAddress: addr}
	// Each line at the price the shopper saw: RefusalOf names any product
	// whose price differs, and otherwise that is the product's price.
	current := make(map[string]*Product, len(products))
	for _, l := range c.Lines {
		p, ok := products[l.ProductID]
		if ok {
			current[l.ProductID] = &p
		}
		o.Items = append(o.Items, NewOrderLine(l.ProductID, p.Name, l.SeenPriceCents, l.Quantity))
	}
	if err := RefusalOf(o.Items, current); err != nil {
		return s.lostRace(ctx, id, in.User, addr, err)
	}
	o.Totals = TotalsOf(o.Items)

	// The store re-checks every line (CanPlace) and the cart's version
	// inside its transaction: the checks above only give good messages, the
	// transaction decides, and its refusal means what RefusalOf says.
	err = s.store.PlaceOrder(ctx, o, c)
	// What follows a write tells the shopper its outcome, so it runs even
	// when the request's deadline was spent by the write: under a fresh,
	// short one.
	after, cancel := context.WithTimeout(context.WithoutCancel(ctx), resolveTimeout)
	defer cancel()
	var refused *PlacementRefused
	switch {
	case err == nil:
	case errors.Is(err, ErrOrderExists):
		// A concurrent submission of the same checkout won the race.
		o, err := s.replay(after, id, in.User, addr)
		return o, o != nil, err
	case errors.Is(err, ErrCartChanged):
		// Another checkout may have placed this very cart: with the same
		// key, its order is the answer; else the next round reads the
		// cart again (empty when another key placed it).
		if o, rerr := s.replay(after, id, in.User, addr); o != nil || rerr != nil {
			return o, o != nil, rerr
		}
		return nil, false, err
	case errors.As(err, &refused):
		return nil, false, refused.Refusal(o.Items) // nothing changed
	default:
		return s.resolveOutcome(after, o, in.User, addr, err)
	}
	s.log.InfoContext(ctx, "order placed", "order_id", o.ID, "user_id", o.UserID, "total_cents", int64(o.TotalCents))
	// o is the order as the store wrote it, all or nothing: it is not
	// read back (the order page that follows reads it, strongly).
	return o, false, nil
}

// resolveOutcome settles a placement whose store call failed without a
// refusal (a timeout, a lost answer, a store that went away): the write
// may have been applied. It reads the order by its id, strongly (ctx is
// the fresh short deadline after the write): found, the order was placed
// and is the answer; missing after a failure the store reports as
// settled, nothing was ordered and placeErr stands; otherwise the outcome
// is ErrOutcomeUnknown, never "nothing was ordered".
func (s *Service) resolveOutcome(ctx context.Context, o *Order, u *User, addr Address, placeErr error) (*Order, bool, error) {
	stored, err := s.replay(ctx, o.ID, u, addr)
	switch {
	case stored != nil:
		s.log.WarnContext(ctx, "order placed; the store's answer was lost and the order read back", "order_id", o.ID,
			"user_id", o.UserID, "total_cents", int64(o.TotalCents), "err", placeErr)
		return stored, false, nil
	case err != nil && !errors.Is(err, ErrIdempotencyKeyReused):
		s.log.ErrorContext(ctx, "order outcome unknown", "order_id", o.ID, "user_id", o.UserID, "err", placeErr, "read_err", err)
		// placeErr's kind (say ErrUnavailable) is left out: it would say
		// nothing was ordered.
		return nil, false, fmt.Errorf("%w: order %s: %v (reading it back: %v)", ErrOutcomeUnknown, o.ID, placeErr, err)
	case err != nil:
		return nil, false, err
	case errors.Is(placeErr, ErrOutcomeUnknown):
		s.log.ErrorContext(ctx, "order outcome unknown", "order_id", o.ID, "user_id", o.UserID, "err", placeErr)
	}
	return nil, false, placeErr
}

// lostRace answers a checkout that found the cart empty or short: when a
// concurrent submission of the same checkout placed the order in between
// (emptying the cart, taking the stock), that order is the answer;
// otherwise err is.
func (s *Service) lostRace(ctx context.Context, id string, u *User, addr Address, err error) (*Order, bool, error) {
	o, rerr := s.replay(ctx, id, u, addr)
	if o != nil || rerr != nil {
		return o, o != nil, rerr
	}
	return nil, false, err
}

// replay returns the order already placed with id, nil if there is none, or
// ErrIdempotencyKeyReused when it was placed for another request. When the
// store cannot be read (ErrUnavailable, ErrConflict, a spent deadline),
// whether the key has an order is not known: an earlier submission of it
// may have placed one. That is ErrOutcomeUnknown, so no shopper is told
// "nothing was ordered" without the store having said so.
func (s *Service) replay(ctx context.Context, id string, u *User, addr Address) (*Order, error) {
	o, err := s.store.Order(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrConflict) || errors.Is(err, context.DeadlineExceeded) {
		// err's kind is left out: ErrUnavailable would say nothing was
		// ordered.
		return nil, fmt.Errorf("%w: order %s could not be looked up: %v", ErrOutcomeUnknown, id, err)
	}
	if err != nil {
		return nil, err
	}
	if o.UserID != u.ID || o.ShippingAddress != addr {
		return nil, ErrIdempotencyKeyReused
	}
	return o, nil
}

// Orders returns the user's orders, newest first.
func (s *Service) Orders(ctx context.Context, u *User) ([]Order, error) {
	return s.store.OrdersByUser(ctx, u.ID)
}

// Order returns one of the user's orders. Another user's order, like a
// missing one, is ErrNotFound: its existence is not disclosed.
func (s *Service) Order(ctx context.Context, u *User, id string) (*Order, error) {
	if !IsID(id) {
		return nil, ErrNotFound
	}
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.UserID != u.ID {
		return nil, ErrNotFound
	}
	return o, nil
}
