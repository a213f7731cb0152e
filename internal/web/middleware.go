package web

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
)

// middleware wraps a handler; NewServer composes them in one visible order.
type middleware func(http.Handler) http.Handler

// chain wraps h in mws, the first one outermost.
func chain(h http.Handler, mws ...middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// maxBodyBytes bounds every request body: forms and JSON alike.
const maxBodyBytes = 1 << 20

// contentSecurityPolicy allows nothing but this origin's own stylesheet and
// images: the pages need no script at all, and no site may frame them.
const contentSecurityPolicy = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// errPanic stands for a recovered panic where an error is needed.
var errPanic = errors.New("handler panicked")

// recoverPanics turns a panicking handler into a generic 500 answer, logged
// with the request id and the stack, so one bad request never stops the
// server or shows a person internal detail.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic", "request_id", w.Header().Get("X-Request-Id"),
				"method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rec.wroteHeader {
				// Part of an answer is out: abort the connection rather
				// than let a truncated page pass as complete.
				panic(http.ErrAbortHandler)
			}
			h := w.Header()
			for _, name := range []string{"Location", "Content-Length", "Content-Encoding", "Content-Disposition"} {
				h.Del(name)
			}
			if isAPI(r) {
				s.apiError(w, r, errPanic)
				return
			}
			s.errorPage(w, r, errPanic)
		}()
		next.ServeHTTP(rec, r)
	})
}

// securityHeaders sets the security headers on every answer, static files
// and errors included, and makes every answer uncacheable unless its
// handler says otherwise (static files and product images do), so nothing
// personal stays in a cache or the back button after sign-out.
func (s *server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		if s.isHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests sent by other sites (CSRF):
// a POST, PUT or DELETE whose Sec-Fetch-Site or Origin shows another origin
// gets 403. Requests without browser headers pass; the API authenticates
// with bearer tokens, which a foreign site cannot make a browser send.
func (s *server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.handleCrossOriginDenied))
	return cop.Handler(next)
}

func (s *server) handleCrossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", r.URL.Path,
		"request_id", requestIDFrom(r.Context()))
	if isAPI(r) {
		s.apiError(w, r, errCrossOrigin)
		return
	}
	s.errorPage(w, r, errCrossOrigin)
}

// limitBody bounds request bodies to maxBodyBytes: a body announced larger
// is refused at once with 413; a longer chunked one fails while read, and
// handlers answer 413 then.
func (s *server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := bodyLimit(r) // admin_images.go: photo uploads are larger
		if r.ContentLength > limit {
			err := &http.MaxBytesError{Limit: limit}
			if isAPI(r) {
				s.apiError(w, r, err)
			} else {
				s.errorPage(w, r, err)
			}
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// routeErrors serves mux, answering the requests no route matches (404,
// or 405 with Allow for a path known with other methods) with an error page
// instead of the mux's plain text; under /api/ with the API's JSON error.
func (s *server) routeErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			if isAPI(r) {
				// A path to clean is redirected (pattern names where to):
				// without the mux's HTML.
				w = &routeErrorWriter{ResponseWriter: w, bareRedirects: true}
			}
			mux.ServeHTTP(w, r) // sets the path values h reads
			return
		}
		if isAPI(r) && s.apiNoRoute != nil {
			h.ServeHTTP(&routeErrorWriter{ResponseWriter: w, bareRedirects: true, page: func(int) {
				w.Header().Del("Allow") // the mux's, which counts the catch-all patterns
				s.apiNoRoute.ServeHTTP(w, r)
			}}, r)
			return
		}
		s.withSession(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(&routeErrorWriter{ResponseWriter: w, page: func(status int) {
				err := errNoRoute
				if status == http.StatusMethodNotAllowed {
					err = errMethodNotAllowed
				}
				s.errorPage(w, r, err)
			}}, r)
		}).ServeHTTP(w, r)
	})
}

// routeErrorWriter replaces the mux's 404 and 405 answers with page(status)
// when page is set, and lets its redirects (cleaned paths) through; with
// bareRedirects (the API's, which answers in JSON only) without their
// HTML body.
type routeErrorWriter struct {
	http.ResponseWriter
	page          func(status int)
	bareRedirects bool
	replaced      bool // the answer's body is not the mux's to write
}

func (w *routeErrorWriter) WriteHeader(code int) {
	switch {
	case w.page != nil && (code == http.StatusNotFound || code == http.StatusMethodNotAllowed):
		w.replaced = true
		w.page(code)
		return
	case w.bareRedirects && isRedirect(code):
		w.replaced = true
		w.Header().Del("Content-Type")
		w.Header().Set("Content-Length", "0")
	}
	w.ResponseWriter.WriteHeader(code)
}

// isRedirect reports whether code sends the client to a Location (a 304
// is no redirect: it has no Location and its headers describe the
// representation kept).
func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *routeErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *routeErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// statusRecorder remembers the status of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush sends what was written so far: for a streaming handler, through
// writers that look for http.Flusher rather than Unwrap (the compress
// middleware's). Flushing commits the status, 200 unless one was written.
func (w *statusRecorder) Flush() {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush() // fails only for a writer that cannot flush
}

// isAPI reports whether r is a call of the JSON API, which answers errors
// in JSON rather than with pages.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
