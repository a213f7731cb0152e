package sqlite

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

var janitorNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func mustExec(t *testing.T, s *Store, query string, args ...any) {
	t.Helper()
	if _, err := s.db.ExecContext(t.Context(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJanitorDeletesWhatExpired: with the clock at janitorNow, the janitor
// deletes expired sessions and API tokens, carts past their retention
// (with their lines) and throttle records whose window and lock are over,
// and keeps everything else.
func TestJanitorDeletesWhatExpired(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	ctx := t.Context()
	now := janitorNow
	session := func(id, kind, user string, expires time.Time) {
		t.Helper()
		if err := s.CreateSession(ctx, &shop.Session{IDHash: id, Kind: kind, UserID: user, CartID: "guest-" + id,
			CreatedAt: expires.Add(-time.Hour), LastSeenAt: expires.Add(-time.Hour), ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
	}
	session("guest-ended", shop.SessionWeb, "", now.Add(-time.Minute))
	session("token-ended", shop.SessionAPI, "u1", now.Add(-time.Second))
	session("guest-live", shop.SessionWeb, "", now.Add(time.Minute))
	session("token-live", shop.SessionAPI, "u1", now.Add(time.Hour))

	cart := func(id string, updated time.Time) {
		t.Helper()
		c := &shop.Cart{ID: id, UpdatedAt: updated, Lines: []shop.CartLine{{ProductID: "p1", Quantity: 1, SeenPriceCents: 100}}}
		if err := s.SaveCart(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cart("guest-old", now.Add(-shop.GuestCartRetention-time.Second))
	cart("guest-recent", now.Add(-shop.GuestCartRetention+time.Hour))
	cart(shop.UserCartID("old"), now.Add(-shop.UserCartRetention-time.Second))
	cart(shop.UserCartID("months"), now.Add(-shop.GuestCartRetention-time.Hour)) // a user's cart outlives a guest's

	throttle := func(key string, th shop.LoginThrottle) {
		t.Helper()
		th.Key = key
		if err := s.SaveLoginThrottle(ctx, &th); err != nil {
			t.Fatal(err)
		}
	}
	throttle("window-over", shop.LoginThrottle{Failures: 3, WindowStart: now.Add(-shop.ThrottleWindow - time.Second)})
	throttle("lock-over", shop.LoginThrottle{Failures: 10, WindowStart: now.Add(-time.Hour), LockedUntil: now.Add(-time.Second)})
	throttle("in-window", shop.LoginThrottle{Failures: 3, WindowStart: now.Add(-time.Minute)})
	throttle("locked", shop.LoginThrottle{Failures: 10, WindowStart: now.Add(-time.Hour), LockedUntil: now.Add(time.Minute)})
	throttle("reset", shop.LoginThrottle{}) // kept: deleting it would restart its version

	deleted, err := s.DeleteExpired(ctx, now)
	if err != nil {
		t.Fatalf("DeleteExpired() = %v; want nil", err)
	}
	if deleted != 6 {
		t.Errorf("DeleteExpired() deleted %d rows; want 6", deleted)
	}
	for id, want := range map[string]bool{"guest-ended": false, "token-ended": false, "guest-live": true, "token-live": true} {
		_, err := s.Session(ctx, id)
		if got := err == nil; got != want {
			t.Errorf("session %s kept = %v (err %v); want %v", id, got, err, want)
		}
	}
	for id, want := range map[string]bool{"guest-old": false, "guest-recent": true, shop.UserCartID("old"): false, shop.UserCartID("months"): true} {
		c, err := s.Cart(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(c.Lines) > 0; got != want {
			t.Errorf("cart %s kept = %v; want %v", id, got, want)
		}
	}
	if n := countRows(t, s, "cart_lines"); n != 2 {
		t.Errorf("cart_lines holds %d rows; want 2 (the lines of deleted carts go with them)", n)
	}
	for key, want := range map[string]bool{"window-over": false, "lock-over": false, "in-window": true, "locked": true, "reset": true} {
		th, err := s.LoginThrottle(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if got := th.Version > 0; got != want {
			t.Errorf("throttle record %s kept = %v; want %v", key, got, want)
		}
	}
}

// TestJanitorDeletesInBatches: more expired rows than one statement
// deletes are all deleted, batch after batch.
func TestJanitorDeletesInBatches(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	const n = 2*janitorBatch + 7
	expired := millis(janitorNow.Add(-time.Minute))
	tx, err := s.db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := tx.ExecContext(t.Context(), `INSERT INTO sessions (id_hash, kind, user_id, cart_id, created_at, last_seen_at, expires_at)
			VALUES (?, 'web', '', '', 0, 0, ?)`, fmt.Sprintf("s%d", i), expired); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	deleted, err := s.DeleteExpired(t.Context(), janitorNow)
	if err != nil || deleted != n {
		t.Fatalf("DeleteExpired() = %d, %v; want %d, nil", deleted, err, n)
	}
	if left := countRows(t, s, "sessions"); left != 0 {
		t.Errorf("%d expired sessions left; want 0", left)
	}
}

// TestRunJanitor: the janitor runs at its interval by its clock: a session
// live at the first run is gone once the clock has passed its expiry; it
// stops when its context ends.
func TestRunJanitor(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	clock := shoptest.NewClock(janitorNow)
	if err := s.CreateSession(t.Context(), &shop.Session{IDHash: "h1", Kind: shop.SessionWeb, CartID: "guest-1",
		CreatedAt: janitorNow, LastSeenAt: janitorNow, ExpiresAt: janitorNow.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s.RunJanitor(ctx, 10*time.Millisecond, clock.Now)
	}()
	time.Sleep(50 * time.Millisecond) // a few runs at janitorNow
	if _, err := s.Session(t.Context(), "h1"); err != nil {
		t.Fatalf("live session after janitor runs = %v; want kept", err)
	}
	clock.Advance(2 * time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := s.Session(t.Context(), "h1"); err != nil {
			break // deleted
		}
		if time.Now().After(deadline) {
			t.Fatal("expired session still there 5 s after the clock passed its expiry; want the janitor to delete it")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("RunJanitor did not return after its context ended")
	}
}

// TestJanitorLogsToItsLogger: the janitor's runs are logged through the
// logger given to Open (WithLogger), the store's only log output.
func TestJanitorLogsToItsLogger(t *testing.T) {
	logs := &shoptest.LogBuffer{}
	path := filepath.Join(t.TempDir(), "shop.db")
	s, err := Open(t.Context(), path, WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	if err != nil {
		t.Fatalf("Open(%s, WithLogger) = %v; want nil", path, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.CreateSession(t.Context(), &shop.Session{IDHash: "h1", Kind: shop.SessionWeb, CartID: "guest-1",
		CreatedAt: janitorNow, LastSeenAt: janitorNow, ExpiresAt: janitorNow.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s.RunJanitor(ctx, time.Hour, func() time.Time { return janitorNow.Add(2 * time.Hour) })
	}()
	const want = `msg="janitor: deleted expired rows" deleted=1`
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log after the janitor's first run = %q; want a line with %s", logs.String(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-stopped
}
