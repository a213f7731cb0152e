package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// apiEnv is the whole server over the real service and a temporary SQLite
// store, driven through the JSON API.
type apiEnv struct {
	t     *testing.T
	h     http.Handler
	store shop.Store
	svc   *shop.Service
}

// apiClock starts at a fixed time and moves one second each reading, so
// orders have distinct, ordered creation times.
type apiClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *apiClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// The catalog of every API test.
var (
	apiCategories = []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "garden", Name: "Garden"}, {ID: "empty", Name: "Empty"}}
	apiProducts   = []shop.Product{
		{ID: "kettle", Name: "Enamel Kettle", Description: "Boils water on any stove.", Category: "kitchen", PriceCents: 3900, Stock: 10, Active: true},
		{ID: "pan", Name: "Cast Iron Pan", Description: "Heavy and lasting.", Category: "kitchen", PriceCents: 2500, Stock: 2, Active: true},
		{ID: "mug", Name: "Stoneware Mug", Description: "Holds tea or coffee.", Category: "kitchen", PriceCents: 1200, Stock: 0, Active: true},
		{ID: "trowel", Name: "Garden Trowel", Description: "Digs small holes.", Category: "garden", PriceCents: 1500, Stock: 50, Active: true},
		{ID: "old-hose", Name: "Old Hose", Description: "No longer sold.", Category: "garden", PriceCents: 900, Stock: 5, Active: false},
	}
)

// apiSetup returns a server over a fresh store holding the test catalog.
func apiSetup(t *testing.T) *apiEnv {
	t.Helper()
	store := newPageStore(t)
	saveTestCatalog(t, store, apiCategories, apiProducts)
	clock := &apiClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	svc := shop.NewService(store, shop.Config{
		PasswordParams: &shop.PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1},
		Now:            clock.Now,
	})
	return &apiEnv{t: t, h: NewServer(svc, apiLogger(), Config{}), store: store, svc: svc}
}

// apiLogger discards what the server logs.
func apiLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// apiReq is one API request. Body is sent as is, with Content-Type
// application/json unless ContentType says otherwise ("-": none).
type apiReq struct {
	Method, Path string
	Token        string
	Body         string
	ContentType  string
	Header       map[string]string
	// Unsized sends the body without a Content-Length, as a chunked
	// request does, so only reading it finds its size.
	Unsized bool
}

// apiResp is an answer of the API.
type apiResp struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends rq and checks what every API answer must be: never cached,
// JSON (but 204), and conforming to the response schema of openapi.json
// for its call and status.
func (e *apiEnv) do(rq apiReq) *apiResp {
	e.t.Helper()
	var body io.Reader
	if rq.Body != "" {
		body = strings.NewReader(rq.Body)
	}
	r := httptest.NewRequest(rq.Method, rq.Path, body)
	r.RemoteAddr = "192.0.2.10:40000"
	if rq.Unsized {
		r.ContentLength = -1
	}
	ct := rq.ContentType
	if ct == "" && rq.Body != "" {
		ct = "application/json"
	}
	if ct != "" && ct != "-" {
		r.Header.Set("Content-Type", ct)
	}
	if rq.Token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.Token)
	}
	for k, v := range rq.Header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	res := &apiResp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
	where := rq.Method + " " + rq.Path
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		e.t.Errorf("%s: Cache-Control = %q; want no-store", where, got)
	}
	if res.Status != http.StatusNoContent {
		if got := res.Header.Get("Content-Type"); got != "application/json" {
			e.t.Errorf("%s: Content-Type = %q; want application/json", where, got)
		}
	}
	for _, problem := range apiCheckResponse(rq.Method, rq.Path, res) {
		e.t.Errorf("%s: %d answer does not conform to openapi.json: %s\nbody: %s", where, res.Status, problem, res.Body)
	}
	return res
}

// want fails the test unless the answer has status and, for an error, the
// error code (code "" for a success).
func (res *apiResp) want(t *testing.T, status int, code string) {
	t.Helper()
	var e apiErrorJSON
	json.Unmarshal(res.Body, &e)
	if res.Status != status || e.Error != code {
		t.Fatalf("answer = %d %q; want %d %q\nbody: %s", res.Status, e.Error, status, code, res.Body)
	}
}

// decode decodes the answer's body into v.
func (res *apiResp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(res.Body, v); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
}

// fields returns the fields of a validation error answer.
func (res *apiResp) fields(t *testing.T) map[string][]string {
	t.Helper()
	var e apiErrorJSON
	res.decode(t, &e)
	return e.Fields
}

// apiJSON encodes v for a request body.
func apiJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// apiPassword is a password that passes the policy.
const apiPassword = "correct horse battery staple"

// signUp registers a user and returns a bearer token for them.
func (e *apiEnv) signUp(email string) string {
	e.t.Helper()
	e.do(apiReq{Method: "POST", Path: "/api/v1/users",
		Body: apiJSON(map[string]string{"email": email, "name": "Test User", "password": apiPassword})}).want(e.t, 201, "")
	return e.token(email, apiPassword)
}

// token signs in and returns a bearer token.
func (e *apiEnv) token(email, password string) string {
	e.t.Helper()
	res := e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": email, "password": password})})
	res.want(e.t, 201, "")
	var tok tokenJSON
	res.decode(e.t, &tok)
	return tok.Token
}

// putItem sets a cart line and fails the test unless it is accepted.
func (e *apiEnv) putItem(token, productID string, quantity int) cartJSON {
	e.t.Helper()
	res := e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/" + productID, Token: token, Body: fmt.Sprintf(`{"quantity": %d}`, quantity)})
	res.want(e.t, 200, "")
	var c cartJSON
	res.decode(e.t, &c)
	return c
}

// apiAddress is a valid shipping address.
var apiAddress = map[string]string{"full_name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "",
	"city": "London", "postal_code": "SW1Y 4JH", "country": "GB"}

// placeOrder posts the cart as an order with key and address.
func (e *apiEnv) placeOrder(token, key string, addr map[string]string) *apiResp {
	e.t.Helper()
	return e.do(apiReq{Method: "POST", Path: "/api/v1/orders", Token: token,
		Header: map[string]string{"Idempotency-Key": key}, Body: apiJSON(map[string]any{"shipping_address": addr})})
}
