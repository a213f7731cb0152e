package web

import (
	"context"
	"net/http"
	"time"
)

// DefaultRequestTimeout is the deadline of a request when Config leaves it
// unset (STOREFRONT_REQUEST_TIMEOUT's default).
const DefaultRequestTimeout = 10 * time.Second

// requestTimeout returns the configured deadline of every request.
func (c Config) requestTimeout() time.Duration {
	if c.RequestTimeout > 0 {
		return c.RequestTimeout
	}
	return DefaultRequestTimeout
}

// requestDeadline gives every request a deadline. Everything a handler
// does with the store runs under the request's context, so the deadline
// ends each store attempt, every retry loop (the SDK's and the stores'
// own) and SQLite's wait for a write lock; the store then reports
// shop.ErrUnavailable, which is answered 503 with Retry-After. No request
// holds a connection, a goroutine or a lock for minutes because a store
// stopped answering. The deadline bounds the handler's work; the server's
// WriteTimeout (cmd/storefront) leaves room after it to write the answer.
func (s *server) requestDeadline(next http.Handler) http.Handler {
	timeout := s.cfg.requestTimeout()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
