package web

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"storefront/internal/shop"
)

// handleStatic serves GET /static/NAME: the embedded stylesheet, script
// and icon. Their addresses carry a content version (styleURL), so they are
// cached for a year; a weak ETag of the content answers a revalidation
// (a reload) with 304, and Range requests work on the plain form. Folders
// are not listed.
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
	tag := staticTags()[name]
	// Kept for a year only under the address pages link to, whose v names
	// this very content (staticURL); under any other v (a page of another
	// release, during a rolling deploy) a cache must ask again.
	if v := r.URL.Query().Get("v"); v != "" && v == tag.version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, no-cache")
	}
	if tag.etag != "" {
		w.Header().Set("ETag", tag.etag)
	}
	http.ServeContent(w, r, info.Name(), time.Time{}, content) // answers If-None-Match with 304
}

// staticTag is what an embedded static file is known by: its weak ETag
// and the version its address carries (staticURL).
type staticTag struct{ etag, version string }

// staticTags are the tags of the embedded static files, by path, computed
// once.
var staticTags = sync.OnceValue(func() map[string]staticTag {
	tags := make(map[string]staticTag)
	_ = fs.WalkDir(ui, "ui/static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if b, err := ui.ReadFile(path); err == nil {
			tags[path] = staticTag{etag: weakETag(b), version: staticVersion(b)}
		}
		return nil
	})
	return tags
})

// handleFavicon serves GET /favicon.ico, which browsers ask for whatever
// the pages name: the shop's icon, an SVG.
func (s *server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	icon, err := ui.ReadFile("ui/static/favicon.svg")
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	writeSVG(w, r, icon)
}

// writeSVG answers with an SVG picture that browsers and shared caches
// may keep for a day: the icon, and product pictures, which the same
// product always draws alike. Its weak ETag (a hash of the bytes) answers
// a revalidation with 304; HEAD gets the headers only.
func writeSVG(w http.ResponseWriter, r *http.Request, svg []byte) {
	h := w.Header()
	etag := weakETag(svg)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Length", strconv.Itoa(len(svg)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(svg) // a failed write means the client left
	}
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
	writeSVG(w, r, productSVG(*p))
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
