package loadtest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BenchConfig is one make bench run: the hello-world ceiling, then the shop
// on SQLite at each catalog size.
type BenchConfig struct {
	Binary      string        // the storefront program (it also serves hello world: loadtest serve-hello)
	WorkDir     string        // databases, generated catalogs, logs, results.json
	Sizes       []int         // catalog sizes, e.g. 1000 and 100000
	Duration    time.Duration // measured time of each run
	Warmup      time.Duration // unmeasured time before it
	VUs         int           // virtual users of the page runs
	CheckoutVUs int           // API clients of the checkout run
	// Query is the search word of the search runs, the same at every size
	// so that their latencies compare (default "kettle": a kind of product
	// of the generated catalog, in about 1% of the names and more of the
	// descriptions).
	Query string
	Log   io.Writer
}

// PageScenarios are the single-page runs of make bench, in report order.
var PageScenarios = []string{"catalog-guest", "catalog-signed-in", "product", "search", "category", "page400", "api-list"}

// BenchResults is everything make bench measured.
type BenchResults struct {
	Started     time.Time     `json:"started"`
	Seconds     float64       `json:"seconds"`
	Machine     Machine       `json:"machine"`
	Duration    float64       `json:"run_seconds"`
	Warmup      float64       `json:"warmup_seconds"`
	VUs         int           `json:"vus"`
	CheckoutVUs int           `json:"checkout_vus"`
	Hello       *Result       `json:"hello"` // the first ceiling run; each size has its own (SizeResults.Hello)
	Sizes       []SizeResults `json:"sizes"`
}

// Machine describes where the figures were measured.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	GoVersion string `json:"go_version"`
	LoadAvg   string `json:"loadavg_at_start"` // the 1, 5 and 15 minute load averages: other work on the machine
}

// SizeResults is the shop measured with one catalog size.
type SizeResults struct {
	Products       int       `json:"products"`
	ImportSeconds  float64   `json:"import_seconds"`
	StartupSeconds float64   `json:"startup_seconds"` // program start to /readyz 200
	FirstPage      float64   `json:"first_page_seconds"`
	RSSStartMB     float64   `json:"rss_start_mb"` // VmRSS once ready
	RSSMB          float64   `json:"rss_mb"`       // VmRSS after the runs
	HWMMB          float64   `json:"hwm_mb"`       // VmHWM: the peak
	Page           PageSize  `json:"page"`
	Runs           []*Result `json:"runs"`
	// Hello are the ceiling's runs just before and just after this size's
	// page runs: on a machine whose other load drifts, each size is
	// compared with the ceiling of its own minutes (the higher of the two).
	Hello []*Result `json:"hello,omitempty"`
}

// Ceiling returns the size's best hello-world run, nil when it has none.
func (s *SizeResults) Ceiling() *Result {
	var best *Result
	for _, h := range s.Hello {
		if best == nil || h.Overall.RPS > best.Overall.RPS {
			best = h
		}
	}
	return best
}

// PageSize is the catalog page and its style sheet as served.
type PageSize struct {
	HTMLBytes     int    `json:"html_bytes"`      // uncompressed
	HTMLWireBytes int    `json:"html_wire_bytes"` // as sent to a client accepting gzip
	HTMLEncoding  string `json:"html_encoding"`
	CSSPath       string `json:"css_path"`
	CSSBytes      int    `json:"css_bytes"`
	CSSWireBytes  int    `json:"css_wire_bytes"`
	CSSEncoding   string `json:"css_encoding"`
	GzipBytes     int    `json:"gzip_bytes"` // HTML + CSS gzipped here (level 6), whatever the server sends
}

// Run returns the results of one scenario, nil when it did not run.
func (s *SizeResults) Run(scenario string) *Result {
	for _, r := range s.Runs {
		if r.Scenario == scenario {
			return r
		}
	}
	return nil
}

// Bench runs make bench's measurements. A failed run is recorded with its
// error counts; only what keeps the whole from running (the program does
// not start, the catalog does not import) is an error.
func Bench(ctx context.Context, cfg BenchConfig) (*BenchResults, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Query == "" {
		cfg.Query = "kettle"
	}
	if err := os.MkdirAll(cfg.WorkDir, 0o750); err != nil {
		return nil, err
	}
	res := &BenchResults{Started: time.Now().UTC(), Machine: machine(), Duration: cfg.Duration.Seconds(),
		Warmup: cfg.Warmup.Seconds(), VUs: cfg.VUs, CheckoutVUs: cfg.CheckoutVUs}

	// The ceiling serves all along (idle between its runs), measured
	// around each size's page runs.
	hello, err := startProcess(ctx, cfg, "hello", nil, "loadtest", "serve-hello", "-addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer hello.stop()
	for _, n := range cfg.Sizes {
		sr, err := benchSize(ctx, cfg, n, hello.url)
		if err != nil {
			return nil, err
		}
		if res.Hello == nil && len(sr.Hello) > 0 {
			res.Hello = sr.Hello[0]
		}
		res.Sizes = append(res.Sizes, *sr)
	}
	res.Seconds = time.Since(res.Started).Seconds()
	return res, nil
}

func runLogged(ctx context.Context, cfg BenchConfig, rc Config) (*Result, error) {
	rc.Duration, rc.Warmup, rc.Log = cfg.Duration, cfg.Warmup, cfg.Log
	r, err := Run(ctx, rc)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", rc.Label, rc.Scenario, err)
	}
	fmt.Fprintf(cfg.Log, "%-6s %-18s %9.0f req/s  p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  errors %d",
		rc.Label, rc.Scenario, r.Overall.RPS, r.Overall.P50, r.Overall.P95, r.Overall.P99, r.Overall.Errors)
	if r.Orders > 0 {
		fmt.Fprintf(cfg.Log, "  orders %.0f/s", r.OrdersPerSec)
	}
	if r.Overall.Sample != "" {
		fmt.Fprintf(cfg.Log, "  (%s)", r.Overall.Sample)
	}
	fmt.Fprintln(cfg.Log)
	return r, nil
}

// benchSize generates and imports a catalog of n products into a new
// SQLite database, starts the shop on it and measures it.
func benchSize(ctx context.Context, cfg BenchConfig, n int, helloURL string) (*SizeResults, error) {
	label := SizeLabel(n)
	fmt.Fprintf(cfg.Log, "== %d products\n", n)
	sr := &SizeResults{Products: n}
	db := filepath.Join(cfg.WorkDir, "shop-"+label+".db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	csvPath := filepath.Join(cfg.WorkDir, "catalog-"+label+".csv")
	f, err := os.Create(csvPath) // #nosec G304 -- the bench's own work directory
	if err != nil {
		return nil, err
	}
	err = errors.Join(GenerateCatalog(f, n, 1), f.Close())
	if err != nil {
		return nil, fmt.Errorf("generate the catalog: %w", err)
	}
	env := []string{"STOREFRONT_STORE=sqlite", "STOREFRONT_DB=" + db, "STOREFRONT_DEMO=false",
		"STOREFRONT_REGISTRATION_LIMIT=1000000", "STOREFRONT_GUEST_CART_LIMIT=1000000", "STOREFRONT_METRICS_ADDR=", "LOG_LEVEL=warn"}
	start := time.Now()
	// #nosec G204 -- the bench runs the program it was given
	imp := exec.CommandContext(ctx, cfg.Binary, "catalog", "import", csvPath)
	imp.Env = append(os.Environ(), env...)
	if out, err := imp.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("catalog import: %w: %s", err, out)
	}
	sr.ImportSeconds = time.Since(start).Seconds()
	fmt.Fprintf(cfg.Log, "imported %d products in %.1f s\n", n, sr.ImportSeconds)

	shop, err := startProcess(ctx, cfg, "shop-"+label, env)
	if err != nil {
		return nil, err
	}
	defer shop.stop()
	sr.StartupSeconds = shop.ready.Seconds()
	if st, err := procStatus(shop.cmd.Process.Pid); err == nil {
		sr.RSSStartMB = st["VmRSS"]
	}
	sr.FirstPage = shop.firstPage.Seconds()
	fmt.Fprintf(cfg.Log, "ready in %.2f s (first catalog page after %.2f s), RSS %.0f MB\n", sr.StartupSeconds, sr.FirstPage, sr.RSSStartMB)
	if sr.Page, err = pageSize(ctx, shop.url); err != nil {
		return nil, fmt.Errorf("catalog page size: %w", err)
	}
	ceiling := func() error {
		fmt.Fprintln(cfg.Log, "hello world (the ceiling):")
		r, err := runLogged(ctx, cfg, Config{BaseURL: helloURL, Scenario: "hello", VUs: cfg.VUs, Label: label})
		if err == nil {
			sr.Hello = append(sr.Hello, r)
		}
		return err
	}
	if err := ceiling(); err != nil {
		return nil, err
	}
	for _, sc := range PageScenarios {
		r, err := runLogged(ctx, cfg, Config{BaseURL: shop.url, Scenario: sc, VUs: cfg.VUs, Label: label, Query: cfg.Query})
		if err != nil {
			return nil, err
		}
		sr.Runs = append(sr.Runs, r)
	}
	if err := ceiling(); err != nil {
		return nil, err
	}
	// Last: they change the database (orders, stock).
	for _, rc := range []Config{
		{BaseURL: shop.url, Scenario: "mix", VUs: cfg.VUs, Label: label},
		{BaseURL: shop.url, Scenario: "checkout", VUs: cfg.CheckoutVUs, Label: label},
	} {
		r, err := runLogged(ctx, cfg, rc)
		if err != nil {
			return nil, err
		}
		sr.Runs = append(sr.Runs, r)
	}
	if st, err := procStatus(shop.cmd.Process.Pid); err == nil {
		sr.RSSMB, sr.HWMMB = st["VmRSS"], st["VmHWM"]
	}
	fmt.Fprintf(cfg.Log, "RSS after the runs %.0f MB, peak %.0f MB\n", sr.RSSMB, sr.HWMMB)
	return sr, nil
}

// SizeLabel names a catalog size: 1k, 100k, 1M.
func SizeLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// process is a program the bench started and serves HTTP.
type process struct {
	cmd       *exec.Cmd
	url       string
	ready     time.Duration // start to /readyz 200 (the shop) or / 200 (hello)
	firstPage time.Duration // start to the first catalog page 200
	done      chan struct{}
}

// startProcess starts the program with args (none: serve the shop) on a
// free port and waits until it answers. Its standard error goes to
// WorkDir/NAME.log.
func startProcess(ctx context.Context, cfg BenchConfig, name string, env []string, args ...string) (*process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	if len(args) > 0 && args[len(args)-1] == "127.0.0.1:0" {
		args[len(args)-1] = addr
	}
	logf, err := os.Create(filepath.Join(cfg.WorkDir, name+".log")) // #nosec G304 -- the bench's own work directory
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.Binary, args...) // #nosec G204 -- the bench runs the program it was given
	cmd.Env = append(os.Environ(), append([]string{"HOST=" + host, "PORT=" + port}, env...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	start := time.Now()
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{cmd: cmd, url: "http://" + addr, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(p.done) }()
	health := "/readyz"
	if len(args) > 0 {
		health = "/"
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if ok, _ := httpOK(ctx, hc, p.url+health); ok {
			p.ready = time.Since(start)
			break
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it answered (see %s.log)", name, filepath.Join(cfg.WorkDir, name))
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not answer %s within 2 minutes", name, health)
		}
	}
	if len(args) == 0 {
		if ok, err := httpOK(ctx, hc, p.url+"/"); !ok {
			p.stop()
			return nil, fmt.Errorf("%s: the catalog page: %v", name, err)
		}
		p.firstPage = time.Since(start)
	}
	return p, nil
}

// stop ends the process gracefully (SIGTERM), or kills it after 15 s.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func httpOK(ctx context.Context, hc *http.Client, u string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("status %d", resp.StatusCode)
	}
	return true, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// procStatus reads the memory lines of /proc/PID/status, in MB.
func procStatus(pid int) (map[string]float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid)) // #nosec G304 -- a process of ours
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseProcStatus(f)
}

// parseProcStatus reads the "VmXXX: N kB" lines of a /proc/PID/status file
// into MB (1 MB = 1024 kB).
func parseProcStatus(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasPrefix(key, "Vm") {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = kb / 1024
	}
	return out, sc.Err()
}

var stylesheetRE = regexp.MustCompile(`<link[^>]+rel="stylesheet"[^>]*>`)

// pageSize fetches the catalog page and its style sheet as a browser
// accepting gzip would, and measures them.
func pageSize(ctx context.Context, base string) (PageSize, error) {
	var ps PageSize
	html, wire, enc, err := fetch(ctx, base+"/")
	if err != nil {
		return ps, err
	}
	ps.HTMLBytes, ps.HTMLWireBytes, ps.HTMLEncoding = len(html), wire, enc
	both := append([]byte{}, html...)
	if link := stylesheetRE.Find(html); link != nil {
		if href := attrs(link)["href"]; strings.HasPrefix(href, "/") {
			css, wire, enc, err := fetch(ctx, base+href)
			if err != nil {
				return ps, err
			}
			ps.CSSPath, ps.CSSBytes, ps.CSSWireBytes, ps.CSSEncoding = href, len(css), wire, enc
			both = append(both, css...)
		}
	}
	ps.GzipBytes = gzipLen(html) + gzipLen(both[len(html):])
	return ps, nil
}

// fetch GETs u accepting gzip: the body decoded, its size on the wire and
// its Content-Encoding.
func fetch(ctx context.Context, u string) (body []byte, wire int, encoding string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, "", err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		return nil, 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, "", fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	encoding = resp.Header.Get("Content-Encoding")
	body, err = decode(encoding, raw)
	return body, len(raw), encoding, err
}

func gzipLen(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}

// machine describes this machine.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// WriteJSON writes v as indented JSON to path.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}
