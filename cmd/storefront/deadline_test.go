package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storefront/internal/app"
)

// TestRequestDeadlineWhileTheDatabaseIsLocked: another connection holds
// SQLite's write lock (a long import, a stuck process) and does not let
// go. A request that must write waits no longer than its deadline
// (STOREFRONT_REQUEST_TIMEOUT, here 1 s) and answers 503 with Retry-After:
// it neither hangs nor waits out the busy timeout.
func TestRequestDeadlineWhileTheDatabaseIsLocked(t *testing.T) {
	const requestTimeout = time.Second
	dbPath := filepath.Join(t.TempDir(), "shop.db")
	p := startProgram(t, map[string]string{"STOREFRONT_DB": dbPath, "STOREFRONT_REQUEST_TIMEOUT": requestTimeout.String()})
	client := &http.Client{Timeout: 30 * time.Second}

	status, home := p.get(client, "/")
	if status != http.StatusOK {
		t.Fatalf("GET / = %d; want 200", status)
	}
	m := regexp.MustCompile(`href="/products/([^"?]+)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatalf("the home page links to no product\n%s", home)
	}

	// The driver is registered by the program's sqlite package.
	holder, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	conn, err := holder.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("taking the write lock: %v", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Errorf("releasing the write lock: %v", err)
		}
	}()

	start := time.Now()
	form := url.Values{"product_id": {m[1]}, "quantity": {"1"}}
	res, err := client.PostForm(p.base+"/cart/items", form)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("POST /cart/items while the database is locked: %v after %v; want an answer", err, elapsed)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("POST /cart/items while the database is locked: read body: %v", err)
	}
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /cart/items while the database is locked = %d; want 503\n%s", res.StatusCode, body)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	if strings.Contains(string(body), "database is locked") || strings.Contains(string(body), "SQLITE") {
		t.Errorf("the answer shows internal detail:\n%s", body)
	}
	// The deadline, plus a little for the answer; well below the busy timeout.
	if limit := requestTimeout + 1500*time.Millisecond; elapsed > limit {
		t.Errorf("POST /cart/items while the database is locked took %v; want at most %v (the request's deadline)", elapsed, limit)
	}
}

// TestServerTimeoutsFollowTheRequestDeadline: the body is read within the
// deadline (plus the header's own time), the answer after the deadline
// still gets written, a graceful shutdown waits as long as a request may
// run, and SQLite gives up on a lock before the deadline.
func TestServerTimeoutsFollowTheRequestDeadline(t *testing.T) {
	for _, deadline := range []time.Duration{time.Second, 10 * time.Second, time.Minute} {
		read, write, shutdown := serverTimeouts(deadline)
		if read > readHeaderTimeout+deadline || read < deadline {
			t.Errorf("deadline %v: ReadTimeout %v; want the deadline plus the header's %v", deadline, read, readHeaderTimeout)
		}
		if write <= deadline {
			t.Errorf("deadline %v: WriteTimeout %v; want longer, to write the answer after it", deadline, write)
		}
		if shutdown < deadline {
			t.Errorf("deadline %v: shutdown wait %v; want at least the deadline, so in-flight requests finish", deadline, shutdown)
		}
		if busy := app.SQLiteBusyTimeout(deadline); busy <= 0 || busy >= deadline {
			t.Errorf("deadline %v: SQLite busy timeout %v; want shorter than the deadline", deadline, busy)
		}
	}
}
