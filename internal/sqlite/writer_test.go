package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// insertCategory is a write that adds category id.
func insertCategory(id string) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO categories (id, name) VALUES (?, ?)`, id, id)
		return err
	}
}

// categoryIDs returns the ids of the stored categories.
func categoryIDs(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	cats, err := s.Categories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range cats {
		ids[c.ID] = true
	}
	return ids
}

// holdWriter starts a write that keeps the writer busy until the returned
// release is called; it waits until the writer has started it.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.inTx(context.Background(), "hold", func(ctx context.Context, tx *sql.Tx) error {
			close(started)
			<-hold
			return insertCategory("held")(ctx, tx)
		})
	}()
	<-started
	return func() {
		close(hold)
		if err := <-done; err != nil {
			t.Errorf("the holding write = %v; want nil", err)
		}
	}
}

// waitQueued waits until n writes wait for the writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); len(s.writes) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued after 5 s; want %d", len(s.writes), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWritesWaitingTogetherCommitTogetherAndFailAlone: writes that queue
// while the writer is busy commit in one transaction; one that fails or
// panics leaves nothing behind, and the others commit.
func TestWritesWaitingTogetherCommitTogetherAndFailAlone(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	release := holdWriter(t, s)
	before := s.groupsCommitted.Load()

	refused := errors.New("refused by the write")
	writes := []struct {
		id      string
		fn      func(ctx context.Context, tx *sql.Tx) error
		wantErr string // "" for success
	}{
		{"first", insertCategory("first"), ""},
		{"failing", func(ctx context.Context, tx *sql.Tx) error {
			if err := insertCategory("failing")(ctx, tx); err != nil {
				return err
			}
			return refused
		}, refused.Error()},
		{"panicking", func(ctx context.Context, tx *sql.Tx) error {
			if err := insertCategory("panicking")(ctx, tx); err != nil {
				return err
			}
			panic("a bug in one write")
		}, "panicked"},
		{"duplicate", insertCategory("first"), "UNIQUE"},
		{"last", insertCategory("last"), ""},
	}
	results := make([]chan error, len(writes))
	for i, w := range writes {
		results[i] = make(chan error, 1)
		go func() { results[i] <- s.inTx(t.Context(), w.id, w.fn) }()
		waitQueued(t, s, i+1) // queued in this order
	}
	release()

	for i, w := range writes {
		err := <-results[i]
		switch {
		case w.wantErr == "" && err != nil:
			t.Errorf("write %s = %v; want nil", w.id, err)
		case w.wantErr != "" && (err == nil || !strings.Contains(err.Error(), w.wantErr)):
			t.Errorf("write %s = %v; want an error with %q", w.id, err, w.wantErr)
		}
	}
	ids := categoryIDs(t, s)
	for id, want := range map[string]bool{"held": true, "first": true, "last": true, "failing": false, "panicking": false} {
		if ids[id] != want {
			t.Errorf("category %s stored = %v; want %v", id, ids[id], want)
		}
	}
	if got := s.groupsCommitted.Load() - before; got != 2 {
		t.Errorf("commits for the held write and the five queued behind it = %d; want 2 (one for the queued group)", got)
	}
}

// TestWriteAbandonedBeforeItsTurnNeverRuns: a write whose caller stops
// waiting (its context ends) before the writer reaches it is not run.
func TestWriteAbandonedBeforeItsTurnNeverRuns(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	release := holdWriter(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	result := make(chan error, 1)
	go func() { result <- s.inTx(ctx, "abandoned", insertCategory("abandoned")) }()
	waitQueued(t, s, 1)
	cancel()
	if err := <-result; !errors.Is(err, context.Canceled) {
		t.Errorf("abandoned write = %v; want context.Canceled", err)
	}
	release()
	if err := s.inTx(t.Context(), "after", insertCategory("after")); err != nil {
		t.Fatal(err)
	}
	if ids := categoryIDs(t, s); ids["abandoned"] || !ids["after"] {
		t.Errorf("categories %v; want \"after\" and not \"abandoned\"", ids)
	}
}

// TestBrokenGroupFailsItsWritesAndRunsTheRestAgain: when the transaction
// itself ends in the middle of a group (here a write ends it; in life the
// disk is full or SQLite rolled it back), the writes run in it fail, since
// nothing of them is kept, and those not yet run get a transaction of
// their own.
func TestBrokenGroupFailsItsWritesAndRunsTheRestAgain(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	op := func(name string, fn func(ctx context.Context, tx *sql.Tx) error) *writeOp {
		return &writeOp{ctx: t.Context(), name: name, fn: fn, done: make(chan error, 1)}
	}
	before := op("before", insertCategory("before"))
	breaker := op("breaker", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "ROLLBACK")
		return err
	})
	after := op("after", insertCategory("after"))
	group := []*writeOp{before, breaker, after}
	for len(group) > 0 {
		group = s.commitGroup(group)
	}
	if err := <-before.done; err == nil {
		t.Error("the write before the break = nil; want an error (its transaction is gone)")
	}
	if err := <-breaker.done; err == nil {
		t.Error("the breaking write = nil; want an error")
	}
	if err := <-after.done; err != nil {
		t.Errorf("the write after the break = %v; want nil (run in a new transaction)", err)
	}
	if ids := categoryIDs(t, s); ids["before"] || !ids["after"] {
		t.Errorf("categories %v; want \"after\" and not \"before\"", ids)
	}
}

// TestWritesAfterCloseAreUnavailable: a closed Store refuses writes with
// shop.ErrUnavailable instead of blocking.
func TestWritesAfterCloseAreUnavailable(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCategory(t.Context(), &shop.Category{ID: "late", Name: "Late"}); !errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("SaveCategory after Close = %v; want ErrUnavailable", err)
	}
}
