package shop_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// Checkouts racing over one cart, and checkouts whose store call fails
// after (or before) the order was written: the service answers each with
// what happened, never a second order and never "nothing was ordered" when
// an order may exist.

func TestTwoCheckoutsOfOneCartWithDifferentKeysPlaceOneOrder(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	if _, err := f.svc.AddToCart(ctx, shop.UserCartID(u.ID), "kettle", 2); err != nil {
		t.Fatal(err)
	}
	params := cheapHashing
	// Both checkouts read the cart before either places it.
	svc := shop.NewService(shoptest.NewBarrier(2).HoldPlacements(f.store), shop.Config{PasswordParams: &params, Now: f.clock.Now})
	keys := []string{shop.NewCheckoutKey(), shop.NewCheckoutKey()} // two tabs, or a client's new key per retry
	orders := make([]*shop.Order, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			orders[i], _, errs[i] = svc.PlaceOrder(ctx, shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: keys[i], Address: homeAddress})
		})
	}
	wg.Wait()
	placed := 0
	for i := range keys {
		switch {
		case errs[i] == nil:
			placed++
			if want := shop.OrderID(u.ID, keys[i]); orders[i].ID != want {
				t.Errorf("checkout %d placed order %s; want %s (its key's)", i, orders[i].ID, want)
			}
		case !errors.Is(errs[i], shop.ErrCartEmpty):
			t.Errorf("checkout %d = %v; want an order or ErrCartEmpty (the other placed the cart)", i, errs[i])
		}
	}
	if placed != 1 {
		t.Fatalf("%d of 2 checkouts of one cart with different keys placed an order; want 1 (errors %v)", placed, errs)
	}
	if got := f.stock(t, "kettle"); got != 8 {
		t.Errorf("kettle stock = %d; want 8 (taken once)", got)
	}
	if list, err := f.svc.Orders(ctx, u); err != nil || len(list) != 1 {
		t.Errorf("Orders() = %d orders, %v; want 1", len(list), err)
	}
}

// addDuringPlaceStore adds a line to the cart just before the first
// PlaceOrder call reaches the store, as a second tab would while the
// checkout runs.
type addDuringPlaceStore struct {
	shop.Store
	add   func() error
	calls int
}

func (s *addDuringPlaceStore) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	s.calls++
	if s.calls == 1 {
		if err := s.add(); err != nil {
			return err
		}
	}
	return s.Store.PlaceOrder(ctx, o, cart)
}

// A line added while a checkout runs is never dropped: the checkout runs
// again from the fresh cart, so the order holds it.
func TestLineAddedDuringCheckoutIsOrdered(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	cartID := shop.UserCartID(u.ID)
	if _, err := f.svc.AddToCart(ctx, cartID, "kettle", 1); err != nil {
		t.Fatal(err)
	}
	store := &addDuringPlaceStore{Store: f.store, add: func() error {
		_, err := f.svc.AddToCart(ctx, cartID, "mug", 2)
		return err
	}}
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	o, _, err := svc.PlaceOrder(ctx, shop.PlaceOrderInput{User: u, CartID: cartID, Key: shop.NewCheckoutKey(), Address: homeAddress})
	if err != nil {
		t.Fatalf("PlaceOrder() with a line added meanwhile = %v; want the order", err)
	}
	if store.calls != 2 {
		t.Errorf("store PlaceOrder calls = %d; want 2 (refused for the changed cart, then placed from it)", store.calls)
	}
	if len(o.Items) != 2 || o.Items[0].ProductID != "kettle" || o.Items[1].ProductID != "mug" || o.Items[1].Quantity != 2 {
		t.Errorf("order items = %+v; want the kettle and the 2 mugs added during checkout", o.Items)
	}
	if c := f.mustCart(t, cartID); len(c.Lines) != 0 {
		t.Errorf("cart after the order = %+v; want empty", c.Lines)
	}
	if f.stock(t, "kettle") != 9 || f.stock(t, "mug") != 1 {
		t.Errorf("stock kettle %d mug %d; want 9 and 1", f.stock(t, "kettle"), f.stock(t, "mug"))
	}
}

// A cart that keeps changing under every round ends the checkout with
// ErrConflict (503, try again), nothing placed.
func TestCheckoutOfACartThatKeepsChanging(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	cartID := shop.UserCartID(u.ID)
	if _, err := f.svc.AddToCart(ctx, cartID, "kettle", 1); err != nil {
		t.Fatal(err)
	}
	params := cheapHashing
	svc := shop.NewService(&alwaysChangingStore{Store: f.store, svc: f.svc, cartID: cartID}, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	_, _, err := svc.PlaceOrder(ctx, shop.PlaceOrderInput{User: u, CartID: cartID, Key: shop.NewCheckoutKey(), Address: homeAddress})
	if !errors.Is(err, shop.ErrConflict) || errors.Is(err, shop.ErrCartEmpty) {
		t.Fatalf("PlaceOrder() of a cart changing every round = %v; want ErrConflict", err)
	}
	if list := f.mustOrders(t, u); len(list) != 0 {
		t.Errorf("orders = %d; want 0", len(list))
	}
	if f.stock(t, "kettle") != 10 {
		t.Errorf("kettle stock = %d; want 10 (nothing placed)", f.stock(t, "kettle"))
	}
}

// alwaysChangingStore adds a kettle to the cart before every placement.
type alwaysChangingStore struct {
	shop.Store
	svc    *shop.Service
	cartID string
}

func (s *alwaysChangingStore) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	if _, err := s.svc.AddToCart(ctx, s.cartID, "kettle", 1); err != nil {
		return err
	}
	return s.Store.PlaceOrder(ctx, o, cart)
}

// outcomeStore fails PlaceOrder the ways a store can lose an answer: after
// committing the order or without it; and optionally fails the reads of
// orders that would settle the outcome.
type outcomeStore struct {
	shop.Store
	commit   bool  // apply the placement before failing
	placeErr error // what PlaceOrder returns; nil: the real outcome
	readErr  error // what Order returns while set
	// readErrAfter becomes readErr once PlaceOrder failed: the store
	// went away right after the write.
	readErrAfter error
	cancelCtx    func()
}

func (s *outcomeStore) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	if s.placeErr == nil {
		return s.Store.PlaceOrder(ctx, o, cart)
	}
	if s.commit {
		if err := s.Store.PlaceOrder(context.WithoutCancel(ctx), o, cart); err != nil {
			return err
		}
	}
	if s.cancelCtx != nil {
		s.cancelCtx() // the request's deadline ran out while waiting
	}
	s.readErr = s.readErrAfter
	return s.placeErr
}

func (s *outcomeStore) Order(ctx context.Context, id string) (*shop.Order, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.readErr != nil {
		return nil, s.readErr
	}
	return s.Store.Order(ctx, id)
}

type outcomeFixture struct {
	*fixture
	store *outcomeStore
	svc   *shop.Service
	in    shop.PlaceOrderInput
}

func newOutcomeFixture(t *testing.T) *outcomeFixture {
	t.Helper()
	f := newFixture(t)
	u := f.register(t, "ada@example.com")
	if _, err := f.svc.AddToCart(t.Context(), shop.UserCartID(u.ID), "kettle", 2); err != nil {
		t.Fatal(err)
	}
	store := &outcomeStore{Store: f.store}
	params := cheapHashing
	return &outcomeFixture{fixture: f, store: store,
		svc: shop.NewService(store, shop.Config{PasswordParams: &params, Now: f.clock.Now}),
		in:  shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: shop.NewCheckoutKey(), Address: homeAddress}}
}

// checkOrders checks how many orders the user has and the kettle stock.
func (f *outcomeFixture) checkOrders(t *testing.T, when string, orders, stock int) {
	t.Helper()
	if list, err := f.fixture.svc.Orders(t.Context(), f.in.User); err != nil || len(list) != orders {
		t.Errorf("%s: %d orders, %v; want %d", when, len(list), err, orders)
	}
	if got := f.stock(t, "kettle"); got != stock {
		t.Errorf("%s: kettle stock = %d; want %d", when, got, stock)
	}
}

func TestCheckoutCommittedButAnswerLostAnswersWithTheOrder(t *testing.T) {
	f := newOutcomeFixture(t)
	f.store.commit, f.store.placeErr = true, fmt.Errorf("sqlite: commit: %w", shop.ErrUnavailable)
	o, replayed, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil || replayed {
		t.Fatalf("PlaceOrder() committed, answer lost = %v, replayed %v; want the order, not a replay", err, replayed)
	}
	if want := shop.OrderID(f.in.User.ID, f.in.Key); o.ID != want {
		t.Errorf("order id = %s; want %s", o.ID, want)
	}
	f.checkOrders(t, "after the lost answer", 1, 8)
}

func TestCheckoutWithTheRequestDeadlineSpentStillReadsTheOutcome(t *testing.T) {
	f := newOutcomeFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.store.commit, f.store.placeErr, f.store.cancelCtx = true, fmt.Errorf("dynamo place order: %w: %w", shop.ErrUnavailable, context.DeadlineExceeded), cancel
	o, _, err := f.svc.PlaceOrder(ctx, f.in)
	if err != nil || o == nil {
		t.Fatalf("PlaceOrder() committed as the request's deadline ran out = %v; want the order (read under a fresh deadline)", err)
	}
	f.checkOrders(t, "after the deadline", 1, 8)
}

func TestCheckoutFailedWithoutCommittingSaysNothingWasOrdered(t *testing.T) {
	f := newOutcomeFixture(t)
	f.store.placeErr = fmt.Errorf("sqlite: begin: %w", shop.ErrUnavailable)
	_, _, err := f.svc.PlaceOrder(t.Context(), f.in)
	if !errors.Is(err, shop.ErrUnavailable) || errors.Is(err, shop.ErrOutcomeUnknown) {
		t.Fatalf("PlaceOrder() not committed = %v; want ErrUnavailable (nothing was ordered: the order is not there)", err)
	}
	f.checkOrders(t, "after the failure", 0, 10)

	f.store.placeErr = nil
	o, replayed, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil || replayed || o.ID != shop.OrderID(f.in.User.ID, f.in.Key) {
		t.Fatalf("PlaceOrder() again with the same key = %v, %v, replayed %v; want the order, placed now", o, err, replayed)
	}
	f.checkOrders(t, "after the retry", 1, 8)
}

func TestCheckoutOutcomeUnknownWhenItCannotBeRead(t *testing.T) {
	f := newOutcomeFixture(t)
	f.store.commit, f.store.placeErr = true, fmt.Errorf("dynamo place order: %w", shop.ErrUnavailable)
	f.store.readErrAfter = fmt.Errorf("dynamo read order: %w", shop.ErrUnavailable)
	_, _, err := f.svc.PlaceOrder(t.Context(), f.in)
	if !errors.Is(err, shop.ErrOutcomeUnknown) {
		t.Fatalf("PlaceOrder() committed, answer lost, order unreadable = %v; want ErrOutcomeUnknown", err)
	}
	if errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("PlaceOrder() = %v; want ErrOutcomeUnknown alone, never ErrUnavailable (\"nothing was ordered\")", err)
	}

	// The same key again, once the store answers: the one order.
	f.store.placeErr, f.store.readErr, f.store.readErrAfter = nil, nil, nil
	o, replayed, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil || !replayed || o.ID != shop.OrderID(f.in.User.ID, f.in.Key) {
		t.Fatalf("PlaceOrder() again with the same key = %v, %v, replayed %v; want the order placed before", o, err, replayed)
	}
	f.checkOrders(t, "after resolving", 1, 8)
}

// A store that reports the outcome unknown (the write may still land) is
// believed even when the order is not there yet.
func TestCheckoutOutcomeUnknownFromTheStoreStays(t *testing.T) {
	f := newOutcomeFixture(t)
	f.store.placeErr = fmt.Errorf("dynamo place order: %w", shop.ErrOutcomeUnknown)
	_, _, err := f.svc.PlaceOrder(t.Context(), f.in)
	if !errors.Is(err, shop.ErrOutcomeUnknown) {
		t.Fatalf("PlaceOrder() with the store's outcome unknown = %v; want ErrOutcomeUnknown", err)
	}
	f.checkOrders(t, "after the unknown outcome", 0, 10)

	f.store.placeErr = nil
	if _, _, err := f.svc.PlaceOrder(t.Context(), f.in); err != nil {
		t.Fatalf("PlaceOrder() again with the same key = %v; want the order", err)
	}
	f.checkOrders(t, "after resolving", 1, 8)
}

// Concurrent changes of one cart (tabs adding products at once) never undo
// each other: each save is conditional on the version it read, and the
// service re-reads and re-applies its change when another save won.
func TestConcurrentAddsToOneCartKeepEveryLine(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	const writers = 5
	for i := range writers {
		f.product(t, fmt.Sprintf("item-%02d", i), 100, 50)
	}
	params := cheapHashing
	// Every writer reads the cart before any saves.
	svc := shop.NewService(shoptest.NewBarrier(writers).HoldCartSaves(f.store),
		shop.Config{PasswordParams: &params, Now: f.clock.Now})
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = svc.AddToCart(ctx, "user-u1", fmt.Sprintf("item-%02d", i), i+1)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("AddToCart(item-%02d) = %v; want nil", i, err)
		}
	}
	c, err := f.svc.Cart(ctx, "user-u1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Lines) != writers {
		t.Fatalf("cart after %d concurrent adds has %d lines %+v; want every one", writers, len(c.Lines), c.Lines)
	}
	for _, l := range c.Lines {
		var i int
		if _, err := fmt.Sscanf(l.ProductID, "item-%02d", &i); err != nil || l.Quantity != i+1 {
			t.Errorf("line %s quantity %d; want item-NN with quantity NN+1", l.ProductID, l.Quantity)
		}
	}
}

// Whether the key already has an order is looked up only when the
// checkout does not place it (here the cart is empty: an earlier
// submission of the same form may have placed it); when the store cannot
// say, the answer is ErrOutcomeUnknown, never "nothing was ordered". A
// checkout that places its order reads no order: the placement's
// condition on the order id keeps it unique.
func TestCheckoutWithTheStoreUnreadableIsNeverNothingOrdered(t *testing.T) {
	f := newOutcomeFixture(t)
	f.store.readErr = fmt.Errorf("read order: %w", shop.ErrUnavailable)
	o, _, err := f.svc.PlaceOrder(t.Context(), f.in)
	if err != nil || o == nil {
		t.Fatalf("PlaceOrder() with orders unreadable = %v; want the order (placing it reads no order)", err)
	}
	f.checkOrders(t, "after the checkout", 1, 8)

	f.in.Key = shop.NewCheckoutKey() // the cart is empty now
	_, _, err = f.svc.PlaceOrder(t.Context(), f.in)
	if !errors.Is(err, shop.ErrOutcomeUnknown) || errors.Is(err, shop.ErrUnavailable) || errors.Is(err, shop.ErrCartEmpty) {
		t.Fatalf("PlaceOrder() of an empty cart with orders unreadable = %v; want ErrOutcomeUnknown alone", err)
	}
	f.checkOrders(t, "after the refusal", 1, 8)
}

// The answer after a write is read under a fresh deadline: here the write
// met an order of the same key (placed by a concurrent submission) just as
// the request's deadline ran out.
func TestCheckoutOrderExistsAsTheDeadlineRunsOut(t *testing.T) {
	f := newOutcomeFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.store.commit, f.store.placeErr, f.store.cancelCtx = true, fmt.Errorf("place order: %w", shop.ErrOrderExists), cancel
	o, replayed, err := f.svc.PlaceOrder(ctx, f.in)
	if err != nil || !replayed || o.ID != shop.OrderID(f.in.User.ID, f.in.Key) {
		t.Fatalf("PlaceOrder() = %v, replayed %v, %v; want the order, read under a fresh deadline", o, replayed, err)
	}
	f.checkOrders(t, "after the replay", 1, 8)
}
