package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunRegistrationLimitFromEnvironment: STOREFRONT_REGISTRATION_LIMIT
// sets how many accounts one client address creates per hour; past it the
// API answers 429. (Its default and invalid values: internal/app.)
func TestRunRegistrationLimitFromEnvironment(t *testing.T) {
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"STOREFRONT_REGISTRATION_LIMIT": "2"})
	client := &http.Client{Timeout: 5 * time.Second}
	for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusTooManyRequests} {
		body := fmt.Sprintf(`{"email": "limit%d@example.com", "name": "Ada", "password": "correct horse battery staple"}`, i)
		res, err := client.Post(p.base+"/api/v1/users", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("registration %d = %d; want %d", i+1, res.StatusCode, want)
		}
	}
}
