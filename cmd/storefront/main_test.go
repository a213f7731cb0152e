package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects the program's output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// TestRun starts the whole program on a temporary SQLite database, waits
// for /healthz, browses the demo catalog, then stops it and expects a
// graceful, error-free end.
func TestRun(t *testing.T) {
	port := freePort(t)
	env := map[string]string{"PORT": port, "STOREFRONT_DB": filepath.Join(t.TempDir(), "var", "shop.db")}
	getenv := func(name string) string { return env[name] }
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"storefront"}, getenv, &stdout, &stderr) }()

	base := "http://127.0.0.1:" + port
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := client.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not ready in time: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	if status, _ := get("/readyz"); status != http.StatusOK {
		t.Errorf("/readyz = %d; want 200", status)
	}
	status, home := get("/")
	if status != http.StatusOK {
		t.Fatalf("GET / = %d; want 200", status)
	}
	m := regexp.MustCompile(`href="(/products/[^"?]+)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatalf("the home page links to no product (demo catalog not loaded?)\n%s", home)
	}
	if status, page := get(m[1]); status != http.StatusOK || !strings.Contains(page, `action="/cart/items"`) && !strings.Contains(page, "Out of stock") {
		t.Errorf("GET %s = %d; want a product page", m[1], status)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v; want nil after a graceful shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after the context ended")
	}
	logs := stderr.String()
	for _, want := range []string{`"msg":"storefront listening"`, `"url":"http://127.0.0.1:` + port + `"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
	if _, err := client.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after run returned")
	}
}

// TestRunFinishesInFlightRequests checks that shutting down lets a request
// that is being read complete.
func TestRunFinishesInFlightRequests(t *testing.T) {
	port := freePort(t)
	env := map[string]string{"PORT": port, "STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false"}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(n string) string { return env[n] }, &stdout, &stderr) }()
	base := "http://127.0.0.1:" + port
	for i := 0; ; i++ {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if i > 400 {
			t.Fatalf("not serving\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A POST whose body arrives slowly is in flight while the shutdown starts.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, base+"/login", pr)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	answered := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	pw.Write([]byte("email=ada%40example.com&password="))
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	pw.Write([]byte("wrong+password+123"))
	pw.Close()
	if status := <-answered; status != http.StatusSeeOther && status != http.StatusUnauthorized {
		t.Errorf("in-flight request answered %d; want it finished (401)", status)
	}
	if err := <-done; err != nil {
		t.Errorf("run = %v; want nil", err)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	env := map[string]string{"PORT": "eighty", "STOREFRONT_STORE": "postgres", "STOREFRONT_DEMO": "maybe",
		"STOREFRONT_SESSION_IDLE_TIMEOUT": "-5m", "LOG_LEVEL": "loud"}
	err := run(t.Context(), nil, func(n string) string { return env[n] }, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("run = nil; want a configuration error")
	}
	for name := range env {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := config{Host: "127.0.0.1", Port: "8000", Store: storeSQLite, DBPath: "var/storefront.db", TablePrefix: "storefront-",
		Demo: true, TrustProxy: false, SessionIdle: 30 * time.Minute, SessionMaxAge: 12 * time.Hour, LogFormat: "json",
		RequestTimeout: 10 * time.Second, RegistrationLimit: 30}
	if cfg != want {
		t.Errorf("loadConfig() = %+v; want %+v", cfg, want)
	}
	cfg, err = loadConfig(func(n string) string {
		return map[string]string{"STOREFRONT_STORE": "dynamodb", "STOREFRONT_DEMO": "false", "STOREFRONT_TRUST_PROXY": "true",
			"STOREFRONT_SESSION_MAX_AGE": "1h", "LOG_LEVEL": "debug", "PORT": "0"}[n]
	})
	if err != nil || cfg.Store != storeDynamoDB || cfg.Demo || !cfg.TrustProxy || cfg.SessionMaxAge != time.Hour || cfg.Port != "0" {
		t.Errorf("loadConfig(set) = %+v, %v", cfg, err)
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"storefront", "-h"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, ev := range envVars {
		if !strings.Contains(out.String(), ev.name) {
			t.Errorf("usage lacks %s", ev.name)
		}
	}
	if err := run(t.Context(), []string{"storefront", "--port=1"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("an unknown argument was accepted")
	}
}
