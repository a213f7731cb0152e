package shoptest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

func testPlaceOrder(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("Success", func(t *testing.T) {
		s := newStore(t)
		p1, p2, p3 := NewProduct("p1", 1250, 5), NewProduct("p2", 4500, 2), NewProduct("p3", 100, 9)
		MustSaveProduct(t, s, p1, p2, p3)
		o := NewOrder("o1", "u1", at(2*time.Hour), LineOf(p2, 2), LineOf(p1, 3))
		o.ShippingAddress.Line2 = "Flat 3"
		cart := cartOf(t, s, "user-u1", o)
		otherCart := MustSaveCart(t, s, "user-u2", shop.CartLine{ProductID: "p1", Quantity: 1, SeenPriceCents: 1250})
		mustPlaceOrder(t, s, o, cart)

		checkStocks(t, s, "after PlaceOrder", map[string]int{"p1": 2, "p2": 0, "p3": 9})
		got, err := s.Order(t.Context(), "o1")
		if err != nil {
			t.Fatalf("Order(o1) = %v; want nil", err)
		}
		checkOrder(t, "Order(o1)", got, o)
		if c := readCart(t, s, cart.ID); len(c.Lines) != 0 {
			t.Errorf("Cart(%s) after PlaceOrder = %+v; want empty (deleted)", cart.ID, c.Lines)
		}
		checkCart(t, "Cart(user-u2) after another user's PlaceOrder", readCart(t, s, "user-u2"), otherCart)
	})
	t.Run("CartMissing", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 1)
		MustSaveProduct(t, s, p)
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(p, 1))
		mustPlaceOrder(t, s, o, &shop.Cart{ID: "user-u1"})
		checkStocks(t, s, "after PlaceOrder", map[string]int{"p1": 0})
	})
	t.Run("OrderExists", func(t *testing.T) {
		s := newStore(t)
		p1, p2 := NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 5)
		MustSaveProduct(t, s, p1, p2)
		first := NewOrder("o1", "u1", at(time.Hour), LineOf(p1, 1))
		mustPlaceOrder(t, s, first, cartOf(t, s, "user-u1", first))

		again := NewOrder("o1", "u1", at(2*time.Hour), LineOf(p1, 2), LineOf(p2, 3))
		cart := cartOf(t, s, "user-u1", again)
		err := s.PlaceOrder(t.Context(), again, cart)
		if !errors.Is(err, shop.ErrOrderExists) {
			t.Fatalf("PlaceOrder(order with an existing id) = %v; want ErrOrderExists", err)
		}
		checkStocks(t, s, "after ErrOrderExists", map[string]int{"p1": 4, "p2": 5})
		got, err := s.Order(t.Context(), "o1")
		if err != nil {
			t.Fatalf("Order(o1) = %v; want nil", err)
		}
		checkOrder(t, "Order(o1) after ErrOrderExists", got, first)
		checkCart(t, "Cart(user-u1) after ErrOrderExists", readCart(t, s, cart.ID), cart)
		if orders, err := s.OrdersByUser(t.Context(), "u1"); err != nil || len(orders) != 1 {
			t.Errorf("OrdersByUser(u1) after ErrOrderExists = %d orders, %v; want 1, nil", len(orders), err)
		}
	})
	t.Run("OutOfStock", func(t *testing.T) {
		s := newStore(t)
		ok, short, gone := NewProduct("ok", 1000, 5), NewProduct("short", 2000, 2), NewProduct("gone", 300, 0)
		MustSaveProduct(t, s, ok, short, gone)
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(ok, 5), LineOf(short, 3), LineOf(gone, 1))
		cart := cartOf(t, s, "user-u1", o)
		refused := mustRefuse(t, s, o, cart)
		checkReported(t, refused, map[string]*shop.Product{"ok": ok, "short": short, "gone": gone}, "short", "gone")
		err := refused.Refusal(o.Items)
		if !errors.Is(err, shop.ErrOutOfStock) {
			t.Fatalf("Refusal of PlaceOrder(order) = %v; want ErrOutOfStock", err)
		}
		var serr *shop.StockError
		if !errors.As(err, &serr) {
			t.Fatalf("Refusal of PlaceOrder(order) = %v (%T); want a *shop.StockError", err, err)
		}
		got := slices.Clone(serr.Items)
		slices.SortFunc(got, func(a, b shop.Shortage) int { return strings.Compare(a.ProductID, b.ProductID) })
		want := []shop.Shortage{
			{ProductID: "gone", Name: gone.Name, Requested: 1, Available: 0},
			{ProductID: "short", Name: short.Name, Requested: 3, Available: 2},
		}
		if !slices.Equal(got, want) {
			t.Errorf("PlaceOrder(order) StockError.Items = %+v; want %+v (every short line, in any order)", got, want)
		}
		checkStocks(t, s, "after StockError", map[string]int{"ok": 5, "short": 2, "gone": 0})
		checkNoOrder(t, s, "after StockError", "o1")
		checkCart(t, "Cart(user-u1) after StockError", readCart(t, s, cart.ID), cart)
	})
	t.Run("PriceChanged", func(t *testing.T) {
		s := newStore(t)
		ok, repriced, withdrawn := NewProduct("ok", 1000, 5), NewProduct("repriced", 2000, 5), NewProduct("withdrawn", 300, 5)
		withdrawn.Active = false
		MustSaveProduct(t, s, ok, repriced, withdrawn)
		seen := LineOf(repriced, 1)
		seen.UnitPriceCents = 1800
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(ok, 2), seen, LineOf(withdrawn, 1),
			shop.OrderLine{ProductID: "never-sold", Name: "Never Sold", UnitPriceCents: 500, Quantity: 1})
		cart := cartOf(t, s, "user-u1", o)
		refused := mustRefuse(t, s, o, cart)
		checkReported(t, refused, map[string]*shop.Product{"ok": ok, "repriced": repriced, "withdrawn": withdrawn, "never-sold": nil},
			"repriced", "withdrawn", "never-sold")
		err := refused.Refusal(o.Items)
		if !errors.Is(err, shop.ErrPriceChanged) {
			t.Fatalf("Refusal of PlaceOrder(order) = %v; want ErrPriceChanged", err)
		}
		var perr *shop.PriceError
		if !errors.As(err, &perr) {
			t.Fatalf("Refusal of PlaceOrder(order) = %v (%T); want a *shop.PriceError", err, err)
		}
		got := slices.Clone(perr.Items)
		slices.SortFunc(got, func(a, b shop.PriceChange) int { return strings.Compare(a.ProductID, b.ProductID) })
		want := []shop.PriceChange{
			{ProductID: "never-sold", OldPriceCents: 500, Withdrawn: true},
			{ProductID: "repriced", OldPriceCents: 1800, NewPriceCents: 2000},
			{ProductID: "withdrawn", OldPriceCents: 300, Withdrawn: true},
		}
		if len(got) != len(want) {
			t.Fatalf("PlaceOrder(order) PriceError.Items = %+v; want %+v (every changed line, in any order)", got, want)
		}
		for i := range got {
			// Name is informative; a store may name a missing product by
			// the order line or not at all.
			got[i].Name = ""
			if got[i] != want[i] {
				t.Errorf("PlaceOrder(order) PriceError.Items = %+v; want %+v (every changed line, in any order)", got, want)
				break
			}
		}
		checkStocks(t, s, "after PriceError", map[string]int{"ok": 5, "repriced": 5, "withdrawn": 5})
		checkNoOrder(t, s, "after PriceError", "o1")
		checkCart(t, "Cart(user-u1) after PriceError", readCart(t, s, cart.ID), cart)
	})
	t.Run("PriceAndStockChanged", func(t *testing.T) {
		s := newStore(t)
		ok, repriced, short := NewProduct("ok", 1000, 5), NewProduct("repriced", 2000, 5), NewProduct("short", 300, 1)
		MustSaveProduct(t, s, ok, repriced, short)
		seen := LineOf(repriced, 1)
		seen.UnitPriceCents = 2100
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(ok, 1), seen, LineOf(short, 2))
		cart := cartOf(t, s, "user-u1", o)
		refused := mustRefuse(t, s, o, cart)
		// The store may stop at the first refused line; what it reports
		// is as the transaction saw it, and the refusal never a success.
		checkReported(t, refused, map[string]*shop.Product{"ok": ok, "repriced": repriced, "short": short})
		if err := refused.Refusal(o.Items); !errors.Is(err, shop.ErrPriceChanged) && !errors.Is(err, shop.ErrOutOfStock) {
			t.Fatalf("Refusal of PlaceOrder(order) = %v; want ErrPriceChanged or ErrOutOfStock", err)
		}
		checkStocks(t, s, "after a failed PlaceOrder", map[string]int{"ok": 5, "repriced": 5, "short": 1})
		checkNoOrder(t, s, "after a failed PlaceOrder", "o1")
		checkCart(t, "Cart(user-u1) after a failed PlaceOrder", readCart(t, s, cart.ID), cart)
	})
	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("last", 900, 5))
		ConcurrentPlaceOrders(t, s, "last", 20, 5)
	})
	t.Run("CartChanged", func(t *testing.T) {
		s := newStore(t)
		p1, p2 := NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 5)
		MustSaveProduct(t, s, p1, p2)
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(p1, 1))
		read := cartOf(t, s, "user-u1", o)
		// A line added after the order was built from the cart.
		added, err := saveCartAt(t, s, "user-u1", read.Version,
			shop.CartLine{ProductID: "p1", Quantity: 1, SeenPriceCents: 1000}, shop.CartLine{ProductID: "p2", Quantity: 1, SeenPriceCents: 2000})
		if err != nil {
			t.Fatalf("SaveCart(a line added) = %v; want nil", err)
		}
		if err := s.PlaceOrder(t.Context(), o, read); !errors.Is(err, shop.ErrCartChanged) {
			t.Fatalf("PlaceOrder(order of a cart changed since) = %v; want ErrCartChanged", err)
		}
		checkStocks(t, s, "after ErrCartChanged", map[string]int{"p1": 5, "p2": 5})
		checkNoOrder(t, s, "after ErrCartChanged", "o1")
		checkCart(t, "Cart(user-u1) after ErrCartChanged", readCart(t, s, "user-u1"), added)

		// An order of a cart that was never saved while one is saved now.
		if err := s.PlaceOrder(t.Context(), o, &shop.Cart{ID: "user-u1"}); !errors.Is(err, shop.ErrCartChanged) {
			t.Errorf("PlaceOrder(order of \"no cart\" while there is one) = %v; want ErrCartChanged", err)
		}
		checkNoOrder(t, s, "after ErrCartChanged", "o1")
	})
	t.Run("ConcurrentCheckoutsOfOneCart", func(t *testing.T) {
		ConcurrentCheckoutsOfOneCart(t, newStore(t), 50, 8)
	})
	t.Run("LineAddedDuringCheckout", func(t *testing.T) {
		testLineAddedDuringCheckout(t, newStore(t), 10)
	})
}

// ConcurrentCheckoutsOfOneCart runs rounds of checkouts concurrent
// checkouts of one cart, each with its own order id (a checkout key of its
// own: two tabs, or a client making a new key per retry). Every round must
// place exactly one order and take its stock once; the others are refused
// with ErrCartChanged (or ErrConflict), placing nothing.
func ConcurrentCheckoutsOfOneCart(t *testing.T, s shop.Store, rounds, checkouts int) {
	t.Helper()
	p := NewProduct("popular", 1200, rounds)
	MustSaveProduct(t, s, p)
	var winners []string
	for r := range rounds {
		cart := MustSaveCart(t, s, "user-u1", shop.CartLine{ProductID: p.ID, Quantity: 1, SeenPriceCents: p.PriceCents})
		orders := make([]*shop.Order, checkouts)
		for i := range orders {
			orders[i] = NewOrder(fmt.Sprintf("r%do%d", r, i), "u1", at(time.Duration(r)*time.Second), LineOf(p, 1))
		}
		errs := make([]error, checkouts)
		var wg sync.WaitGroup
		for i := range checkouts {
			read := *cart // each checkout read the cart itself
			wg.Go(func() { errs[i] = s.PlaceOrder(t.Context(), orders[i], &read) })
		}
		wg.Wait()
		placed := 0
		for i, err := range errs {
			switch {
			case err == nil:
				placed++
				winners = append(winners, orders[i].ID)
			case errors.Is(err, shop.ErrCartChanged), errors.Is(err, shop.ErrConflict):
			default:
				t.Errorf("round %d: PlaceOrder(%s) = %v; want nil, ErrCartChanged or ErrConflict", r, orders[i].ID, err)
			}
		}
		if placed != 1 {
			t.Fatalf("round %d: %d of %d concurrent checkouts of one cart placed an order; want exactly 1", r, placed, checkouts)
		}
		if got, want := stockOf(t, s, p.ID), rounds-r-1; got != want {
			t.Fatalf("round %d: stock of %s = %d; want %d (one unit a round)", r, p.ID, got, want)
		}
	}
	orders, err := s.OrdersByUser(t.Context(), "u1")
	if err != nil {
		t.Fatalf("OrdersByUser(u1) = %v; want nil", err)
	}
	got := make([]string, len(orders))
	for i, o := range orders {
		got[i] = o.ID
	}
	slices.Sort(got)
	slices.Sort(winners)
	if !slices.Equal(got, winners) {
		t.Errorf("orders after %d rounds = %v; want exactly the %d that succeeded %v", rounds, got, len(winners), winners)
	}
}

// testLineAddedDuringCheckout races a checkout of a cart with a writer
// adding a line to it (read, add, save over the version read, again on
// ErrConflict): the added line is never lost. It is in the cart afterwards,
// whether the checkout placed the cart as it read it or was refused.
func testLineAddedDuringCheckout(t *testing.T, s shop.Store, rounds int) {
	p := NewProduct("p1", 1000, rounds)
	MustSaveProduct(t, s, p)
	first := shop.CartLine{ProductID: "p1", Quantity: 1, SeenPriceCents: 1000}
	added := shop.CartLine{ProductID: "extra", Quantity: 2, SeenPriceCents: 300}
	for r := range rounds {
		cartID := fmt.Sprintf("user-u1-round-%d", r)
		cart := MustSaveCart(t, s, cartID, first)
		o := NewOrder(fmt.Sprintf("o%d", r), "u1", at(time.Duration(r)*time.Second), LineOf(p, 1))
		var placeErr, addErr error
		var wg sync.WaitGroup
		wg.Go(func() { placeErr = s.PlaceOrder(t.Context(), o, cart) })
		wg.Go(func() {
			for range 100 {
				c, err := s.Cart(t.Context(), cartID)
				if err != nil {
					addErr = err
					return
				}
				c.Lines = append(c.Lines, added)
				if addErr = s.SaveCart(t.Context(), c); !errors.Is(addErr, shop.ErrConflict) {
					return
				}
			}
		})
		wg.Wait()
		if addErr != nil {
			t.Fatalf("round %d: adding a line = %v; want nil", r, addErr)
		}
		after := readCart(t, s, cartID).Lines
		switch {
		case placeErr == nil:
			if !slices.Equal(after, []shop.CartLine{added}) {
				t.Errorf("round %d: cart after the order = %+v; want only the added line %+v", r, after, added)
			}
		case errors.Is(placeErr, shop.ErrCartChanged), errors.Is(placeErr, shop.ErrConflict):
			if !slices.Equal(after, []shop.CartLine{first, added}) {
				t.Errorf("round %d: cart after a refused checkout = %+v; want both lines", r, after)
			}
			checkNoOrder(t, s, "after a refused checkout", o.ID)
		default:
			t.Fatalf("round %d: PlaceOrder() = %v; want nil, ErrCartChanged or ErrConflict", r, placeErr)
		}
	}
}

// ConcurrentPlaceOrders has buyers goroutines each place an order of one
// unit of productID, each from its own cart, and checks that exactly
// available succeed, the others are refused for stock or fail with
// ErrConflict, and the stock ends at 0. The product must exist with stock
// available.
func ConcurrentPlaceOrders(t *testing.T, s shop.Store, productID string, buyers, available int) {
	t.Helper()
	p, err := s.Product(t.Context(), productID)
	if err != nil {
		t.Fatalf("Product(%q) = %v; want nil", productID, err)
	}
	if p.Stock != available {
		t.Fatalf("stock of %s = %d; want %d before the race", productID, p.Stock, available)
	}
	orders, carts := oneUnitOrders(t, s, p, buyers)
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			errs[i] = s.PlaceOrder(t.Context(), orders[i], carts[i])
		})
	}
	wg.Wait()
	placed := 0
	for i, err := range errs {
		var refused *shop.PlacementRefused
		switch {
		case err == nil:
			placed++
			got, err := s.Order(t.Context(), orders[i].ID)
			if err != nil {
				t.Errorf("Order(%s) after it was placed = %v; want nil", orders[i].ID, err)
				continue
			}
			checkOrder(t, fmt.Sprintf("Order(%s)", orders[i].ID), got, orders[i])
		case errors.As(err, &refused):
			if rerr := refused.Refusal(orders[i].Items); !errors.Is(rerr, shop.ErrOutOfStock) {
				t.Errorf("Refusal of PlaceOrder(%s) = %v; want ErrOutOfStock", orders[i].ID, rerr)
			}
			checkNoOrder(t, s, "after a failed PlaceOrder", orders[i].ID)
		case errors.Is(err, shop.ErrConflict):
			checkNoOrder(t, s, "after a failed PlaceOrder", orders[i].ID)
		default:
			t.Errorf("PlaceOrder(%s) = %v; want nil, a *PlacementRefused or ErrConflict", orders[i].ID, err)
		}
	}
	if placed != available {
		t.Errorf("%d of %d concurrent PlaceOrder calls for %d units succeeded; want %d", placed, buyers, available, available)
	}
	if got := stockOf(t, s, productID); got != 0 {
		t.Errorf("stock of %s after the race = %d; want 0", productID, got)
	}
}

// oneUnitOrders returns buyers orders of one unit of p, o0 by u0 and so
// on, each with its own saved cart.
func oneUnitOrders(t *testing.T, s shop.Store, p *shop.Product, buyers int) ([]*shop.Order, []*shop.Cart) {
	t.Helper()
	orders := make([]*shop.Order, buyers)
	carts := make([]*shop.Cart, buyers)
	for i := range buyers {
		userID := fmt.Sprintf("u%d", i)
		orders[i] = NewOrder(fmt.Sprintf("o%d", i), userID, at(time.Duration(i)*time.Millisecond), LineOf(p, 1))
		carts[i] = cartOf(t, s, shop.UserCartID(userID), orders[i])
	}
	return orders, carts
}
