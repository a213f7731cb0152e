package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/sqlite"
)

// TestServerRunsTheJanitor: on SQLite the server deletes what has expired
// (here a guest session that ended an hour ago) without being asked, and
// keeps what has not.
func TestServerRunsTheJanitor(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "shop.db")
	st, err := sqlite.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	for id, expires := range map[string]time.Time{"ended": now.Add(-time.Hour), "live": now.Add(time.Hour)} {
		err := st.CreateSession(t.Context(), &shop.Session{IDHash: id, Kind: shop.SessionWeb, CartID: "guest-" + id,
			CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-2 * time.Hour), ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	p := startProgram(t, map[string]string{"STOREFRONT_DB": dbPath, "STOREFRONT_DEMO": "false"})
	check, err := sqlite.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		_, err := check.Session(t.Context(), "ended")
		if errors.Is(err, shop.ErrNotFound) {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("ended session still stored 10 s after the server started (%v); want the janitor to delete it", err)
		}
	}
	if _, err := check.Session(t.Context(), "live"); err != nil {
		t.Errorf("live session after the janitor ran = %v; want kept", err)
	}
	// The janitor logs through the program's logger.
	for start := time.Now(); !strings.Contains(p.stderr.String(), `"msg":"janitor: deleted expired rows"`); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the program log lacks the janitor's line:\n%s", p.stderr.String())
		}
	}
}
