package main

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// TestRunDrainsBeforeStopping: stopped with STOREFRONT_DRAIN_DELAY set,
// the program first answers /readyz with 503 while it still serves pages
// and /healthz, for about the delay, and only then stops taking
// connections and returns nil.
func TestRunDrainsBeforeStopping(t *testing.T) {
	const delay = time.Second
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"),
		"STOREFRONT_DEMO": "false", "STOREFRONT_DRAIN_DELAY": delay.String()})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if status, _ := p.get(client, "/readyz"); status != http.StatusOK {
		t.Fatalf("/readyz before the stop = %d; want 200", status)
	}

	stopped := make(chan error, 1)
	start := time.Now()
	go func() { stopped <- p.stop() }()
	var drained time.Duration // when /readyz first answered 503
	for drained == 0 {
		if time.Since(start) > delay/2 {
			t.Fatalf("/readyz still not 503 %v after the stop", time.Since(start))
		}
		if status, _ := p.get(client, "/readyz"); status == http.StatusServiceUnavailable {
			drained = time.Since(start)
		}
	}
	for _, path := range []string{"/healthz", "/cart"} {
		if status, _ := p.get(client, path); status != http.StatusOK {
			t.Errorf("GET %s while draining = %d; want 200 (still serving)", path, status)
		}
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run = %v; want nil", err)
	}
	if took := time.Since(start); took < delay {
		t.Errorf("run returned %v after the stop; want it to drain for %v first", took, delay)
	}
	if _, err := client.Get(p.base + "/healthz"); err == nil {
		t.Error("the server still takes connections after run returned")
	}
}
