package web

// Fuzz targets of the JSON API's input handling: bodies through the real
// handlers, the strict decoder, quantities, Content-Type, bearer tokens and
// catalog queries. `make test` runs their seed corpora; `make fuzz` runs
// each for longer.

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// apiGlobal413 reports whether openapi.json says that every call answers
// 413 to a body over 1 MiB, also the calls that take no body.
func apiGlobal413(tb testing.TB) bool {
	tb.Helper()
	spec, err := apiSpec()
	if err != nil {
		tb.Fatal(err)
	}
	desc, _ := apiObj(spec["info"])["description"].(string)
	return strings.Contains(desc, "any request with a body over 1 MiB answers 413")
}

// checkAPIAnswer fails tb unless w is a proper answer of the API to method
// path: no 5xx; a status openapi.json documents for the call (404 and 405
// for unknown paths and methods, 413 for any body over 1 MiB, as its
// description says); the documented schema, the Error shape for errors,
// with the request id of the X-Request-Id header; JSON, never cached.
func checkAPIAnswer(tb testing.TB, method, path string, w *httptest.ResponseRecorder, oversized bool) {
	tb.Helper()
	res := &apiResp{Status: w.Code, Header: w.Result().Header, Body: w.Body.Bytes()}
	where := method + " " + path
	if res.Status >= 500 {
		tb.Fatalf("%s = %d; want no 5xx\n%s", where, res.Status, res.Body)
	}
	for _, p := range apiCheckResponse(method, path, res) {
		if oversized && res.Status == http.StatusRequestEntityTooLarge && p == "status 413 is not documented" && apiGlobal413(tb) {
			continue
		}
		tb.Errorf("%s: %d answer does not conform to openapi.json: %s\nbody: %.300s", where, res.Status, p, res.Body)
	}
	if got := res.Header.Get("Cache-Control"); !apiCacheControlOK(method, path, res.Status, got) {
		tb.Errorf("%s: Cache-Control = %q; want no-store", where, got)
	}
	if res.Status != http.StatusNoContent && res.Header.Get("Content-Type") != "application/json" {
		tb.Errorf("%s: Content-Type = %q; want application/json", where, res.Header.Get("Content-Type"))
	}
	if res.Status >= 400 {
		var e apiErrorJSON
		if err := json.Unmarshal(res.Body, &e); err != nil || e.Error == "" || e.Message == "" ||
			e.RequestID == "" || e.RequestID != res.Header.Get("X-Request-Id") {
			tb.Errorf("%s: error body %.300s; want code, message and the request id %q", where, res.Body, res.Header.Get("X-Request-Id"))
		}
	}
}

// apiBodySeeds are bodies every JSON call must survive.
var apiBodySeeds = []string{
	"", " ", "null", "[]", `"x"`, "1", "true", "{", "}", "{}", "{}{}", "{} x", `{"a":}`, "\xef\xbb\xbf{}",
	`{"email": "a@example.com", "name": "A", "password": "correct horse battery staple"}`,
	`{"email": "fuzz@example.com", "password": "wrong password here"}`,
	`{"quantity": 1}`, `{"quantity": 99}`, `{"quantity": 1.5}`, `{"quantity": "1"}`, `{"quantity": true}`, `{"quantity": -1}`,
	`{"quantity": 1e3}`, `{"quantity": 99999999999999999999999}`, `{"quantity": null}`, `{"quantity": [1]}`,
	`{"shipping_address": {"full_name": "Ada", "line1": "1 Main St", "city": "London", "postal_code": "N1", "country": "GB"}}`,
	`{"shipping_address": null}`, `{"shipping_address": []}`, `{"shipping_address": {"country": 1}}`,
	`{"shipping_address": {"full_name": "\u0000\u202e", "x": 1}}`, `{"email": "\xff\xfe"}`, `{"email": 1, "email": "a"}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001), `{"a":` + strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5001),
}

func FuzzAPIRequestBody(f *testing.F) {
	e := newEnv(f)
	e.register("fuzz@example.com")
	token := e.token("fuzz@example.com", testPassword)
	orderID := e.orderOne(token, "trowel", "fuzz-order-0")
	// Every call but DELETE /tokens/current, which would end the token.
	ops := []struct{ method, path string }{
		{"POST", "/api/v1/users"}, {"POST", "/api/v1/tokens"}, {"PUT", "/api/v1/cart/items/kettle"}, {"POST", "/api/v1/orders"},
		{"DELETE", "/api/v1/cart/items/pan"}, {"GET", "/api/v1/me"}, {"GET", "/api/v1/cart"}, {"GET", "/api/v1/orders"},
		{"GET", "/api/v1/orders/" + orderID}, {"GET", "/api/v1/products"}, {"GET", "/api/v1/products/kettle"},
		{"GET", "/api/v1/categories"}, {"GET", "/api/v1/openapi.json"},
	}
	for i := range ops {
		for _, s := range apiBodySeeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		o := ops[int(op)%len(ops)]
		r := httptest.NewRequest(o.method, o.path, bytes.NewReader(body))
		r.RemoteAddr = "192.0.2.77:1234"
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Idempotency-Key", "fuzz-order-1")
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		checkAPIAnswer(t, o.method, o.path, w, len(body) > apiMaxBody)
	})
}

// FuzzAPIUnmarshal feeds the strict decoder every body shape a handler
// decodes: it accepts only one JSON object, and refuses anything else with
// 400 (invalid_json) or 422 naming a field, never an error that would be a
// 500.
func FuzzAPIUnmarshal(f *testing.F) {
	for _, s := range apiBodySeeds {
		f.Add([]byte(s))
	}
	targets := []struct {
		prefix string
		dst    func() any
	}{
		{"", func() any {
			return &struct {
				Email    string `json:"email"`
				Name     string `json:"name"`
				Password string `json:"password"`
			}{}
		}},
		{"", func() any {
			return &struct {
				Email    string `json:"email"`
				Password string `json:"password"`
			}{}
		}},
		{"", func() any {
			return &struct {
				Quantity json.RawMessage `json:"quantity"`
			}{}
		}},
		{"", func() any {
			return &struct {
				ShippingAddress json.RawMessage `json:"shipping_address"`
			}{}
		}},
		{"shipping_address.", func() any { return &addressJSON{} }},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range targets {
			err := apiUnmarshal(data, target.dst(), target.prefix)
			if err == nil {
				trimmed := bytes.TrimLeft(data, " \t\r\n")
				if !json.Valid(data) || len(trimmed) == 0 || trimmed[0] != '{' {
					t.Fatalf("apiUnmarshal accepted %q, which is not one JSON object", data)
				}
				continue
			}
			var verr *shop.ValidationError
			switch p := problemFor(err); {
			case p.Status == http.StatusBadRequest && p.Code == "invalid_json":
			case p.Status == http.StatusUnprocessableEntity && errors.As(err, &verr) && len(verr.Fields) > 0:
				for field, msg := range verr.Fields {
					if !strings.HasPrefix(field, target.prefix) || msg == "" {
						t.Fatalf("apiUnmarshal(%q): field %q message %q", data, field, msg)
					}
				}
			default:
				t.Fatalf("apiUnmarshal(%q) = %v (%d %s); want invalid_json or a field message", data, err, p.Status, p.Code)
			}
		}
	})
}

// FuzzAPIQuantity: a cart quantity is accepted only as a plain JSON integer
// from 1 to 99 (never "1", 1.5, 1e3, 01, true or null).
func FuzzAPIQuantity(f *testing.F) {
	for _, s := range []string{"1", "99", "0", "100", "-1", "1.5", "1e3", "1E0", "01", `"1"`, "true", "null", "[1]", "{}",
		"99999999999999999999", " 7 ", "7\n", "\"\\u0031\"", "１", "1 ,\"quantity\": 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var in struct {
			Quantity json.RawMessage `json:"quantity"`
		}
		if err := apiUnmarshal([]byte(`{"quantity": `+raw+`}`), &in, ""); err != nil {
			if s := problemFor(err).Status; s != http.StatusBadRequest && s != http.StatusUnprocessableEntity {
				t.Fatalf("quantity %q: decode = %v (%d)", raw, err, s)
			}
			return
		}
		n, err := shop.ParseQuantity(string(in.Quantity), false)
		if err != nil {
			return
		}
		var v int
		if json.Unmarshal(in.Quantity, &v) != nil || v != n || n < 1 || n > 99 || string(in.Quantity) != strconv.Itoa(n) {
			t.Fatalf("quantity %q accepted as %d", raw, n)
		}
	})
}

func FuzzAPIContentType(f *testing.F) {
	for _, s := range []string{"application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8",
		"APPLICATION/JSON", "application/json; charset=latin1", "application/json; foo=bar", "application/jsonx", "text/json",
		"application/json;", "application/json; charset=\"utf-8\"", "application/x-www-form-urlencoded", "", ";;", "application/json\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		if !apiIsJSON(ct) {
			return
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" || len(params) > 1 || len(params) == 1 && !strings.EqualFold(params["charset"], "utf-8") {
			t.Fatalf("apiIsJSON accepted %q (%q %v %v)", ct, mt, params, err)
		}
	})
}

// FuzzAPIBearerToken: only "Bearer TOKEN" (the scheme in any case) yields a
// token, and only the real token opens GET /api/v1/me; anything else is 401.
func FuzzAPIBearerToken(f *testing.F) {
	e := newEnv(f)
	e.register("bearer@example.com")
	token := e.token("bearer@example.com", testPassword)
	for _, s := range []string{"", "Bearer", "Bearer ", "Bearer x", "bearer x", "BEARER  x ", "Basic eDp5", "Bearer x y", "Bearer\tx",
		"Bearer " + strings.Repeat("a", 300), "Token x", "Bearer \x00", "Bearer " + token[:10]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.Header.Set("Authorization", header)
		if tok, ok := apiBearerToken(r); ok {
			scheme, _, _ := strings.Cut(header, " ")
			if tok == "" || tok != strings.TrimSpace(tok) || !strings.EqualFold(scheme, "Bearer") || !strings.Contains(header, tok) {
				t.Fatalf("apiBearerToken(%q) = %q", header, tok)
			}
		}
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized && !(w.Code == http.StatusOK && strings.Contains(header, token)) {
			t.Fatalf("GET /api/v1/me with Authorization %q = %d; want 401", header, w.Code)
		}
		checkAPIAnswer(t, "GET", "/api/v1/me", w, false)
	})
}

// FuzzCatalogQuery sends any query string to the catalog page and the
// products call: 200 or 422, never a 5xx; the page also 404 for a page
// past the last or a category that does not exist (the API answers those
// with an empty list).
func FuzzCatalogQuery(f *testing.F) {
	e := newEnv(f)
	for _, s := range []string{"", "q=kettle", "page=2&per_page=100", "page=0", "page=-1", "page=1.5", "page=1e3", "page=%EF%BC%91",
		"per_page=101", "sort=random", "category=a%20b", "q=%00", "q=%ff", "q=" + strings.Repeat("x", 101), "page=1&page=2",
		"%", "q=%zz", "sort=name;drop", "q=%27%20OR%201%3D1--", "page=99999999999999999999", "page=7&000000000000", "category=nope"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		for _, path := range []string{"/api/v1/products", "/products"} {
			r := httptest.NewRequest("GET", path, nil)
			r.URL.RawQuery = rawQuery
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
			pageNotFound := w.Code == http.StatusNotFound && !isAPI(r) &&
				(strings.Contains(w.Body.String(), "Go to the last page") || strings.Contains(w.Body.String(), "Go to the first page") ||
					strings.Contains(w.Body.String(), "There is no category"))
			if w.Code != http.StatusOK && w.Code != http.StatusUnprocessableEntity && !pageNotFound {
				t.Fatalf("GET %s?%s = %d; want 200 or 422 (or the page's 404 past the last page or for no such category)\n%.300s",
					path, rawQuery, w.Code, w.Body)
			}
			if isAPI(r) {
				checkAPIAnswer(t, "GET", path+"?"+rawQuery, w, false)
			}
		}
	})
}
