// Package web is the storefront's HTTP adapter: HTML pages and the JSON API
// over shop.Service. Handlers are thin: parse, call one service method,
// render or encode. No business rule lives here.
package web

import (
	"log/slog"
	"net/http"

	"storefront/internal/shop"
)

// Config tunes the HTTP layer.
type Config struct {
	// TrustProxy trusts X-Forwarded-Proto and X-Forwarded-For from a
	// reverse proxy in front of the shop (only set it behind one).
	TrustProxy bool
}

// server holds the dependencies of every handler.
type server struct {
	shop *shop.Service
	log  *slog.Logger
	cfg  Config
}

// NewServer returns the shop's whole HTTP surface with its middleware.
func NewServer(svc *shop.Service, logger *slog.Logger, cfg Config) http.Handler {
	s := &server{shop: svc, log: logger, cfg: cfg}
	mux := http.NewServeMux()
	s.routes(mux)    // routes.go: pages, static files, health
	s.apiRoutes(mux) // api_routes.go: /api/v1
	return s.middleware(mux)
}
