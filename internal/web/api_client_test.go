package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
func (e *testEnv) do(rq apiReq) *apiResp {
	e.tb.Helper()
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
	w := e.serve(r, rq.Token, rq.Header)
	res := &apiResp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
	where := rq.Method + " " + rq.Path
	if got := res.Header.Get("Cache-Control"); !apiCacheControlOK(rq.Method, rq.Path, res.Status, got) {
		e.tb.Errorf("%s: Cache-Control = %q; want no-store", where, got)
	}
	if res.Status != http.StatusNoContent {
		if got := res.Header.Get("Content-Type"); got != "application/json" {
			e.tb.Errorf("%s: Content-Type = %q; want application/json", where, got)
		}
	}
	for _, problem := range apiCheckResponse(rq.Method, rq.Path, res) {
		e.tb.Errorf("%s: %d answer does not conform to openapi.json: %s\nbody: %s", where, res.Status, problem, res.Body)
	}
	return res
}

// want fails the test unless the answer has status and, for an error, the
// error code (code "" for a success).
func (res *apiResp) want(t testing.TB, status int, code string) {
	t.Helper()
	var e apiErrorJSON
	json.Unmarshal(res.Body, &e)
	if res.Status != status || e.Error != code {
		t.Fatalf("answer = %d %q; want %d %q\nbody: %s", res.Status, e.Error, status, code, res.Body)
	}
}

// decode decodes the answer's body into v.
func (res *apiResp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(res.Body, v); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
}

// fields returns the fields of a validation error answer.
func (res *apiResp) fields(t testing.TB) map[string][]string {
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

// signUp registers a user and returns a bearer token for them.
func (e *testEnv) signUp(email string) string {
	e.tb.Helper()
	e.do(apiReq{Method: "POST", Path: "/api/v1/users",
		Body: apiJSON(map[string]string{"email": email, "name": "Test User", "password": testPassword})}).want(e.tb, 201, "")
	return e.token(email, testPassword)
}

// token signs in and returns a bearer token.
func (e *testEnv) token(email, password string) string {
	e.tb.Helper()
	res := e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": email, "password": password})})
	res.want(e.tb, 201, "")
	var tok tokenJSON
	res.decode(e.tb, &tok)
	return tok.Token
}

// putItem sets a cart line and fails the test unless it is accepted.
func (e *testEnv) putItem(token, productID string, quantity int) cartJSON {
	e.tb.Helper()
	res := e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/" + productID, Token: token, Body: fmt.Sprintf(`{"quantity": %d}`, quantity)})
	res.want(e.tb, 200, "")
	var c cartJSON
	res.decode(e.tb, &c)
	return c
}

// apiAddress is a valid shipping address.
var apiAddress = map[string]string{"full_name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "",
	"city": "London", "postal_code": "SW1Y 4JH", "country": "GB"}

// placeOrder posts the cart as an order with key and address.
func (e *testEnv) placeOrder(token, key string, addr map[string]string) *apiResp {
	e.tb.Helper()
	return e.do(apiReq{Method: "POST", Path: "/api/v1/orders", Token: token,
		Header: map[string]string{"Idempotency-Key": key}, Body: apiJSON(map[string]any{"shipping_address": addr})})
}

// orderOne fills the user's cart through the API and places it; it
// returns the order id.
func (e *testEnv) orderOne(token, productID, key string) string {
	e.tb.Helper()
	if w := e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/" + productID, token: token, json: `{"quantity": 1}`}); w.Code != 200 {
		e.tb.Fatalf("PUT cart: %d %s", w.Code, w.Body)
	}
	w := e.send(rawReq{method: "POST", target: "/api/v1/orders", token: token, json: apiJSON(map[string]any{"shipping_address": apiAddress}),
		header: map[string]string{"Idempotency-Key": key}})
	var o orderJSON
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &o) != nil {
		e.tb.Fatalf("POST /api/v1/orders: %d %s", w.Code, w.Body)
	}
	return o.ID
}

// apiCacheControlOK reports whether an API answer's Cache-Control is
// right: no-store, but for the product list's 200, the same for every
// caller, which caches may keep as the catalog pages (listingPolicy) when
// the page cache kept it.
func apiCacheControlOK(method, path string, status int, got string) bool {
	list, _, _ := strings.Cut(path, "?")
	if method == http.MethodGet && list == "/api/v1/products" && status == http.StatusOK && got == listingPolicy.cacheControl {
		return true
	}
	return got == "no-store"
}
