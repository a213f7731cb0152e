package shop

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Strong product reads without a store read per request.
//
// A product page shows the price and availability the shopper commits to,
// so it reads the store (strongly), never the catalog read model, which may
// lag. Where the store's catalog feed is exact (ExactCatalogFollower:
// SQLite's change log, the in-memory store's), the service keeps the
// products it has read in memory, each with a version, and before answering
// from them asks the feed what changed: an empty batch proves that every
// change committed before the check began has been applied, so a product
// answered after it is the store's as of a moment after the request
// arrived, as a read would be. Requests that arrive while a check runs wait
// for the next one, which starts when the running check ends: one check
// serves every request that arrived before it began, whatever the
// concurrency. A check that finds changes replaces the products they name
// and checks again.

// ExactCatalogFollower is a store that may have an exact catalog feed.
type ExactCatalogFollower interface {
	// FollowCatalogExactly is FollowCatalog for a feed whose empty batch
	// is a strong read: when its Changes returns an empty batch, every
	// catalog change committed before that call began has been reported,
	// by it or an earlier call. A store without such a feed (DynamoDB,
	// whose stream lags the table) returns nil and no error.
	FollowCatalogExactly(ctx context.Context) (CatalogFeed, error)
}

// maxKeptProducts bounds the products kept for strong reads.
const maxKeptProducts = 10000

// productReader keeps products read from the store while an exact catalog
// feed says they are unchanged (see above).
type productReader struct {
	store Store

	// feed is the exact feed once started; inexact says the store has
	// none, so every call reads the store.
	starting sync.Mutex
	feed     atomic.Pointer[exactFeed]
	inexact  atomic.Bool

	// checks coalesces the feed's checks: running is the check under way
	// (nil when none is), next the one that starts when it ends, which
	// every request arriving meanwhile waits for.
	checks        sync.Mutex
	running, next *productCheck

	mu          sync.RWMutex
	kept        map[string]keptProduct
	epoch       uint64 // counts the batches of changes applied
	lastVersion uint64 // the last version given
}

type exactFeed struct{ CatalogFeed }

// keptProduct is a product as read from the store, with the version that
// names this state of it in this process (never reused).
type keptProduct struct {
	product *Product // never changed once kept
	version uint64
}

// productCheck is one check of the feed and the requests waiting for it.
type productCheck struct {
	done chan struct{}
	err  error
}

// start returns the exact feed, following it from now on the first time,
// or nil when the store has none. A feed that fails to start is tried
// again by the next call.
func (pr *productReader) start(ctx context.Context) *exactFeed {
	if f := pr.feed.Load(); f != nil || pr.inexact.Load() {
		return f
	}
	pr.starting.Lock()
	defer pr.starting.Unlock()
	if f := pr.feed.Load(); f != nil || pr.inexact.Load() {
		return f
	}
	feed, err := pr.store.FollowCatalogExactly(ctx)
	switch {
	case err != nil:
		return nil
	case feed == nil:
		pr.inexact.Store(true)
		return nil
	}
	pr.mu.Lock()
	pr.kept = make(map[string]keptProduct)
	pr.mu.Unlock()
	f := &exactFeed{feed}
	pr.feed.Store(f)
	return f
}

// product returns product id as the store has it at some moment after the
// call began, and its version: equal versions are equal products. Version
// 0 means the product was read from the store and is not kept (no exact
// feed, or a change raced the read): it names no state. A kept product is
// shared by every caller: none may change it.
func (pr *productReader) product(ctx context.Context, id string) (*Product, uint64, error) {
	feed := pr.start(ctx)
	if feed == nil {
		p, err := pr.store.Product(ctx, id)
		return p, 0, err
	}
	if err := pr.check(ctx, feed); err != nil {
		// The feed failed (it reports the same changes again next
		// time): read the store, which answers strongly if it can.
		p, err := pr.store.Product(ctx, id)
		return p, 0, err
	}
	pr.mu.RLock()
	k, ok := pr.kept[id]
	epoch := pr.epoch
	pr.mu.RUnlock()
	if ok {
		return k.product, k.version, nil
	}
	p, err := pr.store.Product(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	version := pr.keep(p, epoch)
	return p, version, nil
}

// keep keeps p, read after a check that left the changes applied at
// epoch, unless changes were applied since (they may postdate the read and
// be lost to it) or a product with the id is kept already. It returns p's
// version, or 0 when p was not kept.
func (pr *productReader) keep(p *Product, epoch uint64) uint64 {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.epoch != epoch {
		return 0
	}
	if _, ok := pr.kept[p.ID]; ok {
		return 0
	}
	if len(pr.kept) >= maxKeptProducts {
		for id := range pr.kept { // any one: the map's order is random enough
			delete(pr.kept, id)
			break
		}
	}
	pr.lastVersion++
	pr.kept[p.ID] = keptProduct{product: p, version: pr.lastVersion}
	return pr.lastVersion
}

// check returns once a check of the feed that began after the call has
// applied every change it reported, or with that check's error.
func (pr *productReader) check(ctx context.Context, feed *exactFeed) error {
	pr.checks.Lock()
	c := pr.next
	if c == nil {
		c = &productCheck{done: make(chan struct{})}
		pr.next = c
	}
	if pr.running == nil {
		pr.running, pr.next = c, nil
		pr.checks.Unlock()
		pr.run(feed, c)
		return c.err
	}
	pr.checks.Unlock()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run runs check c, then starts the next one if requests wait for it.
// A check serves many requests, so it runs in no request's context: each
// request stops waiting at its own deadline (check), and the store's own
// bounds end the check (on SQLite the busy timeout; with a context that
// cannot end, its driver also spares a goroutine per query).
func (pr *productReader) run(feed *exactFeed, c *productCheck) {
	// Requests ready to run go first: those that arrive at the check
	// meanwhile join c, at no cost in time when none is.
	runtime.Gosched()
	c.err = pr.catchUp(context.Background(), feed)
	pr.checks.Lock()
	close(c.done)
	next := pr.next
	pr.running, pr.next = next, nil
	pr.checks.Unlock()
	if next != nil {
		go pr.run(feed, next)
	}
}

// catchUp applies the feed's batches until one is empty. After a failure
// the feed reports the same changes again; nothing kept is answered until
// a check succeeds.
func (pr *productReader) catchUp(ctx context.Context, feed *exactFeed) error {
	for {
		changes, err := feed.Changes(ctx)
		if err != nil {
			return err
		}
		if changes.Empty() {
			return nil
		}
		pr.apply(changes)
	}
}

// apply drops everything on a lost position, and replaces each kept
// product a batch names with its state in the batch (a later state than
// the change's, which is as good). Category changes alter no product.
func (pr *productReader) apply(changes CatalogChanges) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.epoch++
	if changes.Lost {
		clear(pr.kept)
		return
	}
	for i := range changes.Products {
		p := changes.Products[i]
		if _, ok := pr.kept[p.ID]; !ok {
			continue
		}
		pr.lastVersion++
		pr.kept[p.ID] = keptProduct{product: &p, version: pr.lastVersion}
	}
}
