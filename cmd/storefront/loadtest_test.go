package main

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storefront/internal/loadtest"
)

func TestLoadtestGenCatalog(t *testing.T) {
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"storefront", "loadtest", "gen-catalog", "-n", "25"}, loadtestNoEnv, &out, &errs); err != nil {
		t.Fatalf("loadtest gen-catalog = %v (%s)", err, errs.String())
	}
	records, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 26 || strings.Join(records[0], ",") != "id,name,description,category,price_cents,stock,active" {
		t.Errorf("gen-catalog -n 25: %d records, header %v; want the catalog header and 25 products", len(records), records[0])
	}
	if err := run(t.Context(), []string{"storefront", "loadtest", "gen-catalog", "-n", "0"}, loadtestNoEnv, &out, &errs); err == nil {
		t.Error("gen-catalog -n 0 = nil; want an error")
	}
}

// A run against a server prints every request kind and the overall line,
// its errors counted, and writes the JSON result when asked.
func TestLoadtestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "teapot", http.StatusTeapot)
	}))
	defer srv.Close()
	jsonPath := filepath.Join(t.TempDir(), "result.json")
	var out, errs bytes.Buffer
	err := run(t.Context(), []string{"storefront", "loadtest", "-url", srv.URL, "-scenario", "hello", "-vus", "2",
		"-duration", "200ms", "-warmup", "0s", "-json", jsonPath}, loadtestNoEnv, &out, &errs)
	if err != nil {
		t.Fatalf("loadtest = %v (%s)", err, errs.String())
	}
	for _, want := range []string{"hello against " + srv.URL, "\nhello ", "\noverall ", "errors of hello: status 418"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil || !bytes.Contains(b, []byte(`"scenario": "hello"`)) {
		t.Errorf("result file: %v, %s; want the run as JSON", err, b)
	}
	if err := run(t.Context(), []string{"storefront", "loadtest", "-scenario", "nope"}, loadtestNoEnv, &out, &errs); err == nil {
		t.Error("loadtest -scenario nope = nil; want an error")
	}
}

// The report command renders saved results into the report, keeping what
// people wrote outside its generated regions, and writes the charts.
func TestLoadtestReport(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results.json")
	res := &loadtest.BenchResults{Hello: &loadtest.Result{Scenario: "hello", Overall: loadtest.KindStats{RPS: 1000}},
		Sizes: []loadtest.SizeResults{{Products: 1000, Runs: []*loadtest.Result{{Scenario: "product", Overall: loadtest.KindStats{RPS: 600}}}}}}
	if err := loadtest.WriteJSON(results, res); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "performance.md")
	if err := os.WriteFile(report, []byte("# Performance\n\n## Search engine comparison\n\nOurs.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"storefront", "loadtest", "report", "-in", results, "-out", report}, loadtestNoEnv, &out, &errs); err != nil {
		t.Fatalf("loadtest report = %v (%s)", err, errs.String())
	}
	md, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("Ours.")) || !bytes.Contains(md, []byte("| product page RPS / hello world | >= 50% | 60.0% |")) {
		t.Errorf("report:\n%s\nwant the people's section kept and the product page at 60%%", md)
	}
	if _, err := os.Stat(filepath.Join(dir, loadtest.ChartDir, "throughput.svg")); err != nil {
		t.Errorf("throughput chart: %v", err)
	}
}

func loadtestNoEnv(string) string { return "" }
