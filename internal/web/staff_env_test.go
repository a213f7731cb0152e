package web

import (
	"net/url"
	"time"

	"storefront/internal/shop"
)

// staffClients is a staff member signed in with both factors, for tests of
// the staff area: Page is a browser (GET/POST /admin/...), Token a bearer
// token for e.do(apiReq{..., Token: st.Token}) (/api/v1/admin/...).
type staffClients struct {
	User   *shop.User
	Secret string // the TOTP secret, for codes (e.totpCode)
	Page   *pageClient
	Token  string
}

// newStaffClients creates the staff account email (password testPassword)
// as `storefront staff add` does, then signs it in the way staff do: the
// browser through /login and /login/code, the API through POST
// /api/v1/tokens with its otp. Each sign-in uses a code of its own time
// step, as codes are single-use.
func (e *testEnv) newStaffClients(email string) *staffClients {
	e.tb.Helper()
	u, secret := e.addStaff(email)
	st := &staffClients{User: u, Secret: secret, Page: e.client()}
	res := e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{
		"email": email, "password": testPassword, "otp": e.totpCode(secret, -totpStep)})})
	res.want(e.tb, 201, "")
	var tok tokenJSON
	res.decode(e.tb, &tok)
	st.Token = tok.Token
	st.Page.login(email, testPassword, "", "/login/code")
	st.Page.post("/login/code", url.Values{"code": {e.totpCode(secret, 0)}}).wantRedirect("/")
	return st
}

// addStaff creates the staff account email (password testPassword) as
// `storefront staff add` does, without signing it in, and returns it and
// its TOTP secret.
func (e *testEnv) addStaff(email string) (*shop.User, string) {
	e.tb.Helper()
	u, key, err := e.svc.AddStaff(e.tb.Context(), shop.CommandLineActor, shop.StaffInput{Email: email, Name: "Sam Staff", Password: testPassword})
	if err != nil {
		e.tb.Fatalf("AddStaff(%s) = %v", email, err)
	}
	return u, key.Secret
}

// totpStep is the lifetime of a second factor code (RFC 6238's step).
const totpStep = 30 * time.Second

// totpCode is the code of secret at the service's clock moved by offset.
func (e *testEnv) totpCode(secret string, offset time.Duration) string {
	e.tb.Helper()
	code, err := shop.TOTPCode(secret, e.clock.Now().Add(offset))
	if err != nil {
		e.tb.Fatalf("TOTPCode = %v", err)
	}
	return code
}

// advance moves the service's clock forward by d (to the next code's time
// step, for example).
func (e *testEnv) advance(d time.Duration) {
	e.clock.mu.Lock()
	defer e.clock.mu.Unlock()
	e.clock.now = e.clock.now.Add(d)
}
