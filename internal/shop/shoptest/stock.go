package shoptest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

func ptr[T any](v T) *T { return &v }

func testUpdateProduct(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("NamedFields", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		MustSaveProduct(t, s, p)
		got, err := s.UpdateProduct(t.Context(), "p1", shop.ProductUpdate{Name: ptr("Renamed"), PriceCents: ptr(shop.Money(1250))})
		if err != nil {
			t.Fatalf("UpdateProduct(p1, name and price) = %v; want nil", err)
		}
		want := *p
		want.Name, want.PriceCents = "Renamed", 1250
		checkProduct(t, "UpdateProduct(p1, name and price)", got, &want)
		read, err := s.Product(t.Context(), "p1")
		if err != nil {
			t.Fatalf("Product(p1) = %v; want nil", err)
		}
		checkProduct(t, "Product(p1) after UpdateProduct", read, &want)

		got, err = s.UpdateProduct(t.Context(), "p1", shop.ProductUpdate{Description: ptr("New words."), Category: ptr("garden"), Active: ptr(false)})
		if err != nil {
			t.Fatalf("UpdateProduct(p1, description, category, active) = %v; want nil", err)
		}
		want.Description, want.Category, want.Active = "New words.", "garden", false
		checkProduct(t, "UpdateProduct(p1, description, category, active)", got, &want)

		got, err = s.UpdateProduct(t.Context(), "p1", shop.ProductUpdate{})
		if err != nil {
			t.Fatalf("UpdateProduct(p1, nothing) = %v; want nil", err)
		}
		checkProduct(t, "UpdateProduct(p1, nothing)", got, &want)
	})
	t.Run("KeepsStock", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		MustSaveProduct(t, s, p)
		// An order's decrement after the editor read the product stands.
		if _, err := s.AdjustStock(t.Context(), "p1", -2); err != nil {
			t.Fatalf("AdjustStock(p1, -2) = %v; want nil", err)
		}
		got, err := s.UpdateProduct(t.Context(), "p1", shop.ProductUpdate{PriceCents: ptr(shop.Money(900))})
		if err != nil || got.Stock != 3 || got.PriceCents != 900 {
			t.Fatalf("UpdateProduct(p1, price) = %+v, %v; want stock 3, price 900", got, err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.UpdateProduct(t.Context(), "nope", shop.ProductUpdate{Name: ptr("x")}); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("UpdateProduct(missing) = %v; want ErrNotFound", err)
		}
		if n, err := s.CountProducts(t.Context()); err != nil || n != 0 {
			t.Errorf("CountProducts() after UpdateProduct(missing) = %d, %v; want 0 (nothing created)", n, err)
		}
	})
}

func testAdjustStock(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("AddAndRemove", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		MustSaveProduct(t, s, p)
		for _, step := range []struct{ delta, want int }{{3, 8}, {-8, 0}, {1, 1}} {
			got, err := s.AdjustStock(t.Context(), "p1", step.delta)
			if err != nil {
				t.Fatalf("AdjustStock(p1, %d) = %v; want nil", step.delta, err)
			}
			want := *p
			want.Stock = step.want
			checkProduct(t, fmt.Sprintf("AdjustStock(p1, %d)", step.delta), got, &want)
			checkStocks(t, s, fmt.Sprintf("after AdjustStock(p1, %d)", step.delta), map[string]int{"p1": step.want})
		}
	})
	t.Run("BelowZero", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 2)
		MustSaveProduct(t, s, p)
		_, err := s.AdjustStock(t.Context(), "p1", -3)
		var serr *shop.StockError
		if !errors.Is(err, shop.ErrOutOfStock) || !errors.As(err, &serr) {
			t.Fatalf("AdjustStock(p1, -3) with stock 2 = %v; want a *StockError (ErrOutOfStock)", err)
		}
		want := shop.Shortage{ProductID: "p1", Name: p.Name, Requested: 3, Available: 2}
		if len(serr.Items) != 1 || serr.Items[0] != want {
			t.Errorf("AdjustStock(p1, -3) shortages = %+v; want [%+v]", serr.Items, want)
		}
		checkStocks(t, s, "after a refused AdjustStock", map[string]int{"p1": 2})
	})
	t.Run("OverTheLimit", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("p1", 1000, shop.MaxStock-5))
		if _, err := s.AdjustStock(t.Context(), "p1", 6); !errors.Is(err, shop.ErrStockLimit) {
			t.Fatalf("AdjustStock(p1, 6) with stock MaxStock-5 = %v; want ErrStockLimit", err)
		}
		checkStocks(t, s, "after a refused AdjustStock", map[string]int{"p1": shop.MaxStock - 5})
		// Two adjustments at once that each fit but not together: one passes.
		var errs [2]error
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { _, errs[i] = s.AdjustStock(t.Context(), "p1", 3) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs[0], errs[1]), shop.ErrStockLimit) {
			t.Errorf("two AdjustStock(p1, 3) at once with 5 to the limit = %v, %v; want one nil, one ErrStockLimit", errs[0], errs[1])
		}
		checkStocks(t, s, "after the two adjustments", map[string]int{"p1": shop.MaxStock - 2})
		if _, err := s.AdjustStock(t.Context(), "p1", 2); err != nil {
			t.Errorf("AdjustStock(p1, 2) up to the limit = %v; want nil", err)
		}
		// Over the limit (a cancellation's restock can take it there), a
		// removal is still an adjustment like any other.
		MustSaveProduct(t, s, NewProduct("p2", 1000, shop.MaxStock+10))
		if _, err := s.AdjustStock(t.Context(), "p2", -3); err != nil {
			t.Errorf("AdjustStock(p2, -3) with stock MaxStock+10 = %v; want nil", err)
		}
		checkStocks(t, s, "after removing from a stock over the limit", map[string]int{"p2": shop.MaxStock + 7})
	})
	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.AdjustStock(t.Context(), "nope", 5); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("AdjustStock(missing, 5) = %v; want ErrNotFound", err)
		}
		if n, err := s.CountProducts(t.Context()); err != nil || n != 0 {
			t.Errorf("CountProducts() after AdjustStock(missing) = %d, %v; want 0 (nothing created)", n, err)
		}
	})
	t.Run("ConcurrentWithOrders", func(t *testing.T) {
		s := newStore(t)
		const start, restock, buyers = 20, 100, 20
		MustSaveProduct(t, s, NewProduct("p1", 900, start))
		RestockDuringOrders(t, s, "p1", restock, buyers)
	})
}

// RestockDuringOrders adds restock units of productID while buyers
// one-unit orders of it run, each from its own cart, and checks that no
// change is lost: every order is placed and the stock ends at its start
// plus restock minus buyers. The stock must cover the buyers without the
// restock. ErrConflict (nothing changed) is retried, as a client would.
func RestockDuringOrders(t *testing.T, s shop.Store, productID string, restock, buyers int) {
	t.Helper()
	p, err := s.Product(t.Context(), productID)
	if err != nil {
		t.Fatalf("Product(%q) = %v; want nil", productID, err)
	}
	if p.Stock < buyers {
		t.Fatalf("stock of %s = %d; want at least %d before the race", productID, p.Stock, buyers)
	}
	start := p.Stock
	orders, carts := oneUnitOrders(t, s, p, buyers)
	errs := make([]error, buyers)
	var restockErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		restockErr = retryConflicts(func() error {
			_, err := s.AdjustStock(t.Context(), productID, restock)
			return err
		})
	})
	for i := range buyers {
		wg.Go(func() {
			errs[i] = retryConflicts(func() error { return s.PlaceOrder(t.Context(), orders[i], carts[i]) })
		})
	}
	wg.Wait()
	if restockErr != nil {
		t.Errorf("AdjustStock(%s, %d) during the orders = %v; want nil", productID, restock, restockErr)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("PlaceOrder(%s) during the restock = %v; want nil", orders[i].ID, err)
		}
	}
	if got, want := stockOf(t, s, productID), start+restock-buyers; got != want {
		t.Errorf("stock of %s after +%d and %d one-unit orders from %d = %d; want %d", productID, restock, buyers, start, got, want)
	}
}

// retryConflicts runs call again while it fails with shop.ErrConflict,
// which changes nothing, a bounded number of times.
func retryConflicts(call func() error) error {
	var err error
	for range 20 {
		if err = call(); !errors.Is(err, shop.ErrConflict) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return err
}
