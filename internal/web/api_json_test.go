package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIRequestBodies checks the rules every JSON body meets, on the calls
// that take one.
func TestAPIRequestBodies(t *testing.T) {
	e := apiSetup(t)
	token := e.signUp("bodies@example.com")
	calls := []apiReq{
		{Method: "POST", Path: "/api/v1/users"},
		{Method: "POST", Path: "/api/v1/tokens"},
		{Method: "PUT", Path: "/api/v1/cart/items/kettle", Token: token},
		{Method: "POST", Path: "/api/v1/orders", Token: token, Header: map[string]string{"Idempotency-Key": "bodies-key-1"}},
	}
	big := `{"email": "` + strings.Repeat("a", 1<<20) + `"}`
	cases := []struct {
		name        string
		body, ctype string
		unsized     bool
		status      int
		code        string
	}{
		{"text/plain", `{"email": "a@example.com"}`, "text/plain", false, 415, "unsupported_media_type"},
		{"form", `email=a`, "application/x-www-form-urlencoded", false, 415, "unsupported_media_type"},
		{"other charset", `{}`, "application/json; charset=latin1", false, 415, "unsupported_media_type"},
		{"no content type", `{}`, "-", false, 415, "unsupported_media_type"},
		{"empty", "", "application/json", false, 400, "invalid_json"},
		{"malformed", `{"email": `, "", false, 400, "invalid_json"},
		{"not an object", `["a"]`, "", false, 400, "invalid_json"},
		{"null", `null`, "", false, 400, "invalid_json"},
		{"two values", `{} {}`, "", false, 400, "invalid_json"},
		{"trailing garbage", `{}x`, "", false, 400, "invalid_json"},
		{"unknown field", `{"nickname": "x"}`, "", false, 422, "validation_failed"},
		{"over 1 MiB", big, "", false, 413, "body_too_large"},
		{"over 1 MiB unannounced", big, "", true, 413, "body_too_large"},
	}
	for _, call := range calls {
		for _, c := range cases {
			t.Run(call.Method+" "+call.Path+" "+c.name, func(t *testing.T) {
				rq := call
				rq.Body, rq.ContentType, rq.Unsized = c.body, c.ctype, c.unsized
				res := e.do(rq)
				res.want(t, c.status, c.code)
				if c.code == "validation_failed" {
					if fields := res.fields(t); len(fields["nickname"]) != 1 {
						t.Errorf("fields = %v; want nickname named", fields)
					}
				}
			})
		}
	}

	t.Run("charset utf-8 accepted", func(t *testing.T) {
		e.do(apiReq{Method: "POST", Path: "/api/v1/users", ContentType: "application/json; charset=UTF-8",
			Body: apiJSON(map[string]string{"email": "utf8@example.com", "name": "Zoë", "password": apiPassword})}).want(t, 201, "")
	})

	t.Run("wrong JSON type names the field", func(t *testing.T) {
		res := e.do(apiReq{Method: "POST", Path: "/api/v1/users", Body: `{"email": 5, "name": "N", "password": "` + apiPassword + `"}`})
		res.want(t, 422, "validation_failed")
		if fields := res.fields(t); len(fields["email"]) != 1 {
			t.Errorf("fields = %v; want email named", fields)
		}
	})
}

// TestAPIRouting checks the API's own 404 and 405 answers are JSON.
func TestAPIRouting(t *testing.T) {
	e := apiSetup(t)
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/nothing/here"})
	res.want(t, 404, "not_found")
	e.do(apiReq{Method: "DELETE", Path: "/api/v1/"}).want(t, 404, "not_found")

	res = e.do(apiReq{Method: "POST", Path: "/api/v1/products"})
	res.want(t, 405, "method_not_allowed")
	if got := res.Header.Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow = %q; want GET, HEAD", got)
	}
	res = e.do(apiReq{Method: "PATCH", Path: "/api/v1/cart/items/kettle"})
	res.want(t, 405, "method_not_allowed")
	if got := res.Header.Get("Allow"); got != "PUT, DELETE" {
		t.Errorf("Allow = %q; want PUT, DELETE", got)
	}
	res = e.do(apiReq{Method: "GET", Path: "/api/v1/users"})
	res.want(t, 405, "method_not_allowed")

	if res := e.do(apiReq{Method: "GET", Path: "/api/v1/products"}); res.Header.Get("X-Request-Id") == "" {
		t.Errorf("no X-Request-Id on an API answer")
	}
	var body apiErrorJSON
	e.do(apiReq{Method: "GET", Path: "/api/v1/nothing"}).decode(t, &body)
	if body.RequestID == "" {
		t.Errorf("error %+v; want its request_id", body)
	}
}

// TestAPICrossOrigin checks a browser's cross-site request to the API is
// refused in JSON, while programs (no browser headers) pass.
func TestAPICrossOrigin(t *testing.T) {
	e := apiSetup(t)
	res := e.do(apiReq{Method: "POST", Path: "/api/v1/users", Header: map[string]string{"Sec-Fetch-Site": "cross-site"},
		Body: apiJSON(map[string]string{"email": "x@example.com", "name": "X", "password": apiPassword})})
	if res.Status != http.StatusForbidden {
		t.Errorf("cross-site POST /users = %d; want 403", res.Status)
	}
}
