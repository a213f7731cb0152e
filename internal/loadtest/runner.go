package loadtest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Config is one load test run.
type Config struct {
	BaseURL  string        // the shop (or the hello-world server), e.g. http://127.0.0.1:8000
	Scenario string        // one of Scenarios
	VUs      int           // concurrent virtual users, each one request at a time
	Duration time.Duration // how long requests are measured
	Warmup   time.Duration // how long they run before, unmeasured (connections, caches)
	Page     int           // the catalog page of scenario page400 (default 400)
	Query    string        // the search word; "" picks a frequent word of the product names
	Label    string        // names the run in results ("1k", "100k")
	Log      io.Writer     // progress and set-up messages; nil: none
	// Phase, when set, is called as the measured time starts ("measure")
	// and once the last request has finished ("end"): a profiler's hook.
	Phase func(phase string)
}

// Result is what one run measured.
type Result struct {
	Label        string      `json:"label,omitempty"`
	Scenario     string      `json:"scenario"`
	BaseURL      string      `json:"base_url"`
	VUs          int         `json:"vus"`
	Seconds      float64     `json:"seconds"`
	Kinds        []KindStats `json:"kinds"`
	Overall      KindStats   `json:"overall"`
	Orders       int         `json:"orders"`
	OrdersPerSec float64     `json:"orders_per_sec"`
	Target       string      `json:"target,omitempty"` // what was asked for: the query, category or page
}

// Kind returns the stats of one request kind, and whether the run made any.
func (r *Result) Kind(kind string) (KindStats, bool) {
	i := slices.IndexFunc(r.Kinds, func(k KindStats) bool { return k.Kind == kind })
	if i < 0 {
		return KindStats{}, false
	}
	return r.Kinds[i], true
}

// Run runs cfg: it sets up its virtual users (accounts, sign-in: not
// measured), lets them loop over the scenario for Warmup and then Duration,
// and returns what the Duration measured. A set-up failure is an error; a
// failed request during the run is counted, not an error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	sc, ok := scenarios[cfg.Scenario]
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (want one of %s)", cfg.Scenario, strings.Join(Scenarios(), ", "))
	}
	if cfg.VUs < 1 {
		return nil, errors.New("want at least 1 virtual user")
	}
	if cfg.Duration <= 0 {
		return nil, errors.New("want a positive duration")
	}
	if cfg.Page == 0 {
		cfg.Page = 400
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http(s)://host[:port]", cfg.BaseURL)
	}
	tr := newTransport(cfg.VUs)
	defer tr.CloseIdleConnections()
	sh := &shared{base: base.String(), cfg: cfg, runID: randomHex(4)}
	if sc.needsCatalog {
		// Listings may lag the store by a few seconds (the catalog read
		// model): a catalog just imported may not be listed yet.
		for tries := 1; ; tries++ {
			err := sh.discover(ctx, tr)
			if err == nil {
				break
			}
			if !errors.Is(err, errNoCatalog) || tries == 20 {
				return nil, fmt.Errorf("read the catalog through the API: %w", err)
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	sh.target = sc.target(sh)
	vus := make([]*vu, cfg.VUs)
	for i := range vus {
		vus[i] = newVU(i, sh, tr)
	}
	if sc.setup != nil {
		fmt.Fprintf(cfg.Log, "setting up %d virtual users for %s\n", cfg.VUs, cfg.Scenario)
		if err := setupAll(ctx, vus, sc.setup); err != nil {
			return nil, err
		}
	}

	// Requests start until end; those under way then finish and count
	// (a request slower than the run is measured, not dropped), and the
	// measured time runs until the last of them.
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	end := measureFrom.Add(cfg.Duration)
	if cfg.Phase != nil {
		measuring := time.AfterFunc(cfg.Warmup, func() { cfg.Phase("measure") })
		defer measuring.Stop()
	}
	var wg sync.WaitGroup
	for _, v := range vus {
		v.measureFrom, v.end = measureFrom, end
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(end) {
				sc.step(ctx, v)
			}
		})
	}
	wg.Wait()
	if cfg.Phase != nil {
		cfg.Phase("end")
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	elapsed := max(time.Since(measureFrom), cfg.Duration)
	all := newRecorder()
	for _, v := range vus {
		all.merge(v.rec)
	}
	res := &Result{Label: cfg.Label, Scenario: cfg.Scenario, BaseURL: sh.base, VUs: cfg.VUs, Seconds: elapsed.Seconds(),
		Orders: all.orders, Target: sh.target}
	res.Kinds, res.Overall = all.stats(elapsed)
	res.OrdersPerSec = float64(all.orders) / elapsed.Seconds()
	return res, nil
}

// setupAll runs setup for every virtual user, a few at a time (sign-up
// hashes a password: expensive on purpose).
func setupAll(ctx context.Context, vus []*vu, setup func(context.Context, *vu) error) error {
	sem := make(chan struct{}, 4)
	errs := make([]error, len(vus))
	var wg sync.WaitGroup
	for i, v := range vus {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = setup(ctx, v)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("set up virtual users: %w", err)
	}
	return nil
}

// newTransport is a browser's connection handling: keep-alive, a
// connection per virtual user kept between requests, HTTP/1.1. It asks for
// no compression itself: each request says Accept-Encoding: gzip, and only
// the answers a scenario reads are decompressed (decompressing every page
// would spend the client's CPU, which the server shares on one machine).
func newTransport(vus int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * vus,
		MaxIdleConnsPerHost: 2 * vus,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// vu is one virtual user: a browser (its own cookies) or an API client
// (its own token), doing one request at a time.
type vu struct {
	id          int
	sh          *shared
	tr          *http.Transport
	hc          *http.Client
	rec         *recorder
	rng         *mrand.Rand
	measureFrom time.Time // requests starting earlier are warm-up, not recorded
	end         time.Time // no request starts after it

	email, password, token string
}

func newVU(id int, sh *shared, tr *http.Transport) *vu {
	// A seeded generator: which product or category a virtual user picks
	// is load, not a secret, and the same run picks alike.
	rng := mrand.New(mrand.NewPCG(uint64(id)+1, 0x5eed)) // #nosec G115 G404 -- id >= 0; not for security
	v := &vu{id: id, sh: sh, tr: tr, rec: newRecorder(), rng: rng,
		end: time.Now().Add(24 * time.Hour)} // set-up: until the run sets it
	v.resetCookies()
	return v
}

// resetCookies starts a new browser session: a fresh guest.
func (v *vu) resetCookies() {
	jar, _ := cookiejar.New(nil) // never fails without options
	v.hc = &http.Client{
		Transport: v.tr,
		Jar:       jar,
		Timeout:   30 * time.Second,
		// Redirects are requests of their own, measured as such.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// answer is a response, its body read (and decompressed when asked for).
type answer struct {
	status   int
	header   http.Header
	body     []byte
	location string
}

// request describes one request of a scenario.
type request struct {
	kind   string // what the stats call it
	method string
	path   string
	form   url.Values // a form post (HTML pages)
	json   string     // a JSON body (API)
	header map[string]string
	read   bool // decompress and keep the body: the scenario reads it
}

// errRequest is a request that failed (already recorded); errRunOver one
// not sent because the run is over.
var (
	errRequest = errors.New("request failed")
	errRunOver = errors.New("the run is over")
)

// do sends r, records it and returns its answer. Answers 2xx and 3xx are
// successes; anything else and transport errors are recorded as failures
// and returned as errRequest. Requests cut off by the end of the run are
// not recorded.
func (v *vu) do(ctx context.Context, r request) (*answer, error) {
	if !time.Now().Before(v.end) {
		return nil, errRunOver
	}
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	} else if r.json != "" {
		body = strings.NewReader(r.json)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, v.sh.base+r.path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("User-Agent", "storefront-loadtest")
	switch {
	case r.form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// A browser's same-origin form post.
		req.Header.Set("Origin", v.sh.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	case r.json != "":
		req.Header.Set("Content-Type", "application/json")
	}
	if strings.HasPrefix(r.path, "/api/") {
		req.Header.Set("Accept", "application/json")
		if v.token != "" {
			req.Header.Set("Authorization", "Bearer "+v.token)
		}
	} else {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	}
	for k, val := range r.header {
		req.Header.Set(k, val)
	}
	start := time.Now()
	resp, err := v.hc.Do(req)
	var a *answer
	var n int64
	if err == nil {
		a = &answer{status: resp.StatusCode, header: resp.Header, location: resp.Header.Get("Location")}
		var raw bytes.Buffer
		if r.read || resp.StatusCode >= 400 {
			n, err = raw.ReadFrom(resp.Body)
		} else {
			n, err = io.Copy(io.Discard, resp.Body)
		}
		_ = resp.Body.Close() // read to the end: nothing is lost
		if err == nil && raw.Len() > 0 {
			a.body, err = decode(resp.Header.Get("Content-Encoding"), raw.Bytes())
		}
	}
	d := time.Since(start)
	if ctx.Err() != nil {
		return nil, ctx.Err() // the run was cancelled: not a failure of the server
	}
	measured := !start.Before(v.measureFrom)
	switch {
	case err != nil:
		if measured {
			v.rec.fail(r.kind, d, "transport", err.Error())
		}
		return nil, errRequest
	case a.status >= 400:
		if measured {
			v.rec.fail(r.kind, d, fmt.Sprintf("status %d", a.status), fmt.Sprintf("%s %s: %d %s", r.method, r.path, a.status, firstLine(a.body)))
		}
		return a, errRequest
	}
	if measured {
		v.rec.ok(r.kind, d, n)
	}
	return a, nil
}

// placed counts an order placed, when it was placed in the measured time.
func (v *vu) placed() {
	if !time.Now().Before(v.measureFrom) {
		v.rec.orders++
	}
}

// wrong counts a request that succeeded by its status but did not do what
// it should (a checkout that placed no order), when measured.
func (v *vu) wrong(kind, failure, msg string) {
	if !time.Now().Before(v.measureFrom) {
		v.rec.wrong(kind, failure, msg)
	}
}

// decode undoes a Content-Encoding.
func decode(encoding string, b []byte) ([]byte, error) {
	if encoding != "gzip" {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// firstLine is the start of an error answer, for the report.
func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
