package shop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// addStaff creates a staff account through the service and returns it and
// its second factor's secret.
func (f *fixture) addStaff(t *testing.T, email string) (*shop.User, string) {
	t.Helper()
	u, key, err := f.svc.AddStaff(t.Context(), shop.CommandLineActor, shop.StaffInput{Email: email, Name: "Sam", Password: goodPassword})
	if err != nil {
		t.Fatalf("AddStaff(%s) = %v", email, err)
	}
	return u, key.Secret
}

// code is the code of secret at the fixture's clock, moved by offset.
func (f *fixture) code(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	c, err := shop.TOTPCode(secret, f.clock.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a code of secret that is not valid now (an hour ago).
func (f *fixture) wrongCode(t *testing.T, secret string) string { return f.code(t, secret, -time.Hour) }

// passwordStep signs in with the password and returns the pending session.
func (f *fixture) passwordStep(t *testing.T, email string) *shop.Session {
	t.Helper()
	signed, err := f.svc.SignIn(t.Context(), email, goodPassword, "203.0.113.5", nil)
	if err != nil {
		t.Fatalf("SignIn(%s) = %v; want a pending session", email, err)
	}
	if !shop.AwaitsCode(signed.Session) {
		t.Fatalf("SignIn(%s) session = %+v; want one awaiting the code", email, signed.Session)
	}
	return signed.Session
}

func TestStaffSignInNeedsACode(t *testing.T) {
	f := newFixture(t)
	_, secret := f.addStaff(t, "sam@example.com")
	signed, err := f.svc.SignIn(t.Context(), "sam@example.com", goodPassword, "203.0.113.5", nil)
	if err != nil {
		t.Fatalf("SignIn = %v", err)
	}
	if shop.StaffOf(signed.Session, signed.User) != nil {
		t.Fatal("the password alone made a staff session")
	}
	v, err := f.svc.StartVisit(t.Context(), signed.Token)
	if err != nil || v.User != nil {
		t.Fatalf("StartVisit(pending) = %+v, %v; want a visit without a user: the session grants nothing yet", v, err)
	}
	if _, err := f.svc.CompleteSignIn(t.Context(), signed.Session, f.wrongCode(t, secret), "203.0.113.5"); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Fatalf("CompleteSignIn(wrong code) = %v; want ErrInvalidCredentials", err)
	}
	if _, err := f.svc.CompleteSignIn(t.Context(), signed.Session, "", "203.0.113.5"); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Fatalf("CompleteSignIn(no code) = %v; want ErrInvalidCredentials", err)
	}
	code := f.code(t, secret, 0)
	done, err := f.svc.CompleteSignIn(t.Context(), signed.Session, code, "203.0.113.5")
	if err != nil {
		t.Fatalf("CompleteSignIn(current code) = %v", err)
	}
	if shop.StaffOf(done.Session, done.User) == nil {
		t.Errorf("after the code, session %+v is not staff's past the second factor", done.Session)
	}
	if _, err := f.svc.StartVisit(t.Context(), signed.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("the pending session after sign-in: StartVisit = %v; want ErrUnauthorized (ended)", err)
	}
	// The same code a second time, even within its 30 seconds: refused.
	again := f.passwordStep(t, "sam@example.com")
	if _, err := f.svc.CompleteSignIn(t.Context(), again, code, "203.0.113.5"); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("CompleteSignIn(the used code) = %v; want ErrInvalidCredentials", err)
	}
	// A session that awaits no code cannot complete anything.
	if _, err := f.svc.CompleteSignIn(t.Context(), done.Session, f.code(t, secret, 30*time.Second), ""); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("CompleteSignIn(a signed-in session) = %v; want ErrUnauthorized", err)
	}
}

// TestCodeGuessesAreCountedAcrossPasswordSteps: the right password between
// guesses never resets the count the wrong codes add to, so a thief of the
// password gets 10 guesses at the code, as at the password.
func TestCodeGuessesAreCountedAcrossPasswordSteps(t *testing.T) {
	f := newFixture(t)
	_, secret := f.addStaff(t, "sam@example.com")
	for i := range shop.AccountFailureLimit {
		pending := f.passwordStep(t, "sam@example.com")
		_, err := f.svc.CompleteSignIn(t.Context(), pending, f.wrongCode(t, secret), "203.0.113.5")
		want := shop.ErrInvalidCredentials
		if !errors.Is(err, want) {
			t.Fatalf("wrong code %d: CompleteSignIn = %v; want %v", i+1, err, want)
		}
	}
	if _, err := f.svc.SignIn(t.Context(), "sam@example.com", goodPassword, "203.0.113.5", nil); !errors.Is(err, shop.ErrThrottled) {
		t.Errorf("SignIn after %d wrong codes = %v; want ErrThrottled", shop.AccountFailureLimit, err)
	}
	if _, err := f.svc.CreateToken(t.Context(), "sam@example.com", goodPassword, f.code(t, secret, 0), ""); !errors.Is(err, shop.ErrThrottled) {
		t.Errorf("CreateToken(right password and code) while locked = %v; want ErrThrottled", err)
	}
}

func TestCreateTokenNeedsTheCodeOfASecondFactorAccount(t *testing.T) {
	f := newFixture(t)
	_, secret := f.addStaff(t, "sam@example.com")
	f.register(t, "ada@example.com")
	current := f.code(t, secret, 0)
	for _, tc := range []struct {
		name, email, otp string
		want             error
	}{
		{"staff without a code", "sam@example.com", "", shop.ErrInvalidCredentials},
		{"staff with a wrong code", "sam@example.com", f.wrongCode(t, secret), shop.ErrInvalidCredentials},
		{"staff with a malformed code", "sam@example.com", "12345x", shop.ErrInvalidCredentials},
		{"staff with the current code, as the app groups it", "sam@example.com", " " + current[:3] + " " + current[3:] + " ", nil},
		{"staff with the same code again", "sam@example.com", current, shop.ErrInvalidCredentials},
		{"customer without a second factor, no code", "ada@example.com", "", nil},
	} {
		signed, err := f.svc.CreateToken(t.Context(), tc.email, goodPassword, tc.otp, "")
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: CreateToken = %v; want %v", tc.name, err, tc.want)
			continue
		}
		if err == nil && (shop.StaffOf(signed.Session, signed.User) != nil) != (tc.email == "sam@example.com") {
			t.Errorf("%s: StaffOf(token) = %v", tc.name, shop.StaffOf(signed.Session, signed.User))
		}
	}
}

func TestCustomerSecondFactor(t *testing.T) {
	f := newFixture(t)
	u := f.register(t, "ada@example.com")
	key, err := f.svc.NewSecondFactor(u)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.URL, "otpauth://totp/") || !strings.Contains(key.URL, key.Secret) {
		t.Errorf("key URL %q; want an otpauth URL of the secret", key.URL)
	}
	var verr *shop.ValidationError
	if err := f.svc.EnableSecondFactor(t.Context(), u, goodPassword, key.Secret, f.wrongCode(t, key.Secret)); !errors.As(err, &verr) || verr.Fields["code"] == "" {
		t.Fatalf("EnableSecondFactor(wrong code) = %v; want a message at code", err)
	}
	if err := f.svc.EnableSecondFactor(t.Context(), u, goodPassword, "NOTASECRET", "123456"); !errors.As(err, &verr) || verr.Fields["key"] == "" {
		t.Fatalf("EnableSecondFactor(bad secret) = %v; want a message at key", err)
	}
	enrolCode := f.code(t, key.Secret, 0)
	if err := f.svc.EnableSecondFactor(t.Context(), u, "wrong password!", key.Secret, enrolCode); !errors.As(err, &verr) || verr.Fields["current_password"] == "" {
		t.Fatalf("EnableSecondFactor(wrong password) = %v; want a message at current_password", err)
	}
	if err := f.svc.EnableSecondFactor(t.Context(), u, goodPassword, key.Secret, enrolCode); err != nil {
		t.Fatalf("EnableSecondFactor(current code) = %v", err)
	}
	pending := f.passwordStep(t, "ada@example.com")
	if _, err := f.svc.CompleteSignIn(t.Context(), pending, enrolCode, ""); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("CompleteSignIn(the code that enrolled) = %v; want ErrInvalidCredentials: it is used", err)
	}
	f.clock.Advance(30 * time.Second)
	done, err := f.svc.CompleteSignIn(t.Context(), pending, f.code(t, key.Secret, 0), "")
	if err != nil {
		t.Fatalf("CompleteSignIn(next code) = %v", err)
	}
	if shop.StaffOf(done.Session, done.User) != nil {
		t.Error("a customer's second factor made them staff")
	}
	enrolled := done.User
	if err := f.svc.DisableSecondFactor(t.Context(), enrolled, "wrong password!", f.code(t, key.Secret, 30*time.Second)); !errors.As(err, &verr) || verr.Fields["current_password"] == "" {
		t.Fatalf("DisableSecondFactor(wrong password) = %v; want a message at current_password", err)
	}
	if err := f.svc.DisableSecondFactor(t.Context(), enrolled, goodPassword, f.wrongCode(t, key.Secret)); !errors.As(err, &verr) || verr.Fields["code"] == "" {
		t.Fatalf("DisableSecondFactor(wrong code) = %v; want a message at code", err)
	}
	if err := f.svc.DisableSecondFactor(t.Context(), enrolled, goodPassword, f.code(t, key.Secret, 30*time.Second)); err != nil {
		t.Fatalf("DisableSecondFactor = %v", err)
	}
	signed, err := f.svc.SignIn(t.Context(), "ada@example.com", goodPassword, "", nil)
	if err != nil || shop.AwaitsCode(signed.Session) {
		t.Errorf("SignIn after turning it off = %+v, %v; want signed in with the password alone", signed, err)
	}
	staff, _ := f.addStaff(t, "sam@example.com")
	if err := f.svc.DisableSecondFactor(t.Context(), staff, goodPassword, "000000"); !errors.As(err, &verr) {
		t.Errorf("DisableSecondFactor(staff) = %v; want refused: staff keep theirs", err)
	}
}

func TestStaffManagement(t *testing.T) {
	f := newFixture(t)
	admin, _ := f.addStaff(t, "sam@example.com")
	f.clock.Advance(time.Minute) // each change at a time of its own: the audit log's order
	in := shop.StaffInput{Email: "bea@example.com", Name: "Bea", Password: "another fine passphrase"}
	var verr *shop.ValidationError
	if _, _, err := f.svc.AddStaffMember(t.Context(), admin, "wrong password!", in); !errors.As(err, &verr) || verr.Fields["current_password"] == "" {
		t.Fatalf("AddStaffMember(wrong own password) = %v; want a message at current_password", err)
	}
	if staff, _ := f.svc.StaffMembers(t.Context()); len(staff) != 1 {
		t.Fatalf("%d staff after a refused add; want 1", len(staff))
	}
	bea, key, err := f.svc.AddStaffMember(t.Context(), admin, goodPassword, in)
	if err != nil {
		t.Fatalf("AddStaffMember = %v", err)
	}
	if !bea.IsStaff() || key.Secret == "" {
		t.Fatalf("AddStaffMember made %+v with key %+v; want staff with a secret", bea, key)
	}
	beaToken, err := f.svc.CreateToken(t.Context(), "bea@example.com", in.Password, f.code(t, key.Secret, 0), "")
	if err != nil {
		t.Fatalf("CreateToken(new staff) = %v", err)
	}
	if _, _, err := f.svc.ResetStaffSecondFactor(t.Context(), admin, goodPassword, admin.ID); !errors.As(err, &verr) || verr.Fields["user"] == "" {
		t.Errorf("ResetStaffSecondFactor(self) = %v; want a message at user", err)
	}
	customer := f.register(t, "ada@example.com")
	if _, _, err := f.svc.ResetStaffSecondFactor(t.Context(), admin, goodPassword, customer.ID); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("ResetStaffSecondFactor(customer) = %v; want ErrNotFound", err)
	}
	f.clock.Advance(time.Minute)
	_, newKey, err := f.svc.ResetStaffSecondFactor(t.Context(), admin, goodPassword, bea.ID)
	if err != nil {
		t.Fatalf("ResetStaffSecondFactor(bea) = %v", err)
	}
	if newKey.Secret == key.Secret {
		t.Error("the reset kept the old secret")
	}
	if _, _, err := f.svc.TokenUser(t.Context(), beaToken.Token); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("bea's token after the reset: TokenUser = %v; want ErrUnauthorized", err)
	}
	if _, err := f.svc.CreateToken(t.Context(), "bea@example.com", in.Password, f.code(t, key.Secret, 30*time.Second), ""); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("CreateToken(a code of the old secret) = %v; want ErrInvalidCredentials", err)
	}
	if _, err := f.svc.CreateToken(t.Context(), "bea@example.com", in.Password, f.code(t, newKey.Secret, 0), ""); err != nil {
		t.Errorf("CreateToken(a code of the new secret) = %v", err)
	}
	entries, err := f.store.AuditLog(t.Context(), shop.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Target+" by "+e.ActorID)
		for _, secret := range []string{key.Secret, newKey.Secret, "argon2id"} {
			if strings.Contains(e.Before+e.After, secret) {
				t.Errorf("audit entry %s holds a secret: %s / %s", e.Action, e.Before, e.After)
			}
		}
	}
	want := []string{shop.AuditStaffTOTPReset + " " + bea.ID + " by " + admin.ID, shop.AuditStaffAdd + " " + bea.ID + " by " + admin.ID,
		shop.AuditStaffAdd + " " + admin.ID + " by " + shop.CommandLineActor.ID}
	if strings.Join(actions, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
	}
}

// TestRemovingTheSecondFactorIsThrottled: with the password and a session,
// guesses at the code to remove the second factor count as failed
// sign-ins, the right password included, so they lock like sign-in does.
// Typing the right current password into another form between the guesses
// (a password change refused for its confirmation) does not reset their
// count: before, each right password cleared it, so a thief holding the
// session and the password guessed codes without end.
func TestRemovingTheSecondFactorIsThrottled(t *testing.T) {
	for _, tt := range []struct {
		name    string
		between func(ctx context.Context, f *fixture, u *shop.User) error // after each guess
	}{
		{"GuessesAlone", nil},
		{"TheRightPasswordElsewhereBetweenGuesses", func(ctx context.Context, f *fixture, u *shop.User) error {
			_, err := f.svc.ChangePassword(ctx, u, nil, shop.ChangePasswordInput{CurrentPassword: goodPassword,
				NewPassword: "a new password of some length", ConfirmPassword: "another one"})
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			u := f.register(t, "ada@example.com")
			key, err := f.svc.NewSecondFactor(u)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.EnableSecondFactor(t.Context(), u, goodPassword, key.Secret, f.code(t, key.Secret, 0)); err != nil {
				t.Fatal(err)
			}
			enrolled, err := f.store.User(t.Context(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			var verr *shop.ValidationError
			for i := range shop.AccountFailureLimit {
				if err := f.svc.DisableSecondFactor(t.Context(), enrolled, goodPassword, f.wrongCode(t, key.Secret)); !errors.As(err, &verr) {
					t.Fatalf("guess %d: DisableSecondFactor(wrong code) = %v; want a message at code", i+1, err)
				}
				if tt.between == nil {
					continue
				}
				if err := tt.between(t.Context(), f, enrolled); !errors.As(err, &verr) && !errors.Is(err, shop.ErrThrottled) {
					t.Fatalf("after guess %d: ChangePassword(right password, confirmation differs) = %v; want a message or ErrThrottled", i+1, err)
				}
			}
			f.clock.Advance(30 * time.Second)
			if err := f.svc.DisableSecondFactor(t.Context(), enrolled, goodPassword, f.code(t, key.Secret, 0)); !errors.Is(err, shop.ErrThrottled) {
				t.Errorf("DisableSecondFactor(right password and code) after %d wrong codes = %v; want ErrThrottled", shop.AccountFailureLimit, err)
			}
			if got, _ := f.store.User(t.Context(), u.ID); got.TOTPSecret == "" {
				t.Error("the second factor was removed while locked")
			}
		})
	}
}
