package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"storefront/internal/loadtest"
)

// loadtestUsage says how the loadtest command is used.
const loadtestUsage = `usage:
  storefront loadtest [-url URL] [-scenario NAME] [-vus N] [-duration D] [-warmup D] [-page N] [-query WORD] [-json FILE]
      drive the shop at URL with N concurrent virtual users and print throughput, p50/p95/p99 latency,
      errors and orders per second, per request kind and overall
      (every user comes from one address: a shop limits registrations and new guest carts per address,
      so start the shop under test with STOREFRONT_REGISTRATION_LIMIT and STOREFRONT_GUEST_CART_LIMIT
      raised, as make bench does; its refusals count as errors)
  storefront loadtest gen-catalog -n N [-seed S]
      a catalog CSV of N generated products on stdout, for storefront catalog import
  storefront loadtest serve-hello [-addr HOST:PORT]
      a hello-world Go net/http server: the ceiling the shop is measured against
  storefront loadtest bench [-out docs/performance.md] [-work var/bench] [-sizes 1000,100000] ...
      make bench's measurements: hello world, then the shop on SQLite at each catalog size; writes the
      results (WORK/results.json) and the report with its charts
  storefront loadtest report -in results.json [-out docs/performance.md]
      the report again from saved results
`

// loadtestCommand runs the loadtest command and its subcommands (the load
// generator of make bench; nothing here is part of serving the shop).
func loadtestCommand(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "gen-catalog":
			return loadtestGenCatalog(args[1:], stdout, stderr)
		case "serve-hello":
			return loadtestServeHello(ctx, args[1:], stdout, stderr)
		case "bench":
			return loadtestBench(ctx, args[1:], stdout, stderr)
		case "report":
			return loadtestReport(args[1:], stdout, stderr)
		case "help":
			args = []string{"-h"} // the flags' usage: the scenarios too
		}
	}
	fs := newFlagSet("loadtest", stderr)
	var (
		cfg      loadtest.Config
		jsonPath string
	)
	fs.StringVar(&cfg.BaseURL, "url", "http://127.0.0.1:8000", "the shop's base URL")
	fs.StringVar(&cfg.Scenario, "scenario", "mix", "what each virtual user does: "+strings.Join(loadtest.Scenarios(), ", "))
	fs.IntVar(&cfg.VUs, "vus", 32, "concurrent virtual users")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured time before it")
	fs.IntVar(&cfg.Page, "page", 400, "the catalog page of scenario page400")
	fs.StringVar(&cfg.Query, "query", "", "the search word (default: a frequent word of the product names)")
	fs.StringVar(&jsonPath, "json", "", "also write the result as JSON to this file")
	fs.Usage = func() {
		fmt.Fprint(stderr, loadtestUsage+"\nScenarios:\n")
		for _, name := range loadtest.Scenarios() {
			fmt.Fprintf(stderr, "  %-18s %s\n", name, loadtest.ScenarioSummary(name))
		}
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadtest: unexpected argument %q\n%s", fs.Arg(0), loadtestUsage)
	}
	cfg.Log = stderr
	fmt.Fprintf(stderr, "loadtest: %s against %s, %d virtual users, %s (+%s warm-up)\n", cfg.Scenario, cfg.BaseURL, cfg.VUs, cfg.Duration, cfg.Warmup)
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	printResult(stdout, res)
	if jsonPath != "" {
		if err := loadtest.WriteJSON(jsonPath, res); err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
	}
	return nil
}

// printResult writes a run's figures as a table, one line per request kind
// and the overall line, then the failures.
func printResult(w io.Writer, r *loadtest.Result) {
	fmt.Fprintf(w, "%s against %s: %d virtual users, %.1f s measured", r.Scenario, r.BaseURL, r.VUs, r.Seconds)
	if r.Target != "" {
		fmt.Fprintf(w, " (%s)", r.Target)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-18s %9s %9s %9s %9s %9s %9s %8s\n", "request", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	line := func(k loadtest.KindStats) {
		fmt.Fprintf(w, "%-18s %9d %9.1f %9.2f %9.2f %9.2f %9.2f %8d\n", k.Kind, k.Requests, k.RPS, k.P50, k.P95, k.P99, k.Max, k.Errors)
	}
	for _, k := range r.Kinds {
		line(k)
	}
	line(r.Overall)
	fmt.Fprintf(w, "orders: %d (%.1f per second)\n", r.Orders, r.OrdersPerSec)
	for _, k := range r.Kinds {
		if k.Errors == 0 {
			continue
		}
		fmt.Fprintf(w, "errors of %s:", k.Kind)
		for f, n := range k.Failures {
			fmt.Fprintf(w, " %s x%d;", f, n)
		}
		fmt.Fprintf(w, " e.g. %s\n", k.Sample)
	}
}

func loadtestGenCatalog(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest gen-catalog", stderr)
	n := fs.Int("n", 1000, "how many products")
	seed := fs.Uint64("seed", 1, "the random seed: one seed, one catalog")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if *n < 1 || *n > 10_000_000 {
		return errors.New("loadtest gen-catalog: -n must be 1 to 10,000,000")
	}
	return loadtest.GenerateCatalog(stdout, *n, *seed)
}

func loadtestServeHello(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest serve-hello", stderr)
	addr := fs.String("addr", "127.0.0.1:8100", "listen address")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	return loadtest.ServeHello(ctx, *addr, func(a net.Addr) { fmt.Fprintf(stdout, "hello world on http://%s\n", a) })
}

func loadtestBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest bench", stderr)
	var cfg loadtest.BenchConfig
	out := fs.String("out", "docs/performance.md", "the report (its generated regions are replaced, the rest kept)")
	sizes := fs.String("sizes", "1000,100000", "catalog sizes, comma-separated")
	fs.StringVar(&cfg.WorkDir, "work", "var/bench", "databases, catalogs, logs and results.json")
	fs.StringVar(&cfg.Binary, "binary", "", "the storefront program to measure (default: this one)")
	fs.DurationVar(&cfg.Duration, "duration", 6*time.Second, "measured time of each run")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured time before each run")
	fs.IntVar(&cfg.VUs, "vus", 32, "virtual users of the page runs")
	fs.IntVar(&cfg.CheckoutVUs, "checkout-vus", 16, "API clients of the checkout run")
	fs.StringVar(&cfg.Query, "query", "kettle", "the search word of the search runs, the same at every size")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 100 {
			return fmt.Errorf("loadtest bench: -sizes: %q is not a catalog size of at least 100", s)
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	if cfg.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("loadtest bench: %w", err)
		}
		cfg.Binary = exe
	}
	cfg.Log = stdout
	res, err := loadtest.Bench(ctx, cfg)
	if err != nil {
		return fmt.Errorf("loadtest bench: %w", err)
	}
	results := filepath.Join(cfg.WorkDir, "results.json")
	if err := loadtest.WriteJSON(results, res); err != nil {
		return fmt.Errorf("loadtest bench: %w", err)
	}
	fmt.Fprintf(stdout, "results in %s\n", results)
	return writeReport(res, *out, stdout)
}

func loadtestReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest report", stderr)
	in := fs.String("in", "var/bench/results.json", "results of loadtest bench")
	out := fs.String("out", "docs/performance.md", "the report (its generated regions are replaced, the rest kept)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	b, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("loadtest report: %w", err)
	}
	var res loadtest.BenchResults
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("loadtest report: %s: %w", *in, err)
	}
	return writeReport(&res, *out, stdout)
}

// writeReport renders res into the report at out, keeping what people
// wrote outside its generated regions, and the charts next to it.
func writeReport(res *loadtest.BenchResults, out string, stdout io.Writer) error {
	rep := loadtest.Render(res)
	existing, err := os.ReadFile(out) // #nosec G304 -- the operator names the report file
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("report: %w", err)
	}
	chartDir := filepath.Join(filepath.Dir(out), loadtest.ChartDir)
	if err := os.MkdirAll(chartDir, 0o750); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for name, svg := range rep.Charts {
		if err := os.WriteFile(filepath.Join(chartDir, name), []byte(svg), 0o600); err != nil { // #nosec G703 -- the operator names the report's directory
			return fmt.Errorf("report: %w", err)
		}
	}
	// #nosec G703 -- the operator names the report file
	if err := os.WriteFile(out, []byte(loadtest.Merge(string(existing), rep.Markdown)), 0o600); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(stdout, "report written to %s, charts to %s\n", out, chartDir)
	return nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// flagError turns -h's flag.ErrHelp into success (the usage was printed).
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
