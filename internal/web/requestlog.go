package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// ctxKey keys what the middleware puts in a request's context: its id and
// (withSession) the visit.
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
