package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunSessionTimeoutsFromEnvironment starts the program with the session
// timeouts set by STOREFRONT_SESSION_IDLE_TIMEOUT and
// STOREFRONT_SESSION_MAX_AGE: the cookie lives as long as the configured
// maximum, and the server ends a session idle for the configured time
// (ASVS V3.3.2).
func TestRunSessionTimeoutsFromEnvironment(t *testing.T) {
	p := startProgram(t, map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"STOREFRONT_SESSION_IDLE_TIMEOUT": "2s", "STOREFRONT_SESSION_MAX_AGE": "7m"})
	base := p.base
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		t.Helper()
		res, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := get("/register"); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /register = %d; want 200", res.StatusCode)
	}
	form := url.Values{"email": {"idle@example.com"}, "name": {"Idle"}, "password": {"correct horse battery staple"},
		"confirm_password": {"correct horse battery staple"}}
	req, err := http.NewRequest(http.MethodPost, base+"/register", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "session" {
			session = c
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == nil {
		t.Fatalf("register = %d, cookies %v; want 303 with a session", res.StatusCode, res.Cookies())
	}
	if session.MaxAge != int((7 * time.Minute).Seconds()) {
		t.Errorf("session cookie Max-Age = %d; want 420 (STOREFRONT_SESSION_MAX_AGE=7m)", session.MaxAge)
	}
	if res := get("/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("GET /account right after registering = %d; want 200", res.StatusCode)
	}
	time.Sleep(2100 * time.Millisecond)
	if res := get("/account"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=/account" {
		t.Errorf("GET /account after 2.1 idle seconds = %d to %q; want 303 to sign in (STOREFRONT_SESSION_IDLE_TIMEOUT=2s)",
			res.StatusCode, res.Header.Get("Location"))
	}
}
