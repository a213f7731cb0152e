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
	"sync/atomic"
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
	// writes are the writes waiting for the writer (writer.go), which
	// closes writerStopped when it ends; busyTimeout bounds a write's wait,
	// as SQLite's does between processes.
	writes        chan *writeOp
	writerStopped chan struct{}
	stopWriter    func()
	busyTimeout   time.Duration
	// groupsCommitted counts the writer's commits (tests check grouping).
	groupsCommitted atomic.Int64
	// stopCheckpoints stops the background checkpoints (checkpointer),
	// once (closeOnce).
	stopCheckpoints func()
	closeOnce       sync.Once
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
	// NORMAL: a commit writes the WAL without waiting for the disk (fsync);
	// the WAL is synced at each checkpoint (every checkpointInterval). So
	// an operating system crash or a power loss may lose the transactions
	// committed since then, about the last half second (orders shoppers
	// were told are placed), never corrupting the database; a crash of the
	// process alone loses nothing. FULL would sync the WAL at every commit,
	// a disk flush per order.
	q.Add("_pragma", "synchronous(NORMAL)")
	// The savepoints of grouped writes (writer.go) journal the pages they
	// change; in memory, not in a temporary file's write calls.
	q.Add("_pragma", "temp_store(MEMORY)")
	// No checkpoint inside a commit: the writer whose commit crosses the
	// WAL's threshold would copy it into the database and sync it while
	// every other writer waits. The Store checkpoints in the background
	// instead (checkpointer), where a checkpoint blocks no one.
	q.Add("_pragma", "wal_autocheckpoint(0)")
	connector, err := sqlite.NewConnector(path + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db := sql.OpenDB(stmtCachingConnector{connector})
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)
	s := &Store{db: db, log: o.logger, busyTimeout: o.busyTimeout}
	s.stopWriter = s.startWriter()
	if err := s.migrate(ctx); err != nil {
		s.stopWriter()
		return nil, errors.Join(err, db.Close())
	}
	// The checkpoints run until Close, whatever happens to ctx.
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	s.stopCheckpoints = func() { stop(); <-done }
	go s.checkpointer(cctx, done)
	return s, nil
}

// Close stops the checkpoints and the writer (writes after it fail with
// shop.ErrUnavailable) and closes the database (the last connection to
// the file checkpoints what is left).
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stopCheckpoints()
		s.stopWriter()
	})
	return s.db.Close()
}

// checkpointInterval is how often the WAL is copied into the database in
// the background: a WAL of a few seconds' writes stays small, and hot
// pages written by many transactions are copied once per checkpoint rather
// than once per thousand pages.
const checkpointInterval = 500 * time.Millisecond

// checkpointer checkpoints the WAL every checkpointInterval until ctx is
// done. PASSIVE copies what no reader still needs without taking any lock
// a reader or writer waits for; what it leaves, the next one copies.
func (s *Store) checkpointer(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		one, cancel := context.WithTimeout(ctx, 10*time.Second)
		var busy, logFrames, checkpointed int
		err := s.db.QueryRowContext(one, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &checkpointed)
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("sqlite: checkpoint", "err", err)
		}
	}
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
	return s.inTx(ctx, "migrate", func(ctx context.Context, tx *sql.Tx) error {
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

// stmtCacheSize bounds how many statements each connection keeps prepared.
// The package's statements are constants, fewer than this; the statements
// built for a number of ids (IN lists) take one entry per length.
const stmtCacheSize = 256

// stmtCachingConnector opens connections that keep each statement they
// run prepared (stmtCachingConn).
type stmtCachingConnector struct{ driver.Connector }

func (c stmtCachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &stmtCachingConn{conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

// stmtCachingConn is a connection of the driver that prepares each query it
// runs once and keeps it (up to stmtCacheSize), so that SQLite parses and
// plans a statement once per connection rather than on every call: on the
// checkout path, parsing was a fifth of the CPU time. It serves every
// query of the package alike (database/sql passes the query text to the
// connection); a statement still in use (the rows of an earlier run not yet
// closed) runs unprepared, as one that fails to prepare does, so the
// driver reports its error. database/sql uses a connection from one
// goroutine at a time, so the cache needs no lock.
type stmtCachingConn struct {
	conn  driver.Conn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	stmt driver.Stmt
	busy bool // its rows are open
}

var (
	_ driver.ConnBeginTx        = (*stmtCachingConn)(nil)
	_ driver.ConnPrepareContext = (*stmtCachingConn)(nil)
	_ driver.ExecerContext      = (*stmtCachingConn)(nil)
	_ driver.QueryerContext     = (*stmtCachingConn)(nil)
	_ driver.Pinger             = (*stmtCachingConn)(nil)
	_ driver.SessionResetter    = (*stmtCachingConn)(nil)
	_ driver.Validator          = (*stmtCachingConn)(nil)
)

// cached returns query's prepared statement, marked busy, or nil when it
// cannot be used now.
func (c *stmtCachingConn) cached(ctx context.Context, query string) *cachedStmt {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil
		}
		cs.busy = true
		return cs
	}
	if len(c.stmts) >= stmtCacheSize {
		return nil
	}
	st, err := c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	cs := &cachedStmt{stmt: st, busy: true}
	c.stmts[query] = cs
	return cs
}

func (c *stmtCachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if cs := c.cached(ctx, query); cs != nil {
		defer func() { cs.busy = false }()
		return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	}
	return c.conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *stmtCachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if cs := c.cached(ctx, query); cs != nil {
		rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
		if err != nil {
			cs.busy = false
			return nil, err
		}
		return &cachedRows{Rows: rows, stmt: cs}, nil
	}
	return c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

// Close closes the kept statements and the connection.
func (c *stmtCachingConn) Close() error {
	var errs []error
	for _, cs := range c.stmts {
		errs = append(errs, cs.stmt.Close())
	}
	c.stmts = nil
	return errors.Join(append(errs, c.conn.Close())...)
}

func (c *stmtCachingConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }

func (c *stmtCachingConn) Begin() (driver.Tx, error) {
	return c.conn.Begin() //nolint:staticcheck // database/sql calls BeginTx; Begin completes driver.Conn
}

func (c *stmtCachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *stmtCachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *stmtCachingConn) Ping(ctx context.Context) error { return c.conn.(driver.Pinger).Ping(ctx) }

func (c *stmtCachingConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *stmtCachingConn) IsValid() bool { return c.conn.(driver.Validator).IsValid() }

// cachedRows frees its statement for the next run when closed.
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}
