package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// resetLink asks for a reset link of email through the form and returns
// the path of the link mailed (the test mailer keeps its token), or ""
// when none was mailed.
func (c *pageClient) resetLink(email string) string {
	c.t.Helper()
	before := len(c.env.mailer.Sent())
	c.get("/password/forgot").wantStatus(http.StatusOK)
	c.post("/password/forgot", url.Values{"email": {email}}).wantRedirect("/password/forgot?sent=1")
	c.env.svc.WaitForMail()
	sent := c.env.mailer.Sent()[before:]
	switch len(sent) {
	case 0:
		return ""
	case 1:
		if sent[0].To != strings.ToLower(strings.TrimSpace(email)) {
			c.t.Errorf("link mailed to %q; want %q", sent[0].To, email)
		}
		return "/password/reset?" + url.Values{"token": {sent[0].Token}}.Encode()
	}
	c.t.Fatalf("%d links mailed for one request", len(sent))
	return ""
}

// TestPasswordResetFlow: from the sign-in page's link to a new password
// through the mailed link: the same answer for an unknown address, the
// form kept at 422, the new password set once, every session and token of
// the account ended, the old password refused, the link refused again.
func TestPasswordResetFlow(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	apiToken := e.token("ada@example.com", testPassword)
	other := e.client()

	c.get("/login").wantContains(`href="/password/forgot"`)
	res := other.post("/password/forgot", url.Values{"email": {"not an email"}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("email", "")
	if got := res.inputValue("email"); got != "not an email" {
		t.Errorf("email value = %q; want it kept", got)
	}
	if link := other.resetLink("nobody@example.com"); link != "" {
		t.Errorf("a link was mailed for an unknown address: %s", link)
	}
	other.get("/password/forgot?sent=1").wantContains(resetSentNotice)

	link := other.resetLink(" ADA@example.com")
	if link == "" {
		t.Fatal("no link mailed for the account")
	}
	form := other.get(link).wantStatus(http.StatusOK)
	if got := form.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q; want no-referrer (the token is in the address)", got)
	}
	const newPassword = "a fresh passphrase for the spring"
	res = other.post(link, url.Values{"password": {"short"}, "confirm_password": {"other"}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("password", "at least 12")
	res.wantFieldError("confirm_password", "do not match")
	res.wantNotContains(`value="short"`)
	res = other.post(link, url.Values{"password": {newPassword}, "confirm_password": {newPassword}})
	res.wantRedirect("/login?password_reset=1")
	other.follow(res).wantContains("Your password was changed")

	c.get("/account").wantRedirect("/login?next=/account") // the session of the registration ended
	e.do(apiReq{Method: "GET", Path: "/api/v1/me", Token: apiToken}).want(t, http.StatusUnauthorized, "unauthorized")
	res = other.post(link, url.Values{"password": {newPassword + "!"}, "confirm_password": {newPassword + "!"}})
	res.wantStatus(http.StatusBadRequest)
	res.wantContains("This link no longer works", `href="/password/forgot"`)
	other.get(link).wantStatus(http.StatusBadRequest)

	fresh := e.client()
	fresh.get("/login")
	fresh.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}).wantStatus(http.StatusUnauthorized)
	fresh.login("ada@example.com", newPassword, "", "/")
}

// TestPasswordResetLinkExpires: the link works for 30 minutes on the
// service's clock, then the page says it no longer works, and the
// password stays.
func TestPasswordResetLinkExpires(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	link := e.client().resetLink("ada@example.com")
	e.advance(shop.PasswordResetLifetime - time.Minute)
	c.get(link).wantStatus(http.StatusOK)
	e.advance(time.Minute)
	const newPassword = "a fresh passphrase for the spring"
	res := c.post(link, url.Values{"password": {newPassword}, "confirm_password": {newPassword}})
	res.wantStatus(http.StatusBadRequest)
	res.wantContains("This link no longer works")
	e.client().login("ada@example.com", testPassword, "", "/")
}

// TestPasswordResetRequestsThrottled: the same answer for an account's
// fourth request within the hour, without a mail; past the client
// address's limit, 429 with Retry-After and the address kept.
func TestPasswordResetRequestsThrottled(t *testing.T) {
	e := newEnv(t)
	e.client().register("ada@example.com", "Ada")
	c := e.client()
	for i := range shop.ResetAccountLimit {
		if c.resetLink("ada@example.com") == "" {
			t.Fatalf("request %d mailed nothing", i+1)
		}
	}
	if link := c.resetLink("ada@example.com"); link != "" {
		t.Errorf("over the account's limit a link was mailed")
	}
	for range shop.ResetAddressLimit - shop.ResetAccountLimit - 1 {
		c.post("/password/forgot", url.Values{"email": {"someone@example.com"}}).wantStatus(http.StatusSeeOther)
	}
	res := c.post("/password/forgot", url.Values{"email": {"late@example.com"}})
	res.wantStatus(http.StatusTooManyRequests)
	res.wantContains("Too many password reset requests")
	if retry, kept := res.Header.Get("Retry-After"), res.inputValue("email"); retry != "3600" || kept != "late@example.com" {
		t.Errorf("Retry-After %q, email value %q; want 3600 (the hour of the limit) and the address kept", retry, kept)
	}
	e.svc.WaitForMail()
}
