package shop

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Account roles. Registration makes customers; only a staff member (or the
// `storefront staff add` command run by the operator) makes staff.
const (
	RoleCustomer = "customer"
	RoleStaff    = "staff"
)

// Second factor states of a Session (Session.SecondFactor).
const (
	SecondFactorPending = "pending"
	SecondFactorPassed  = "passed"
)

// StaffOf returns u when it is a staff member whose session (or token)
// passed the second factor, else nil: the one test of the staff area's
// gate. A staff member who has typed only the password gets nothing.
func StaffOf(sess *Session, u *User) *User {
	if sess == nil || u == nil || u.Role != RoleStaff || sess.SecondFactor != SecondFactorPassed {
		return nil
	}
	return u
}

// IsStaff reports whether u is a staff account (whatever its session).
func (u *User) IsStaff() bool { return u != nil && u.Role == RoleStaff }

// The TOTP parameters (RFC 6238) every authenticator app assumes: SHA-1,
// 6 digits, 30-second steps. totpSkew accepts the step before and after
// the current one, for clocks a little apart and codes typed at a step's
// end.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	totpSkew   = 1
	// TOTPIssuer names the shop in authenticator apps.
	TOTPIssuer = "Storefront"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// TOTPKey is a new second factor: the base32 secret to type into an
// authenticator app and the otpauth:// URL a QR code carries.
type TOTPKey struct {
	Secret string
	URL    string
}

// newTOTPKey makes a new random secret (160 bits, RFC 4226's recommended
// length) for the account email.
func newTOTPKey(email string) (*TOTPKey, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: email, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, SecretSize: 20})
	if err != nil {
		return nil, fmt.Errorf("new totp secret: %w", err)
	}
	return &TOTPKey{Secret: k.Secret(), URL: k.URL()}, nil
}

// TOTPCode returns the code of secret at t, as an authenticator app shows
// it (tests and tools sign in with it).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// matchTOTPStep returns the time step (Unix time / 30) whose code of secret
// is code, among the steps around now, or 0 when none matches. Spaces are
// ignored, as apps show codes in two groups ("123 456"). Codes are
// compared in constant time.
func matchTOTPStep(secret, code string, now time.Time) int64 {
	code = strings.Join(strings.Fields(code), "")
	if secret == "" || len(code) != totpDigits.Length() {
		return 0
	}
	current := now.Unix() / totpPeriod
	for step := current - totpSkew; step <= current+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return 0
}

// acceptTOTP reports whether code is a current code of u's second factor
// not used before, and marks its time step used (a compare-and-set in the
// store), so a code seen over a shoulder or replayed works no second time,
// even when two servers check it at once.
func (s *Service) acceptTOTP(ctx context.Context, u *User, code string) (bool, error) {
	step := matchTOTPStep(u.TOTPSecret, code, s.now())
	if step == 0 || step <= u.TOTPLastStep {
		return false, nil
	}
	err := s.store.UseTOTPStep(ctx, u.ID, step)
	if errors.Is(err, ErrConflict) {
		return false, nil // this step (or a later one) was used meanwhile
	}
	return err == nil, err
}
