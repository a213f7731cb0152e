package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestLoginCodePage: the password step of a second factor account leads to
// /login/code, whose session grants nothing; a wrong code is the form again
// (401, the field's message wired to it); the right one signs in and
// sends the browser on to next, keeping the guest cart.
func TestLoginCodePage(t *testing.T) {
	e := newEnv(t)
	_, secret := e.addStaff("sam@example.com")
	c := e.client()
	c.get("/login/code").wantRedirect("/login")
	c.addToCart("mug", 1)
	c.login("sam@example.com", testPassword, "/orders", "/login/code?next=/orders")
	if res := c.get("/orders"); res.Status != http.StatusSeeOther {
		t.Errorf("GET /orders before the code = %d; want 303 to the sign-in page (the session grants nothing)", res.Status)
	}
	form := c.get("/login/code?next=/orders").wantStatus(http.StatusOK)
	form.wantContains(`name="code"`, `autocomplete="one-time-code"`)
	res := c.post("/login/code", url.Values{"code": {e.totpCode(secret, -time.Hour)}, "next": {"/orders"}})
	res.wantStatus(http.StatusUnauthorized)
	res.wantFieldError("code", "not right")
	c.post("/login/code", url.Values{"code": {e.totpCode(secret, 0)}, "next": {"/orders"}}).wantRedirect("/orders")
	c.get("/orders").wantStatus(http.StatusOK)
	cart := c.get("/cart")
	cart.wantContains(`data-product-id="mug"`)
	c.get("/login/code").wantRedirect("/login")
}

// TestLoginCodeThrottled: wrong codes count as failed sign-ins; at the
// limit the code form answers 429 even to the right code.
func TestLoginCodeThrottled(t *testing.T) {
	e := newEnv(t)
	_, secret := e.addStaff("sam@example.com")
	c := e.client()
	c.login("sam@example.com", testPassword, "", "/login/code")
	for range shop.AccountFailureLimit {
		c.post("/login/code", url.Values{"code": {e.totpCode(secret, -time.Hour)}}).wantStatus(http.StatusUnauthorized)
	}
	res := c.post("/login/code", url.Values{"code": {e.totpCode(secret, 0)}})
	res.wantStatus(http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

func TestAPITokenNeedsTheCode(t *testing.T) {
	e := newEnv(t)
	_, secret := e.addStaff("sam@example.com")
	tokens := func(otp string) *apiResp {
		return e.do(apiReq{Method: "POST", Path: "/api/v1/tokens",
			Body: apiJSON(map[string]string{"email": "sam@example.com", "password": testPassword, "otp": otp})})
	}
	tokens("").want(t, 401, "invalid_credentials")
	tokens(e.totpCode(secret, -time.Hour)).want(t, 401, "invalid_credentials")
	code := e.totpCode(secret, 0)
	res := tokens(code)
	res.want(t, 201, "")
	tokens(code).want(t, 401, "invalid_credentials")
	var tok tokenJSON
	res.decode(t, &tok)
	e.do(apiReq{Method: "GET", Path: "/api/v1/me", Token: tok.Token}).want(t, 200, "")
}

// qrPattern finds the inline QR code: an <svg> drawn on the server.
var qrPattern = regexp.MustCompile(`<svg [^>]*role="img"[^>]*><rect [^>]*/><path d="(M\d+ \d+h1v1h-1z)+" fill="#000"/></svg>`)

// TestCustomerSecondFactorPages: a customer turns two-step sign-in on (the
// setup key shown as text and as an inline QR code; a wrong code is the
// page again with the same key), signs in with a code, and turns it off
// with password and code.
func TestCustomerSecondFactorPages(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	page := c.get("/account/second-factor").wantStatus(http.StatusOK)
	if !qrPattern.MatchString(page.Body) {
		t.Errorf("the enrolment page has no inline QR code\n%s", page.Body)
	}
	key := page.hiddenValue("key")
	page.wantText("totp-key", key)
	// A phone cannot scan the QR code it shows: the key is also a link for its app.
	page.wantContains(`id="totp-setup-link"`, `href="otpauth://totp/`, "secret="+key)
	res := c.post("/account/second-factor", url.Values{"key": {key}, "current_password": {testPassword}, "code": {e.totpCode(key, -time.Hour)}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("code", "not right")
	if again := res.hiddenValue("key"); again != key {
		t.Errorf("the refused enrolment shows key %q; want the same %q", again, key)
	}
	res = c.post("/account/second-factor", url.Values{"key": {key}, "current_password": {"not my password"}, "code": {e.totpCode(key, 0)}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("current_password", "not correct")
	c.post("/account/second-factor", url.Values{"key": {key}, "current_password": {testPassword}, "code": {e.totpCode(key, 0)}}).
		wantRedirect("/account?updated=second-factor")
	c.post("/logout", nil)
	c.login("ada@example.com", testPassword, "", "/login/code")
	c.post("/login/code", url.Values{"code": {e.totpCode(key, totpStep)}}).wantRedirect("/")
	e.advance(2 * totpStep) // the code of the sign-in is used up
	off := c.get("/account/second-factor").wantStatus(http.StatusOK)
	off.wantContains(`action="/account/second-factor/remove"`)
	res = c.post("/account/second-factor/remove", url.Values{"current_password": {"not my password"}, "code": {e.totpCode(key, 0)}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("current_password", "not correct")
	c.post("/account/second-factor/remove", url.Values{"current_password": {testPassword}, "code": {e.totpCode(key, 0)}}).
		wantRedirect("/account?updated=second-factor-off")
	c.post("/logout", nil)
	c.login("ada@example.com", testPassword, "", "/")
	if !strings.Contains(c.get("/account/second-factor").Body, `name="key"`) {
		t.Error("after turning it off, the page does not offer to set it up again")
	}
}
