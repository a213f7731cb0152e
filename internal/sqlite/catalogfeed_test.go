package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// TestCatalogFeedLostAfterPruning: once the janitor deleted changes a feed
// had not reported, the feed says Lost (its reader loads the catalog
// again) instead of silently skipping them; a reader that is up to date is
// not disturbed by pruning.
func TestCatalogFeedLostAfterPruning(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	ctx := t.Context()
	behind, err := s.FollowCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	current, err := s.FollowCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shoptest.MustSaveProduct(t, s, shoptest.NewProduct("p1", 100, 1))
	if changes, err := current.Changes(ctx); err != nil || len(changes.Products) != 1 || changes.Lost {
		t.Fatalf("Changes() of the current feed = %+v, %v; want p1", changes, err)
	}
	if _, err := s.DeleteExpired(ctx, time.Now().Add(CatalogChangeRetention+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if changes, err := behind.Changes(ctx); err != nil || !changes.Lost {
		t.Errorf("Changes() of a feed behind the pruned changes = %+v, %v; want Lost", changes, err)
	}
	if changes, err := current.Changes(ctx); err != nil || !changes.Empty() {
		t.Errorf("Changes() of the current feed after pruning = %+v, %v; want none", changes, err)
	}
	shoptest.MustSaveProduct(t, s, shoptest.NewProduct("p2", 100, 1))
	for name, feed := range map[string]shop.CatalogFeed{"current": current, "behind, after Lost": behind} {
		changes, err := feed.Changes(ctx)
		if err != nil || changes.Lost || !slices.Equal(ids(changes.Products), []string{"p2"}) {
			t.Errorf("Changes() of the %s feed after a new change = %+v, %v; want p2", name, changes, err)
		}
	}
}

// TestFollowingServerSeesAnotherServersChanges: two servers on one
// database; the one following the catalog lists a product, a price, a
// stock change and a category that the other wrote within 2 seconds,
// without reading the store per listing.
func TestFollowingServerSeesAnotherServersChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	reader, writer := openTemp(t, path), openTemp(t, path)
	ctx := t.Context()
	if err := writer.SaveCategory(ctx, &shop.Category{ID: "kitchen", Name: "Kitchen"}); err != nil {
		t.Fatal(err)
	}
	shoptest.MustSaveProduct(t, writer, shoptest.NewProduct("kettle", 3900, 5))
	counted := &readCountingStore{Store: reader}
	svc := shop.NewService(counted, shop.Config{})
	stop, err := svc.FollowCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	started := time.Now()
	teapot := shoptest.NewProduct("teapot", 2500, 2)
	teapot.Name = "Blue teapot"
	shoptest.MustSaveProduct(t, writer, teapot)
	price := shop.Money(3500)
	if _, err := writer.UpdateProduct(ctx, "kettle", shop.ProductUpdate{PriceCents: &price}); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.AdjustStock(ctx, "teapot", -2); err != nil {
		t.Fatal(err)
	}
	if err := writer.SaveCategory(ctx, &shop.Category{ID: "garden", Name: "Garden"}); err != nil {
		t.Fatal(err)
	}
	for {
		c, err := svc.BrowseCatalog(ctx, shop.CatalogRequest{Text: "teapots", WithCategories: true})
		if err != nil {
			t.Fatal(err)
		}
		all, err := svc.BrowseCatalog(ctx, shop.CatalogRequest{Sort: shop.SortPriceAsc})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Products) == 1 && c.Products[0].Stock == 0 && len(c.Categories) == 2 &&
			len(all.Products) == 2 && all.Products[1].PriceCents == price {
			break
		}
		if time.Since(started) > 2*time.Second {
			t.Fatalf("after 2 s the following server lists %+v and %+v; want the new teapot sold out, the kettle at 3500, two categories",
				c, all)
		}
		time.Sleep(20 * time.Millisecond)
	}
	counted.reads.Store(0)
	for range 50 {
		if _, err := svc.BrowseCatalog(ctx, shop.CatalogRequest{Text: "kettle", WithCategories: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n := counted.reads.Load(); n != 0 {
		t.Errorf("50 catalog pages read the store's catalog %d times; want 0 (the read model answers)", n)
	}
}

// readCountingStore counts the reads of the catalog that a catalog page
// would make without the read model.
type readCountingStore struct {
	*Store
	reads atomic.Int64
}

func (s *readCountingStore) Products(ctx context.Context, ids []string) ([]shop.Product, error) {
	s.reads.Add(1)
	return s.Store.Products(ctx, ids)
}

func (s *readCountingStore) Categories(ctx context.Context) ([]shop.Category, error) {
	s.reads.Add(1)
	return s.Store.Categories(ctx)
}

func (s *readCountingStore) EachProduct(ctx context.Context, each func(*shop.Product) error) error {
	s.reads.Add(1)
	return s.Store.EachProduct(ctx, each)
}

func ids(products []shop.Product) []string {
	var out []string
	for _, p := range products {
		out = append(out, p.ID)
	}
	return out
}
