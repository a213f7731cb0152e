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
	s := &Store{db: db, log: o.logger}
	if err := s.migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

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
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
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
