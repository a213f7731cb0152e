package web

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"storefront/internal/shop"
)

// handleStatic serves GET /static/NAME: the embedded stylesheet. Its
// address carries a content version (styleURL), so it is cached for a year.
// Folders are not listed.
func (s *server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := "ui/static/" + strings.TrimPrefix(r.URL.Path, "/static/")
	f, err := ui.Open(name) // refuses invalid paths: "..", "//", a trailing "/"
	if err != nil {
		s.errorPage(w, r, shop.ErrNotFound)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	content, seekable := f.(io.ReadSeeker)
	if err != nil || info.IsDir() || !seekable {
		s.errorPage(w, r, shop.ErrNotFound)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, info.Name(), time.Time{}, content)
}

// handleFavicon serves GET /favicon.ico, which browsers ask for whatever
// the pages name: the shop's icon, an SVG.
func (s *server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	icon, err := ui.ReadFile("ui/static/favicon.svg")
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	writeSVG(w, icon)
}

// writeSVG answers 200 with an SVG picture that browsers may keep for a
// day: the icon, and product pictures, which the same product always draws
// alike.
func writeSVG(w http.ResponseWriter, svg []byte) {
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=86400")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(svg) // a failed write means the client left
}

// handleProductImage serves GET /images/products/{id}.svg: the product's
// picture, drawn from the product (productSVG). The same product always
// gives the same picture, so browsers may keep it for a day.
func (s *server) handleProductImage(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	if !ok {
		s.errorPage(w, r, shop.ErrNotFound)
		return
	}
	p, err := s.shop.Product(r.Context(), id)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	writeSVG(w, productSVG(*p))
}

// handleHealth serves GET /healthz: 200 while the process serves.
func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// readyTimeout bounds the store check of /readyz, so a hanging store
// answers 503 rather than never.
const readyTimeout = 2 * time.Second

// handleReady serves GET /readyz: 200 when the store answers, 503 while
// it does not, and 503 while the process drains before it stops
// (Config.Draining).
func (s *server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.cfg.Draining != nil && s.cfg.Draining() {
		w.Header().Set("Retry-After", retryAfterSeconds)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "draining\n")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.shop.Ready(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "request_id", requestIDFrom(r.Context()), "err", err)
		w.Header().Set("Retry-After", retryAfterSeconds)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "unavailable\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}
