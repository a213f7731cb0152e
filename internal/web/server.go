// Package web is the storefront's HTTP adapter: HTML pages and the JSON API
// over shop.Service. Handlers are thin: parse, call one service method,
// render or encode. No business rule lives here.
package web

import (
	"context"
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
	// PublicURL is the shop's address as shoppers reach it (scheme, host
	// and any path prefix, no trailing slash), which canonical links,
	// structured data and sitemaps start with; "" takes the scheme and
	// host each request reached the shop by.
	PublicURL string
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
	// CatalogVersion, when set, is the version of everything the catalog
	// pages show (products, categories, counts): it must change whenever
	// any of them does, and be read before the catalog it versions. The
	// page cache keeps guests' catalog pages by it (httpcache.go). Unset,
	// it is the service's CatalogVersion when the service has one; without
	// any, guests' catalog pages are rendered every time (still with an
	// ETag and 304). A version of 0 means unknown (a store without a change
	// feed): nothing is kept by it.
	CatalogVersion func(context.Context) uint64
	// PageCacheBytes bounds the memory of the rendered guest pages kept
	// (httpcache.go); zero means DefaultPageCacheBytes, negative keeps none.
	PageCacheBytes int64
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
	// pageCache keeps rendered guest pages (nil: none kept), listings by
	// catalogVersion (nil: listings not kept); httpcache.go.
	pageCache      *pageCache[*cachedPage]
	catalogVersion func(context.Context) uint64
	// framed keeps signed-in catalog pages cut around their personal
	// part (nil: none kept, as no page); signedinpage.go.
	framed *pageCache[*framedPage]
}

// NewServer returns the shop's whole HTTP surface with its middleware. It
// panics if the embedded templates do not parse, a programming error that
// every test run catches.
func NewServer(svc *shop.Service, logger *slog.Logger, cfg Config) http.Handler {
	_, h := newServer(svc, logger, cfg)
	return h
}

// newServer is NewServer, with the server for tests to look into.
func newServer(svc *shop.Service, logger *slog.Logger, cfg Config) (*server, http.Handler) {
	pages, err := parsePages()
	if err != nil {
		panic(err)
	}
	s := &server{shop: svc, log: logger, cfg: cfg, pages: pages,
		styleURL: staticURL("style.css"), scriptURL: staticURL("pageshow.js"), iconURL: staticURL("favicon.svg"),
		catalogVersion: catalogVersionOf(svc, cfg)}
	switch {
	case cfg.PageCacheBytes == 0:
		s.pageCache = newPageCache[*cachedPage](DefaultPageCacheBytes, pageCacheMaxEntries)
	case cfg.PageCacheBytes > 0:
		s.pageCache = newPageCache[*cachedPage](cfg.PageCacheBytes, pageCacheMaxEntries)
	}
	if s.pageCache != nil {
		s.framed = newPageCache[*framedPage](s.pageCache.maxBytes/4, pageCacheMaxEntries/4)
	}
	mux := http.NewServeMux()
	s.routes(mux)    // routes.go: pages, static files, health
	s.apiRoutes(mux) // api_routes.go: /api/v1
	// Outermost first: every answer, a refused or panicking one too, gets a
	// request id, a log line and the security headers; every answer but a
	// panic's is compressed when worth it, a HEAD's as its GET's.
	return s, chain(s.routeErrors(mux),
		s.recoverPanics,
		s.countRequests(mux),
		s.requestID,
		s.logRequests,
		s.securityHeaders,
		s.headAsGet,
		s.compress,
		s.requestDeadline,
		s.proxyClient,
		s.crossOrigin,
		s.limitBody,
	)
}

// catalogVersionOf returns cfg.CatalogVersion or else the service's
// (the catalog read model's version); nil without either.
func catalogVersionOf(svc *shop.Service, cfg Config) func(context.Context) uint64 {
	if cfg.CatalogVersion != nil {
		return cfg.CatalogVersion
	}
	if svc == nil {
		return nil
	}
	return svc.CatalogVersion
}
