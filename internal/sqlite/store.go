// Package sqlite is shop.Store on a SQLite file, through the pure-Go driver
// modernc.org/sqlite: the schema and its embedded migrations, the mapping of
// rows to the domain types, and the translation of driver errors into the
// shop's sentinels. Business rules stay in package shop; the one rule
// enforced here is atomicity (PlaceOrder is one transaction).
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"storefront/internal/shop"
)

// Store is shop.Store on SQLite. It is safe for concurrent use, also by
// several processes on one file. Besides the errors each method documents,
// any method may return shop.ErrConflict when another writer held the
// database past the busy timeout, and shop.ErrUnavailable when the file
// cannot be read or written (missing, full, not a database).
type Store struct {
	db  *sql.DB
	log *slog.Logger
	// stmts caches prepared statements by their SQL (see prepared): the
	// hot paths (checkout, carts, orders) would otherwise spend a fifth of
	// their time having SQLite parse and plan the same statements again.
	stmts     sync.Map // string -> *sql.Stmt
	preparing sync.Map // string -> true: its preparation started (txStmt)
	// writers admits one write transaction of this Store at a time (see
	// inTx); busyTimeout bounds the wait, as SQLite's does between processes.
	writers     chan struct{}
	busyTimeout time.Duration
}

var _ shop.Store = (*Store)(nil)

// defaultBusyTimeout is how long a write waits for another writer before it
// fails with shop.ErrConflict, unless WithBusyTimeout says otherwise. It is
// shorter than a request's deadline (10 s by default), so a request still
// has time to answer; the deadline ends the wait earlier when it comes
// first (the driver interrupts a statement whose context is done).
const defaultBusyTimeout = 5 * time.Second

// Option tunes Open.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
	logger      *slog.Logger
}

// WithBusyTimeout sets how long a write waits for another writer's lock
// before it fails with shop.ErrConflict; it should be shorter than the
// deadline of the requests that write.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// WithLogger sets where the store logs what happens outside any caller's
// answer (the janitor's runs); by default nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// maxOpenConns bounds the pool. In WAL mode readers never block and are
// never blocked, so several connections serve concurrent page views, while
// writers serialize on SQLite's write lock (immediate transactions and the
// busy timeout); more connections would only add writers waiting on it.
const maxOpenConns = 8

func init() {
	// go_lower is strings.ToLower, so that text search folds case exactly
	// as shop.MatchesQuery does (SQLite's own lower() and LIKE fold ASCII
	// only) and both stores answer a query alike.
	sqlite.MustRegisterDeterministicScalarFunction("go_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		case nil:
			return nil, nil
		}
		return nil, fmt.Errorf("go_lower: unexpected %T", args[0])
	})
}

// Open opens the SQLite database at path, creating the file and its parent
// directory if missing, and migrates its schema to the latest version.
// Several processes may open one file; migrations run one at a time. path
// names a file: not "" nor ":memory:" (every pooled connection would get a
// database of its own), and without '?', which would start driver options.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{busyTimeout: defaultBusyTimeout, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || strings.HasPrefix(path, ":") || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite: %q is not a usable database file path", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: create directory of %s: %w", path, err)
		}
	}
	q := url.Values{}
	// Transactions take the write lock at BEGIN, so two writers never both
	// read and then fail to upgrade (SQLITE_BUSY without waiting); they
	// queue on the busy timeout instead.
	q.Set("_txlock", "immediate")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", o.busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// NORMAL is durable in WAL mode except for the last transactions before
	// a power loss, never corrupting.
	q.Add("_pragma", "synchronous(NORMAL)")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	s := &Store{db: db, log: o.logger, writers: make(chan struct{}, 1), busyTimeout: o.busyTimeout}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return s, nil
}

// Close closes the prepared statements and the database.
func (s *Store) Close() error {
	var errs []error
	s.stmts.Range(func(k, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		s.stmts.Delete(k)
		return true
	})
	return errors.Join(append(errs, s.db.Close())...)
}

// prepared returns the statement query, prepared once for the store and
// then reused (outside transactions; see txStmt for those): database/sql
// prepares it on each pooled connection the first time it runs there (at
// most maxOpenConns times) and keeps it, so SQLite parses and plans it
// once per connection instead of once per call. query must be one of the package's constant statements (the
// cache is never emptied while the store is open).
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close() // another call prepared it first
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// txStmt returns query prepared for tx, or nil when it is not prepared
// yet: then it starts preparing it in the background for the next calls.
// A transaction never waits for the preparation, which takes a connection
// of its own from the pool: a writer holding the write lock while it
// waits for a connection that writers waiting for the lock hold would stall
// them all until the busy timeout. On tx's connection the statement is
// prepared by tx itself (database/sql keeps it there for the next
// transactions).
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if st, ok := s.stmts.Load(query); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt))
	}
	if _, started := s.preparing.LoadOrStore(query, true); !started {
		go func() {
			if _, err := s.prepared(context.Background(), query); err != nil {
				s.preparing.Delete(query) // the next call tries again (unless the store is closed)
			}
		}()
	}
	return nil
}

// txExec runs query in tx, prepared once it is (see txStmt).
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// txQuery runs query in tx, prepared once it is (see txStmt).
func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

// txQueryRow runs the single-row query in tx, prepared once it is (see
// txStmt).
func (s *Store) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if st := s.txStmt(ctx, tx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// Ping reports whether the database file can be read; it backs /readyz.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n)
	return wrap("ping", err)
}

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies, in one transaction, every migration newer than the
// database's PRAGMA user_version, and sets user_version to the last one
// applied. A migration is migrations/NNNN_name.sql, NNNN its version.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: list migrations: %w", err)
	}
	// The immediate transaction holds the write lock, so processes starting
	// together apply each migration once.
	return s.inTx(ctx, "migrate", func(tx *sql.Tx) error {
		var current int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
			return err
		}
		latest := 0
		for _, name := range names { // fs.Glob sorts by name, so by version
			base := path.Base(name)
			digits, _, _ := strings.Cut(base, "_")
			version, err := strconv.Atoi(digits)
			if err != nil || version != latest+1 {
				return fmt.Errorf("migration %s: want version %d as its name's prefix", base, latest+1)
			}
			latest = version
			if version <= current {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", base, err)
			}
			// PRAGMA takes no parameters; version is a number we parsed.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
				return err
			}
		}
		if current > latest {
			return fmt.Errorf("database schema version %d is newer than this program's %d", current, latest)
		}
		return nil
	})
}

// inTx runs fn in an immediate (write-locking) transaction and commits it
// when fn returns nil. Errors of fn and of the commit go through wrap.
//
// The Store's writers queue for their turn in Go (acquireWriter) before
// they ask SQLite for the write lock: SQLite's busy handler polls a held
// lock with sleeps of up to 100 ms, so writers of one process contending
// through it wait long after the lock is free (at 16 concurrent checkouts,
// most of a checkout's p99) and serve fewer writes per second; queued in
// Go, the next writer starts as soon as the previous one commits. Writers
// of other processes on the same file still meet through SQLite's lock
// and its busy timeout.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.acquireWriter(ctx); err != nil {
		return wrap(op, err)
	}
	defer func() { <-s.writers }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return wrap(op, err)
	}
	return wrap(op, tx.Commit())
}

// acquireWriter waits for the Store's write turn: until ctx is done, or
// at most the busy timeout, after which the write fails with
// shop.ErrConflict as a wait for SQLite's lock would.
func (s *Store) acquireWriter(ctx context.Context) error {
	select {
	case s.writers <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.busyTimeout)
	defer t.Stop()
	select {
	case s.writers <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("another write of this process held the database for %v: %w", s.busyTimeout, shop.ErrConflict)
	}
}

// inReadTx runs fn in a deferred, read-only transaction: one snapshot for
// several reads, without taking the write lock.
func (s *Store) inReadTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback()
	return wrap(op, fn(tx))
}

// wrap translates a driver error of operation op into the shop's kinds:
// a lock still held by another writer after the busy timeout is
// shop.ErrConflict, an unusable file or a passed deadline
// shop.ErrUnavailable. Errors of the
// shop pass unchanged; anything else is wrapped with op for the log.
func wrap(op string, err error) error {
	if err == nil || isShopError(err) {
		return err
	}
	var serr *sqlite.Error
	if errors.As(err, &serr) {
		switch serr.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("sqlite: %s: %w: %w", op, shop.ErrConflict, err)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("sqlite: %s: %w: %w", op, shop.ErrUnavailable, err)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// The request's deadline passed while waiting for the lock or
		// the disk: the store did not answer in time.
		return fmt.Errorf("sqlite: %s: %w: %w", op, shop.ErrUnavailable, err)
	}
	if errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, shop.ErrUnavailable, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func isShopError(err error) bool {
	if refused := (*shop.PlacementRefused)(nil); errors.As(err, &refused) {
		return true
	}
	for _, kind := range []error{shop.ErrNotFound, shop.ErrEmailTaken, shop.ErrOrderExists,
		shop.ErrOutOfStock, shop.ErrPriceChanged, shop.ErrConflict, shop.ErrUnavailable} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}

// affected returns the rows changed by a statement.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// millis is how times are stored: unix milliseconds, UTC.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// msTime scans a millisecond column into a time.Time.
type msTime struct{ t *time.Time }

func (m msTime) Scan(src any) error {
	ms, ok := src.(int64)
	if !ok {
		return fmt.Errorf("time column holds %T, want int64", src)
	}
	*m.t = fromMillis(ms)
	return nil
}
