package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

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
	const otherPassword = "another long passphrase 77"
	res = other.post("/register", url.Values{"email": {"ADA@example.com"}, "name": {"Ada"}, "password": {otherPassword}, "confirm_password": {otherPassword}})
	res.wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("email", "already exists")
	res.wantNotContains(otherPassword)
}

// TestRegisterFormPostedTwice: a double-clicked "Create account" whose
// first answer the browser dropped (with its session cookie) signs in to
// the account the first click created, instead of saying the email is
// taken to a shopper left signed out. Only the same password does, only
// shortly after the account was created, and only through the sign-in's
// checks.
func TestRegisterFormPostedTwice(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {testPassword}, "confirm_password": {testPassword}}
	first := e.client()
	first.get("/register")
	first.post("/register", form).wantRedirect("/")

	second := e.client() // the browser without the first answer's cookie
	second.get("/register")
	second.post("/register", form).wantRedirect("/")
	second.get("/").wantText("signed-in-name", "Ada")
	first.get("/account").wantStatus(http.StatusOK) // both sessions live, as two sign-ins

	wrong := url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {"another long passphrase 77"}, "confirm_password": {"another long passphrase 77"}}
	third := e.client()
	third.get("/register")
	third.post("/register", wrong).wantStatus(http.StatusUnprocessableEntity).wantFieldError("email", "already exists")
	third.get("/account").wantRedirect("/login?next=/account")

	e.advance(3 * time.Minute) // past the window: the email is taken, as for anyone
	third.post("/register", form).wantStatus(http.StatusUnprocessableEntity).wantFieldError("email", "already exists")
	third.get("/account").wantRedirect("/login?next=/account")
}

// TestLoginEmptyFields: a sign-in form with a field left empty says so at
// the field (422), as any other form, instead of "the email or password is
// not correct"; no failure is counted for it.
func TestLoginEmptyFields(t *testing.T) {
	e := newEnv(t)
	e.client().register("ada@example.com", "Ada")
	c := e.client()
	c.get("/login")
	res := c.post("/login", url.Values{"email": {""}, "password": {""}}).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("email", "Enter your email address")
	res.wantFieldError("password", "Enter your password")
	res = c.post("/login", url.Values{"email": {"ada@example.com"}, "password": {""}}).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("password", "Enter your password")
	if got := res.inputValue("email"); got != "ada@example.com" {
		t.Errorf("email = %q; want it kept", got)
	}
	c.login("ada@example.com", testPassword, "", "/")
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

// TestLoginSaysWhatTheCartMergeLeftOut: a guest's products that do not
// all fit into the account's cart (here the stock: the account holds both
// mugs there are) are named on the next cart or checkout page, once; the
// sign-in still leads where the shopper was going.
func TestLoginSaysWhatTheCartMergeLeftOut(t *testing.T) {
	e := newEnv(t)
	owner := e.client()
	owner.register("ada@example.com", "Ada")
	owner.addToCart("mug", 2) // the whole stock

	guest := e.client()
	guest.addToCart("mug", 1)
	guest.addToCart("kettle", 1)
	guest.login("ada@example.com", testPassword, "/checkout", "/checkout")
	page := guest.get("/checkout").wantStatus(http.StatusOK)
	page.wantContains(`id="not-merged"`, "<strong>Stoneware Mug</strong>")
	guest.get("/checkout").wantStatus(http.StatusOK).wantNotContains(`id="not-merged"`) // once
	guest.get("/cart").wantText("cart-count", "3")                                      // 2 mugs and the kettle

	again := e.client()
	again.addToCart("mug", 1)
	again.login("ada@example.com", testPassword, "", "/")
	again.get("/cart").wantStatus(http.StatusOK).wantContains(`id="not-merged"`, "<strong>Stoneware Mug</strong>")

	fits := e.client()
	fits.addToCart("kettle", 1)
	fits.login("ada@example.com", testPassword, "/checkout", "/checkout")
	fits.get("/checkout").wantStatus(http.StatusOK).wantNotContains(`id="not-merged"`)
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

// TestCredentialInputsAutocomplete checks every password and email input of
// the shop's pages: the autocomplete token password managers need
// (current-password, new-password, email), and forms that post passwords
// with method post (ASVS V2.1.11, V8.3.1).
func TestCredentialInputsAutocomplete(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("auto@example.com")
	want := map[string]map[string]string{
		"/login":    {"email": "email", "password": "current-password"},
		"/register": {"email": "email", "password": "new-password", "confirm_password": "new-password"},
		"/account":  {"current_password": "current-password", "new_password": "new-password", "confirm_password": "new-password"},
	}
	inputs := regexp.MustCompile(`<input\b[^>]*>`)
	attr := func(tag, name string) string {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return m[1]
	}
	for _, path := range []string{"/login", "/register", "/account", "/checkout", "/cart", "/products", "/products/kettle"} {
		w := e.send(rawReq{method: "GET", target: path, cookie: cookie})
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, w.Code)
		}
		body := w.Body.String()
		seen := map[string]bool{}
		for _, tag := range inputs.FindAllString(body, -1) {
			typ, name := attr(tag, "type"), attr(tag, "name")
			if typ != "password" && typ != "email" {
				continue
			}
			seen[name] = true
			if got, ok := want[path][name]; !ok || attr(tag, "autocomplete") != got {
				t.Errorf("%s: %s; want autocomplete=%q", path, tag, want[path][name])
			}
			if typ == "password" && strings.Contains(tag, "value=") {
				t.Errorf("%s: %s writes a password back", path, tag)
			}
		}
		for name := range want[path] {
			if !seen[name] {
				t.Errorf("%s: no %s input", path, name)
			}
		}
		for _, form := range regexp.MustCompile(`(?s)<form\b[^>]*>.*?</form>`).FindAllString(body, -1) {
			if strings.Contains(form, `type="password"`) && !strings.HasPrefix(form, `<form method="post"`) {
				t.Errorf("%s: a password form does not post: %.80s", path, form)
			}
		}
	}
}

// TestAuthenticationEventsLogged drives sign-up, sign-in success and
// failure, lock-out, throttling, password change and API tokens through the
// server with the log captured: each event is logged with its request id,
// and no log line holds a password, a session cookie, a bearer token, a
// password hash or an email (ASVS V7.1.1, V7.1.2, V7.2.1).
func TestAuthenticationEventsLogged(t *testing.T) {
	e := newEnv(t)

	const wrong, newPassword = "wrong guess of mine", "a fresh passphrase here"
	cookie := e.register("logged@example.com")
	secrets := []string{testPassword, wrong, newPassword, cookie, "$argon2id", "logged@example.com", "locked@example.com"}
	login := func(email, pw string) *httptest.ResponseRecorder {
		w := e.send(rawReq{method: "POST", target: "/login", form: url.Values{"email": {email}, "password": {pw}}})
		if c := cookieValue(w, sessionCookiePlain); c != "" {
			secrets = append(secrets, c)
		}
		return w
	}
	login("logged@example.com", testPassword)
	login("logged@example.com", wrong)
	e.register("locked@example.com")
	for range shop.AccountFailureLimit {
		login("locked@example.com", wrong)
	}
	if w := login("locked@example.com", testPassword); w.Code != http.StatusTooManyRequests {
		t.Fatalf("sign-in after the limit = %d; want 429", w.Code)
	}
	w := e.send(rawReq{method: "POST", target: "/account/password", cookie: cookie,
		form: url.Values{"current_password": {testPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("password change = %d %s", w.Code, w.Body)
	}
	secrets = append(secrets, cookieValue(w, sessionCookiePlain))
	token := e.token("logged@example.com", newPassword)
	secrets = append(secrets, token)
	e.send(rawReq{method: "POST", target: "/api/v1/tokens", json: apiJSON(map[string]string{"email": "logged@example.com", "password": wrong})})
	e.send(rawReq{method: "GET", target: "/api/v1/me", token: token})
	e.send(rawReq{method: "DELETE", target: "/api/v1/tokens/current", token: token})

	logs := e.logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
	}
	events := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec struct {
			Msg       string `json:"msg"`
			RequestID string `json:"request_id"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.RequestID == "" {
			t.Errorf("log line without request id: %s", line)
		}
		events[rec.Msg]++
	}
	for msg, min := range map[string]int{"account registered": 2, "signed in": 2, "sign-in failed": 1 + shop.AccountFailureLimit + 1,
		"sign-in locked": 1, "sign-in throttled": 1, "password changed": 1} {
		if events[msg] < min {
			t.Errorf("%d log lines %q; want at least %d\n%s", events[msg], msg, min, logs)
		}
	}
}

// TestAccountEventsLoggedForInvestigation: sign-in failures, locks and
// failed current-password checks are logged with the client address (the
// one the trusted proxy reported) and the account's id when the email is
// an account's; never a password, a token, nor an email.
func TestAccountEventsLoggedForInvestigation(t *testing.T) {
	e := newEnv(t, withConfig(Config{TrustProxy: true}))
	const client = "198.51.100.23"
	viaProxy := map[string]string{"X-Forwarded-For": "203.0.113.99, " + client}
	cookie := e.register("known@example.com")
	u, err := e.store.UserByEmail(t.Context(), "known@example.com")
	if err != nil {
		t.Fatal(err)
	}
	login := func(email, pw string) {
		e.send(rawReq{method: "POST", target: "/login", form: url.Values{"email": {email}, "password": {pw}}, header: viaProxy})
	}
	login("stranger@example.com", "wrong guess of mine")
	e.send(rawReq{method: "POST", target: "/api/v1/tokens", header: viaProxy,
		json: apiJSON(map[string]string{"email": "known@example.com", "password": "wrong guess of mine"})})
	e.send(rawReq{method: "POST", target: "/account/password", cookie: cookie, header: viaProxy,
		form: url.Values{"current_password": {"wrong guess of mine"}, "new_password": {"a fresh passphrase here"}, "confirm_password": {"a fresh passphrase here"}}})
	for range shop.AccountFailureLimit {
		login("known@example.com", "wrong guess of mine")
	}
	login("known@example.com", testPassword)

	type record struct {
		Msg        string `json:"msg"`
		ClientAddr string `json:"client_addr"`
		UserID     string `json:"user_id"`
	}
	var records []record
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var rec record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		records = append(records, rec)
	}
	find := func(msg, userID string) bool {
		return slices.ContainsFunc(records, func(r record) bool {
			return r.Msg == msg && r.ClientAddr == client && r.UserID == userID
		})
	}
	for _, want := range []struct{ msg, userID string }{
		{"sign-in failed", ""},   // the unknown email: no account, no email
		{"sign-in failed", u.ID}, // the API's and the form's
		{"password change: current password wrong", u.ID},
		{"sign-in locked", u.ID},
		{"sign-in throttled", u.ID},
	} {
		if !find(want.msg, want.userID) {
			t.Errorf("no %q line with client_addr %s and user_id %q:\n%s", want.msg, client, want.userID, e.logs)
		}
	}
	for _, secret := range []string{"wrong guess of mine", testPassword, "a fresh passphrase here", cookie, "stranger@example.com", "known@example.com", "203.0.113.99"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("the log holds %q; want no password, token, email nor forged address", secret)
		}
	}
}
