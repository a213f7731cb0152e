package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"storefront/internal/shop"
)

// Group commit: every write of a Store goes through one writer goroutine
// (writeLoop), which runs the writes waiting at the time in one SQLite
// transaction, each inside a savepoint of its own, and commits them
// together. A commit is most of a small write's cost here (the lock
// calls, the WAL frames of every page it touched, their checksums), and
// the writes of one checkout touch the same pages (the orders and their
// index, the outbox, the change log), so a commit of sixteen writes costs
// little more than a commit of one. Each write still sees the writes
// before it and fails alone: its savepoint is rolled back and the others
// commit. Its caller hears back only after the commit, so what inTx
// reports is what the file holds, as with a transaction of its own.

// maxWritesPerCommit bounds a group, so that a write waits for at most
// this many others before its commit.
const maxWritesPerCommit = 64

// writeQueueSize is how many writes may wait for the writer.
const writeQueueSize = 1024

// writeOp is one write waiting for, or run by, the writer.
type writeOp struct {
	ctx  context.Context
	name string
	fn   func(ctx context.Context, tx *sql.Tx) error
	// state moves once from waiting to started (the writer took it) or
	// to abandoned (its caller stopped waiting first).
	state atomic.Int32
	done  chan error // its outcome, once started
}

const (
	opWaiting int32 = iota
	opStarted
	opAbandoned
)

// start reports whether the writer may run w: its caller still waits.
func (w *writeOp) start() bool { return w.state.CompareAndSwap(opWaiting, opStarted) }

// abandon reports whether w's caller may stop waiting: the writer has not
// started w, and now never will.
func (w *writeOp) abandon() bool { return w.state.CompareAndSwap(opWaiting, opAbandoned) }

// inTx runs fn in a write transaction of its own as far as fn can tell:
// its writes commit when it returns nil and vanish when it returns an
// error, which inTx returns through wrap. fn must use the ctx it is given
// (its caller's, without cancellation: a statement interrupted in the
// middle would roll back the writes grouped with it) and must not call
// inTx.
//
// A write waits for the writer at most until ctx is done or the busy
// timeout passes, after which it fails with shop.ErrConflict, as a wait
// for SQLite's lock would; once the writer has started it, its caller
// waits for its outcome. Writers of other processes on the same file meet
// this Store's writer through SQLite's lock and its busy timeout.
func (s *Store) inTx(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	w := &writeOp{ctx: ctx, name: op, fn: fn, done: make(chan error, 1)}
	timeout := time.NewTimer(s.busyTimeout)
	defer timeout.Stop()
	select {
	case s.writes <- w:
	case <-ctx.Done():
		return wrap(op, ctx.Err())
	case <-timeout.C:
		return wrap(op, s.writerBusy())
	case <-s.writerStopped:
		return wrap(op, errStoreClosed)
	}
	select {
	case err := <-w.done:
		return wrap(op, err)
	case <-ctx.Done():
		if w.abandon() {
			return wrap(op, ctx.Err())
		}
	case <-timeout.C:
		if w.abandon() {
			return wrap(op, s.writerBusy())
		}
	case <-s.writerStopped:
		if w.abandon() {
			return wrap(op, errStoreClosed)
		}
	}
	return wrap(op, <-w.done) // started: its outcome comes after the commit
}

// exec runs one statement as a write of its own (inTx) and returns how
// many rows it changed.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	var n int64
	err := s.inTx(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		n, err = affected(tx.ExecContext(ctx, query, args...))
		return err
	})
	return n, err
}

func (s *Store) writerBusy() error {
	return fmt.Errorf("the writes of this process held the database for %v: %w", s.busyTimeout, shop.ErrConflict)
}

var errStoreClosed = fmt.Errorf("sqlite: store closed: %w", shop.ErrUnavailable)

// startWriter starts the writer; stop ends it after the group in hand,
// failing the writes still waiting.
func (s *Store) startWriter() (stop func()) {
	s.writes = make(chan *writeOp, writeQueueSize)
	stopping := make(chan struct{})
	s.writerStopped = make(chan struct{})
	go s.writeLoop(stopping)
	return func() {
		close(stopping)
		<-s.writerStopped
	}
}

// writeLoop takes the writes waiting, up to maxWritesPerCommit, and
// commits them as one group, until stopping is closed.
func (s *Store) writeLoop(stopping <-chan struct{}) {
	defer close(s.writerStopped)
	group := make([]*writeOp, 0, maxWritesPerCommit)
	for {
		select {
		case w := <-s.writes:
			group = append(group[:0], w)
		case <-stopping:
			for {
				select {
				case w := <-s.writes:
					if w.start() {
						w.done <- errStoreClosed
					}
				default:
					return
				}
			}
		}
	more:
		for len(group) < maxWritesPerCommit {
			select {
			case w := <-s.writes:
				group = append(group, w)
			default:
				break more
			}
		}
		for len(group) > 0 {
			group = s.commitGroup(group)
		}
	}
}

// commitGroup runs the writes of group in one transaction and commits
// those that succeeded, telling each its outcome. When the transaction
// itself breaks (the file cannot be written, SQLite rolled it back), the
// writes run so far fail with it and commitGroup returns those not yet
// started, for a transaction of their own.
func (s *Store) commitGroup(group []*writeOp) (notStarted []*writeOp) {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		for _, w := range group {
			if w.start() {
				w.done <- err
			}
		}
		return nil
	}
	applied := make([]*writeOp, 0, len(group))
	fail := func(err error) {
		_ = tx.Rollback()
		for _, w := range applied {
			w.done <- err
		}
	}
	for i, w := range group {
		if !w.start() {
			continue // its caller gave up waiting
		}
		if err := w.ctx.Err(); err != nil {
			w.done <- err
			continue
		}
		fnErr, txErr := s.runInSavepoint(tx, w)
		if txErr != nil {
			fail(txErr)
			w.done <- errors.Join(fnErr, txErr)
			return group[i+1:]
		}
		if fnErr != nil {
			w.done <- fnErr
			continue
		}
		applied = append(applied, w)
	}
	if err := tx.Commit(); err != nil {
		fail(err)
		return nil
	}
	s.groupsCommitted.Add(1)
	for _, w := range applied {
		w.done <- nil
	}
	return nil
}

// runInSavepoint runs w.fn inside a savepoint of tx, rolled back when fn
// fails (or panics): fnErr is fn's error, txErr one that broke tx itself.
func (s *Store) runInSavepoint(tx *sql.Tx, w *writeOp) (fnErr, txErr error) {
	ctx := context.WithoutCancel(w.ctx)
	if _, err := tx.ExecContext(ctx, "SAVEPOINT write"); err != nil {
		return nil, err
	}
	fnErr = s.runWrite(ctx, tx, w)
	if fnErr != nil {
		if _, err := tx.ExecContext(ctx, "ROLLBACK TO write"); err != nil {
			return fnErr, err
		}
	}
	if _, err := tx.ExecContext(ctx, "RELEASE write"); err != nil {
		return fnErr, err
	}
	return fnErr, nil
}

// runWrite runs w.fn, turning a panic into its error: the writer serves
// every request, and one write's bug must fail only that write.
func (s *Store) runWrite(ctx context.Context, tx *sql.Tx, w *writeOp) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("sqlite: write panicked", "op", w.name, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("write %s panicked: %v", w.name, p)
		}
	}()
	return w.fn(ctx, tx)
}
