package app

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"storefront/internal/mail/mailtest"
)

// TestPasswordResetBySMTP follows a password reset end to end through the
// wired program: the app's handler mails the link from STOREFRONT_MAIL_FROM
// to a real SMTP server in the test, the link (on STOREFRONT_SHOP_URL, in
// the plain-text body and in the HTML) opens the form, and the new
// password signs in.
func TestPasswordResetBySMTP(t *testing.T) {
	server := mailtest.Start(t)
	var logs bytes.Buffer
	a, err := Open(t.Context(), env(map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"STOREFRONT_SMTP_URL": server.URL, "STOREFRONT_MAIL_FROM": "shop@shop.example", "STOREFRONT_SHOP_URL": "https://shop.example"}), &logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		r, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	const oldPassword, newPassword = "correct horse battery staple", "a fresh passphrase for the spring"
	if res := post("/register", url.Values{"email": {"ada@example.com"}, "name": {"Ada"}, "password": {oldPassword},
		"confirm_password": {oldPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d", res.StatusCode)
	}
	if res := post("/password/forgot", url.Values{"email": {"ada@example.com"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("forgot: %d", res.StatusCode)
	}
	got := server.WaitFor(t, 1, 10*time.Second)
	if got[0].From != "shop@shop.example" || len(got[0].To) != 1 || got[0].To[0] != "ada@example.com" {
		t.Errorf("envelope from %q to %v", got[0].From, got[0].To)
	}
	msg, err := got[0].Parse()
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`https://shop\.example(/password/reset\?token=[A-Za-z0-9_-]+)`).FindStringSubmatch(msg.Text)
	if link == nil {
		t.Fatalf("no reset link in the text:\n%s", msg.Text)
	}
	if !strings.Contains(msg.HTML, `href="`+link[0]+`"`) || msg.Subject != "Storefront: reset your password" {
		t.Errorf("subject %q, HTML lacks the link:\n%s", msg.Subject, msg.HTML)
	}
	if res := post(link[1], url.Values{"password": {newPassword}, "confirm_password": {newPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	if token := strings.TrimPrefix(link[1], "/password/reset?token="); strings.Contains(logs.String(), token) {
		t.Error("the log shows the link's token")
	}
	if _, err := a.Service.Authenticate(t.Context(), "ada@example.com", newPassword, ""); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
}
