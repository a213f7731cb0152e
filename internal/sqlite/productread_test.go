package sqlite

import (
	"path/filepath"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// TestExactFeedSeesAnotherWritersCommit: the exact feed reports a change
// another process committed on its first call after the commit, with no
// wait, for every kind of product write (a whole product, a price, a
// stock change, an order's decrement: the triggers log them all).
func TestExactFeedSeesAnotherWritersCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	reader, writer := openTemp(t, path), openTemp(t, path)
	ctx := t.Context()
	shoptest.MustSaveProduct(t, writer, shoptest.NewProduct("p1", 100, 5))
	feed, err := reader.FollowCatalogExactly(ctx)
	if err != nil || feed == nil {
		t.Fatalf("FollowCatalogExactly() = %v, %v; want a feed", feed, err)
	}
	defer feed.Close()
	if changes, err := feed.Changes(ctx); err != nil || !changes.Empty() {
		t.Fatalf("Changes() before any change = %+v, %v; want none", changes, err)
	}
	price := shop.Money(250)
	for name, write := range map[string]func() error{
		"save": func() error { return writer.SaveProduct(ctx, shoptest.NewProduct("p1", 150, 5)) },
		"update": func() error {
			_, err := writer.UpdateProduct(ctx, "p1", shop.ProductUpdate{PriceCents: &price})
			return err
		},
		"stock": func() error { _, err := writer.AdjustStock(ctx, "p1", -1); return err },
	} {
		if err := write(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		changes, err := feed.Changes(ctx)
		if err != nil || len(changes.Products) != 1 || changes.Products[0].ID != "p1" {
			t.Errorf("Changes() right after a %s by another writer = %+v, %v; want p1", name, changes, err)
		}
		if changes, err := feed.Changes(ctx); err != nil || !changes.Empty() {
			t.Errorf("Changes() again after a %s = %+v, %v; want none", name, changes, err)
		}
	}
}

// TestProductReadSeesAnotherServersWrite: a service over one Store answers
// a product page's read with another server's price and stock change at
// once, not within the read model's 2 seconds.
func TestProductReadSeesAnotherServersWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	reader, writer := openTemp(t, path), openTemp(t, path)
	ctx := t.Context()
	shoptest.MustSaveProduct(t, writer, shoptest.NewProduct("p1", 100, 5))
	svc := shop.NewService(reader, shop.Config{})
	stop, err := svc.FollowCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if p, err := svc.Product(ctx, "p1"); err != nil || p.PriceCents != 100 {
		t.Fatalf("Product(p1) = %+v, %v; want price 100", p, err)
	}
	price := shop.Money(175)
	if _, err := writer.UpdateProduct(ctx, "p1", shop.ProductUpdate{PriceCents: &price}); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.AdjustStock(ctx, "p1", -5); err != nil {
		t.Fatal(err)
	}
	if p, err := svc.Product(ctx, "p1"); err != nil || p.PriceCents != 175 || p.Stock != 0 {
		t.Errorf("Product(p1) right after another server's changes = %+v, %v; want price 175, stock 0", p, err)
	}
}
