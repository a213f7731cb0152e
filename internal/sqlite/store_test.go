package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func openTemp(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s) = %v; want nil", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	shoptest.TestStore(t, func(t *testing.T) shop.Store {
		return openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	})
}

// TestService: servers sharing a file each open it, as processes would.
func TestService(t *testing.T) {
	shoptest.TestService(t, func(t *testing.T, n int) []shop.Store {
		path := filepath.Join(t.TempDir(), "shop.db")
		stores := make([]shop.Store, n)
		for i := range stores {
			stores[i] = openTemp(t, path)
		}
		return stores
	})
}

// TestConcurrentLastUnits races buyers through separate connections of one
// file, where only the write lock and the conditional update keep stock
// from going negative.
func TestConcurrentLastUnits(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	shoptest.MustSaveProduct(t, s, shoptest.NewProduct("last-units", 1999, 7))
	shoptest.ConcurrentPlaceOrders(t, s, "last-units", 30, 7)
}

// TestConcurrentStores is the same race between two Stores on one file, as
// two processes would share it.
func TestConcurrentStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	a, b := openTemp(t, path), openTemp(t, path)
	shoptest.MustSaveProduct(t, a, shoptest.NewProduct("p1", 500, 4))
	shoptest.ConcurrentPlaceOrders(t, splitStore{Store: a, other: b}, "p1", 12, 4)
}

// splitStore places every other order through a second Store.
type splitStore struct {
	*Store
	other *Store
}

func (s splitStore) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	if o.ID[len(o.ID)-1]%2 == 0 {
		return s.other.PlaceOrder(ctx, o, cart)
	}
	return s.Store.PlaceOrder(ctx, o, cart)
}

func TestMigrationsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "shop.db")
	first := openTemp(t, path)
	shoptest.MustSaveProduct(t, first, shoptest.NewProduct("p1", 100, 1))
	if err := first.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	second := openTemp(t, path) // migrates an up-to-date schema: nothing to do
	if n, err := second.CountProducts(t.Context()); err != nil || n != 1 {
		t.Fatalf("CountProducts() after reopening = %d, %v; want 1, nil", n, err)
	}
	var version int
	if err := second.db.QueryRowContext(t.Context(), "PRAGMA user_version").Scan(&version); err != nil || version < 1 {
		t.Errorf("PRAGMA user_version = %d, %v; want at least 1", version, err)
	}
	var foreignKeys int
	if err := second.db.QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&foreignKeys); err != nil || foreignKeys != 1 {
		t.Errorf("PRAGMA foreign_keys = %d, %v; want 1", foreignKeys, err)
	}
	var mode string
	if err := second.db.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("PRAGMA journal_mode = %q, %v; want wal", mode, err)
	}
}

// TestThrottleRecordsBeforeVersions: a throttle record saved before the
// version column existed reads as version 0, and a save at version 0
// replaces it, as it would a missing one.
func TestThrottleRecordsBeforeVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	schema, err := migrations.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{string(schema), "PRAGMA user_version = 1",
		`INSERT INTO login_throttles (key, failures, window_start, locked_until) VALUES ('account:a@example.com', 3, 1000, 0)`} {
		if _, err := old.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("preparing a version 1 database: %v", err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path)
	got, err := s.LoginThrottle(t.Context(), "account:a@example.com")
	if err != nil || got.Failures != 3 || !got.WindowStart.Equal(fromMillis(1000)) || got.Version != 0 {
		t.Fatalf("LoginThrottle(record saved before versions) = %+v, %v; want Failures 3, Version 0", got, err)
	}
	got.Failures++
	if err := s.SaveLoginThrottle(t.Context(), got); err != nil {
		t.Fatalf("SaveLoginThrottle(version 0 over a record saved before versions) = %v; want nil", err)
	}
	if err := s.SaveLoginThrottle(t.Context(), got); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveLoginThrottle(version 0 again) = %v; want ErrConflict", err)
	}
	if got, err := s.LoginThrottle(t.Context(), "account:a@example.com"); err != nil || got.Failures != 4 || got.Version != 1 {
		t.Errorf("LoginThrottle after the save = %+v, %v; want Failures 4, Version 1", got, err)
	}
}

func TestOpenRefusesNonFilePaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", filepath.Join(t.TempDir(), "a?mode=ro")} {
		if s, err := Open(t.Context(), path); err == nil {
			s.Close()
			t.Errorf("Open(%q) = nil error; want one", path)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	s := openTemp(t, path)
	if _, err := s.db.ExecContext(t.Context(), "PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), path); err == nil {
		t.Fatalf("Open(schema version 999) = nil; want an error")
	}
}

// TestBusyIsConflict checks that a write refused because another
// connection holds the write lock past the busy timeout is ErrConflict.
func TestBusyIsConflict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	s := openTemp(t, path)
	tx, err := s.db.BeginTx(t.Context(), nil) // immediate: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	impatient, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(50)")
	if err != nil {
		t.Fatal(err)
	}
	defer impatient.Close()
	_, err = impatient.ExecContext(t.Context(), `DELETE FROM sessions`)
	if err := wrap("delete", err); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("wrap(write while locked) = %v; want ErrConflict", err)
	}
	if err := wrap("test", errors.New("plain")); errors.Is(err, shop.ErrConflict) || errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("wrap(plain error) = %v; want neither ErrConflict nor ErrUnavailable", err)
	}
}

func TestProcessingStore(t *testing.T) {
	shoptest.TestProcessingStore(t, func(t *testing.T) shop.ProcessingStore { return openTemp(t, filepath.Join(t.TempDir(), "shop.db")) })
}
