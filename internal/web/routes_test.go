package web

// Every route at once: cross-site refusal, safe methods, 405s.

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// pageRoutes returns the patterns routes.go registers, read from its
// source, so a route added there is checked here without editing the test.
func pageRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		patterns = append(patterns, m[1])
	}
	if len(patterns) < 20 {
		t.Fatalf("found %d page routes in routes.go; the pattern reader is out of date", len(patterns))
	}
	return patterns
}

// allRoutes returns every route of the server, pages and API, as
// "METHOD /path" with path values filled in for a request.
func allRoutes(t *testing.T, orderID string) []string {
	t.Helper()
	patterns := pageRoutes(t)
	for _, rt := range (&server{}).apiRouteTable() {
		patterns = append(patterns, rt.pattern)
	}
	fill := strings.NewReplacer("{$}", "", "{product_id}", "kettle", "{file}", "kettle.svg")
	var out []string
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			continue // a catch-all of every method (the staff area's 404s)
		}
		switch {
		case strings.Contains(path, "/orders/{id}"):
			path = strings.Replace(path, "{id}", orderID, 1)
		case path == "/static/":
			path = staticURL("style.css")
		}
		out = append(out, method+" "+strings.Replace(fill.Replace(path), "{id}", "kettle", 1))
	}
	return out
}

// TestStateChangingRoutesRefuseCrossSite sends every POST, PUT and DELETE
// route of the pages and the API, as a browser on another site would (the
// victim's cookie and token attached): each is 403 and the store is
// unchanged (ASVS V4.2.2, V13.2.3).
func TestStateChangingRoutesRefuseCrossSite(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("victim@example.com")
	token := e.token("victim@example.com", testPassword)
	orderID := e.orderOne(token, "trowel", "victim-order-1")
	e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/kettle", token: token, json: `{"quantity": 2}`})
	form := url.Values{"product_id": {"kettle"}, "quantity": {"0"}, "name": {"Evil"}, "email": {"evil@example.com"},
		"password": {testPassword}, "confirm_password": {testPassword}, "current_password": {testPassword},
		"new_password": {"evil new passphrase"}, "full_name": {"Evil"}, "address_line1": {"1 Evil St"}, "city": {"Evil"},
		"postal_code": {"666"}, "country": {"GB"}, "checkout_key": {"evil-checkout-1"}}
	before := e.snapshot()
	unsafe := 0
	for _, route := range allRoutes(t, orderID) {
		method, path, _ := strings.Cut(route, " ")
		if method == http.MethodGet {
			continue
		}
		unsafe++
		for name, hdr := range map[string]map[string]string{
			"Origin":         {"Origin": "https://evil.example"},
			"Sec-Fetch-Site": {"Sec-Fetch-Site": "cross-site"},
		} {
			rq := rawReq{method: method, target: path, cookie: cookie, token: token, header: hdr}
			if strings.HasPrefix(path, "/api/") {
				rq.json = `{"quantity": 1, "email": "evil@example.com", "password": "` + testPassword + `", "name": "Evil", "shipping_address": ` + apiJSON(apiAddress) + `}`
				rq.header["Idempotency-Key"] = "evil-order-1"
			} else {
				rq.form = form
			}
			w := e.send(rq)
			if w.Code != http.StatusForbidden {
				t.Errorf("%s %s with a foreign %s = %d; want 403", method, path, name, w.Code)
			}
			if rq.json != "" && !strings.Contains(w.Body.String(), `"error":"cross_origin_request"`) {
				t.Errorf("%s %s: body %s; want the JSON error cross_origin_request", method, path, w.Body)
			}
		}
	}
	if unsafe < 12 {
		t.Errorf("checked %d state-changing routes; the route reader is out of date", unsafe)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("refused cross-site requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestGETNeverChangesState sends GET and HEAD to every route of the pages
// and the API, GET-only routes with the query strings their pages use, and
// GET to every POST, PUT and DELETE path (405), signed in with a cart and
// an order: the store is unchanged and the session still works (ASVS
// V13.2.1, V4.2.2).
func TestGETNeverChangesState(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("reader@example.com")
	token := e.token("reader@example.com", testPassword)
	orderID := e.orderOne(token, "trowel", "reader-order-1")
	e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/kettle", token: token, json: `{"quantity": 2}`})
	before := e.snapshot()

	targets := []string{"/login?cookies=1&next=/checkout", "/login?cookies=1&registered=1", "/account?updated=password",
		"/cart?added=1", "/products?q=mug&category=kitchen&sort=price_desc&page=1", "/products?page=0", "/orders/onothere",
		"/api/v1/products?q=kettle&page=1&per_page=100", "/api/v1/orders/onothere", "/logout?next=/", "/register?next=/checkout"}
	for _, route := range allRoutes(t, orderID) {
		_, path, _ := strings.Cut(route, " ")
		targets = append(targets, path)
	}
	for _, target := range targets {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if w := e.send(rawReq{method: method, target: target, cookie: cookie, token: token}); w.Code >= 500 {
				t.Errorf("%s %s = %d", method, target, w.Code)
			}
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("GET and HEAD requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if w := e.send(rawReq{method: "GET", target: "/account", cookie: cookie}); w.Code != http.StatusOK {
		t.Errorf("GET /account after the GETs = %d; want still signed in", w.Code)
	}
	if w := e.send(rawReq{method: "GET", target: "/api/v1/me", token: token}); w.Code != http.StatusOK {
		t.Errorf("GET /api/v1/me after the GETs = %d; want the token alive", w.Code)
	}
}

// TestUnknownMethodsAnswer405 asks pages and API calls with methods they do
// not take, standard and made-up: 405 with an Allow header naming only the
// path's methods; the API answers in its JSON error shape (ASVS V14.5.1,
// V13.2.1).
func TestUnknownMethodsAnswer405(t *testing.T) {
	e := newEnv(t)
	methods := []string{"TRACE", "PROPFIND", "BREW", "LINK", "PATCH", "PUT", "DELETE", "OPTIONS"}
	for _, path := range []string{"/", "/products", "/products/kettle", "/cart", "/cart/items", "/login", "/logout", "/checkout", "/healthz", staticURL("style.css")} {
		for _, m := range methods {
			w := e.send(rawReq{method: m, target: path})
			allow := w.Header().Get("Allow")
			if w.Code != http.StatusMethodNotAllowed || allow == "" || strings.Contains(allow, m) {
				t.Errorf("%s %s = %d, Allow %q; want 405 with Allow not naming %s", m, path, w.Code, allow, m)
			}
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Errorf("%s %s: Content-Type %q; want the HTML error page", m, path, w.Header().Get("Content-Type"))
			}
		}
	}
	for path, want := range map[string]string{
		"/api/v1/products":          "GET, HEAD",
		"/api/v1/cart/items/kettle": "PUT, DELETE",
		"/api/v1/tokens/current":    "DELETE",
		"/api/v1/orders":            "GET, HEAD, POST",
		"/api/v1/openapi.json":      "GET, HEAD",
	} {
		for _, m := range methods {
			if strings.Contains(want, m) {
				continue
			}
			w := e.send(rawReq{method: m, target: path})
			res := &apiResp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
			if w.Code != http.StatusMethodNotAllowed || res.Header.Get("Allow") != want || res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s = %d, Allow %q, %s; want 405 JSON with Allow %q", m, path, w.Code, res.Header.Get("Allow"),
					res.Header.Get("Content-Type"), want)
			}
			for _, p := range apiCheckResponse(m, path, res) {
				t.Errorf("%s %s: %s", m, path, p)
			}
		}
	}
}
