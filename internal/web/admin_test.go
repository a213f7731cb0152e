package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"storefront/internal/shop"
)

func TestStaffSignInReachesDashboard(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	res := st.Page.get("/admin")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "Staff area") {
		t.Fatalf("GET /admin as staff = %d; want 200 with the dashboard\n%s", res.Status, res.Body)
	}
	if !strings.Contains(st.Page.get("/").Body, `href="/admin"`) {
		t.Errorf("the layout of a staff member's page has no link to /admin")
	}
	if got := e.client().get("/admin").Status; got != http.StatusNotFound {
		t.Errorf("GET /admin as a guest = %d; want 404", got)
	}
}

// TestStaffPage: the staff list; adding a staff member and resetting
// another's second factor each ask for one's own password again and show
// the new setup key once; the new key works, the old one no more.
func TestStaffPage(t *testing.T) {
	e := newEnv(t)
	sam := e.newStaffClients("sam@example.com")
	bea := e.newStaffClients("bea@example.com")
	list := sam.Page.get("/admin/staff").wantStatus(http.StatusOK)
	list.wantContains(`data-user-id="`+sam.User.ID+`"`, `href="/admin/staff/`+bea.User.ID+`/reset"`)
	if strings.Contains(list.Body, `href="/admin/staff/`+sam.User.ID+`/reset"`) {
		t.Error("the staff list offers to reset one's own second factor")
	}

	sam.Page.get("/admin/staff/new").wantStatus(http.StatusOK)
	add := url.Values{"email": {"cy@example.com"}, "name": {"Cy"}, "password": {"a fresh start passphrase"}, "current_password": {"not my password"}}
	res := sam.Page.post("/admin/staff/new", add).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("current_password", "not correct")
	if res.inputValue("email") != "cy@example.com" || strings.Contains(res.Body, "a fresh start passphrase") {
		t.Errorf("the refused form lost the email or wrote a password back\n%s", res.Body)
	}
	add.Set("current_password", testPassword)
	add.Set("email", "BEA@example.com")
	sam.Page.post("/admin/staff/new", add).wantStatus(http.StatusUnprocessableEntity).wantFieldError("email", "")
	add.Set("email", "cy@example.com")
	created := sam.Page.post("/admin/staff/new", add).wantStatus(http.StatusOK)
	cyKey, ok := created.byID("totp-key")
	if !ok || !qrPattern.MatchString(created.Body) {
		t.Fatalf("adding staff did not show the setup key and its QR code\n%s", created.Body)
	}
	e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": "cy@example.com",
		"password": "a fresh start passphrase", "otp": e.totpCode(cyKey, 0)})}).want(t, 201, "")

	sam.Page.get("/admin/staff/" + bea.User.ID + "/reset").wantStatus(http.StatusOK).wantContains("bea@example.com")
	sam.Page.post("/admin/staff/"+bea.User.ID+"/reset", url.Values{"current_password": {"not my password"}}).
		wantStatus(http.StatusUnprocessableEntity).wantFieldError("current_password", "not correct")
	sam.Page.post("/admin/staff/"+sam.User.ID+"/reset", url.Values{"current_password": {testPassword}}).
		wantStatus(http.StatusUnprocessableEntity).wantContains("Ask another staff member")
	sam.Page.post("/admin/staff/u-nobody/reset", url.Values{"current_password": {testPassword}}).wantStatus(http.StatusNotFound)
	reset := sam.Page.post("/admin/staff/"+bea.User.ID+"/reset", url.Values{"current_password": {testPassword}}).wantStatus(http.StatusOK)
	newKey, _ := reset.byID("totp-key")
	if newKey == "" || newKey == bea.Secret {
		t.Fatalf("the reset showed key %q; want a new one", newKey)
	}
	if got := bea.Page.get("/admin").Status; got != http.StatusNotFound {
		t.Errorf("bea's session after the reset: GET /admin = %d; want 404 (signed out)", got)
	}
	e.do(apiReq{Method: "GET", Path: "/api/v1/me", Token: bea.Token}).want(t, 401, "unauthorized")
	e.do(apiReq{Method: "POST", Path: "/api/v1/tokens", Body: apiJSON(map[string]string{"email": "bea@example.com",
		"password": testPassword, "otp": e.totpCode(newKey, 0)})}).want(t, 201, "")

	entries, err := e.store.AuditLog(t.Context(), shop.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range entries {
		if a.ActorID == sam.User.ID {
			seen[a.Action] = true
		}
		if strings.Contains(a.Before+a.After, newKey) || strings.Contains(a.Before+a.After, cyKey) {
			t.Errorf("audit entry %s holds a setup key", a.Action)
		}
	}
	if !seen[shop.AuditStaffAdd] || !seen[shop.AuditStaffTOTPReset] {
		t.Errorf("audit actions by sam: %v; want %s and %s", seen, shop.AuditStaffAdd, shop.AuditStaffTOTPReset)
	}
}
