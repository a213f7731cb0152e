package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"storefront/internal/shop/shoptest"
)

// childProcessEnv, set to 1 in a child process's environment, makes the
// test binary the program itself: init runs main and exits with its
// result. init, not TestMain, because TestMain lives with the DynamoDB
// tests and runs after the testing package's flags; init runs before any
// of that, so the child reads os.Args and the environment as the real
// binary does, and a SIGTERM reaches main's own signal handling.
const childProcessEnv = "STOREFRONT_TEST_RUN_PROGRAM"

func init() {
	if os.Getenv(childProcessEnv) == "1" {
		main() // exits 1 itself when run fails
		os.Exit(0)
	}
}

// childProgram is the program in a process of its own (the test binary
// re-executed, see childProcessEnv), so that it can be sent SIGTERM and
// its exit observed.
type childProgram struct {
	t      *testing.T
	base   string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	stderr *shoptest.LogBuffer
	exited chan struct{} // closed when the process has exited; then err holds Wait's result
	err    error
}

// startChild runs the program as a child process with the test's
// environment plus env (PORT set here) and returns once /healthz answers
// 200. When the test ends a child still running is sent SIGTERM and must
// exit 0; on failure the test shows its log.
func startChild(t *testing.T, name string, env map[string]string) *childProgram {
	t.Helper()
	env = maps.Clone(env)
	env["PORT"] = freePort(t)
	if _, ok := env["STOREFRONT_METRICS_ADDR"]; !ok {
		env["STOREFRONT_METRICS_ADDR"] = "127.0.0.1:0" // two children cannot share the default :9090
	}
	env[childProcessEnv] = "1"
	c := &childProgram{t: t, base: "http://127.0.0.1:" + env["PORT"], stderr: &shoptest.LogBuffer{}, exited: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0]) // #nosec G204 -- the test binary itself, without arguments
	c.cmd.Env = os.Environ()
	for _, k := range slices.Sorted(maps.Keys(env)) {
		c.cmd.Env = append(c.cmd.Env, k+"="+env[k])
	}
	c.cmd.Stdout, c.cmd.Stderr = io.Discard, c.stderr
	// The kernel kills the child if the test binary dies without cleaning up.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		if !c.hasExited() {
			if err := c.terminate(30 * time.Second); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, c.stderr.String())
		}
	})
	client := &http.Client{Timeout: 5 * time.Second}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		res, err := client.Get(c.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return c
			}
		}
		if c.hasExited() {
			t.Fatalf("%s exited before serving: %v\n%s", name, c.err, c.stderr.String())
		}
		if time.Since(start) > startTimeout {
			t.Fatalf("%s: /healthz not ready within %v: %v", name, startTimeout, err)
		}
	}
}

func (c *childProgram) hasExited() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// signalTerm sends the child SIGTERM, as an orchestrator stopping it does.
func (c *childProgram) signalTerm() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatalf("SIGTERM: %v", err)
	}
}

// wait returns nil once the child has exited 0, an error when it exited
// otherwise or is still running after within.
func (c *childProgram) wait(within time.Duration) error {
	select {
	case <-c.exited:
		if c.err != nil {
			return fmt.Errorf("exited with %v; want 0 after a graceful shutdown", c.err)
		}
		return nil
	case <-time.After(within):
		return fmt.Errorf("still running %v after SIGTERM", within)
	}
}

// terminate sends SIGTERM and waits for a clean exit.
func (c *childProgram) terminate(within time.Duration) error {
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	return c.wait(within)
}

// backend is one server behind the test's load balancer, with what the
// balancer saw of it.
type backend struct {
	base    string
	proxy   *httputil.ReverseProxy
	ready   atomic.Bool  // its last /readyz answered 200
	served  atomic.Int64 // requests routed to it
	busy    atomic.Int64 // requests routed to it and not yet answered
	said503 atomic.Int64 // /readyz answers 503 the health check got
}

// balancer is a round-robin reverse proxy in front of the servers, as a
// load balancer is: each request goes to the next server that its health
// check last found ready (/readyz 200 every healthInterval), so that a
// draining server gets no new requests. It writes X-Forwarded-For and
// X-Forwarded-Proto, the hop the servers trust (STOREFRONT_TRUST_PROXY),
// and keeps the Host the client asked for, so that the servers' cross-origin
// check sees the shop's own origin. Its own failures answer 502 and are
// counted: refused (a server that no longer listens; a load balancer
// retries those elsewhere) apart from broken (a request lost after it
// reached a server: an in-flight request that did not finish).
type balancer struct {
	t        *testing.T
	backends []*backend
	next     atomic.Uint64
	refused  atomic.Int64
	broken   atomic.Int64
	srv      *httptest.Server

	mu     sync.Mutex
	routed []int // the backend index of every request, in order
}

// healthInterval is how often the balancer asks each server's /readyz.
const healthInterval = 100 * time.Millisecond

func newBalancer(t *testing.T, servers ...*childProgram) *balancer {
	t.Helper()
	lb := &balancer{t: t}
	transport := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	for _, s := range servers {
		target, err := url.Parse(s.base)
		if err != nil {
			t.Fatal(err)
		}
		b := &backend{base: s.base}
		b.ready.Store(true)
		b.proxy = &httputil.ReverseProxy{
			Transport: transport,
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host
				pr.SetXForwarded()
			},
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				if errors.Is(err, syscall.ECONNREFUSED) {
					lb.refused.Add(1)
				} else {
					lb.broken.Add(1)
					t.Logf("balancer: %s %s to %s: %v", r.Method, r.URL.Path, target, err)
				}
				w.WriteHeader(http.StatusBadGateway)
			},
		}
		lb.backends = append(lb.backends, b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	checked := make(chan struct{})
	go lb.checkHealth(ctx, checked)
	lb.srv = httptest.NewServer(lb)
	t.Cleanup(func() {
		lb.srv.Close()
		cancel()
		<-checked
		transport.CloseIdleConnections()
	})
	return lb
}

// ServeHTTP routes r to the next ready server, or to the next one at all
// when none is ready (its 502 or 503 then goes to the client).
func (lb *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := uint64(len(lb.backends))
	start := lb.next.Add(1) - 1
	pick := int(start % n)
	for i := range n {
		if j := int((start + i) % n); lb.backends[j].ready.Load() {
			pick = j
			lb.next.Add(i) // the next request starts after the server picked
			break
		}
	}
	lb.mu.Lock()
	lb.routed = append(lb.routed, pick)
	lb.mu.Unlock()
	b := lb.backends[pick]
	b.served.Add(1)
	b.busy.Add(1)
	defer b.busy.Add(-1)
	b.proxy.ServeHTTP(w, r)
}

// checkHealth asks every server's /readyz each healthInterval until ctx
// ends, each server on its own, so that one slow answer holds up no
// other server's check: see backend.checkHealth.
func (lb *balancer) checkHealth(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var wg sync.WaitGroup
	for _, b := range lb.backends {
		wg.Go(func() { b.checkHealth(ctx, client) })
	}
	wg.Wait()
}

// unhealthyThreshold is how many health checks in a row must go
// unanswered (a timeout) before a server counts as not ready, as a load
// balancer's unhealthy threshold: /readyz asks the store, and one slow
// answer of a busy local DynamoDB server is no reason to stop routing.
const unhealthyThreshold = 3

// checkHealth asks b's /readyz each healthInterval until ctx ends: 200
// makes it ready, any other answer or a refused connection not ready at
// once, unhealthyThreshold checks in a row without an answer not ready.
func (b *backend) checkHealth(ctx context.Context, client *http.Client) {
	tick := time.NewTicker(healthInterval)
	defer tick.Stop()
	unanswered := 0
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/readyz", nil)
		if err != nil {
			panic(err)
		}
		res, err := client.Do(req)
		switch {
		case err == nil:
			if res.StatusCode == http.StatusServiceUnavailable {
				b.said503.Add(1)
			}
			res.Body.Close()
			unanswered = 0
			b.ready.Store(res.StatusCode == http.StatusOK)
		case errors.Is(err, syscall.ECONNREFUSED):
			b.ready.Store(false)
		default:
			if unanswered++; unanswered >= unhealthyThreshold {
				b.ready.Store(false)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// routedSince returns the backend of every request from the from-th on.
func (lb *balancer) routedSince(from int) []int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return slices.Clone(lb.routed[from:])
}

func (lb *balancer) requests() int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return len(lb.routed)
}

// client is a shopClient of the shop through the balancer.
func (lb *balancer) client(t *testing.T) *shopClient {
	return &shopClient{t: t, base: lb.srv.URL, hc: &http.Client{Timeout: 60 * time.Second}}
}
