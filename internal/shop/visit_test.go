package shop_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"storefront/internal/memstore"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// cartCountingStore counts the cart reads of a real store, and fails them
// with err once set.
type cartCountingStore struct {
	shop.Store
	reads atomic.Int64
	err   error
}

func (s *cartCountingStore) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	s.reads.Add(1)
	if s.err != nil {
		return nil, s.err
	}
	return s.Store.Cart(ctx, id)
}

// TestVisitReadsTheCartOnlyWhenAsked: starting a visit reads the session,
// never the cart (a POST that only redirects needs none); the first Cart
// or CartCount reads it, once, and later calls share that read, its error
// included.
func TestVisitReadsTheCartOnlyWhenAsked(t *testing.T) {
	ctx := t.Context()
	store := &cartCountingStore{Store: memstore.New()}
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params,
		Now: shoptest.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)).Now})
	if err := store.SaveCategory(ctx, &shop.Category{ID: "kitchen", Name: "Kitchen"}); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveProduct(ctx, &shop.Product{ID: "kettle", Name: "Kettle", Description: "Boils.", Category: "kitchen",
		PriceCents: 3900, Stock: 10, Active: true}); err != nil {
		t.Fatal(err)
	}
	added, err := svc.AddToVisitorCart(ctx, &shop.Visit{}, "kettle", "2")
	if err != nil {
		t.Fatalf("AddToVisitorCart = %v", err)
	}

	before := store.reads.Load()
	v, err := svc.StartVisit(ctx, added.Guest.Token)
	if err != nil || v.Session == nil {
		t.Fatalf("StartVisit = %+v, %v; want the guest's session", v, err)
	}
	if got := store.reads.Load() - before; got != 0 {
		t.Errorf("StartVisit read the cart %d times; want 0", got)
	}
	if n := v.CartCount(); n != 2 {
		t.Errorf("CartCount = %d; want 2", n)
	}
	if c, err := v.Cart(); err != nil || c == nil || c.ItemCount != 2 {
		t.Errorf("Cart = %+v, %v; want 2 items", c, err)
	}
	if got := store.reads.Load() - before; got != 1 {
		t.Errorf("CartCount and Cart read the cart %d times; want 1", got)
	}

	// A failed read is the visit's answer from then on, not retried: the
	// page shows no count, and the cart page fails with the error.
	store.err = shop.ErrUnavailable
	v2, err := svc.StartVisit(ctx, added.Guest.Token)
	if err != nil {
		t.Fatal(err)
	}
	if n := v2.CartCount(); n != 0 {
		t.Errorf("CartCount with a failing store = %d; want 0", n)
	}
	if _, err := v2.Cart(); !errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("Cart with a failing store = %v; want ErrUnavailable", err)
	}
	if got := store.reads.Load() - before; got != 2 {
		t.Errorf("cart reads = %d; want 2 (one per visit)", got)
	}

	// Without a session nothing is read.
	if c, err := (&shop.Visit{}).Cart(); c != nil || err != nil {
		t.Errorf("guest Cart = %+v, %v; want nil, nil", c, err)
	}
	if got := store.reads.Load() - before; got != 2 {
		t.Errorf("a guest's visit read the cart: %d reads; want 2", got)
	}
}

// productCountingStore counts the product reads of a real store.
type productCountingStore struct {
	shop.Store
	reads atomic.Int64
}

func (s *productCountingStore) Products(ctx context.Context, ids []string) ([]shop.Product, error) {
	s.reads.Add(1)
	return s.Store.Products(ctx, ids)
}

func (s *productCountingStore) Product(ctx context.Context, id string) (*shop.Product, error) {
	s.reads.Add(1)
	return s.Store.Product(ctx, id)
}

// TestCartCountReadsNoProduct: the header's count comes from the cart and
// the catalog read model, reading no product from the store (a catalog
// page of a shopper with a cart reads the session and the cart only); the
// cart page's priced cart reads them strongly, and its count agrees.
func TestCartCountReadsNoProduct(t *testing.T) {
	ctx := t.Context()
	store := &productCountingStore{Store: memstore.New()}
	svc := shop.NewService(store, shop.Config{})
	for _, id := range []string{"kettle", "mug"} {
		if err := store.SaveProduct(ctx, &shop.Product{ID: id, Name: id, Description: "A " + id + ".", Category: "kitchen",
			PriceCents: 1000, Stock: 10, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	added, err := svc.AddToVisitorCart(ctx, &shop.Visit{}, "kettle", "2")
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.StartVisit(ctx, added.Guest.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddToVisitorCart(ctx, v, "mug", "3"); err != nil {
		t.Fatal(err)
	}
	v, err = svc.StartVisit(ctx, added.Guest.Token)
	if err != nil {
		t.Fatal(err)
	}
	before := store.reads.Load()
	if n := v.CartCount(); n != 5 {
		t.Errorf("CartCount = %d; want 5", n)
	}
	if got := store.reads.Load() - before; got != 0 {
		t.Errorf("CartCount read products %d times; want 0 (the read model knows them)", got)
	}
	c, err := v.Cart()
	if err != nil || c.ItemCount != 5 || store.reads.Load()-before != 1 {
		t.Errorf("Cart = %+v, %v after %d product reads; want 5 items, read once", c, err, store.reads.Load()-before)
	}
}
