package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/app"
	"storefront/internal/shop/shoptest"
)

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// startTimeout is how long the program may take to serve: on DynamoDB it
// first creates its tables, which the local server does slowly on a busy
// machine.
const startTimeout = 90 * time.Second

// program is the whole program, started through run as main starts it.
type program struct {
	t      *testing.T
	base   string // http://127.0.0.1:PORT
	stderr *shoptest.LogBuffer
	cancel context.CancelFunc
	done   chan error
	ended  sync.Once // run has returned, its result in result
	result error
}

// startProgram runs the program with env (PORT is set here, and
// STOREFRONT_METRICS_ADDR to a free port unless env sets it, so that
// programs of parallel tests never share the default one, and
// STOREFRONT_PROCESSOR to off unless env sets it) and returns
// once /healthz answers 200. When the test ends the program is stopped
// (if the test has not stopped it) and must return nil; on failure the test
// shows its log.
func startProgram(t *testing.T, env map[string]string) *program {
	t.Helper()
	env["PORT"] = freePort(t)
	if _, ok := env["STOREFRONT_METRICS_ADDR"]; !ok {
		env["STOREFRONT_METRICS_ADDR"] = "127.0.0.1:0"
	}
	// The orders a test inspects stay as placed unless it runs the order
	// processor (processing_test.go sets inline).
	if _, ok := env["STOREFRONT_PROCESSOR"]; !ok {
		env["STOREFRONT_PROCESSOR"] = "off"
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{t: t, base: "http://127.0.0.1:" + env["PORT"], stderr: &shoptest.LogBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() {
		p.done <- run(ctx, []string{"storefront"}, func(name string) string { return env[name] }, io.Discard, p.stderr)
	}()
	t.Cleanup(func() {
		if err := p.stop(); err != nil {
			t.Errorf("run = %v; want nil after a graceful shutdown", err)
		}
		if t.Failed() {
			t.Logf("program log:\n%s", p.stderr.String())
		}
	})
	client := &http.Client{Timeout: 5 * time.Second}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		res, err := client.Get(p.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			p.ended.Do(func() { p.cancel(); p.result = err })
			t.Fatalf("run returned before serving: %v", err)
		default:
		}
		if time.Since(start) > startTimeout {
			t.Fatalf("/healthz not ready within %v: %v", startTimeout, err)
		}
	}
}

// stop ends the program as SIGINT does and returns run's result, or an
// error when run does not return within 30 seconds. It may be called from
// any goroutine, and again.
func (p *program) stop() error {
	p.ended.Do(func() {
		p.cancel()
		select {
		case p.result = <-p.done:
		case <-time.After(30 * time.Second):
			p.result = errors.New("run did not return 30 s after the context ended")
		}
	})
	return p.result
}

// getBody fetches url and returns the status and body; a failed request
// fails the test.
func getBody(t *testing.T, hc *http.Client, url string) (int, string) {
	t.Helper()
	res, err := hc.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return res.StatusCode, string(body)
}

// get fetches path and returns the status and body; a failed request fails the test.
func (p *program) get(client *http.Client, path string) (int, string) {
	p.t.Helper()
	return getBody(p.t, client, p.base+path)
}

// TestRun starts the whole program on a temporary SQLite database, waits
// for /healthz, browses the demo catalog, then stops it and expects a
// graceful, error-free end.
func TestRun(t *testing.T) {
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "var", "shop.db")})
	client := &http.Client{Timeout: 5 * time.Second}

	if status, _ := p.get(client, "/readyz"); status != http.StatusOK {
		t.Errorf("/readyz = %d; want 200", status)
	}
	status, home := p.get(client, "/")
	if status != http.StatusOK {
		t.Fatalf("GET / = %d; want 200", status)
	}
	m := regexp.MustCompile(`href="(/products/[^"?]+)"`).FindStringSubmatch(home)
	if m == nil {
		t.Fatalf("the home page links to no product (demo catalog not loaded?)\n%s", home)
	}
	if status, page := p.get(client, m[1]); status != http.StatusOK || !strings.Contains(page, `action="/cart/items"`) && !strings.Contains(page, "Out of stock") {
		t.Errorf("GET %s = %d; want a product page", m[1], status)
	}

	if err := p.stop(); err != nil {
		t.Fatalf("run = %v; want nil after a graceful shutdown", err)
	}
	logs := p.stderr.String()
	for _, want := range []string{`"msg":"storefront listening"`, `"url":"` + p.base + `"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
	if _, err := client.Get(p.base + "/healthz"); err == nil {
		t.Error("the server still answers after run returned")
	}
}

// TestRunFinishesInFlightRequests checks that shutting down lets a request
// that is being read complete.
func TestRunFinishesInFlightRequests(t *testing.T) {
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false"})

	// A POST whose body arrives slowly is in flight while the shutdown starts.
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, p.base+"/login", pr)
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := pw.Write([]byte("email=ada%40example.com&password=")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- p.stop() }()
	time.Sleep(200 * time.Millisecond)
	if _, err := pw.Write([]byte("wrong+password+123")); err != nil {
		t.Fatalf("the rest of the in-flight body: %v", err)
	}
	pw.Close()
	if status := <-answered; status != http.StatusSeeOther && status != http.StatusUnauthorized {
		t.Errorf("in-flight request answered %d; want it finished (401)", status)
	}
	if err := <-stopped; err != nil {
		t.Errorf("run = %v; want nil", err)
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	env := map[string]string{"PORT": "eighty", "STOREFRONT_STORE": "postgres", "STOREFRONT_DEMO": "maybe",
		"STOREFRONT_SESSION_IDLE_TIMEOUT": "-5m", "LOG_LEVEL": "loud", "STOREFRONT_REGISTRATION_LIMIT": "0"}
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

func TestUsage(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help", "help"} {
		var out bytes.Buffer
		if err := run(t.Context(), []string{"storefront", arg}, func(string) string { return "" }, &out, io.Discard); err != nil {
			t.Fatalf("storefront %s = %v", arg, err)
		}
		for _, ev := range app.EnvVars {
			if !strings.Contains(out.String(), ev.Name) {
				t.Errorf("storefront %s: usage lacks %s", arg, ev.Name)
			}
		}
		for name := range commands {
			if !strings.Contains(out.String(), name) {
				t.Errorf("storefront %s: usage lacks the command %s", arg, name)
			}
		}
	}
	for _, args := range [][]string{{"storefront", "--port=1"}, {"storefront", "serve", "--port=1"}} {
		err := run(t.Context(), args, func(string) string { return "" }, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--port=1") {
			t.Errorf("run(%q) = %v; want an error naming the unknown argument", args, err)
		}
	}
}
