package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// TestNewLogger: LOG_FORMAT picks JSON or text lines and LOG_LEVEL drops
// what is below it.
func TestNewLogger(t *testing.T) {
	for _, tc := range []struct {
		format, level string
		wantJSON      bool
	}{
		{"json", "info", true}, {"text", "info", false}, {"json", "warn", true}, {"text", "debug", false},
	} {
		cfg, err := LoadConfig(env(map[string]string{"LOG_FORMAT": tc.format, "LOG_LEVEL": tc.level}))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		logger := NewLogger(cfg, &out)
		logger.Debug("a debug line")
		logger.Info("an info line", "n", 1)
		logger.Warn("a warning")
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		want := map[string]int{"debug": 3, "info": 2, "warn": 1}[tc.level]
		if len(lines) != want {
			t.Errorf("LOG_LEVEL=%s: %d lines; want %d:\n%s", tc.level, len(lines), want, out.String())
		}
		for _, line := range lines {
			if isJSON := json.Valid([]byte(line)); isJSON != tc.wantJSON {
				t.Errorf("LOG_FORMAT=%s: line %q is JSON: %v; want %v", tc.format, line, isJSON, tc.wantJSON)
			}
		}
		if !strings.Contains(out.String(), "a warning") {
			t.Errorf("LOG_LEVEL=%s: the warning is missing:\n%s", tc.level, out.String())
		}
	}
}

// TestOpenSQLite: Open makes the configured SQLite file ready and serves
// the service over it; the demo catalog goes in only when asked for, and
// only into an empty store; Close lets the file be opened again.
func TestOpenSQLite(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "var", "shop.db")
	var logs bytes.Buffer
	open := func(demo string) *App {
		t.Helper()
		a, err := Open(t.Context(), env(map[string]string{"STOREFRONT_DB": dbPath, "STOREFRONT_DEMO": demo}), &logs)
		if err != nil {
			t.Fatalf("Open(STOREFRONT_DEMO=%s) = %v", demo, err)
		}
		return a
	}
	productCount := func(a *App) int {
		t.Helper()
		page, err := a.Service.SearchProducts(t.Context(), shop.ProductQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return page.Total
	}

	a := open("false")
	if err := a.LoadDemoCatalog(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := productCount(a); n != 0 {
		t.Errorf("STOREFRONT_DEMO=false: %d products; want none", n)
	}
	a.StartJanitor()
	if err := a.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}

	a = open("true")
	defer func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}()
	if err := a.LoadDemoCatalog(t.Context()); err != nil {
		t.Fatal(err)
	}
	loaded := productCount(a)
	if loaded < 48 {
		t.Errorf("STOREFRONT_DEMO=true: %d products; want the demo catalog (at least 48)", loaded)
	}
	if err := a.LoadDemoCatalog(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := productCount(a); n != loaded {
		t.Errorf("a second LoadDemoCatalog: %d products; want %d, the store left alone", n, loaded)
	}
	// The service logs through the logger Open built, not the slog default.
	if got := strings.Count(logs.String(), `"msg":"demo catalog loaded"`); got != 1 {
		t.Errorf("the log holds %d lines \"demo catalog loaded\"; want 1 (the service logs through the app's logger):\n%s", got, logs.String())
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	_, err := Open(t.Context(), env(map[string]string{"STOREFRONT_STORE": "postgres"}), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "STOREFRONT_STORE") {
		t.Errorf("Open(STOREFRONT_STORE=postgres) = %v; want an error naming it", err)
	}
}

// TestHandlerLogsThroughTheAppLogger: the web server logs each request
// through the logger Open built, with its request id, whatever the global
// slog default is.
func TestHandlerLogsThroughTheAppLogger(t *testing.T) {
	var logs bytes.Buffer
	a, err := Open(t.Context(), env(map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false"}), &logs)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}()
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /healthz = %d; want 200", rec.Code)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil {
		t.Fatalf("the app's log after one request is not one JSON line (%v):\n%s", err, logs.String())
	}
	if line["msg"] != "request" || line["path"] != "/healthz" {
		t.Errorf("the log line = %s; want the request line of /healthz", logs.String())
	}
	if id, _ := line["request_id"].(string); id == "" {
		t.Errorf("the request's log line has no request_id: %s", logs.String())
	}
}
