// Package metrics is the program's Prometheus instrumentation
// (CONTRACT.md, "Metrics"): the collectors of the HTTP requests, the store
// calls (a shop.Store decorator, store.go), the checkout outcomes and the
// failed sign-ins (a shop.Observer), and the Go runtime and process
// collectors, all on one registry that the program serves at /metrics and
// that other parts (the order processor) register their collectors on.
//
// The packages it observes do not import it: web reports each request
// through a function in its Config and shop reports events through its
// Observer interface, so neither depends on a metrics library.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"storefront/internal/shop"
)

// Metrics holds the shop's collectors, registered on Registry.
type Metrics struct {
	// Registry is what /metrics serves; a part with collectors of its own
	// registers them here.
	Registry *prometheus.Registry

	requests        *prometheus.CounterVec   // route, method, code
	requestDuration *prometheus.HistogramVec // route
	storeCalls      *prometheus.CounterVec   // op, outcome
	ordersPlaced    prometheus.Counter
	checkouts       *prometheus.CounterVec // outcome
	signInFailures  *prometheus.CounterVec // reason
	signInLocks     *prometheus.CounterVec // key_kind
}

// The store call outcomes (storefront_store_calls_total's outcome label).
const (
	OutcomeOK          = "ok"
	OutcomeNotFound    = "not_found"
	OutcomeConflict    = "conflict"
	OutcomeUnavailable = "unavailable"
	OutcomeError       = "error"
)

// New returns the shop's collectors, registered on reg together with the
// Go runtime and process collectors. reg is the program's one registry:
// a registry of its own rather than Prometheus's global default, so that
// each App (tests open several in one process) counts only its own.
func New(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_http_requests_total",
			Help: "HTTP requests answered, by route pattern (\"unmatched\" when no route matched), method and status code.",
		}, []string{"route", "method", "code"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "storefront_http_request_duration_seconds",
			Help: "Time from a request's arrival to the end of its answer, by route pattern.",
			// The default buckets (5 ms to 10 s) span what a page takes up
			// to the default request deadline of 10 s.
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		storeCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_store_calls_total",
			Help: "Calls of the store (SQLite or DynamoDB), by method and outcome: ok, not_found, conflict (a condition refused the write), unavailable, error.",
		}, []string{"op", "outcome"}),
		ordersPlaced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "storefront_orders_placed_total",
			Help: "Orders placed (replays of an earlier checkout not counted).",
		}),
		checkouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_checkout_outcomes_total",
			Help: "Checkouts by outcome: placed, replayed, or why nothing was placed (cart_empty, insufficient_stock, price_changed, ...), or outcome_unknown.",
		}, []string{"outcome"}),
		signInFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_signin_failures_total",
			Help: "Refused sign-in attempts: invalid_credentials (a wrong password or code) or throttled (while locked).",
		}, []string{"reason"}),
		signInLocks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storefront_signin_locks_total",
			Help: "Sign-in locks set by repeated failures, by what was locked: account or address.",
		}, []string{"key_kind"}),
	}
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestDuration, m.storeCalls, m.ordersPlaced, m.checkouts, m.signInFailures, m.signInLocks)
	// Series a dashboard or an alert divides by show at 0 from the start,
	// rather than appearing only once the first such event happens.
	for _, outcome := range shop.CheckoutOutcomes {
		m.checkouts.WithLabelValues(outcome)
	}
	for _, reason := range []string{shop.SignInInvalid, shop.SignInThrottled} {
		m.signInFailures.WithLabelValues(reason)
	}
	return m
}

// Handler serves the registry in the Prometheus text format (or what the
// scraper negotiates); an error collecting one metric is answered with the
// rest rather than a failed scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Registry: m.Registry})
}

// ObserveRequest counts one answered request; web calls it (web.Config)
// with the route pattern, never the raw path, so the series stay bounded.
func (m *Metrics) ObserveRequest(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(took.Seconds())
}

// The shop.Observer of the service.
var _ shop.Observer = (*Metrics)(nil)

// CheckoutFinished counts a checkout's outcome, and a placed order.
func (m *Metrics) CheckoutFinished(outcome string) {
	m.checkouts.WithLabelValues(outcome).Inc()
	if outcome == shop.CheckoutPlaced {
		m.ordersPlaced.Inc()
	}
}

// SignInFailed counts a refused sign-in attempt.
func (m *Metrics) SignInFailed(reason string) { m.signInFailures.WithLabelValues(reason).Inc() }

// SignInLocked counts a lock set by repeated failures.
func (m *Metrics) SignInLocked(keyKind string) { m.signInLocks.WithLabelValues(keyKind).Inc() }
