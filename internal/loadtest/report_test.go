package loadtest

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// run is a Result with the given overall figures.
func run(scenario string, rps, p50, p95, p99 float64) *Result {
	k := KindStats{Kind: "overall", Requests: int(rps * 10), RPS: rps, P50: p50, P95: p95, P99: p99}
	one := k
	one.Kind = scenario
	return &Result{Scenario: scenario, VUs: 32, Seconds: 10, Overall: k, Kinds: []KindStats{one}}
}

// fixture: hello world at 10,000 req/s; the guest catalog page at 60% of
// it with 1,000 products and 45% with 100,000; the product page at 50%
// in both; search slower by 3x at 100k; checkout 4,100 orders/s (p99 of
// the orders 40 ms) at 1k, 3,000 at 100k.
func fixture() *BenchResults {
	small := SizeResults{Products: 1000, ImportSeconds: 1, StartupSeconds: 0.1, FirstPage: 0.12, RSSStartMB: 40,
		RSSMB: 45, HWMMB: 50, Page: PageSize{HTMLBytes: 20000, HTMLWireBytes: 4000, HTMLEncoding: "gzip", CSSBytes: 9000,
			CSSWireBytes: 2500, CSSEncoding: "gzip", GzipBytes: 6400}}
	large := SizeResults{Products: 100_000, ImportSeconds: 20.8, StartupSeconds: 1.09, FirstPage: 1.1, RSSStartMB: 120,
		RSSMB: 140, HWMMB: 149, Page: PageSize{HTMLBytes: 20000, HTMLWireBytes: 4200, HTMLEncoding: "gzip", CSSBytes: 9000,
			CSSWireBytes: 2500, CSSEncoding: "gzip", GzipBytes: 6600}}
	small.Runs = []*Result{run("catalog-guest", 6000, 2, 4, 6), run("product", 5000, 2, 3, 4), run("search", 3000, 3, 5, 8)}
	large.Runs = []*Result{run("catalog-guest", 4500, 2.5, 5, 7), run("product", 5000, 2, 3, 4), run("search", 1000, 9, 15, 20)}
	for _, s := range []struct {
		sr     *SizeResults
		orders float64
	}{{&small, 4100}, {&large, 3000}} {
		c := run("checkout", 2*s.orders, 3, 20, 45)
		c.VUs = 16
		c.Orders, c.OrdersPerSec = int(s.orders*10), s.orders
		c.Kinds = []KindStats{{Kind: "api-cart-put", RPS: s.orders, P50: 2, P95: 10, P99: 30},
			{Kind: "api-order", RPS: s.orders, P50: 4, P95: 25, P99: 40}}
		s.sr.Runs = append(s.sr.Runs, c)
	}
	return &BenchResults{Started: time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC), Seconds: 400,
		Machine:  Machine{CPUs: 2, CPUModel: "Test CPU", GoVersion: "go1.26", LoadAvg: "1.00 1.00 1.00"},
		Duration: 8, Warmup: 2, VUs: 32, CheckoutVUs: 16, Hello: run("hello", 10000, 1, 2, 3),
		Sizes: []SizeResults{small, large}}
}

// targetRow returns the line of the targets table that starts with
// prefix.
func targetRow(t *testing.T, md, prefix string) string {
	t.Helper()
	for line := range strings.SplitSeq(md, "\n") {
		if strings.HasPrefix(line, "| "+prefix) {
			return line
		}
	}
	t.Fatalf("no row %q in\n%s", prefix, md)
	return ""
}

func TestRenderTargets(t *testing.T) {
	md := Render(fixture()).Markdown
	tests := []struct{ row, want, met string }{
		// 6000/10000 and 4500/10000: the worse one decides.
		{"catalog page, guest RPS / hello world", "| 60.0% | 45.0% |", "**no** |"},
		{"product page RPS / hello world", "| 50.0% | 50.0% |", "yes |"},
		{"catalog page, signed in RPS", "| n/a | n/a |", "n/a |"},
		// 2.5 ms / 2 ms
		{"catalog page, guest p50 at 100k / at 1k", "(1.25x)", "yes |"},
		// 9 ms / 3 ms
		{"search p50 at 100k / at 1k", "(3.00x)", "**no** |"},
		{"orders per second, SQLite, 16 API clients, 1k", "| 4100 orders/s | p99 40.0 ms |", "yes |"},
		{"orders per second, SQLite, 16 API clients, 100k", "| 3000 orders/s | p99 40.0 ms |", "**no** |"},
		{"resident memory with 100k products", "| 45 MB | 140 MB (peak 149 MB) |", "yes |"},
		{"start-up to ready (/readyz 200) with 100k products", "| 0.10 s | 1.09 s |", "yes |"},
		{"catalog page, HTML + CSS, compressed", "| 3.9 KB + 2.4 KB | 4.1 KB + 2.4 KB |", "yes |"},
	}
	for _, tt := range tests {
		row := targetRow(t, md, tt.row)
		if !strings.Contains(row, tt.want) || !strings.HasSuffix(row, tt.met) {
			t.Errorf("row %q; want %q and met %q", row, tt.want, tt.met)
		}
	}
	for _, want := range []string{
		"| hello world (ceiling) |  | 10000 | 100% | 1.00 | 2.00 | 3.00 | 0 |  |",
		"| catalog page, guest | 100k | 4500 | 45.0% | 2.50 | 5.00 | 7.00 | 0 |  |",
		"| checkout (API) | 1k | 8200 | 82.0% | 3.00 | 20.00 | 45.00 | 0 | 4100 |",
		"| api-order | 4100 | 4.00 | 25.00 | 40.00 | 0 |",
		"![Throughput as a share of hello world](performance/throughput.svg)",
		"## Search engine comparison",
		"Test CPU",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// Each size is compared with the best of the ceiling runs around its own
// page runs, not with the bench's first.
func TestRenderPerSizeCeiling(t *testing.T) {
	r := fixture()
	r.Sizes[0].Hello = []*Result{run("hello", 9000, 1, 2, 3), run("hello", 12000, 1, 2, 3)}
	md := Render(r).Markdown
	// 6000/12000 at 1k; 4500/10000 at 100k (no runs of its own: the first).
	if row := targetRow(t, md, "catalog page, guest RPS / hello world"); !strings.Contains(row, "| 50.0% | 45.0% |") {
		t.Errorf("row %q; want 50.0%% at 1k (of its own ceiling, 12,000) and 45.0%% at 100k", row)
	}
	for _, want := range []string{
		"| hello world (ceiling), before the page runs | 1k | 9000 | 75.0% |",
		"| hello world (ceiling), after the page runs | 1k | 12000 | 100.0% |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestRenderProjection(t *testing.T) {
	md := Render(fixture()).Markdown
	// Memory when ready: (120-40)/99,000 MB per product = 0.81 MB per 1,000;
	// 1M = 120 + 0.808 x 900 = 847 MB; the peak adds 149-120 = 29 MB: 876 MB.
	// Start-up: (1.09-0.1)/99,000 s per product = 0.01 s per 1,000; 1M = 1.09 + 0.01 x 900 = 10.09 s.
	// Import: (20.8-1)/99,000 = 0.2 s per 1,000; 1M = 20.8 + 180 = 200.8 s.
	for _, want := range []string{
		"| resident memory when ready (VmRSS) | 40 MB | 120 MB | 0.81 MB | **847 MB** = 120 + 0.81 x 900 |",
		"| peak resident memory under the runs (VmHWM) | 50 MB | 149 MB | | **876 MB** = 847 + 29 (the 100k peak over its ready figure) |",
		"| start-up to ready (warm-up of the read model) | 0.10 s | 1.09 s | 10.00 ms | **10.1 s** = 1.09 + 0.0100 x 900 |",
		"**201 s**",
		"exceed the memory budget and exceed the start-up budget",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("projection lacks %q:\n%s", want, md[strings.Index(md, "## 1,000,000"):])
		}
	}
	one := fixture()
	one.Sizes = one.Sizes[:1]
	if md := Render(one).Markdown; !strings.Contains(md, "Needs two catalog sizes") {
		t.Error("projection from one size; want it to say it needs two")
	}
}

func TestRenderCharts(t *testing.T) {
	rep := Render(fixture())
	for _, name := range []string{chartThroughput, chartLatency, chartScale} {
		svg, ok := rep.Charts[name]
		if !ok {
			t.Fatalf("no chart %s", name)
		}
		mustParseSVG(t, name, svg)
	}
	// Throughput: 9 scenarios x 2 sizes, a bar for each measured one: 4 of
	// the 1k runs and 4 of the 100k runs (catalog-guest, product, search,
	// checkout).
	if n := strings.Count(rep.Charts[chartThroughput], `class="bar"`); n != 8 {
		t.Errorf("throughput chart has %d bars; want 8", n)
	}
	if !strings.Contains(rep.Charts[chartThroughput], "45%") || !strings.Contains(rep.Charts[chartThroughput], ">ceiling<") {
		t.Errorf("throughput chart lacks the 45%% bar or the ceiling:\n%s", rep.Charts[chartThroughput])
	}
	// Latency: the ceiling and 4 runs at each size, 3 percentiles each.
	if n := strings.Count(rep.Charts[chartLatency], `class="bar"`); n != 30 {
		t.Errorf("latency chart has %d bars; want 30", n)
	}
	if !strings.Contains(rep.Charts[chartScale], "search (3.00x)") {
		t.Errorf("scale chart lacks the search ratio:\n%s", rep.Charts[chartScale])
	}
}

func mustParseSVG(t *testing.T, name, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not well-formed XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q; want svg", name, root)
	}
}

func TestBarChart(t *testing.T) {
	c := BarChart{Title: "T <&>", Unit: " ms", Groups: []string{"a", "b"},
		Series: []Series{{Name: "one", Color: "#000", Values: []float64{1, math.NaN()}}, {Name: "two", Color: "#fff", Values: []float64{3, 4}}},
		Marks:  []Mark{{Label: "target", Value: 2}}}
	svg := c.SVG()
	mustParseSVG(t, "chart", svg)
	if n := strings.Count(svg, `class="bar"`); n != 3 {
		t.Errorf("%d bars; want 3 (NaN has none)", n)
	}
	if n := strings.Count(svg, `class="mark"`); n != 1 {
		t.Errorf("%d marks; want 1", n)
	}
	if !strings.Contains(svg, "T &lt;&amp;&gt;") || !strings.Contains(svg, ">4 ms<") {
		t.Errorf("svg lacks the escaped title or a value label:\n%s", svg)
	}
}

func TestMerge(t *testing.T) {
	generated := "# Performance\n\n" + regionBegin("bench") + "new figures\n" + regionEnd("bench") +
		"\n## Search engine comparison\n\n_placeholder_\n\n## 1,000,000 products\n\n" +
		regionBegin("projection") + "new projection\n" + regionEnd("projection") + "\n### Beyond that\n\ndefault text\n"
	if got := Merge("", generated); got != generated {
		t.Errorf("Merge(no file) = %q; want the generated report", got)
	}
	existing := "# Performance\n\n" + regionBegin("bench") + "old figures\n" + regionEnd("bench") +
		"\n## Search engine comparison\n\nFTS5 won: 0.3 ms per query.\n\n## 1,000,000 products\n\n### Beyond that\n\nOur own words.\n"
	got := Merge(existing, generated)
	for _, want := range []string{"new figures", "FTS5 won: 0.3 ms per query.", "Our own words.", "new projection"} {
		if !strings.Contains(got, want) {
			t.Errorf("Merge lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"old figures", "_placeholder_", "default text"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("Merge kept or added %q:\n%s", unwanted, got)
		}
	}
	if again := Merge(got, generated); again != got {
		t.Errorf("Merge is not stable:\n%s\n---\n%s", got, again)
	}
}

func TestParseProcStatus(t *testing.T) {
	st, err := parseProcStatus(strings.NewReader("Name:\tstorefront\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n"))
	if err != nil {
		t.Fatal(err)
	}
	if st["VmRSS"] != 100 || st["VmHWM"] != 200 || len(st) != 2 {
		t.Errorf("parseProcStatus = %v; want VmRSS 100 MB, VmHWM 200 MB", st)
	}
}

func TestSizeLabelAndCommas(t *testing.T) {
	for n, want := range map[int]string{1000: "1k", 100_000: "100k", 1_000_000: "1M", 1500: "1500", 250: "250"} {
		if got := SizeLabel(n); got != want {
			t.Errorf("SizeLabel(%d) = %q; want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{900_000: "900,000", 12: "12", 1234: "1,234", 100: "100"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q; want %q", n, got, want)
		}
	}
}
