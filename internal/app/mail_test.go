package app

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storefront/internal/mail"
	"storefront/internal/mail/mailtest"
)

// TestOpenMailer: without STOREFRONT_SMTP_URL the app's messages go to its
// log; with it, to that SMTP server from STOREFRONT_MAIL_FROM.
func TestOpenMailer(t *testing.T) {
	server := mailtest.Start(t)
	for _, smtpURL := range []string{"", server.URL} {
		var logs bytes.Buffer
		a, err := Open(t.Context(), env(map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"),
			"STOREFRONT_SMTP_URL": smtpURL, "STOREFRONT_MAIL_FROM": "orders@shop.example"}), &logs)
		if err != nil {
			t.Fatal(err)
		}
		link := "http://shop.example/password/reset?token=abc"
		if err := a.Mailer.Send(t.Context(), mail.PasswordReset("Storefront", "a@example.com", link)); err != nil {
			t.Errorf("STOREFRONT_SMTP_URL=%q: send: %v", smtpURL, err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if inLog := strings.Contains(logs.String(), link); inLog != (smtpURL == "") {
			t.Errorf("STOREFRONT_SMTP_URL=%q: the link in the log: %v; want %v", smtpURL, inLog, smtpURL == "")
		}
	}
	got := server.WaitFor(t, 1, 5*time.Second)
	if got[0].From != "orders@shop.example" {
		t.Errorf("sent from %q, want STOREFRONT_MAIL_FROM", got[0].From)
	}
}
