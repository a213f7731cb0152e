package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
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

// TestRunGuestCartLimitFromEnvironment: STOREFRONT_GUEST_CART_LIMIT sets how
// many guest carts one client address starts per hour: past it an add to
// cart without a session cookie is 429.
func TestRunGuestCartLimitFromEnvironment(t *testing.T) {
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_GUEST_CART_LIMIT": "2"})
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, demo := shop.DemoCatalog()
	productID := demo[0].ID
	for i, want := range []int{http.StatusSeeOther, http.StatusSeeOther, http.StatusTooManyRequests} {
		req, err := http.NewRequest(http.MethodPost, p.base+"/cart/items", strings.NewReader("quantity=1&product_id="+productID))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("add to cart without a cookie %d = %d; want %d", i+1, res.StatusCode, want)
		}
	}
}
