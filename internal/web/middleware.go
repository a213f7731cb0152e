package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"storefront/internal/shop"
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

type ctxKey int

const (
	ctxKeyRequestID ctxKey = iota
	ctxKeyVisit
)

// requestIDFrom returns the request id the requestID middleware put in ctx,
// or "".
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(ctxKeyRequestID).(string)
	return id
}

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

// requestID gives every request a random id: in the X-Request-Id response
// header (where error pages and API errors read it) and in the context
// (where log lines read it).
func (s *server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b) // never fails (crypto/rand documents it)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKeyRequestID, id)))
	})
}

// logRequests writes one line per request: method, path (never the query,
// which may hold search terms, nor bodies, cookies or tokens), status,
// duration and request id.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		completed := false
		defer func() {
			status := rec.status
			switch {
			case !completed && !rec.wroteHeader:
				status = http.StatusInternalServerError // a panic, answered by recoverPanics
			case status == 0:
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= http.StatusInternalServerError {
				level = slog.LevelWarn
			}
			s.log.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
				slog.Duration("duration", time.Since(start)), slog.String("request_id", requestIDFrom(r.Context())))
		}()
		next.ServeHTTP(rec, r)
		completed = true
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

// proxyClient determines who the client is. Behind a trusted proxy
// (TrustProxy) RemoteAddr is set from the X-Forwarded-For entry that proxy
// wrote, so sign-in throttling and the logs count clients, not the proxy;
// without one the header is the client's word and ignored. The address
// goes into the context for the service (shop.WithClientAddr), which
// limits registrations by it and logs account events with it.
func (s *server) proxyClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.TrustProxy {
			if addr, ok := forwardedFor(r.Header); ok {
				r = r.WithContext(r.Context()) // a copy: the caller's request stays as it was
				r.RemoteAddr = net.JoinHostPort(addr.String(), "0")
			}
		}
		next.ServeHTTP(w, r.WithContext(shop.WithClientAddr(r.Context(), clientAddr(r))))
	})
}

// lastForwarded returns the rightmost entry of a forwarding header, the
// one the trusted proxy (the last hop before the shop) wrote: a proxy
// appends its entry to what it received, as a new header line or after a
// comma, so every earlier entry came from the client or hops before it and
// may be forged. Both X-Forwarded-For and X-Forwarded-Proto are read this
// way, so they describe the same hop.
func lastForwarded(h http.Header, name string) string {
	lines := h.Values(name)
	if len(lines) == 0 {
		return ""
	}
	entries := strings.Split(lines[len(lines)-1], ",")
	return strings.TrimSpace(entries[len(entries)-1])
}

// forwardedFor returns the client address the trusted proxy put in
// X-Forwarded-For: an IP address, or one with a port ("192.0.2.1:4711",
// "[2001:db8::1]:4711"), which some proxies write.
func forwardedFor(h http.Header) (netip.Addr, bool) {
	entry := lastForwarded(h, "X-Forwarded-For")
	if addr, err := netip.ParseAddr(entry); err == nil {
		return addr.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(entry); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// isHTTPS reports whether the client reached the shop over HTTPS: directly,
// or through a trusted proxy whose own X-Forwarded-Proto entry says so.
func (s *server) isHTTPS(r *http.Request) bool {
	return r.TLS != nil || s.cfg.TrustProxy && strings.EqualFold(lastForwarded(r.Header, "X-Forwarded-Proto"), "https")
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
		if r.ContentLength > maxBodyBytes {
			err := &http.MaxBytesError{Limit: maxBodyBytes}
			if isAPI(r) {
				s.apiError(w, r, err)
			} else {
				s.errorPage(w, r, err)
			}
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
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
			mux.ServeHTTP(w, r) // sets the path values h reads
			return
		}
		if isAPI(r) && s.apiNoRoute != nil {
			h.ServeHTTP(&routeErrorWriter{ResponseWriter: w, page: func(int) {
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
// and lets its redirects (cleaned paths) through.
type routeErrorWriter struct {
	http.ResponseWriter
	page     func(status int)
	replaced bool
}

func (w *routeErrorWriter) WriteHeader(code int) {
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		w.replaced = true
		w.page(code)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

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

// isAPI reports whether r is a call of the JSON API, which answers errors
// in JSON rather than with pages.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// WithRequestID wraps a log handler so that every record logged with a
// request's context (the service's lines too) carries its request id.
func WithRequestID(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := requestIDFrom(ctx); id != "" {
		has := false
		rec.Attrs(func(a slog.Attr) bool {
			has = a.Key == "request_id"
			return !has
		})
		if !has {
			rec.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
