package shop_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// resetFixture is a service over a store in memory that mails reset
// links to mailer, logging to logs.
type resetFixture struct {
	*fixture
	mailer *shoptest.Mailer
	logs   *bytes.Buffer
}

func newResetFixture(t *testing.T) *resetFixture {
	t.Helper()
	f := &resetFixture{fixture: newFixture(t), mailer: &shoptest.Mailer{}, logs: &bytes.Buffer{}}
	params := cheapHashing
	// The fixture's store and clock, under a service that mails and logs.
	f.svc = shop.NewService(f.store, shop.Config{PasswordParams: &params, Now: f.clock.Now, Mailer: f.mailer,
		Logger: slog.New(slog.NewJSONHandler(f.logs, nil))})
	return f
}

// requestLink asks for a link to email and returns the secrets mailed
// since the last call's.
func (f *resetFixture) requestLink(t *testing.T, email string) []string {
	t.Helper()
	before := len(f.mailer.Sent())
	if err := f.svc.RequestPasswordReset(t.Context(), email); err != nil {
		t.Fatalf("RequestPasswordReset(%s) = %v", email, err)
	}
	f.svc.WaitForMail()
	var tokens []string
	for _, m := range f.mailer.Sent()[before:] {
		tokens = append(tokens, m.Token)
	}
	return tokens
}

const newPassword = "a brand new passphrase for spring"

func reset(token, password string) shop.ResetPasswordInput {
	return shop.ResetPasswordInput{Token: token, Password: password, ConfirmPassword: password}
}

func TestPasswordResetSetsPasswordOnceAndEndsSessions(t *testing.T) {
	f := newResetFixture(t)
	ctx := t.Context()
	u := f.register(t, "ada@example.com")
	web := mustSignIn(t, f.svc, "ada@example.com", goodPassword)
	api := mustCreateToken(t, f.svc, "ada@example.com", goodPassword)

	tokens := f.requestLink(t, "ADA@example.com ")
	if len(tokens) != 1 || f.mailer.Sent()[0].To != "ada@example.com" {
		t.Fatalf("mails = %+v; want one to ada@example.com", f.mailer.Sent())
	}
	if err := f.svc.CheckPasswordReset(ctx, tokens[0]); err != nil {
		t.Fatalf("CheckPasswordReset = %v", err)
	}
	// A refused password leaves the link usable.
	err := f.svc.ResetPassword(ctx, shop.ResetPasswordInput{Token: tokens[0], Password: "short", ConfirmPassword: "other"})
	if got := fields(err); got["password"] == "" || got["confirm_password"] == "" {
		t.Fatalf("weak, unconfirmed password: %v; want both fields refused", err)
	}
	if err := f.svc.ResetPassword(ctx, reset(tokens[0], "ada@example.com")); fields(err)["password"] == "" {
		t.Errorf("the email as password: %v; want refused as at registration", err)
	}
	if err := f.svc.ResetPassword(ctx, reset(tokens[0], newPassword)); err != nil {
		t.Fatalf("ResetPassword = %v", err)
	}
	if err := f.svc.ResetPassword(ctx, reset(tokens[0], newPassword+"!")); !errors.Is(err, shop.ErrResetLinkInvalid) {
		t.Errorf("the link again: %v; want ErrResetLinkInvalid", err)
	}
	if _, _, err := f.svc.Session(ctx, web.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("web session after reset: %v; want ended", err)
	}
	if _, _, err := f.svc.TokenUser(ctx, api.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("API token after reset: %v; want revoked", err)
	}
	mustRefuseSignIn(t, ctx, f.svc, "ada@example.com", goodPassword, "", shop.ErrInvalidCredentials)
	mustSignIn(t, f.svc, u.Email, newPassword)
	if strings.Contains(f.logs.String(), tokens[0]) {
		t.Error("the log shows the link's secret")
	}
}

func TestPasswordResetLinkExpiresAfter30Minutes(t *testing.T) {
	f := newResetFixture(t)
	f.register(t, "ada@example.com")
	tokens := f.requestLink(t, "ada@example.com")
	f.clock.Advance(shop.PasswordResetLifetime - time.Second)
	if err := f.svc.CheckPasswordReset(t.Context(), tokens[0]); err != nil {
		t.Fatalf("just before 30 minutes: %v; want live", err)
	}
	f.clock.Advance(time.Second)
	if err := f.svc.ResetPassword(t.Context(), reset(tokens[0], newPassword)); !errors.Is(err, shop.ErrResetLinkInvalid) {
		t.Errorf("at 30 minutes: %v; want ErrResetLinkInvalid", err)
	}
	mustSignIn(t, f.svc, "ada@example.com", goodPassword)
}

// TestPasswordResetLinksDieWithThePassword: once the password changed, by
// one link or by the account page, every other link is refused.
func TestPasswordResetLinksDieWithThePassword(t *testing.T) {
	f := newResetFixture(t)
	f.register(t, "ada@example.com")
	first, second := f.requestLink(t, "ada@example.com"), f.requestLink(t, "ada@example.com")
	if err := f.svc.ResetPassword(t.Context(), reset(second[0], newPassword)); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CheckPasswordReset(t.Context(), first[0]); !errors.Is(err, shop.ErrResetLinkInvalid) {
		t.Errorf("the older link after a reset: %v; want ErrResetLinkInvalid", err)
	}
	for _, bad := range []string{"", "nonsense", strings.Repeat("a", 300)} {
		if err := f.svc.CheckPasswordReset(t.Context(), bad); !errors.Is(err, shop.ErrResetLinkInvalid) {
			t.Errorf("token %.20q: %v; want ErrResetLinkInvalid", bad, err)
		}
	}
}

// TestPasswordResetRequestTellsNothing: an unknown email, a staff account
// and an account over its limit all get the answer a known one gets, and
// no mail.
func TestPasswordResetRequestTellsNothing(t *testing.T) {
	f := newResetFixture(t)
	f.register(t, "ada@example.com")
	if got := f.requestLink(t, "nobody@example.com"); len(got) != 0 {
		t.Errorf("unknown email: %d mails; want none", len(got))
	}
	if _, _, err := f.svc.AddStaff(t.Context(), shop.CommandLineActor, shop.StaffInput{Email: "staff@example.com", Name: "Staff",
		Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	if got := f.requestLink(t, "staff@example.com"); len(got) != 0 {
		t.Errorf("staff account: %d mails; want none (staff reset staff)", len(got))
	}
	for i := range shop.ResetAccountLimit {
		if got := f.requestLink(t, "ada@example.com"); len(got) != 1 {
			t.Fatalf("request %d: %d mails; want 1", i+1, len(got))
		}
	}
	if got := f.requestLink(t, "ada@example.com"); len(got) != 0 {
		t.Errorf("over the account's limit: %d mails; want none, and the same answer", len(got))
	}
	f.clock.Advance(shop.ResetWindow)
	if got := f.requestLink(t, "ada@example.com"); len(got) != 1 {
		t.Errorf("the next window: %d mails; want 1", len(got))
	}
	if err := f.svc.RequestPasswordReset(t.Context(), "not an email"); fields(err)["email"] == "" {
		t.Errorf("bad address: %v; want a field message", err)
	}
}

func TestPasswordResetThrottledPerClientAddress(t *testing.T) {
	f := newResetFixture(t)
	ctx := shop.WithClientAddr(t.Context(), "192.0.2.7")
	for i := range shop.ResetAddressLimit {
		if err := f.svc.RequestPasswordReset(ctx, "someone"+string(rune('a'+i))+"@example.com"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	err := f.svc.RequestPasswordReset(ctx, "another@example.com")
	if !errors.Is(err, shop.ErrTooManyResetRequests) || !errors.Is(err, shop.ErrThrottled) {
		t.Errorf("over the address's limit: %v; want ErrTooManyResetRequests (ErrThrottled)", err)
	}
	if err := f.svc.RequestPasswordReset(shop.WithClientAddr(t.Context(), "192.0.2.8"), "another@example.com"); err != nil {
		t.Errorf("another address: %v", err)
	}
	f.svc.WaitForMail()
}

func TestPasswordResetMailFailureIsLogged(t *testing.T) {
	f := newResetFixture(t)
	f.register(t, "ada@example.com")
	f.mailer.Fail = errors.New("smtp down")
	if err := f.svc.RequestPasswordReset(t.Context(), "ada@example.com"); err != nil {
		t.Fatalf("RequestPasswordReset = %v; want the same answer when the mail fails", err)
	}
	f.svc.WaitForMail()
	if !strings.Contains(f.logs.String(), "password reset mail failed") || !strings.Contains(f.logs.String(), "smtp down") {
		t.Errorf("log lacks the failure:\n%s", f.logs.String())
	}
}

// TestPasswordResetLinkUsedOnceUnderConcurrency: the same link posted
// several times at once sets one password; the others are refused.
func TestPasswordResetLinkUsedOnceUnderConcurrency(t *testing.T) {
	f := newResetFixture(t)
	f.register(t, "ada@example.com")
	token := f.requestLink(t, "ada@example.com")[0]
	const tries = 8
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			errs[i] = f.svc.ResetPassword(t.Context(), reset(token, fmt.Sprintf("%s number %d", newPassword, i)))
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("uses %d and %d both set a password", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, shop.ErrResetLinkInvalid):
			t.Errorf("use %d: %v; want ErrResetLinkInvalid", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no use of the link set the password")
	}
	mustSignIn(t, f.svc, "ada@example.com", fmt.Sprintf("%s number %d", newPassword, won))
}
