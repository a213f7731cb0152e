// Package web is the storefront's HTTP adapter: HTML pages and the JSON API
// over shop.Service. Handlers are thin: parse, call one service method,
// render or encode. No business rule lives here.
package web

import (
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"storefront/internal/shop"
)

// Config tunes the HTTP layer.
type Config struct {
	// TrustProxy trusts X-Forwarded-Proto and X-Forwarded-For from a
	// reverse proxy in front of the shop (only set it behind one).
	TrustProxy bool
	// RequestTimeout is the deadline of every request (deadline.go);
	// zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// ObserveRequest, when set, is told of every answered request: its
	// route pattern (RouteUnmatched when none matched), method, status and
	// duration (metrics.go).
	ObserveRequest func(route, method string, status int, took time.Duration)
	// Draining, when set, reports that the process is shutting down: /readyz
	// then answers 503 whatever the store says, so that a load balancer
	// stops sending new requests while the in-flight ones finish.
	Draining func() bool
}

// server holds the dependencies of every handler.
type server struct {
	shop *shop.Service
	log  *slog.Logger
	cfg  Config
	// pages holds one parsed template set per page (templates.go).
	pages map[string]*template.Template
	// The addresses of the stylesheet, the script and the icon, versioned
	// by their content so they can be cached for a year (staticURL).
	styleURL, scriptURL, iconURL string
	// apiNoRoute answers, in JSON, an /api/ request no route matches
	// (set by apiRoutes).
	apiNoRoute http.Handler
}

// NewServer returns the shop's whole HTTP surface with its middleware. It
// panics if the embedded templates do not parse, a programming error that
// every test run catches.
func NewServer(svc *shop.Service, logger *slog.Logger, cfg Config) http.Handler {
	pages, err := parsePages()
	if err != nil {
		panic(err)
	}
	s := &server{shop: svc, log: logger, cfg: cfg, pages: pages,
		styleURL: staticURL("style.css"), scriptURL: staticURL("pageshow.js"), iconURL: staticURL("favicon.svg")}
	mux := http.NewServeMux()
	s.routes(mux)    // routes.go: pages, static files, health
	s.apiRoutes(mux) // api_routes.go: /api/v1
	// Outermost first: every answer, a refused or panicking one too, gets a
	// request id, a log line and the security headers.
	return chain(s.routeErrors(mux),
		s.recoverPanics,
		s.countRequests(mux),
		s.requestID,
		s.logRequests,
		s.securityHeaders,
		s.requestDeadline,
		s.proxyClient,
		s.crossOrigin,
		s.limitBody,
	)
}
