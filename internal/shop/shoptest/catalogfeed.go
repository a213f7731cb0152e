package shoptest

import (
	"testing"
	"time"

	"storefront/internal/shop"
)

// feedPatience is how long the suite waits for a change to reach a feed:
// a stream delivers within about a second.
const feedPatience = 10 * time.Second

// testCatalogFeed: a store's change feed reports every product and
// category change committed after FollowCatalog (a save, a staff update,
// a stock adjustment, an order's decrement), each product as written, and
// nothing from before.
func testCatalogFeed(t *testing.T, newStore func(t *testing.T) shop.Store) {
	s := newStore(t)
	ctx := t.Context()
	follower, ok := s.(shop.CatalogFollower)
	if !ok {
		t.Fatalf("%T does not implement shop.CatalogFollower: each server's catalog would read the store per request", s)
	}
	before := NewProduct("before", 100, 5)
	MustSaveProduct(t, s, before)
	feed, err := follower.FollowCatalog(ctx)
	if err != nil {
		t.Fatalf("FollowCatalog() = %v; want nil", err)
	}
	t.Cleanup(func() { _ = feed.Close() })

	added := NewProduct("added", 250, 4)
	MustSaveProduct(t, s, added)
	if _, err := s.AdjustStock(ctx, "before", 3); err != nil {
		t.Fatalf("AdjustStock(before, 3) = %v; want nil", err)
	}
	name := "Renamed"
	if _, err := s.UpdateProduct(ctx, "added", shop.ProductUpdate{Name: &name}); err != nil {
		t.Fatalf("UpdateProduct(added) = %v; want nil", err)
	}
	if err := s.PlaceOrder(ctx, NewOrder("o1", "u1", at(time.Minute), LineOf(added, 1)), nil); err != nil {
		t.Fatalf("PlaceOrder(o1) = %v; want nil", err)
	}
	if err := s.SaveCategory(ctx, &shop.Category{ID: "tools", Name: "Tools"}); err != nil {
		t.Fatalf("SaveCategory(tools) = %v; want nil", err)
	}

	// The latest state reported of each product, and whether the category
	// change was, until both products reached their final state.
	latest := map[string]shop.Product{}
	categories := false
	deadline := time.Now().Add(feedPatience)
	for {
		changes, err := feed.Changes(ctx)
		if err != nil {
			t.Fatalf("Changes() = %v; want nil", err)
		}
		if changes.Lost {
			t.Fatalf("Changes() = Lost; want the changes")
		}
		for _, p := range changes.Products {
			latest[p.ID] = p
		}
		categories = categories || changes.CategoriesChanged
		if latest["before"].Stock == 8 && latest["added"].Name == name && latest["added"].Stock == 3 && categories {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v the feed reported %+v, categories changed %v; want before at stock 8, added renamed at stock 3, a category change",
				feedPatience, latest, categories)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := latest["added"]
	want := *added
	want.Name, want.Stock = name, 3
	checkProduct(t, "the feed's added", &got, &want)
	for id := range latest {
		if id != "before" && id != "added" {
			t.Errorf("the feed reported product %q; want only the changed ones", id)
		}
	}
}
