package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIRequestBodies checks the rules every JSON body meets, on the calls
// that take one.
func TestAPIRequestBodies(t *testing.T) {
	e := newEnv(t)
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
			Body: apiJSON(map[string]string{"email": "utf8@example.com", "name": "Zoë", "password": testPassword})}).want(t, 201, "")
	})

	t.Run("wrong JSON type names the field", func(t *testing.T) {
		res := e.do(apiReq{Method: "POST", Path: "/api/v1/users", Body: `{"email": 5, "name": "N", "password": "` + testPassword + `"}`})
		res.want(t, 422, "validation_failed")
		if fields := res.fields(t); len(fields["email"]) != 1 {
			t.Errorf("fields = %v; want email named", fields)
		}
	})
}

// TestAPIRouting checks the API's own 404 and 405 answers are JSON.
func TestAPIRouting(t *testing.T) {
	e := newEnv(t)
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

	// An unclean path is redirected to the clean one, as the pages are,
	// but without the mux's HTML: the API answers in JSON or with nothing.
	for target, want := range map[string]string{"/api/v1//products": "/api/v1/products",
		"/api/v1/products/./kettle": "/api/v1/products/kettle"} {
		res := e.send(rawReq{method: "GET", target: target})
		if res.Code < 300 || res.Code > 399 || res.Header().Get("Location") != want || res.Body.Len() != 0 ||
			strings.Contains(res.Header().Get("Content-Type"), "html") {
			t.Errorf("GET %s = %d, Location %q, Content-Type %q, body %q; want a redirect to %s without a body",
				target, res.Code, res.Header().Get("Location"), res.Header().Get("Content-Type"), res.Body, want)
		}
	}
}

// TestAPICrossOrigin checks a browser's cross-site request to the API is
// refused in JSON, while programs (no browser headers) pass.
func TestAPICrossOrigin(t *testing.T) {
	e := newEnv(t)
	res := e.do(apiReq{Method: "POST", Path: "/api/v1/users", Header: map[string]string{"Sec-Fetch-Site": "cross-site"},
		Body: apiJSON(map[string]string{"email": "x@example.com", "name": "X", "password": testPassword})})
	if res.Status != http.StatusForbidden {
		t.Errorf("cross-site POST /users = %d; want 403", res.Status)
	}
}

// TestAPIStrictJSON: a body must mean one thing: a field given twice (at
// any depth), a field named in another letter case than the API's
// ("QUANTITY"), and a string of invalid UTF-8 (or a lone surrogate escape)
// are 422 validation_failed naming the field, and change nothing; the same
// bodies written properly are accepted.
func TestAPIStrictJSON(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("strict@example.com")
	addr := `"full_name": "Ada Lovelace", "line1": "12 St James's Square", "line2": "", "city": "London", "postal_code": "SW1Y 4JH", "country": "GB"`
	orderReq := func(body string) apiReq {
		return apiReq{Method: "POST", Path: "/api/v1/orders", Token: token, Header: map[string]string{"Idempotency-Key": "strict-key-1"}, Body: body}
	}
	cart := apiReq{Method: "PUT", Path: "/api/v1/cart/items/kettle", Token: token}
	users := apiReq{Method: "POST", Path: "/api/v1/users"}
	with := func(rq apiReq, body string) apiReq { rq.Body = body; return rq }
	cases := []struct {
		name  string
		rq    apiReq
		field string
	}{
		{"duplicate field", with(cart, `{"quantity": 1, "quantity": 5}`), "quantity"},
		{"upper-case field", with(cart, `{"QUANTITY": 2}`), "QUANTITY"},
		{"capitalised field", with(cart, `{"Quantity": 2}`), "Quantity"},
		{"case variant next to the field", with(users, `{"email": "a@example.com", "Email": "b@example.com", "name": "A", "password": "`+testPassword+`"}`), "Email"},
		{"duplicate email", with(users, `{"email": "a@example.com", "email": "b@example.com", "name": "A", "password": "`+testPassword+`"}`), "email"},
		{"invalid UTF-8 in a value", with(users, "{\"email\": \"c@example.com\", \"name\": \"Zo\xeb\", \"password\": \""+testPassword+"\"}"), "name"},
		{"lone surrogate escape", with(users, `{"email": "d@example.com", "name": "Zo\ud800", "password": "`+testPassword+`"}`), "name"},
		{"duplicate in a nested object", orderReq(`{"shipping_address": {` + addr + `, "city": "Paris"}}`), "shipping_address.city"},
		{"case variant in a nested object", orderReq(`{"shipping_address": {` + strings.Replace(addr, `"city"`, `"CITY"`, 1) + `}}`), "shipping_address.CITY"},
		{"invalid UTF-8 in a nested object", orderReq("{\"shipping_address\": {" + strings.Replace(addr, "London", "Lond\xffn", 1) + "}}"), "shipping_address.city"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := e.do(c.rq)
			res.want(t, http.StatusUnprocessableEntity, "validation_failed")
			if fields := res.fields(t); len(fields[c.field]) != 1 {
				t.Errorf("fields = %v; want %s named", fields, c.field)
			}
		})
	}
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
		if _, err := e.store.UserByEmail(t.Context(), email); err == nil {
			t.Errorf("a refused body created the user %s", email)
		}
	}
	var cartNow cartJSON
	e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: token}).decode(t, &cartNow)
	if cartNow.ItemCount != 0 {
		t.Errorf("cart after refused bodies holds %d items; want 0", cartNow.ItemCount)
	}
	e.do(with(cart, `{"quantity": 2}`)).want(t, http.StatusOK, "")
	e.do(with(users, `{"email": "zoe@example.com", "name": "Zoë \u00e9", "password": "`+testPassword+`"}`)).want(t, http.StatusCreated, "")
	e.do(orderReq(`{"shipping_address": {`+addr+`}}`)).want(t, http.StatusCreated, "")
}
