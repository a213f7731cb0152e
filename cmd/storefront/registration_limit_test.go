package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunRegistrationLimitFromEnvironment: STOREFRONT_REGISTRATION_LIMIT
// sets how many accounts one client address creates per hour; past it the
// API answers 429. Its default is 30, and a value that is not a whole
// number of at least 1 stops the program with a message naming it.
func TestRunRegistrationLimitFromEnvironment(t *testing.T) {
	port := freePort(t)
	env := map[string]string{"PORT": port, "STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"STOREFRONT_REGISTRATION_LIMIT": "2"}
	ctx, cancel := context.WithCancel(t.Context())
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"storefront"}, func(n string) string { return env[n] }, &stderr, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v", err)
		}
	})
	base := "http://127.0.0.1:" + port
	client := &http.Client{Timeout: 5 * time.Second}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := client.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not ready in time\n%s", stderr.String())
		}
	}
	for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusTooManyRequests} {
		body := fmt.Sprintf(`{"email": "limit%d@example.com", "name": "Ada", "password": "correct horse battery staple"}`, i)
		res, err := client.Post(base+"/api/v1/users", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("registration %d = %d; want %d", i+1, res.StatusCode, want)
		}
	}

	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil || cfg.RegistrationLimit != 30 {
		t.Errorf("loadConfig() RegistrationLimit = %d, %v; want the default 30", cfg.RegistrationLimit, err)
	}
	for _, bad := range []string{"0", "-3", "many", "2.5"} {
		_, err := loadConfig(func(n string) string { return map[string]string{"STOREFRONT_REGISTRATION_LIMIT": bad}[n] })
		if err == nil || !strings.Contains(err.Error(), "STOREFRONT_REGISTRATION_LIMIT") {
			t.Errorf("loadConfig(STOREFRONT_REGISTRATION_LIMIT=%s) = %v; want an error naming it", bad, err)
		}
	}
}
