package shop_test

// Strong product reads (productread.go): a product is answered as the store
// has it now, from memory while the store's exact change feed says it is
// unchanged, never from the catalog read model, which may lag.

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"storefront/internal/shop"
)

// readCountingStore counts Product calls, and can freeze the catalog read
// model (its feed reports nothing), take the exact feed away, or make the
// exact feed fail or lose its position.
type readCountingStore struct {
	shop.Store
	reads         atomic.Int64
	frozenModel   bool
	noExactFeed   bool
	exactFeedErr  atomic.Pointer[error]
	loseExactFeed atomic.Bool
	// feedDelay is how long the exact feed takes to return what it read.
	feedDelay time.Duration
}

func (s *readCountingStore) Product(ctx context.Context, id string) (*shop.Product, error) {
	s.reads.Add(1)
	return s.Store.Product(ctx, id)
}

func (s *readCountingStore) FollowCatalog(ctx context.Context) (shop.CatalogFeed, error) {
	if s.frozenModel {
		return quietFeed{}, nil
	}
	return s.Store.FollowCatalog(ctx)
}

func (s *readCountingStore) FollowCatalogExactly(ctx context.Context) (shop.CatalogFeed, error) {
	if s.noExactFeed {
		return nil, nil
	}
	feed, err := s.Store.FollowCatalogExactly(ctx)
	if err != nil || feed == nil {
		return feed, err
	}
	return &testFeed{CatalogFeed: feed, store: s}, nil
}

// quietFeed never reports a change: the read model it feeds lags forever.
type quietFeed struct{}

func (quietFeed) Changes(context.Context) (shop.CatalogChanges, error) {
	return shop.CatalogChanges{}, nil
}
func (quietFeed) Close() error { return nil }

// testFeed fails or reports a lost position when its store says so.
type testFeed struct {
	shop.CatalogFeed
	store *readCountingStore
}

func (f *testFeed) Changes(ctx context.Context) (shop.CatalogChanges, error) {
	if err := f.store.exactFeedErr.Load(); err != nil {
		return shop.CatalogChanges{}, *err
	}
	if f.store.loseExactFeed.CompareAndSwap(true, false) {
		return shop.CatalogChanges{Lost: true}, nil
	}
	changes, err := f.CatalogFeed.Changes(ctx)
	time.Sleep(f.store.feedDelay)
	return changes, err
}

func newReadFixture(t *testing.T, store *readCountingStore) *fixture {
	t.Helper()
	f := newFixture(t)
	store.Store = f.store
	f.svc = shop.NewService(store, shop.Config{PasswordParams: &cheapHashing, Now: f.clock.Now})
	return f
}

func price(cents shop.Money) shop.ProductUpdate {
	return shop.ProductUpdate{PriceCents: &cents}
}

// TestProductReadIsStrong: a change another writer made shows on the next
// read at once, while the catalog read model, which the listings answer
// from, has not followed it.
func TestProductReadIsStrong(t *testing.T) {
	store := &readCountingStore{frozenModel: true}
	f := newReadFixture(t, store)
	ctx := t.Context()
	stop, err := f.svc.FollowCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	before, version, err := f.svc.VersionedProduct(ctx, "kettle")
	if err != nil || before.PriceCents != 3900 || version == 0 {
		t.Fatalf("VersionedProduct(kettle) = %+v, %d, %v; want price 3900, a version", before, version, err)
	}

	if _, err := f.store.UpdateProduct(ctx, "kettle", price(4500)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.AdjustStock(ctx, "kettle", -4); err != nil {
		t.Fatal(err)
	}
	after, newVersion, err := f.svc.VersionedProduct(ctx, "kettle")
	if err != nil || after.PriceCents != 4500 || after.Stock != 6 || newVersion == version {
		t.Errorf("after another writer's changes: %+v, version %d (was %d), %v; want price 4500, stock 6, a new version",
			after, newVersion, version, err)
	}
	if p, err := f.svc.Product(ctx, "kettle"); err != nil || p.PriceCents != 4500 || p.Stock != 6 {
		t.Errorf("Product(kettle) = %+v, %v; want price 4500, stock 6", p, err)
	}
	page, err := f.svc.SearchProducts(ctx, shop.ProductQuery{Category: "kitchen"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Items {
		if p.ID == "kettle" && p.PriceCents != 3900 {
			t.Fatalf("the read model followed the change (price %d): the test shows nothing", p.PriceCents)
		}
	}
}

// TestProductReadKeepsUnchanged: an unchanged product is read from the
// store once and then answered, with the same version, after checks of the
// change feed; a change gives a new version, and what a caller of Product
// changes in its copy changes nothing kept.
func TestProductReadKeepsUnchanged(t *testing.T) {
	store := &readCountingStore{}
	f := newReadFixture(t, store)
	ctx := t.Context()
	_, v1, _ := f.svc.VersionedProduct(ctx, "mug")
	_, v2, _ := f.svc.VersionedProduct(ctx, "mug")
	p, _ := f.svc.Product(ctx, "mug")
	if got := store.reads.Load(); got != 1 || v1 != v2 || v1 == 0 {
		t.Errorf("three reads of an unchanged product: %d store reads, versions %d, %d; want 1 read, one version", got, v1, v2)
	}
	p.PriceCents = 1
	if again, _ := f.svc.Product(ctx, "mug"); again.PriceCents != 1250 {
		t.Errorf("a caller's change to its product reached the next read: price %d; want 1250", again.PriceCents)
	}

	if _, err := f.store.AdjustStock(ctx, "mug", 5); err != nil {
		t.Fatal(err)
	}
	changed, v3, _ := f.svc.VersionedProduct(ctx, "mug")
	if changed.Stock != 8 || v3 == v1 || v3 == 0 {
		t.Errorf("after a stock change: stock %d, version %d (was %d); want 8, a new version", changed.Stock, v3, v1)
	}
	if _, err := f.svc.Product(ctx, "nope"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Product(nope) = %v; want ErrNotFound", err)
	}
}

// TestProductReadWithoutExactFeed: a store without an exact feed
// (DynamoDB) is read on every call, and no version is given.
func TestProductReadWithoutExactFeed(t *testing.T) {
	store := &readCountingStore{noExactFeed: true}
	f := newReadFixture(t, store)
	for range 2 {
		if p, version, err := f.svc.VersionedProduct(t.Context(), "kettle"); err != nil || version != 0 || p.PriceCents != 3900 {
			t.Errorf("VersionedProduct(kettle) = %+v, %d, %v; want the product, version 0", p, version, err)
		}
	}
	if got := store.reads.Load(); got != 2 {
		t.Errorf("two reads made %d store reads; want 2", got)
	}
}

// TestProductReadFeedTrouble: while the exact feed fails, every call reads
// the store (and gives no version); a feed that lost its position drops
// every product kept.
func TestProductReadFeedTrouble(t *testing.T) {
	store := &readCountingStore{}
	f := newReadFixture(t, store)
	ctx := t.Context()
	if _, _, err := f.svc.VersionedProduct(ctx, "kettle"); err != nil {
		t.Fatal(err)
	}

	failure := errors.New("feed down")
	store.exactFeedErr.Store(&failure)
	if _, err := f.store.UpdateProduct(ctx, "kettle", price(4100)); err != nil {
		t.Fatal(err)
	}
	reads := store.reads.Load()
	p, version, err := f.svc.VersionedProduct(ctx, "kettle")
	if err != nil || p.PriceCents != 4100 || version != 0 || store.reads.Load()-reads != 1 {
		t.Errorf("with the feed failing: %+v, version %d, %v, %d store reads; want price 4100 read from the store, version 0",
			p, version, err, store.reads.Load()-reads)
	}
	store.exactFeedErr.Store(nil)
	if p, _, err := f.svc.VersionedProduct(ctx, "kettle"); err != nil || p.PriceCents != 4100 {
		t.Errorf("with the feed back: %+v, %v; want price 4100", p, err)
	}

	store.loseExactFeed.Store(true)
	reads = store.reads.Load()
	if _, _, err := f.svc.VersionedProduct(ctx, "kettle"); err != nil || store.reads.Load()-reads != 1 {
		t.Errorf("after the feed lost its position: %v, %d store reads; want the product read again", err, store.reads.Load()-reads)
	}
}

// TestProductReadConcurrent: under concurrent reads and stock changes,
// every read returns the stock of the last change completed before it
// began, or a later one, though the feed takes its time to answer (a read
// that began while a check ran waits for the next one); go test -race
// also checks the sharing.
func TestProductReadConcurrent(t *testing.T) {
	f := newReadFixture(t, &readCountingStore{feedDelay: 100 * time.Microsecond})
	ctx := t.Context()
	var committed atomic.Int64 // the stock of the last completed change
	committed.Store(3)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				// Readers arrive at any moment of a check, not all at once.
				time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
				least := committed.Load()
				p, err := f.svc.Product(ctx, "mug")
				if err != nil {
					t.Errorf("Product(mug) = %v", err)
					return
				}
				if int64(p.Stock) < least {
					t.Errorf("Product(mug) stock %d, begun after a change to %d completed", p.Stock, least)
					return
				}
			}
		})
	}
	for range 500 {
		p, err := f.store.AdjustStock(ctx, "mug", 1)
		if err != nil {
			t.Fatal(err)
		}
		committed.Store(int64(p.Stock))
		time.Sleep(50 * time.Microsecond)
	}
	close(done)
	wg.Wait()
}
