package dynamo

import (
	"errors"
	"sync"
	"testing"

	"storefront/internal/shop"
)

// TestConcurrentCheckoutsOfOneCartWithDifferentKeys: a shopper submits one
// cart from several tabs at once (each with its own checkout key), or an
// API client retries with a new Idempotency-Key each time. Through the
// service on DynamoDB: exactly one order, the stock taken once, and every
// other checkout answered like an empty cart.
func TestConcurrentCheckoutsOfOneCartWithDifferentKeys(t *testing.T) {
	s := newTestStore(t)
	svc := newService(s)
	mustSaveProducts(t, s, product("p1", 1500, 20))
	u := mustRegister(t, svc, "ada@example.com")
	cartID := shop.UserCartID(u.ID)
	mustAddToCart(t, svc, cartID, "p1", 2)

	const tabs = 8
	orders := make([]*shop.Order, tabs)
	errs := make([]error, tabs)
	var wg sync.WaitGroup
	for i := range tabs {
		wg.Go(func() {
			orders[i], _, errs[i] = svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: cartID, Key: shop.NewCheckoutKey(), Address: testAddress})
		})
	}
	wg.Wait()
	placed := 0
	for i, err := range errs {
		switch {
		case err == nil:
			placed++
		case !errors.Is(err, shop.ErrCartEmpty):
			t.Errorf("checkout %d = %v; want an order or ErrCartEmpty", i, err)
		}
	}
	if placed != 1 {
		t.Errorf("%d of %d concurrent checkouts of one cart placed an order; want exactly 1", placed, tabs)
	}
	if n := orderCount(t, s); n != 1 {
		t.Errorf("orders table holds %d items; want 1", n)
	}
	checkStock(t, s, "p1", 18)
}
