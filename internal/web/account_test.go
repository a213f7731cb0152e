package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storefront/internal/shop"
)

func TestRegister(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	form := c.get("/register").wantStatus(http.StatusOK)
	form.wantContains(`<label for="email">`, `<label for="password">`, `action="/register"`)
	if c.cookie(cookieCheckName) == "" {
		t.Errorf("GET /register set no %s cookie", cookieCheckName)
	}

	res := c.post("/register", url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {testPassword}, "confirm_password": {testPassword}})
	res.wantRedirect("/")
	if c.cookie(sessionCookiePlain) == "" {
		t.Fatal("registration set no session cookie")
	}
	home := c.get("/").wantStatus(http.StatusOK)
	home.wantText("signed-in-name", "Ada")
	home.wantContains(`action="/logout"`)
	c.get("/account").wantStatus(http.StatusOK).wantContains("ada@example.com")
}

func TestRegisterInvalid(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/register")
	res := c.post("/register", url.Values{"email": {"not-an-email"}, "name": {"Ada <b>"}, "password": {"short pass"}, "confirm_password": {"other"}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("email", "valid email")
	res.wantFieldError("password", "at least 12")
	res.wantFieldError("confirm_password", "do not match")
	if got := res.inputValue("email"); got != "not-an-email" {
		t.Errorf("email value = %q; want it kept", got)
	}
	if got := res.inputValue("name"); got != "Ada &lt;b&gt;" {
		t.Errorf("name value = %q; want it kept, escaped", got)
	}
	res.wantNotContains("short pass", `value="other"`)
	if strings.Contains(res.tag("name"), "aria-invalid") {
		t.Errorf("valid name marked invalid: %s", res.tag("name"))
	}

	// A taken email, in any letter case, is a message at the field.
	c.post("/register", url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {testPassword}, "confirm_password": {testPassword}}).wantRedirect("/")
	other := e.client()
	other.get("/register")
	res = other.post("/register", url.Values{"email": {"ADA@example.com"}, "name": {"Ada"}, "password": {testPassword}, "confirm_password": {testPassword}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("email", "already exists")
	res.wantNotContains(testPassword)
}

func TestLoginFailureIsGeneric(t *testing.T) {
	e := newEnv(t)
	e.client().register("ada@example.com", "Ada")

	c := e.client()
	c.get("/login")
	wrong := c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password 123"}})
	unknown := c.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password 123"}})
	if wrong.Status != http.StatusUnauthorized || unknown.Status != wrong.Status {
		t.Errorf("status wrong password %d, unknown email %d; want both 401", wrong.Status, unknown.Status)
	}
	wrongMsg, _ := wrong.byID("form-error")
	unknownMsg, _ := unknown.byID("form-error")
	if wrongMsg == "" || wrongMsg != unknownMsg {
		t.Errorf("messages %q and %q; want one generic message", wrongMsg, unknownMsg)
	}
	wrong.wantNotContains("wrong password 123")
	if got := wrong.inputValue("email"); got != "ada@example.com" {
		t.Errorf("email value = %q; want it kept", got)
	}
	if c.cookie(sessionCookiePlain) != "" {
		t.Error("a failed sign-in set a session cookie")
	}
}

func TestLoginThrottled(t *testing.T) {
	e := newEnv(t)
	e.client().register("ada@example.com", "Ada")
	c := e.client()
	c.get("/login")
	for range 10 {
		c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"wrong password 123"}}).wantStatus(http.StatusUnauthorized)
	}
	res := c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}})
	res.wantStatus(http.StatusTooManyRequests)
	res.wantContains("Too many sign-in attempts")
}

func TestLoginNext(t *testing.T) {
	e := newEnv(t)
	e.client().register("ada@example.com", "Ada")
	for _, tc := range []struct{ next, want string }{
		{"", "/"},
		{"/checkout", "/checkout"},
		{"/orders?x=1", "/orders?x=1"},
		{"//evil.example", "/"},
		{`/\evil.example`, "/"},
		{"https://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
	} {
		t.Run(tc.next, func(t *testing.T) {
			e.client().login("ada@example.com", testPassword, tc.next, tc.want)
		})
	}
	// The form carries a local next on, and drops a foreign one.
	c := e.client()
	c.get("/login?next=/checkout").wantContains(`name="next" value="/checkout"`, `href="/register?next=/checkout"`)
	c.get("/login?next=//evil.example").wantNotContains("evil.example")
}

func TestLoginRenewsSessionAndMergesGuestCart(t *testing.T) {
	e := newEnv(t)
	owner := e.client()
	owner.register("ada@example.com", "Ada")
	owner.addToCart("kettle", 1)

	guest := e.client()
	guest.addToCart("mug", 2)
	guest.addToCart("kettle", 1)
	guestCookie := guest.cookie(sessionCookiePlain)
	if guestCookie == "" {
		t.Fatal("adding to the cart set no guest session cookie")
	}
	guest.login("ada@example.com", testPassword, "", "/")
	if got := guest.cookie(sessionCookiePlain); got == "" || got == guestCookie {
		t.Errorf("session cookie after sign-in %q; want a new one (was %q)", got, guestCookie)
	}
	cart := guest.get("/cart").wantStatus(http.StatusOK)
	cart.wantText("cart-count", "4")
	cart.wantText("cart-subtotal", "$103.00") // 2 kettles at $39.00 and 2 mugs at $12.50

	// The guest session ended: its cookie is worth nothing now.
	old := e.client()
	u, _ := url.Parse(e.srv.URL)
	old.hc.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookiePlain, Value: guestCookie}})
	old.get("/cart").wantStatus(http.StatusOK).wantText("cart-count", "0")
}

func TestLogoutRevokesSession(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	token := c.cookie(sessionCookiePlain)
	c.post("/logout", nil).wantRedirect("/")
	if got := c.cookie(sessionCookiePlain); got != "" {
		t.Errorf("session cookie after sign-out = %q; want it cleared", got)
	}
	c.get("/account").wantRedirect("/login?next=/account")

	// Replaying the old cookie does not bring the session back.
	replay := e.client()
	u, _ := url.Parse(e.srv.URL)
	replay.hc.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookiePlain, Value: token}})
	res := replay.get("/orders")
	res.wantRedirect("/login?next=/orders")
	if !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("Set-Cookie = %q; want the dead cookie cleared", res.Header.Get("Set-Cookie"))
	}
}

func TestCookiesBlocked(t *testing.T) {
	e := newEnv(t)
	e.client().register("ada@example.com", "Ada")

	// Signing in: the session cookie never comes back, and the sign-in
	// page says why, once.
	c := e.cookielessClient()
	c.get("/login").wantStatus(http.StatusOK)
	res := c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "next": {"/checkout"}})
	res.wantRedirect("/login?cookies=1&next=%2Fcheckout")
	page := c.follow(res).wantStatus(http.StatusBadRequest)
	page.wantText("form-error", "Signing in needs cookies. Please allow cookies for this site and try again.")
	page.wantContains(`name="next" value="/checkout"`)

	// Registering says the same and that the account exists.
	res = c.post("/register", url.Values{"email": {"bo@example.com"}, "name": {"Bo"}, "password": {testPassword}, "confirm_password": {testPassword}})
	page = c.follow(res).wantStatus(http.StatusBadRequest)
	page.wantContains("Signing in needs cookies", "Your account was created")

	// A browser that keeps cookies but posted without any (a script, say)
	// is signed in and passes the check.
	jarred := e.client()
	res = jarred.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}})
	jarred.follow(res).wantRedirect("/")

	// Adding to the cart: the cart page explains the empty cart.
	res = c.post("/cart/items", url.Values{"product_id": {"kettle"}, "quantity": {"1"}})
	res.wantRedirect("/cart?added=1")
	cart := c.follow(res).wantStatus(http.StatusOK)
	cart.wantContains("Your cart needs cookies", "Your cart is empty")
	c.get("/cart").wantStatus(http.StatusOK).wantNotContains("Your cart needs cookies")
}

func TestAccountPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/account").wantRedirect("/login?next=/account")
	c.post("/account/name", url.Values{"name": {"X"}}).wantRedirect("/login?next=/account")
	c.register("ada@example.com", "Ada")

	res := c.post("/account/name", url.Values{"name": {""}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("name", "Enter your name")
	c.post("/account/name", url.Values{"name": {"Ada Lovelace"}}).wantRedirect("/account?updated=name")
	c.get("/account?updated=name").wantContains("Your name is saved.").wantText("signed-in-name", "Ada Lovelace")

	res = c.post("/account/password", url.Values{"current_password": {"not my password"}, "new_password": {"x"}, "confirm_password": {"y"}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("current_password", "not correct")
	res.wantFieldError("new_password", "at least 12")
	res.wantFieldError("confirm_password", "do not match")
	res.wantNotContains("not my password")

	other := e.client() // a second device, signed out by the change
	other.login("ada@example.com", testPassword, "", "/")
	before := c.cookie(sessionCookiePlain)
	const newPassword = "a different long passphrase"
	c.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}).
		wantRedirect("/account?updated=password")
	if after := c.cookie(sessionCookiePlain); after == "" || after == before {
		t.Errorf("session cookie after password change %q; want a new one", after)
	}
	c.get("/account").wantStatus(http.StatusOK)
	other.get("/account").wantRedirect("/login?next=/account")
	e.client().login("ada@example.com", newPassword, "", "/")
}

// TestRegisterLimitedPerAddress: past 30 registrations within an hour from
// one client address, the form is shown again with 429, the values kept
// and Retry-After, and no account is made; another address (as the
// trusted proxy tells it) still registers.
func TestRegisterLimitedPerAddress(t *testing.T) {
	e := newEnv(t, withConfig(Config{TrustProxy: true}))
	c := e.client()
	for i := range 30 {
		c.register(fmt.Sprintf("shopper%d@example.com", i), "Ada")
	}
	c.get("/register")
	late := url.Values{"email": {"late@example.com"}, "name": {"Late Comer"}, "password": {testPassword}, "confirm_password": {testPassword}}
	res := c.post("/register", late)
	res.wantStatus(http.StatusTooManyRequests)
	res.wantContains("Too many accounts were created from your network")
	if got := res.Header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After = %q; want 3600 (the hour of the limit)", got)
	}
	if got := res.inputValue("email"); got != "late@example.com" {
		t.Errorf("email value = %q; want it kept", got)
	}
	res.wantNotContains(testPassword)
	if _, err := e.store.UserByEmail(t.Context(), "late@example.com"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("UserByEmail(refused registration) = %v; want ErrNotFound", err)
	}
	r, err := http.NewRequest(http.MethodPost, e.srv.URL+"/register", strings.NewReader(late.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Forwarded-For", "198.51.100.20")
	c.do(r).wantStatus(http.StatusSeeOther)
}

// TestPasswordChangeThrottled: the current password at a password change
// is guessed no more often than at sign-in: after 10 wrong ones the right
// one is refused with 429 (and sign-in too), and the password stays.
func TestPasswordChangeThrottled(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	const newPassword = "a different long passphrase"
	for i := range shop.AccountFailureLimit {
		res := c.post("/account/password", url.Values{"current_password": {fmt.Sprintf("guess number %d", i)},
			"new_password": {newPassword}, "confirm_password": {newPassword}})
		res.wantStatus(http.StatusUnprocessableEntity)
		res.wantFieldError("current_password", "not correct")
	}
	res := c.post("/account/password", url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}})
	res.wantStatus(http.StatusTooManyRequests)
	res.wantContains("Too many")
	if got := res.Header.Get("Retry-After"); got != "900" {
		t.Errorf("Retry-After = %q; want 900 (the 15-minute lock)", got)
	}
	res.wantNotContains(testPassword, newPassword)
	c.get("/account").wantStatus(http.StatusOK) // still signed in, nothing changed
	other := e.client()
	other.get("/login")
	other.post("/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}}).wantStatus(http.StatusTooManyRequests)
	other.post("/login", url.Values{"email": {"ada@example.com"}, "password": {newPassword}}).wantStatus(http.StatusTooManyRequests)
}
