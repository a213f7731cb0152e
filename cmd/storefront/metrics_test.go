package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scrapeMetrics fetches /metrics from addr and returns its text.
func scrapeMetrics(t *testing.T, addr string) string {
	t.Helper()
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, %v", res.StatusCode, err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("GET /metrics Content-Type = %q; want the Prometheus text format", ct)
	}
	return string(body)
}

// TestMetrics runs the program with /metrics on its own address and the
// order processor inline, browses, fails a sign-in, places an order and
// sends it again, and reads each of those in the series, with the store
// calls, the processor's and the Go runtime's metrics.
func TestMetrics(t *testing.T) {
	metricsAddr := "127.0.0.1:" + freePort(t)
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"),
		"STOREFRONT_METRICS_ADDR": metricsAddr, "STOREFRONT_PROCESSOR": "inline"})
	app := &shopClient{t: t, base: p.base, hc: &http.Client{Timeout: 30 * time.Second}}
	for range 3 {
		app.product("pour-over-dripper")
	}
	for _, path := range []string{"/no/such/page", "/wp-login.php"} {
		if status, _ := p.get(app.hc, path); status != http.StatusNotFound {
			t.Fatalf("GET %s = %d; want 404", path, status)
		}
	}
	const email = "mia.metrics@example.com"
	app.call(http.MethodPost, "/api/v1/users", "", nil,
		map[string]string{"email": email, "name": "Mia", "password": testPassword}, http.StatusCreated, nil)
	app.call(http.MethodPost, "/api/v1/tokens", "", nil,
		map[string]string{"email": email, "password": "not the password at all"}, http.StatusUnauthorized, nil)
	token := app.token(email)
	app.call(http.MethodPut, "/api/v1/cart/items/pour-over-dripper", token, nil, map[string]int{"quantity": 1}, http.StatusOK, nil)
	order := map[string]any{"shipping_address": map[string]string{"full_name": "Mia Metric", "line1": "1 Counter Street",
		"city": "Gauge", "postal_code": "12345", "country": "US"}}
	key := map[string]string{"Idempotency-Key": "metrics-test-checkout-1"}
	app.call(http.MethodPost, "/api/v1/orders", token, key, order, http.StatusCreated, nil)
	app.call(http.MethodPost, "/api/v1/orders", token, key, order, 0, nil) // the same checkout again
	app.call(http.MethodPost, "/api/v1/orders", token, map[string]string{"Idempotency-Key": "metrics-test-checkout-2"}, order,
		http.StatusUnprocessableEntity, nil) // the cart is empty now

	text := scrapeMetrics(t, metricsAddr)
	for _, want := range []string{
		`storefront_http_requests_total{code="200",method="GET",route="GET /api/v1/products/{id}"} 3`,
		`storefront_http_requests_total{code="404",method="GET",route="unmatched"} 2`,
		`storefront_http_requests_total{code="401",method="POST",route="POST /api/v1/tokens"} 1`,
		`storefront_http_requests_total{code="201",method="POST",route="POST /api/v1/tokens"} 1`,
		`storefront_http_request_duration_seconds_count{route="GET /api/v1/products/{id}"} 3`,
		`storefront_http_request_duration_seconds_bucket{route="GET /api/v1/products/{id}",le="+Inf"} 3`,
		`storefront_orders_placed_total 1`,
		`storefront_checkout_outcomes_total{outcome="placed"} 1`,
		`storefront_checkout_outcomes_total{outcome="replayed"} 1`,
		`storefront_checkout_outcomes_total{outcome="cart_empty"} 1`,
		`storefront_checkout_outcomes_total{outcome="outcome_unknown"} 0`,
		`storefront_signin_failures_total{reason="invalid_credentials"} 1`,
		`storefront_store_calls_total{op="PlaceOrder",outcome="ok"} 1`,
		`storefront_store_calls_total{op="Product",outcome="ok"} `,
		// The order processor registers on the same registry.
		`storefront_processor_lag_seconds `,
		`storefront_processor_dead_letters_total 0`,
		`go_goroutines `,
		`go_memstats_heap_alloc_bytes `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, "\n"+want) {
			t.Errorf("/metrics lacks the line %s", want)
		}
	}
	// No path a client sent is a label.
	for _, path := range []string{"/no/such/page", "wp-login", "pour-over-dripper"} {
		if strings.Contains(text, path) {
			t.Errorf("/metrics names the requested path %q", path)
		}
	}

	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", metricsAddr, time.Second); err == nil {
		conn.Close()
		t.Errorf("/metrics still listens at %s after the program stopped", metricsAddr)
	}
}

// TestMetricsOff: an empty STOREFRONT_METRICS_ADDR in the process
// environment turns the listener off (environ reads it as "off"); an unset
// one takes the default.
func TestMetricsOff(t *testing.T) {
	t.Setenv("STOREFRONT_METRICS_ADDR", "")
	if got := environ("STOREFRONT_METRICS_ADDR"); got != "off" {
		t.Errorf("environ(STOREFRONT_METRICS_ADDR) with the variable empty = %q; want off", got)
	}
	if got := environ("STOREFRONT_SURELY_UNSET_VARIABLE"); got != "" {
		t.Errorf("environ(an unset variable) = %q; want empty", got)
	}
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"STOREFRONT_METRICS_ADDR": "off"})
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	if logs := p.stderr.String(); strings.Contains(logs, "metrics listening") {
		t.Errorf("the program served /metrics with STOREFRONT_METRICS_ADDR=off:\n%s", logs)
	}
}

// TestMetricsAddressTaken: a taken metrics address stops the program
// before it serves, with a message naming the variable.
func TestMetricsAddressTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"PORT": freePort(t), "STOREFRONT_METRICS_ADDR": taken.Addr().String()}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err = run(ctx, []string{"storefront"}, func(name string) string { return env[name] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "STOREFRONT_METRICS_ADDR") {
		t.Fatalf("run with a taken metrics address = %v; want an error naming STOREFRONT_METRICS_ADDR", err)
	}
}
