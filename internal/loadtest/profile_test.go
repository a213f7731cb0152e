//go:build profile

package loadtest_test

// A profiling harness, not a test: the shop in process on SQLite, driven
// by one load test run, so that go test's -cpuprofile (and -mutexprofile,
// -blockprofile) show where a scenario's time goes. Speed is never checked.
//
//	go test -tags profile -run TestProfile -count=1 -cpuprofile /tmp/cpu.out ./internal/loadtest \
//	  -args -scenario checkout -vus 16 -products 1000
//	go tool pprof -top internal/loadtest/loadtest.test /tmp/cpu.out

import (
	"bytes"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"storefront/internal/app"
	"storefront/internal/loadtest"
	"storefront/internal/shop"
)

var (
	profScenario = flag.String("scenario", "checkout", "the scenario to run")
	profVUs      = flag.Int("vus", 16, "virtual users")
	profProducts = flag.Int("products", 1000, "generated catalog size")
	profDuration = flag.Duration("duration", 10*time.Second, "measured time")
	profInline   = flag.Bool("processor", true, "run the order processor inline, as shipped")
)

func TestProfile(t *testing.T) {
	ctx := t.Context()
	env := map[string]string{
		"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"STOREFRONT_REGISTRATION_LIMIT": "1000000", "STOREFRONT_METRICS_ADDR": "", "LOG_LEVEL": "warn",
	}
	a, err := app.Open(ctx, func(k string) string { return env[k] }, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	var csv bytes.Buffer
	if err := loadtest.GenerateCatalog(&csv, *profProducts, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Service.ImportCatalog(ctx, shop.CommandLineActor, &csv); err != nil {
		t.Fatal(err)
	}
	if err := a.StartCatalog(ctx); err != nil { // as storefront serve does
		t.Fatal(err)
	}
	if *profInline {
		stop, err := a.StartProcessor(ctx, a.Metrics.Registry)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	var cpu0, cpu time.Duration
	res, err := loadtest.Run(ctx, loadtest.Config{BaseURL: srv.URL, Scenario: *profScenario, VUs: *profVUs,
		Duration: *profDuration, Warmup: time.Second, Phase: func(phase string) {
			if phase == "measure" {
				cpu0 = cpuTime(t)
			} else {
				cpu = cpuTime(t) - cpu0
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range append(res.Kinds, res.Overall) {
		t.Logf("%-14s %8.0f req/s p50 %6.2f ms p95 %6.2f ms p99 %6.2f ms errors %d %v", k.Kind, k.RPS, k.P50, k.P95, k.P99, k.Errors, k.Failures)
	}
	t.Logf("orders %.0f/s", res.OrdersPerSec)
	// CPU per request in the measured time (server, client and the order
	// processor together) tells a change's cost apart from the machine's
	// other load better than throughput does.
	t.Logf("CPU %.2f s: %.0f µs per request, %.0f µs per order", cpu.Seconds(),
		float64(cpu.Microseconds())/float64(res.Overall.Requests), float64(cpu.Microseconds())/float64(max(res.Orders, 1)))
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
