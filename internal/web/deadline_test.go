package web

import (
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
