package web

import (
	"net/http"
	"strings"
	"testing"
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
