package shop

import (
	"context"
	"encoding/base32"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Customers may protect their account with a second factor too: they
// enrol a new secret, confirmed by its first code, and from then on their
// sign-in asks for a code (SignIn, CreateToken).

// NewSecondFactor makes a new key for u to enrol (EnableSecondFactor). It
// is only shown; nothing is stored until a code confirms it.
func (s *Service) NewSecondFactor(u *User) (*TOTPKey, error) {
	return newTOTPKey(u.Email)
}

// SecondFactorKey is the key of secret for u, to show an enrolment again
// (after a wrong code) with the same secret the app may have scanned.
func SecondFactorKey(u *User, secret string) *TOTPKey {
	label := url.PathEscape(TOTPIssuer + ":" + u.Email)
	q := url.Values{"secret": {secret}, "issuer": {TOTPIssuer}, "algorithm": {"SHA1"}, "digits": {"6"},
		"period": {strconv.Itoa(totpPeriod)}}
	return &TOTPKey{Secret: secret, URL: "otpauth://totp/" + label + "?" + q.Encode()}
}

// EnableSecondFactor turns the second factor on for u with secret (from
// NewSecondFactor, sent back by the enrolment form), after u typed the
// current password again (confirmPassword: whoever holds a stolen session
// cannot lock the owner out with a secret of their own) and confirmed by a
// current code of it, which is then used up. Field keys of its
// *ValidationError: current_password, code, and key for a secret that is
// no key of ours. An account that has one already is a *ValidationError
// too; a locked account ErrThrottled.
func (s *Service) EnableSecondFactor(ctx context.Context, u *User, password, secret, code string) error {
	fe := fieldErrors{}
	secret = strings.ToUpper(strings.TrimSpace(secret))
	switch {
	case u.TOTPSecret != "":
		fe.add("code", "Your account has a second factor already.")
	case !validTOTPSecret(secret):
		fe.add("key", "This setup key is not one we made. Start again.")
	}
	if err := fe.err(); err != nil {
		return err
	}
	if err := s.confirmPassword(ctx, u, password, "second factor setup", fe); err != nil {
		return err
	}
	step := matchTOTPStep(secret, strings.TrimSpace(code), s.now())
	if step == 0 {
		fe.add("code", "This code is not right. Enter the 6-digit code your authenticator app shows now.")
	}
	if err := fe.err(); err != nil {
		return err
	}
	if err := s.store.SetUserTOTP(ctx, u.ID, secret, step); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "second factor enabled", authLogAttrs(u, ClientAddrFrom(ctx))...)
	return nil
}

// validTOTPSecret reports whether secret is a secret newTOTPKey makes: 20
// bytes in unpadded base32.
func validTOTPSecret(secret string) bool {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	return err == nil && len(b) == 20
}

// DisableSecondFactor turns u's second factor off after u typed the
// current password and a current, unused code. Field keys: current_password,
// code. A wrong password or code counts as a failed sign-in of the account
// and the address, and nothing is cleared before both are right, so a
// stolen session with a stolen password gets no more guesses at the code
// than the sign-in gives; while locked it is ErrThrottled. Staff must keep
// theirs: for them it is a *ValidationError; a lost one is reset by
// another staff member.
func (s *Service) DisableSecondFactor(ctx context.Context, u *User, password, code string) error {
	fe := fieldErrors{}
	switch {
	case u.IsStaff():
		fe.add("code", "Staff accounts always use a second factor.")
	case u.TOTPSecret == "":
		fe.add("code", "Your account has no second factor.")
	}
	if err := fe.err(); err != nil {
		return err
	}
	a, err := s.startAttempt(ctx, u, ThrottleKey("account", NormalizeEmail(u.Email)), ClientAddrFrom(ctx))
	if err != nil {
		return err
	}
	if ok, _ := s.hasher.verify(password, u.PasswordHash); !ok {
		fe.add("current_password", "Your current password is not correct.")
	} else if ok, err := s.acceptTOTP(ctx, u, strings.TrimSpace(code)); err != nil {
		return err
	} else if !ok {
		fe.add("code", "This code is not right, or was used already. Enter the 6-digit code your authenticator app shows now.")
	}
	if len(fe) > 0 {
		if err := s.failAttempt(ctx, a); !errors.Is(err, ErrInvalidCredentials) {
			return err // ErrThrottled, or the throttle's store failing
		}
		return fe.err()
	}
	if err := s.clearFailures(ctx, a.counters, a.now, a.logAttrs); err != nil {
		return err
	}
	if err := s.store.SetUserTOTP(ctx, u.ID, "", 0); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "second factor disabled", a.logAttrs...)
	return nil
}
