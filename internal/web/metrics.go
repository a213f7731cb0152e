package web

import (
	"net/http"
	"time"
)

// RouteUnmatched is the route of a request that no route pattern matched
// (a 404 or 405 answer): one label for every such path, however many.
const RouteUnmatched = "unmatched"

// MethodOther is the method label of a request whose method is none of
// the standard ones: methods are a client's to choose, so they are bounded
// like the routes.
const MethodOther = "other"

// countRequests reports every answered request to Config.ObserveRequest
// (the program counts them as metrics): its route, method, status and
// duration. The route is the pattern of the route that serves the request
// ("GET /products/{id}"), never its path, which a client chooses freely:
// a label per path would let anyone grow the series without bound. It
// asks mux which pattern matches rather than reading r.Pattern after the
// fact, because the middleware between here and the mux hand it copies of
// the request (WithContext), and it names the route of refused requests
// too (a cross-origin POST, an oversized body).
func (s *server) countRequests(mux *http.ServeMux) middleware {
	return func(next http.Handler) http.Handler {
		if s.cfg.ObserveRequest == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			route := RouteUnmatched
			if _, pattern := mux.Handler(r); pattern != "" {
				route = pattern
			}
			rec := &statusRecorder{ResponseWriter: w}
			completed := false
			defer func() {
				status := rec.status
				switch {
				case !rec.wroteHeader && !completed:
					status = http.StatusInternalServerError // a panic: recoverPanics, further out, answers 500
				case !rec.wroteHeader:
					status = http.StatusOK // the handler wrote nothing
				}
				s.cfg.ObserveRequest(route, methodLabel(r.Method), status, time.Since(start))
			}()
			next.ServeHTTP(rec, r)
			completed = true
		})
	}
}

// methodLabel is method when it is a standard HTTP method, else MethodOther.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return MethodOther
}
