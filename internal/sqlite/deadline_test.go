package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"storefront/internal/shop"
)

// holdWriteLock takes SQLite's write lock on path through a connection of
// its own and keeps it until the test ends.
func holdWriteLock(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("taking the write lock: %v", err)
	}
	t.Cleanup(func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	})
}

// TestDeadlineEndsTheWaitForALock: a write waiting for a lock another
// connection holds stops at its context's deadline, even when the busy
// timeout is longer, and reports shop.ErrUnavailable (503), never a plain
// error (500).
func TestDeadlineEndsTheWaitForALock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	s, err := Open(t.Context(), path, WithBusyTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	holdWriteLock(t, path)

	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	start := time.Now()
	err = s.SaveCategory(ctx, &shop.Category{ID: "kitchen", Name: "Kitchen"})
	elapsed := time.Since(start)
	if !errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("SaveCategory past its deadline = %v; want ErrUnavailable", err)
	}
	if elapsed > deadline+time.Second {
		t.Errorf("SaveCategory waited %v for the lock; want it to stop at its %v deadline", elapsed, deadline)
	}
}

// TestBusyTimeoutIsShort: without a deadline, a write waits for a held
// lock only the busy timeout, then reports shop.ErrConflict ("try again").
func TestBusyTimeoutIsShort(t *testing.T) {
	if defaultBusyTimeout >= 10*time.Second {
		t.Errorf("defaultBusyTimeout = %v; want it shorter than the default request deadline (10 s)", defaultBusyTimeout)
	}
	path := filepath.Join(t.TempDir(), "shop.db")
	s, err := Open(t.Context(), path, WithBusyTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	holdWriteLock(t, path)
	start := time.Now()
	err = s.SaveCategory(t.Context(), &shop.Category{ID: "kitchen", Name: "Kitchen"})
	if !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveCategory while another connection holds the lock = %v; want ErrConflict", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("SaveCategory waited %v; want about the 200 ms busy timeout", elapsed)
	}
}
