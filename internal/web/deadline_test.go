package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestEveryRequestHasADeadline: the handler's context carries the
// configured deadline, and the default one when none is configured.
func TestEveryRequestHasADeadline(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want time.Duration
	}{
		{Config{}, DefaultRequestTimeout},
		{Config{RequestTimeout: 3 * time.Second}, 3 * time.Second},
	} {
		s := &server{cfg: tc.cfg}
		var left time.Duration
		var has bool
		h := s.requestDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var d time.Time
			d, has = r.Context().Deadline()
			left = time.Until(d)
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		if !has || left > tc.want || left < tc.want-time.Second {
			t.Errorf("with %+v the handler's deadline is %v away (set: %v); want about %v", tc.cfg, left, has, tc.want)
		}
	}
	if DefaultRequestTimeout != 10*time.Second {
		t.Errorf("DefaultRequestTimeout = %v; want 10s (CONTRACT.md)", DefaultRequestTimeout)
	}
}

// TestPassedDeadlineIs503: an error that is only the request's deadline
// running out (a pause or a store call that returned the context's error
// as it was) is answered 503, like an unavailable store, never 500.
func TestPassedDeadlineIs503(t *testing.T) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	err := fmt.Errorf("update throttle: %w", ctx.Err())
	if p := problemFor(err); p.Status != http.StatusServiceUnavailable {
		t.Errorf("problemFor(%v).Status = %d; want 503", err, p.Status)
	}
}
