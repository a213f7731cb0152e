package web

import (
	"net/http"
	"sync/atomic"
	"testing"
)

// TestReadyWhileDraining: once the process drains (Config.Draining), /readyz
// answers 503 with Retry-After although the store answers, so a load
// balancer stops routing to it; every other page is still served, since
// the requests routed before the balancer noticed must finish; /healthz
// stays 200 (the process is alive, not to be restarted).
func TestReadyWhileDraining(t *testing.T) {
	var draining atomic.Bool
	e := newEnv(t, withConfig(Config{Draining: draining.Load}))
	c := e.client()
	c.get("/readyz").wantStatus(http.StatusOK)

	draining.Store(true)
	res := c.get("/readyz").wantStatus(http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Error("GET /readyz 503 while draining without Retry-After")
	}
	c.get("/healthz").wantStatus(http.StatusOK)
	c.get("/products").wantStatus(http.StatusOK)
}
