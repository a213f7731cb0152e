package shop_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"storefront/internal/shop"
)

// recordingObserver keeps the events a service tells its Observer, in order.
type recordingObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recordingObserver) record(event string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, event)
}

func (o *recordingObserver) CheckoutFinished(outcome string) { o.record("checkout " + outcome) }
func (o *recordingObserver) SignInFailed(reason string)      { o.record("sign-in " + reason) }
func (o *recordingObserver) SignInLocked(keyKind string)     { o.record("locked " + keyKind) }

// take returns the events recorded since the last take.
func (o *recordingObserver) take() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	events := o.events
	o.events = nil
	return events
}

func TestObserverToldOfCheckoutsAndSignIns(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	obs := &recordingObserver{}
	params := cheapHashing
	svc := shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now, Observer: obs})
	u := f.register(t, "ada@example.com")
	cartID := shop.UserCartID(u.ID)
	checkout := func(key string) {
		svc.PlaceOrder(ctx, shop.PlaceOrderInput{User: u, CartID: cartID, Key: key, Address: homeAddress})
	}
	key := shop.NewCheckoutKey()
	checkout(key) // the cart is empty
	f.mustAddToCart(t, cartID, "mug", 3)
	f.mustAddToCart(t, cartID, "kettle", 1)
	checkout(key)
	checkout(key) // the same form again
	f.mustAddToCart(t, cartID, "spade", 1)
	if _, err := f.store.AdjustStock(ctx, "spade", -1); err != nil { // sold out meanwhile
		t.Fatal(err)
	}
	checkout(shop.NewCheckoutKey())
	checkout("not a checkout key")
	want := []string{"checkout cart_empty", "checkout placed", "checkout replayed", "checkout insufficient_stock", "checkout invalid"}
	if got := obs.take(); !slices.Equal(got, want) {
		t.Errorf("checkouts told %q; want %q", got, want)
	}

	for range shop.AccountFailureLimit {
		if _, err := svc.SignIn(ctx, "ada@example.com", "wrong password!", "10.0.0.1", nil); err == nil {
			t.Fatal("SignIn(wrong password) succeeded")
		}
	}
	if _, err := svc.SignIn(ctx, "ada@example.com", goodPassword, "10.0.0.2", nil); !errors.Is(err, shop.ErrThrottled) {
		t.Fatalf("SignIn while locked = %v; want ErrThrottled", err)
	}
	want = slices.Repeat([]string{"sign-in invalid_credentials"}, shop.AccountFailureLimit)
	// The tenth failure sets the lock before it is answered.
	want = slices.Insert(want, shop.AccountFailureLimit-1, "locked account")
	want = append(want, "sign-in throttled")
	if got := obs.take(); !slices.Equal(got, want) {
		t.Errorf("sign-ins told %q; want %q", got, want)
	}
}

func TestCheckoutOutcomeOf(t *testing.T) {
	for _, tc := range []struct {
		replayed bool
		err      error
		want     string
	}{
		{false, nil, shop.CheckoutPlaced},
		{true, nil, shop.CheckoutReplayed},
		{false, &shop.ValidationError{Fields: map[string]string{"city": "Enter a city."}}, shop.CheckoutInvalid},
		{false, shop.ErrIdempotencyKeyReused, shop.CheckoutKeyReused},
		{false, shop.ErrCartEmpty, shop.CheckoutCartEmpty},
		{false, &shop.StockError{}, shop.CheckoutInsufficientStock},
		{false, &shop.PriceError{}, shop.CheckoutPriceChanged},
		{false, fmt.Errorf("%w: the cart kept changing", shop.ErrConflict), shop.CheckoutConflict},
		{false, shop.ErrUnavailable, shop.CheckoutUnavailable},
		// Unknown wins over the kind it carries: never "nothing ordered".
		{false, fmt.Errorf("%w: %w", shop.ErrOutcomeUnknown, shop.ErrUnavailable), shop.CheckoutOutcomeUnknown},
		{false, errors.New("disk on fire"), shop.CheckoutError},
	} {
		got := shop.CheckoutOutcomeOf(tc.replayed, tc.err)
		if got != tc.want {
			t.Errorf("CheckoutOutcomeOf(%v, %v) = %q; want %q", tc.replayed, tc.err, got, tc.want)
		}
		if !slices.Contains(shop.CheckoutOutcomes, got) {
			t.Errorf("CheckoutOutcomes lacks %q", got)
		}
	}
}
