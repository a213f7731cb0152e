package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"storefront/internal/shop"
)

func TestFaviconAndScriptServed(t *testing.T) {
	c := newEnv(t).client()
	for path, wantType := range map[string]string{
		"/favicon.ico":           "image/svg+xml",
		staticURL("favicon.svg"): "image/svg+xml",
		staticURL("pageshow.js"): "text/javascript",
	} {
		res := c.get(path).wantStatus(http.StatusOK)
		if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, wantType) {
			t.Errorf("GET %s: Content-Type = %q; want %s", path, got, wantType)
		}
		if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: security headers missing: %v", path, res.Header)
		}
	}
	page := c.get("/").wantStatus(http.StatusOK)
	page.wantContains(`<link rel="icon" href="`+staticURL("favicon.svg")+`" type="image/svg+xml">`, pageshowTag)
}

func TestClientGoneIsNoServerError(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	r := httptest.NewRequest("GET", "/orders/x", nil).WithContext(ctx)
	internal := problemFor(errors.New("boom"))
	if clientGone(r, internal) {
		t.Error("clientGone(live request) = true; want false")
	}
	cancel()
	if !clientGone(r, problemFor(fmt.Errorf("read order: %w", context.Canceled))) {
		t.Error("clientGone(cancelled request, 500) = false; want true")
	}
	if clientGone(r, problemFor(shop.ErrNotFound)) {
		t.Error("clientGone(cancelled request, 404) = true; want false: only server errors are excused")
	}
}
