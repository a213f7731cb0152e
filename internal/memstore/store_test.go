package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"storefront/internal/memstore"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestStore(t *testing.T) {
	shoptest.TestStore(t, func(*testing.T) shop.Store { return memstore.New() })
}

// TestService: servers sharing a store in memory share the one value.
func TestService(t *testing.T) {
	shoptest.TestService(t, func(_ *testing.T, n int) []shop.Store {
		s := memstore.New()
		stores := make([]shop.Store, n)
		for i := range stores {
			stores[i] = s
		}
		return stores
	})
}

// TestNoSharedMemory: changing a value after saving it, or one the store
// returned, changes nothing stored, as with a store across a network.
func TestNoSharedMemory(t *testing.T) {
	s := memstore.New()
	ctx := t.Context()
	p := shoptest.NewProduct("p1", 1000, 5)
	shoptest.MustSaveProduct(t, s, p)
	cart := shoptest.MustSaveCart(t, s, "user-u1", shop.CartLine{ProductID: "p1", Quantity: 2, SeenPriceCents: 1000})
	cart.Lines[0].Quantity = 99
	read, err := s.Cart(ctx, "user-u1")
	if err != nil {
		t.Fatal(err)
	}
	if read.Lines[0].Quantity != 2 {
		t.Fatalf("Cart line quantity after changing the saved cart's lines = %d; want 2", read.Lines[0].Quantity)
	}
	read.Lines[0].Quantity = 42
	if reread, err := s.Cart(ctx, "user-u1"); err != nil || reread.Lines[0].Quantity != 2 {
		t.Fatalf("Cart after changing a returned cart's lines = %+v, %v; want quantity 2", reread, err)
	}

	o := shoptest.NewOrder("o1", "u1", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), shoptest.LineOf(p, 1))
	if err := s.PlaceOrder(ctx, o, cart); err != nil {
		t.Fatalf("PlaceOrder() = %v; want nil", err)
	}
	o.Items[0].Quantity = 7
	got, err := s.Order(ctx, "o1")
	if err != nil || got.Items[0].Quantity != 1 {
		t.Fatalf("Order(o1) after changing the placed order's items = %+v, %v; want quantity 1", got, err)
	}
	got.Items[0].Quantity = 8
	list, err := s.OrdersByUser(ctx, "u1")
	if err != nil || len(list) != 1 || list[0].Items[0].Quantity != 1 {
		t.Fatalf("OrdersByUser(u1) after changing a returned order's items = %+v, %v; want quantity 1", list, err)
	}

	accepted := shop.StatusChange{Status: shop.OrderStatusAccepted, At: o.CreatedAt.Add(time.Minute), Actor: "processor"}
	changed, err := s.ChangeOrderStatus(ctx, "o1", shop.StatusUpdate{From: shop.OrderStatusPlaced, Change: accepted})
	if err != nil {
		t.Fatalf("ChangeOrderStatus(o1, accepted) = %v; want nil", err)
	}
	changed.StatusHistory[0].Actor = "someone else"
	changed.Items[0].Quantity = 9
	if got, err := s.Order(ctx, "o1"); err != nil || got.StatusHistory[0] != accepted || got.Items[0].Quantity != 1 {
		t.Fatalf("Order(o1) after changing the order ChangeOrderStatus returned = %+v, %v; want history [%+v], quantity 1", got, err, accepted)
	}
	got, err = s.Order(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	got.StatusHistory[0].Actor = "someone else"
	if again, err := s.Order(ctx, "o1"); err != nil || again.StatusHistory[0] != accepted {
		t.Fatalf("Order(o1) after changing a returned order's history = %+v, %v; want [%+v]", again, err, accepted)
	}

	updated, err := s.UpdateProduct(ctx, "p1", shop.ProductUpdate{})
	if err != nil {
		t.Fatalf("UpdateProduct(p1, nothing) = %v; want nil", err)
	}
	updated.Stock = 1000
	if got, err := s.Product(ctx, "p1"); err != nil || got.Stock != 4 {
		t.Fatalf("Product(p1) after changing the product UpdateProduct returned = %+v, %v; want stock 4", got, err)
	}
}

// TestDoneContext: a passed deadline is ErrUnavailable, as the other stores
// report it, and a cancelled call fails; neither changes anything.
func TestDoneContext(t *testing.T) {
	s := memstore.New()
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	if err := s.SaveProduct(expired, shoptest.NewProduct("p1", 100, 1)); !errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("SaveProduct(deadline passed) = %v; want ErrUnavailable", err)
	}
	cancelled, cancelNow := context.WithCancel(t.Context())
	cancelNow()
	if err := s.Ping(cancelled); err == nil {
		t.Errorf("Ping(cancelled) = nil; want an error")
	}
	if n, err := s.CountProducts(t.Context()); err != nil || n != 0 {
		t.Errorf("CountProducts() = %d, %v; want 0, nil (nothing saved after a passed deadline)", n, err)
	}
}

func TestProcessingStore(t *testing.T) {
	shoptest.TestProcessingStore(t, func(*testing.T) shop.ProcessingStore { return memstore.New() })
}
