package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

func TestAPIRegister(t *testing.T) {
	e := newEnv(t)
	res := e.do(apiReq{Method: "POST", Path: "/api/v1/users",
		Body: `{"email": "  Ada@Example.COM ", "name": " Ada ", "password": "` + testPassword + `"}`})
	res.want(t, 201, "")
	var u userJSON
	res.decode(t, &u)
	if u.ID == "" || u.Email != "ada@example.com" || u.Name != "Ada" {
		t.Errorf("POST /users = %+v; want an id, ada@example.com, Ada", u)
	}
	if strings.Contains(string(res.Body), "password") || strings.Contains(string(res.Body), "argon2") {
		t.Errorf("POST /users answers %s; want no password or hash", res.Body)
	}

	t.Run("email taken in any case", func(t *testing.T) {
		res := e.do(apiReq{Method: "POST", Path: "/api/v1/users",
			Body: apiJSON(map[string]string{"email": "ADA@example.com", "name": "Other", "password": testPassword})})
		res.want(t, 409, "email_taken")
	})

	t.Run("validation", func(t *testing.T) {
		res := e.do(apiReq{Method: "POST", Path: "/api/v1/users",
			Body: apiJSON(map[string]string{"email": "not-an-email", "name": "", "password": "short"})})
		res.want(t, 422, "validation_failed")
		fields := res.fields(t)
		for _, f := range []string{"email", "name", "password"} {
			if len(fields[f]) != 1 || fields[f][0] == "" {
				t.Errorf("fields[%q] = %q; want one message", f, fields[f])
			}
		}
		if _, ok := fields["confirm_password"]; ok {
			t.Errorf("fields = %v; want no confirm_password, which the API does not take", fields)
		}
	})

	t.Run("common password and password equal to email", func(t *testing.T) {
		for _, pw := range []string{"passwordpassword", "bob@example.com"} {
			res := e.do(apiReq{Method: "POST", Path: "/api/v1/users",
				Body: apiJSON(map[string]string{"email": "bob@example.com", "name": "Bob", "password": pw})})
			res.want(t, 422, "validation_failed")
			if len(res.fields(t)["password"]) != 1 {
				t.Errorf("password %q: fields = %v; want a password message", pw, res.fields(t))
			}
		}
	})
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("grace@example.com")

	res := e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": "GRACE@example.com", "password": testPassword})})
	res.want(t, 201, "")
	var tok tokenJSON
	res.decode(t, &tok)
	if exp, err := time.Parse(time.RFC3339, tok.ExpiresAt); err != nil || !exp.After(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("expires_at = %q; want an RFC 3339 time after now", tok.ExpiresAt)
	}
	if tok.Token == "" || tok.Token == token {
		t.Errorf("token = %q; want a new token", tok.Token)
	}

	t.Run("me", func(t *testing.T) {
		res := e.do(apiReq{Method: "GET", Path: "/api/v1/me", Token: token})
		res.want(t, 200, "")
		var u userJSON
		res.decode(t, &u)
		if u.Email != "grace@example.com" || u.Name != "Test User" {
			t.Errorf("GET /me = %+v; want grace@example.com", u)
		}
		// The scheme is case-insensitive (RFC 7235).
		e.do(apiReq{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Authorization": "bearer " + token}}).want(t, 200, "")
	})

	t.Run("wrong password and unknown email answer alike", func(t *testing.T) {
		a := e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": "grace@example.com", "password": "wrong password here"})})
		a.want(t, 401, "invalid_credentials")
		b := e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": "nobody@example.com", "password": testPassword})})
		b.want(t, 401, "invalid_credentials")
		var ea, eb apiErrorJSON
		a.decode(t, &ea)
		b.decode(t, &eb)
		if ea.Message != eb.Message {
			t.Errorf("messages %q and %q differ; want the same whether or not the account exists", ea.Message, eb.Message)
		}
	})

	t.Run("unauthorized", func(t *testing.T) {
		for _, auth := range []string{"", "Bearer", "Bearer not-a-token", "Basic Z3JhY2U6cGFzc3dvcmQ=", "Bearer " + token + "x"} {
			res := e.do(apiReq{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Authorization": auth}})
			res.want(t, 401, "unauthorized")
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("Authorization %q: WWW-Authenticate = %q; want Bearer", auth, res.Header.Get("WWW-Authenticate"))
			}
		}
	})

	t.Run("revoke", func(t *testing.T) {
		other := e.token("grace@example.com", testPassword)
		e.do(apiReq{Method: "DELETE", Path: "/api/v1/tokens/current", Token: other}).want(t, 204, "")
		e.do(apiReq{Method: "GET", Path: "/api/v1/me", Token: other}).want(t, 401, "unauthorized")
		e.do(apiReq{Method: "DELETE", Path: "/api/v1/tokens/current", Token: other}).want(t, 401, "unauthorized")
		// Revoking one token leaves the others working.
		e.do(apiReq{Method: "GET", Path: "/api/v1/me", Token: token}).want(t, 200, "")
	})

	t.Run("throttled", func(t *testing.T) {
		e.signUp("locked@example.com")
		var res *apiResp
		for range 11 {
			res = e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": "locked@example.com", "password": "wrong password here"})})
		}
		res.want(t, 429, "too_many_attempts")
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
		// Locked, the right password is refused too.
		e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": "locked@example.com", "password": testPassword})}).want(t, 429, "too_many_attempts")
	})
}

// TestAPIAuthRequired checks every call that needs a token refuses a
// request without one, and with a revoked one.
func TestAPIAuthRequired(t *testing.T) {
	e := newEnv(t)
	revoked := e.signUp("revoked@example.com")
	e.do(apiReq{Method: "DELETE", Path: "/api/v1/tokens/current", Token: revoked}).want(t, 204, "")
	calls := []apiReq{
		{Method: "DELETE", Path: "/api/v1/tokens/current"},
		{Method: "GET", Path: "/api/v1/me"},
		{Method: "GET", Path: "/api/v1/cart"},
		{Method: "PUT", Path: "/api/v1/cart/items/kettle", Body: `{"quantity": 1}`},
		{Method: "DELETE", Path: "/api/v1/cart/items/kettle"},
		{Method: "POST", Path: "/api/v1/orders", Body: apiJSON(map[string]any{"shipping_address": apiAddress}), Header: map[string]string{"Idempotency-Key": "key-00000001"}},
		{Method: "GET", Path: "/api/v1/orders"},
		{Method: "GET", Path: "/api/v1/orders/o123"},
	}
	for _, rq := range calls {
		for _, token := range []string{"", revoked} {
			rq.Token = token
			res := e.do(rq)
			if res.Status != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with token %q = %d (WWW-Authenticate %q); want 401 with WWW-Authenticate",
					rq.Method, rq.Path, token, res.Status, res.Header.Get("WWW-Authenticate"))
			}
		}
	}
	// The public calls need no token.
	for _, path := range []string{"/api/v1/categories", "/api/v1/products", "/api/v1/products/kettle", "/api/v1/openapi.json"} {
		if res := e.do(apiReq{Method: "GET", Path: path}); res.Status != 200 {
			t.Errorf("GET %s without token = %d; want 200", path, res.Status)
		}
	}
}

// TestAPIRegisterLimited: POST /users, past 30 registrations within an
// hour from one client address, answers 429 too_many_requests with
// Retry-After, for a taken email too (no way round the limit to learn which
// emails have accounts), and creates nothing.
func TestAPIRegisterLimited(t *testing.T) {
	e := newEnv(t)
	register := func(email string) *apiResp {
		return e.do(apiReq{Method: "POST", Path: "/api/v1/users",
			Body: apiJSON(map[string]string{"email": email, "name": "Ada", "password": testPassword})})
	}
	for i := range 29 {
		register(fmt.Sprintf("api%d@example.com", i)).want(t, http.StatusCreated, "")
	}
	register("api0@example.com").want(t, http.StatusConflict, "email_taken") // the 30th counts too
	for _, email := range []string{"late@example.com", "api1@example.com"} {
		res := register(email)
		res.want(t, http.StatusTooManyRequests, "too_many_requests")
		if got := res.Header.Get("Retry-After"); got != "3600" {
			t.Errorf("Retry-After = %q; want 3600", got)
		}
	}
	if _, err := e.store.UserByEmail(t.Context(), "late@example.com"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("UserByEmail(refused registration) = %v; want ErrNotFound", err)
	}
}
