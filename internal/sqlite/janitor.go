package sqlite

import (
	"context"
	"time"

	"storefront/internal/shop"
)

// The janitor deletes what has expired (shop/retention.go), as DynamoDB's
// TTL does for the other store: without it, guest sessions, ended API
// tokens, abandoned carts and throttle records of every address that ever
// failed a sign-in would pile up for ever.

// janitorBatch bounds the rows one statement deletes: each batch is its own
// short write transaction, so the janitor never holds the write lock long
// enough to make a shopper's request wait.
const janitorBatch = 500

// JanitorInterval is how often the server runs the janitor.
const JanitorInterval = 10 * time.Minute

// expiry is one kind of expiring row: a statement deleting at most
// janitorBatch of them, and its arguments at a given time. A new kind of
// expiring record (say, password reset tokens) is one more entry.
type expiry struct {
	what  string
	query string
	args  func(now time.Time) []any
}

var expiries = []expiry{
	{
		what:  "sessions and API tokens",
		query: `DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE expires_at <= ? LIMIT ?)`,
		args:  func(now time.Time) []any { return []any{millis(now)} },
	},
	{
		// Guests' carts: kept as long as the session holding them; the
		// lines go with them (ON DELETE CASCADE).
		what: "guest carts",
		query: `DELETE FROM carts WHERE rowid IN (SELECT rowid FROM carts
			WHERE updated_at <= ? AND substr(id, 1, length(?)) <> ? LIMIT ?)`,
		args: func(now time.Time) []any {
			prefix := shop.UserCartID("")
			return []any{millis(now.Add(-shop.GuestCartRetention)), prefix, prefix}
		},
	},
	{
		what: "user carts",
		query: `DELETE FROM carts WHERE rowid IN (SELECT rowid FROM carts
			WHERE updated_at <= ? AND substr(id, 1, length(?)) = ? LIMIT ?)`,
		args: func(now time.Time) []any {
			prefix := shop.UserCartID("")
			return []any{millis(now.Add(-shop.UserCartRetention)), prefix, prefix}
		},
	},
	{
		// Records whose window and lock are both over (shop.ThrottleExpiresAt);
		// a reset record (both times zero) is kept: deleting it would
		// restart its version.
		what: "throttle records",
		query: `DELETE FROM login_throttles WHERE rowid IN (SELECT rowid FROM login_throttles
			WHERE locked_until <= ? AND window_start <= ? AND NOT (window_start = ? AND locked_until = ?) LIMIT ?)`,
		args: func(now time.Time) []any {
			zero := millis(time.Time{})
			return []any{millis(now), millis(now.Add(-shop.ThrottleWindow)), zero, zero}
		},
	},
	{
		what:  "catalog changes",
		query: `DELETE FROM catalog_changes WHERE rowid IN (SELECT rowid FROM catalog_changes WHERE changed_at <= ? LIMIT ?)`,
		args:  func(now time.Time) []any { return []any{millis(now.Add(-CatalogChangeRetention))} },
	},
	{
		what:  "password reset links",
		query: `DELETE FROM password_resets WHERE rowid IN (SELECT rowid FROM password_resets WHERE expires_at <= ? LIMIT ?)`,
		args:  func(now time.Time) []any { return []any{millis(now)} },
	},
}

// DeleteExpired deletes every row expired at now, in batches of at most
// janitorBatch rows per statement, and returns how many it deleted. It
// stops at the first error (the next run goes on from there).
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	total := 0
	for _, e := range expiries {
		for {
			n, err := s.exec(ctx, "delete expired "+e.what, e.query, append(e.args(now), janitorBatch)...)
			if err != nil {
				return total, err
			}
			total += int(n)
			if n < janitorBatch {
				break
			}
		}
	}
	return total, nil
}

// RunJanitor deletes what has expired by the clock now, at once and then
// every interval, until ctx is done. A failed run is logged and retried at
// the next interval.
func (s *Store) RunJanitor(ctx context.Context, interval time.Duration, now func() time.Time) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		n, err := s.DeleteExpired(ctx, now())
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.WarnContext(ctx, "janitor: deleting expired rows failed", "deleted", n, "err", err)
		case n > 0:
			s.log.InfoContext(ctx, "janitor: deleted expired rows", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
