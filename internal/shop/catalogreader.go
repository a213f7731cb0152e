package shop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// CatalogRefreshInterval is how often a following server asks the store's
// change feed for news: a change reaches every server's listings well
// within 2 seconds.
const CatalogRefreshInterval = 250 * time.Millisecond

// catalogReader keeps this process's catalogModel in step with the store.
// A server follows the feed in the background (Service.FollowCatalog);
// until then (tests, command-line tools) every read first brings the model
// up to date, so a process reads its own and others' writes at once.
type catalogReader struct {
	store Store
	log   *slog.Logger

	mu        sync.Mutex // held while loading or applying a batch: one at a time
	feed      CatalogFeed
	model     atomic.Pointer[catalogModel]
	following atomic.Bool
	// version changes whenever the model does (CatalogVersion).
	version atomic.Uint64
}

func newCatalogReader(store Store, log *slog.Logger) *catalogReader {
	return &catalogReader{store: store, log: log}
}

// current returns the model to answer from, up to date unless a follower
// keeps it so.
func (r *catalogReader) current(ctx context.Context) (*catalogModel, error) {
	if m := r.model.Load(); m != nil && r.following.Load() {
		return m, nil
	}
	if err := r.refresh(ctx); err != nil {
		return nil, err
	}
	return r.model.Load(), nil
}

// refresh loads the model, or applies what the feed reports since the
// last refresh.
func (r *catalogReader) refresh(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.model.Load()
	if m == nil || r.feed == nil {
		return r.load(ctx)
	}
	changes, err := r.feed.Changes(ctx)
	if err != nil {
		return err
	}
	if changes.Lost {
		r.log.Warn("catalog feed lost its position; loading the whole catalog again")
		return r.load(ctx)
	}
	if changes.Empty() {
		return nil
	}
	var categories []Category
	if changes.CategoriesChanged {
		if categories, err = r.store.Categories(ctx); err != nil {
			return err
		}
	}
	m.apply(changes.Products, categories)
	r.version.Add(1)
	return nil
}

// load reads the whole catalog into a new model, following the feed from
// just before, so nothing committed meanwhile is missed (applying a
// change the load already saw again is harmless: the later write wins).
func (r *catalogReader) load(ctx context.Context) error {
	if r.feed != nil {
		_ = r.feed.Close() // a new feed replaces it
		r.feed = nil
	}
	feed, err := r.store.FollowCatalog(ctx)
	if err != nil {
		return err
	}
	// The products go to the model a batch at a time as they are read:
	// a start never holds a list of every product besides the model.
	b := newCatalogBuilder()
	batch := make([]Product, 0, loadBatch)
	err = r.store.EachProduct(ctx, func(p *Product) error {
		if batch = append(batch, *p); len(batch) == loadBatch {
			b.add(batch)
			batch = make([]Product, 0, loadBatch)
		}
		return nil
	})
	if err != nil {
		_ = feed.Close()
		return err
	}
	b.add(slices.Clone(batch)) // the last, of its length
	categories, err := r.store.Categories(ctx)
	if err != nil {
		_ = feed.Close()
		return err
	}
	r.feed = feed
	r.model.Store(b.finish(categories))
	r.version.Add(1)
	return nil
}

// follow refreshes the model every interval until ctx ends; a failed
// refresh is logged and tried again at the next tick.
func (r *catalogReader) follow(ctx context.Context, interval time.Duration) {
	defer r.following.Store(false)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		err := r.refresh(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			r.log.Warn("catalog refresh failed; listings may lag until it succeeds", "err", err)
			failing = true
		case err == nil && failing:
			r.log.Info("catalog refresh works again")
			failing = false
		}
	}
}

// FollowCatalog loads the catalog read model and then keeps it within
// CatalogRefreshInterval of the store in a goroutine of its own, until
// stop (which waits for it) or the end of ctx. A server calls it once at
// start, before it is ready: starting reads every product once.
func (s *Service) FollowCatalog(ctx context.Context) (stop func(), err error) {
	r := s.catalog
	if !r.following.CompareAndSwap(false, true) {
		return nil, errors.New("shop: the catalog is followed already")
	}
	started := time.Now()
	if err := r.refresh(ctx); err != nil {
		r.following.Store(false)
		return nil, fmt.Errorf("shop: load the catalog: %w", err)
	}
	m := r.model.Load()
	m.mu.RLock()
	count := len(m.products)
	m.mu.RUnlock()
	s.log.Info("catalog loaded", "products", count, "took", time.Since(started).Round(time.Millisecond))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.follow(ctx, CatalogRefreshInterval)
	}()
	return func() {
		cancel()
		<-done
	}, nil
}

// CatalogVersion changes whenever the catalog read model does: a key for
// caching what a listing shows.
// A process that does not follow the feed (tests, tools) brings the model
// up to date first, as its reads do; a failure to is 0: no version, so
// nothing is cached by it.
func (s *Service) CatalogVersion(ctx context.Context) uint64 {
	if !s.catalog.following.Load() {
		if _, err := s.catalog.current(ctx); err != nil {
			return 0
		}
	}
	return s.catalog.version.Load()
}

// catalogChanged brings this server's model up to date after the service
// itself changed the catalog (staff edits, imports), so the next page on
// this server shows it; other servers follow within the refresh interval.
// A failure is only logged: the follower catches up.
func (s *Service) catalogChanged(ctx context.Context) {
	if s.catalog.model.Load() == nil {
		return
	}
	if err := s.catalog.refresh(ctx); err != nil {
		s.log.Warn("catalog refresh after a change failed; listings catch up later", "err", err)
	}
}
