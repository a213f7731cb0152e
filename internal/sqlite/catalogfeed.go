package sqlite

import (
	"context"
	"database/sql"
	"time"

	"storefront/internal/shop"
)

// CatalogChangeRetention is how long the catalog's change log keeps a
// change: far longer than a follower's refresh interval, so only a server
// stalled that long has to load the whole catalog again.
const CatalogChangeRetention = time.Hour

// catalogFeedBatch bounds the changes one Changes call reads.
const catalogFeedBatch = 5000

// catalogFeed follows the catalog_changes log (migration 0013) from a
// sequence number.
type catalogFeed struct {
	store *Store
	after int64 // the last seq reported
}

// FollowCatalog returns a feed of the catalog changes committed from now
// on: those with a seq above the highest one written so far.
func (s *Store) FollowCatalog(ctx context.Context) (shop.CatalogFeed, error) {
	var last int64
	err := s.db.QueryRowContext(ctx,
		`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'catalog_changes'), 0)`).Scan(&last)
	if err != nil {
		return nil, wrap("follow the catalog", err)
	}
	return &catalogFeed{store: s, after: last}, nil
}

// Changes returns the next changes of the log after the last reported
// one, the products as they are now (a later state than the change's is
// as good: the read model keeps the latest), or Lost when the janitor
// deleted changes the feed had not reported yet.
func (f *catalogFeed) Changes(ctx context.Context) (shop.CatalogChanges, error) {
	var changes shop.CatalogChanges
	var oldest sql.NullInt64
	var highest int64
	err := f.store.db.QueryRowContext(ctx, `SELECT (SELECT min(seq) FROM catalog_changes),
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'catalog_changes'), 0)`).Scan(&oldest, &highest)
	if err != nil {
		return changes, wrap("read catalog changes", err)
	}
	if highest <= f.after {
		return changes, nil
	}
	if !oldest.Valid || oldest.Int64 > f.after+1 {
		// Changes after f.after were written and are gone.
		changes.Lost = true
		f.after = highest
		return changes, nil
	}
	rows, err := f.store.db.QueryContext(ctx,
		`SELECT seq, kind, id FROM catalog_changes WHERE seq > ? ORDER BY seq LIMIT ?`, f.after, catalogFeedBatch)
	if err != nil {
		return changes, wrap("read catalog changes", err)
	}
	defer rows.Close()
	last := f.after
	var ids []string
	seen := map[string]bool{}
	for rows.Next() {
		var kind, id string
		if err := rows.Scan(&last, &kind, &id); err != nil {
			return shop.CatalogChanges{}, wrap("read catalog changes", err)
		}
		switch {
		case kind == "category":
			changes.CategoriesChanged = true
		case !seen[id]:
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		return shop.CatalogChanges{}, wrap("read catalog changes", err)
	}
	if changes.Products, err = f.store.Products(ctx, ids); err != nil {
		return shop.CatalogChanges{}, err
	}
	f.after = last
	return changes, nil
}

// Close releases nothing: the feed is a position in the log.
func (f *catalogFeed) Close() error { return nil }
