package shoptest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"storefront/internal/shop"
)

// The checkouts of TestService: concurrent checkouts through the service,
// where only the store's conditional writes keep one order per checkout
// and no oversell.

var serviceAddress = shop.Address{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}

// mustRegister registers a shopper with email on svc, or fails the test.
func mustRegister(t *testing.T, svc *shop.Service, email string) *shop.User {
	t.Helper()
	u, err := svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Shopper " + email,
		Password: servicePassword, ConfirmPassword: servicePassword})
	if err != nil {
		t.Fatalf("Register(%s) = %v; want nil", email, err)
	}
	return u
}

// mustAddToCart adds quantity of productID to cartID through svc, or fails
// the test.
func mustAddToCart(t *testing.T, svc *shop.Service, cartID, productID string, quantity int) {
	t.Helper()
	if _, err := svc.AddToCart(t.Context(), cartID, productID, quantity); err != nil {
		t.Fatalf("AddToCart(%s, %s, %d) = %v; want nil", cartID, productID, quantity, err)
	}
}

// cartLineCount returns how many lines the cart cartID holds.
func cartLineCount(t *testing.T, s shop.Store, cartID string) int {
	t.Helper()
	return len(readCart(t, s, cartID).Lines)
}

// orderPlaced reports whether the order id exists, read consistently.
func orderPlaced(t *testing.T, s shop.Store, id string) bool {
	t.Helper()
	_, err := s.Order(t.Context(), id)
	switch {
	case err == nil:
		return true
	case errors.Is(err, shop.ErrNotFound):
		return false
	}
	t.Fatalf("Order(%s) = %v; want nil or ErrNotFound", id, err)
	return false
}

// testLastUnitsOverServers: buyers on two servers race for the last units,
// each from a cart of their own; exactly as many orders as units are
// placed, every other buyer is refused with nothing placed and the cart
// kept, and the stock ends at 0.
func testLastUnitsOverServers(t *testing.T, newStores func(t *testing.T, n int) []shop.Store) {
	const buyers, units = 40, 5
	servers, stores := newServers(t, newStores, 2, newServiceClock(), NewBarrier(buyers))
	MustSaveProduct(t, stores[0], NewProduct("last", 900, units))
	inputs := make([]shop.PlaceOrderInput, buyers)
	for i := range buyers {
		svc := servers[i%2]
		u := mustRegister(t, svc, fmt.Sprintf("buyer%d@example.com", i))
		inputs[i] = shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: shop.NewCheckoutKey(), Address: serviceAddress}
		mustAddToCart(t, svc, inputs[i].CartID, "last", 1)
	}
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() { _, _, errs[i] = servers[i%2].PlaceOrder(t.Context(), inputs[i]) })
	}
	wg.Wait()
	placed := 0
	for i, err := range errs {
		id := shop.OrderID(inputs[i].User.ID, inputs[i].Key)
		switch {
		case err == nil:
			placed++
			if !orderPlaced(t, stores[0], id) {
				t.Errorf("buyer %d was told the order succeeded, but Order(%s) is not found", i, id)
			}
			if n := cartLineCount(t, stores[0], inputs[i].CartID); n != 0 {
				t.Errorf("buyer %d placed an order but the cart has %d lines; want 0", i, n)
			}
		case errors.Is(err, shop.ErrOutOfStock), errors.Is(err, shop.ErrConflict):
			if orderPlaced(t, stores[0], id) {
				t.Errorf("buyer %d was refused (%v), but Order(%s) exists", i, err, id)
			}
			if n := cartLineCount(t, stores[0], inputs[i].CartID); n != 1 {
				t.Errorf("buyer %d was refused (%v) but the cart has %d lines; want it kept (1)", i, err, n)
			}
		default:
			t.Errorf("PlaceOrder(buyer %d) = %v; want nil, ErrOutOfStock or ErrConflict", i, err)
		}
	}
	if placed != units {
		t.Errorf("%d of %d buyers of %d units placed an order; want %d", placed, buyers, units, units)
	}
	if got := stockOf(t, stores[0], "last"); got != 0 {
		t.Errorf("stock of the last units after the race = %d; want 0", got)
	}
}

// testSameCheckoutSubmittedConcurrently: one checkout (one key) submitted
// ten times at once, over two servers, places one order: the others
// answer with it (replayed), or like an empty cart when they read the cart
// after the first emptied it.
func testSameCheckoutSubmittedConcurrently(t *testing.T, newStores func(t *testing.T, n int) []shop.Store) {
	const submissions = 10
	servers, stores := newServers(t, newStores, 2, newServiceClock(), NewBarrier(submissions))
	MustSaveProduct(t, stores[0], NewProduct("p1", 1200, 10))
	u := mustRegister(t, servers[0], "shopper@example.com")
	in := shop.PlaceOrderInput{User: u, CartID: shop.UserCartID(u.ID), Key: shop.NewCheckoutKey(), Address: serviceAddress}
	mustAddToCart(t, servers[0], in.CartID, "p1", 2)
	want := shop.OrderID(u.ID, in.Key)

	orders := make([]*shop.Order, submissions)
	replayed := make([]bool, submissions)
	errs := make([]error, submissions)
	var wg sync.WaitGroup
	for i := range submissions {
		wg.Go(func() { orders[i], replayed[i], errs[i] = servers[i%2].PlaceOrder(t.Context(), in) })
	}
	wg.Wait()
	fresh := 0
	for i, err := range errs {
		switch {
		case err == nil:
			if orders[i].ID != want {
				t.Errorf("submission %d: order %s; want %s (the key's order)", i, orders[i].ID, want)
			}
			if !replayed[i] {
				fresh++
			}
		case !errors.Is(err, shop.ErrCartEmpty):
			t.Errorf("submission %d: PlaceOrder = %v; want the order, or ErrCartEmpty after it emptied the cart", i, err)
		}
	}
	if fresh != 1 {
		t.Errorf("%d submissions placed the order afresh; want exactly 1 (the others replay it)", fresh)
	}
	if list, err := servers[1].Orders(t.Context(), u); err != nil || len(list) != 1 || list[0].ID != want {
		t.Errorf("Orders() after %d submissions of one checkout = %d orders, %v; want the one %s", submissions, len(list), err, want)
	}
	if got := stockOf(t, stores[0], "p1"); got != 8 {
		t.Errorf("stock after %d submissions of one checkout of 2 = %d; want 8 (taken once)", submissions, got)
	}
}

// testOneCartManyKeys: one cart submitted from several tabs at once, each
// with its own checkout key (or an API client making a new key per retry),
// over two servers: exactly one order, the stock taken once, and every
// other checkout answered like an empty cart, with no order of its key.
func testOneCartManyKeys(t *testing.T, newStores func(t *testing.T, n int) []shop.Store) {
	const tabs = 8
	servers, stores := newServers(t, newStores, 2, newServiceClock(), NewBarrier(tabs))
	MustSaveProduct(t, stores[0], NewProduct("p1", 1500, 20))
	u := mustRegister(t, servers[0], "tabs@example.com")
	cartID := shop.UserCartID(u.ID)
	mustAddToCart(t, servers[0], cartID, "p1", 2)

	keys := make([]string, tabs)
	errs := make([]error, tabs)
	for i := range keys {
		keys[i] = shop.NewCheckoutKey()
	}
	var wg sync.WaitGroup
	for i := range tabs {
		wg.Go(func() {
			_, _, errs[i] = servers[i%2].PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: cartID, Key: keys[i], Address: serviceAddress})
		})
	}
	wg.Wait()
	placed := 0
	for i, err := range errs {
		id := shop.OrderID(u.ID, keys[i])
		switch {
		case err == nil:
			placed++
		case !errors.Is(err, shop.ErrCartEmpty):
			t.Errorf("checkout %d = %v; want an order or ErrCartEmpty", i, err)
		case orderPlaced(t, stores[0], id):
			t.Errorf("checkout %d was answered like an empty cart, but Order(%s) exists", i, id)
		}
	}
	if placed != 1 {
		t.Errorf("%d of %d concurrent checkouts of one cart placed an order; want exactly 1", placed, tabs)
	}
	if list, err := servers[1].Orders(t.Context(), u); err != nil || len(list) != 1 {
		t.Errorf("Orders() after %d checkouts of one cart = %d orders, %v; want 1", tabs, len(list), err)
	}
	if got := stockOf(t, stores[0], "p1"); got != 18 {
		t.Errorf("stock after one order of 2 = %d; want 18 (taken once)", got)
	}
}
