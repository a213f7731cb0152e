package web

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// observedRequest is one call of Config.ObserveRequest.
type observedRequest struct {
	route, method string
	status        int
	took          time.Duration
}

// requestObserver keeps what ObserveRequest was told.
type requestObserver struct {
	mu   sync.Mutex
	seen []observedRequest
}

func (o *requestObserver) observe(route, method string, status int, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, observedRequest{route, method, status, took})
}

// last returns the observation of the last request, failing the test when
// there is none.
func (o *requestObserver) last(t *testing.T) observedRequest {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.seen) == 0 {
		t.Fatal("no request observed")
	}
	return o.seen[len(o.seen)-1]
}

func newObservedEnv(t *testing.T) (*testEnv, *requestObserver) {
	obs := &requestObserver{}
	return newEnv(t, withConfig(Config{ObserveRequest: obs.observe})), obs
}

func TestRequestsObservedByRoutePattern(t *testing.T) {
	e, obs := newObservedEnv(t)
	for _, tc := range []struct {
		rq                   rawReq
		wantRoute, wantMethd string
		wantStatus           int
	}{
		{rawReq{method: "GET", target: "/products/kettle"}, "GET /products/{id}", "GET", 200},
		{rawReq{method: "HEAD", target: "/products/kettle"}, "GET /products/{id}", "HEAD", 200},
		{rawReq{method: "GET", target: "/products/no-such-product"}, "GET /products/{id}", "GET", 404},
		{rawReq{method: "GET", target: "/api/v1/products/kettle"}, "GET /api/v1/products/{id}", "GET", 200},
		{rawReq{method: "GET", target: "/api/v1/no/such/call"}, "GET /api/v1/", "GET", 404},
		{rawReq{method: "GET", target: "/no/such/page"}, RouteUnmatched, "GET", 404},
		{rawReq{method: "DELETE", target: "/products/kettle"}, RouteUnmatched, "DELETE", 405},
		{rawReq{method: "PROPFIND", target: "/cart"}, RouteUnmatched, MethodOther, 405},
		// Refused before any handler runs: still the route it asked for.
		{rawReq{method: "POST", target: "/cart/items", form: map[string][]string{"product_id": {"kettle"}},
			header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}}, "POST /cart/items", "POST", 403},
	} {
		w := e.send(tc.rq)
		got := obs.last(t)
		if got.route != tc.wantRoute || got.method != tc.wantMethd || got.status != tc.wantStatus || got.status != w.Code {
			t.Errorf("%s %s (answered %d) observed as %q %q %d; want %q %q %d", tc.rq.method, tc.rq.target, w.Code,
				got.route, got.method, got.status, tc.wantRoute, tc.wantMethd, tc.wantStatus)
		}
		if got.took <= 0 {
			t.Errorf("%s %s observed taking %v; want a positive duration", tc.rq.method, tc.rq.target, got.took)
		}
	}
}

// TestRouteLabelsStayBoundedForRandomPaths asks hundreds of paths no one
// registered, under every prefix the routes have, with random methods: the
// routes and methods observed must be a handful of patterns, none holding
// a piece of a path, so no client can grow the metrics' series.
func TestRouteLabelsStayBoundedForRandomPaths(t *testing.T) {
	e, obs := newObservedEnv(t)
	prefixes := []string{"/", "/products/", "/cart/items/", "/orders/", "/account/", "/admin/", "/admin/products/",
		"/static/", "/images/", "/api/", "/api/v1/", "/api/v1/products/", "/api/v1/admin/", "/api/v1/orders/"}
	methods := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	const requests = 400
	var tokens []string
	for i := range requests {
		token := randomToken(t)
		tokens = append(tokens, token)
		path := prefixes[randomInt(t, len(prefixes))] + token
		if i%3 == 0 {
			path += "/" + randomToken(t) + "/"
		}
		method := methods[randomInt(t, len(methods))]
		if i%5 == 0 {
			method = "X" + strings.ToUpper(token[:6]) // a method of the client's own
		}
		e.send(rawReq{method: method, target: path})
	}
	routes, methodLabels := map[string]int{}, map[string]int{}
	obs.mu.Lock()
	seen := obs.seen
	obs.mu.Unlock()
	if len(seen) != requests {
		t.Fatalf("%d requests observed; want %d", len(seen), requests)
	}
	for _, o := range seen {
		routes[o.route]++
		methodLabels[o.method]++
	}
	for label := range routes {
		for _, token := range tokens {
			if strings.Contains(label, token) {
				t.Fatalf("route label %q holds a piece of a requested path", label)
			}
		}
	}
	// What random paths can reach: the unmatched label, the catch-alls,
	// and the patterns with a wildcard segment.
	const maxRoutes = 30
	if len(routes) > maxRoutes || len(methodLabels) > len(methods)+1 {
		t.Errorf("%d random requests gave %d route labels and %d method labels; want at most %d and %d: %v %v",
			requests, len(routes), len(methodLabels), maxRoutes, len(methods)+1, routes, methodLabels)
	}
	if routes[RouteUnmatched] == 0 || methodLabels[MethodOther] == 0 {
		t.Errorf("routes %v, methods %v; want %q and %q among them", routes, methodLabels, RouteUnmatched, MethodOther)
	}
}

func randomInt(t *testing.T, n int) int {
	t.Helper()
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		t.Fatal(err)
	}
	return int(v.Int64())
}

// randomToken is a path segment no route names: 16 hex digits.
func randomToken(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf("%016x", randomInt(t, 1<<62))
}

// A server built without ObserveRequest serves as before.
func TestNoObserverServes(t *testing.T) {
	e := newEnv(t)
	if w := e.send(rawReq{method: "GET", target: "/products/kettle"}); w.Code != http.StatusOK {
		t.Fatalf("GET /products/kettle = %d; want 200", w.Code)
	}
}
