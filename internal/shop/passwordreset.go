package shop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Password reset (CONTRACT.md, "Order processing and messages"; ASVS
// V2.5): a shopper who forgot the password asks for a link by email and
// sets a new password through it.
//
//   - The answer to a request is the same whether or not the account
//     exists, and so is its time: the request only counts throttles
//     (which it does for every address typed), and the account lookup,
//     the link and the mail happen in the background.
//   - The link carries a 256-bit secret; the store keeps only its SHA-256
//     (as for sessions), so a leaked store holds no usable link.
//   - A link works once (ConsumePasswordReset, a conditional write) and
//     for PasswordResetLifetime. It records a fingerprint of the password
//     hash it was made for (PasswordStamp): once the password changes, by
//     this link or any other way, every other link of the account is dead.
//   - Setting the password ends every session and API token of the account.

// PasswordResetLifetime is how long a reset link works.
const PasswordResetLifetime = 30 * time.Minute

// Throttles of reset requests: per typed address (whether or not it has an
// account, so a refusal tells nothing) and per client address, each over
// ResetWindow. A request over the account's limit is answered as any
// other but sends nothing: the owner's mailbox is not flooded. One over the
// client address's limit is refused (ErrTooManyResetRequests).
const (
	ResetAccountLimit = 3
	ResetAddressLimit = 20
	ResetWindow       = time.Hour
)

// resetMailTimeout bounds the background work of one request: the account
// lookup, the link's creation and the mail (whose SMTP steps have their own
// timeouts).
const resetMailTimeout = time.Minute

// Errors of password reset.
var (
	// ErrResetLinkInvalid: the link is unknown, expired, used, or made for
	// a password that has changed since.
	ErrResetLinkInvalid = errors.New("password reset link is invalid or has expired")
	// ErrTooManyResetRequests: the client address asked for ResetAddressLimit
	// links within ResetWindow. It is an ErrThrottled (429).
	ErrTooManyResetRequests = fmt.Errorf("too many password reset requests from this address: %w", ErrThrottled)
)

// PasswordReset is a pending password reset link.
type PasswordReset struct {
	IDHash string // SHA-256 of the link's secret (hashSecret)
	UserID string
	// PasswordStamp fingerprints the password hash of the user when the
	// link was made (passwordStamp); the link is refused once it differs.
	PasswordStamp string
	CreatedAt     time.Time
	ExpiresAt     time.Time // a store may delete the record from then on
}

// PasswordResetStore keeps reset links. Each method is one atomic unit of
// work; every Store implements it.
type PasswordResetStore interface {
	// CreatePasswordReset saves a new reset link.
	CreatePasswordReset(ctx context.Context, r *PasswordReset) error
	// PasswordReset returns the link whose secret hashes to idHash, or
	// ErrNotFound. It may return an expired link; the service decides.
	PasswordReset(ctx context.Context, idHash string) (*PasswordReset, error)
	// ConsumePasswordReset uses up the link idHash (deletes or marks it) on
	// condition that it is there and unused: of two concurrent uses of one
	// link exactly one succeeds, and the other gets ErrNotFound, as does
	// any later use.
	ConsumePasswordReset(ctx context.Context, idHash string) error
}

// Mailer sends the password reset link to an account's address; token is
// the secret the link carries (/password/reset?token=...). The app adapts
// its mail.Sender to it, so shop knows no mail package.
type Mailer interface {
	SendPasswordReset(ctx context.Context, to, token string) error
}

// RequestPasswordReset asks for a reset link to be mailed to email's
// account. It returns nil whether or not the account exists; a
// *ValidationError (field email) for an address that cannot be one; and
// ErrTooManyResetRequests when the client address in ctx (WithClientAddr)
// is over its limit. The link is made and mailed in the background (wait
// for it with WaitForMail).
func (s *Service) RequestPasswordReset(ctx context.Context, typed string) error {
	email := NormalizeEmail(typed)
	if m := emailProblem(email); m != "" {
		return fieldErrors{"email": m}.err()
	}
	if addr := ClientAddrFrom(ctx); addr != "" {
		refused, err := s.countInWindow(ctx, AddressThrottleKey("reset-address", addr), ResetAddressLimit, ResetWindow)
		if err != nil {
			return err
		}
		if refused {
			s.log.WarnContext(ctx, "password reset refused: address limit reached", "client_addr", addr)
			return ErrTooManyResetRequests
		}
	}
	refused, err := s.countInWindow(ctx, ThrottleKey("reset-account", email), ResetAccountLimit, ResetWindow)
	if err != nil {
		return err
	}
	if refused {
		s.log.WarnContext(ctx, "password reset not sent: account limit reached", "client_addr", ClientAddrFrom(ctx))
		return nil
	}
	s.mailWork.Add(1)
	go func() {
		defer s.mailWork.Done()
		// The request is answered already: its cancellation must not
		// stop the mail, but its values (request id for the log) stay.
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), resetMailTimeout)
		defer cancel()
		if err := s.mailPasswordReset(bg, email); err != nil {
			s.log.ErrorContext(bg, "password reset mail failed", "err", err)
		}
	}()
	return nil
}

// WaitForMail waits until the mails started in the background
// (RequestPasswordReset) are sent or have failed: at shutdown, and in
// tests.
func (s *Service) WaitForMail() { s.mailWork.Wait() }

// mailPasswordReset makes a link for email's account and mails it. An
// unknown email, or a staff account (staff passwords are reset by staff,
// never by mail: the second factor stays theirs), sends nothing.
func (s *Service) mailPasswordReset(ctx context.Context, email string) error {
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		s.log.InfoContext(ctx, "password reset requested for no account")
		return nil
	}
	if err != nil {
		return err
	}
	if u.Role == RoleStaff {
		s.log.WarnContext(ctx, "password reset requested for a staff account: not sent", "user_id", u.ID)
		return nil
	}
	if s.cfg.Mailer == nil {
		return errors.New("no mailer configured")
	}
	secret, now := newSecret(), s.now()
	r := &PasswordReset{IDHash: hashSecret(secret), UserID: u.ID, PasswordStamp: passwordStamp(u.PasswordHash),
		CreatedAt: now, ExpiresAt: now.Add(PasswordResetLifetime)}
	if err := s.store.CreatePasswordReset(ctx, r); err != nil {
		return err
	}
	if err := s.cfg.Mailer.SendPasswordReset(ctx, u.Email, secret); err != nil {
		return fmt.Errorf("send to user %s: %w", u.ID, err)
	}
	s.log.InfoContext(ctx, "password reset link sent", "user_id", u.ID)
	return nil
}

// CheckPasswordReset reports whether token is a live reset link: nil or
// ErrResetLinkInvalid. It changes nothing (the form is shown before the
// new password is typed).
func (s *Service) CheckPasswordReset(ctx context.Context, token string) error {
	_, _, err := s.liveReset(ctx, token)
	return err
}

// ResetPasswordInput is the form of a reset link. Field keys of its
// ValidationError: password, confirm_password.
type ResetPasswordInput struct {
	Token           string
	Password        string
	ConfirmPassword string
}

// ResetPassword sets the password of the link's account, under the rules
// of registration, uses the link up and ends every session and API token
// of the account. It returns ErrResetLinkInvalid for a dead link and a
// *ValidationError, the link still usable, for a refused password.
//
// The link is used up before the password is set: if setting it then
// fails, the shopper asks for a new link, and no link ever sets two
// passwords.
func (s *Service) ResetPassword(ctx context.Context, in ResetPasswordInput) error {
	r, u, err := s.liveReset(ctx, in.Token)
	if err != nil {
		return err
	}
	fe := fieldErrors{}
	if m := s.passwordProblem(in.Password, u.Email, u.Name); m != "" {
		fe.add("password", m)
	}
	if in.ConfirmPassword != in.Password {
		fe.add("confirm_password", "Passwords do not match.")
	}
	if err := fe.err(); err != nil {
		return err
	}
	if err := s.store.ConsumePasswordReset(ctx, r.IDHash); errors.Is(err, ErrNotFound) {
		return ErrResetLinkInvalid // used by a concurrent request
	} else if err != nil {
		return err
	}
	if err := s.store.UpdateUserPassword(ctx, u.ID, s.hasher.hash(in.Password)); err != nil {
		return err
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID, ""); err != nil {
		return fmt.Errorf("end sessions after password reset: %w", err)
	}
	s.log.InfoContext(ctx, "password reset", authLogAttrs(u, ClientAddrFrom(ctx))...)
	return nil
}

// liveReset returns the link of token and its account, or
// ErrResetLinkInvalid. An expired link is deleted on the way.
func (s *Service) liveReset(ctx context.Context, token string) (*PasswordReset, *User, error) {
	if token == "" || len(token) > 200 {
		return nil, nil, ErrResetLinkInvalid
	}
	r, err := s.store.PasswordReset(ctx, hashSecret(token))
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrResetLinkInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	if !s.now().Before(r.ExpiresAt) {
		if err := s.store.ConsumePasswordReset(ctx, r.IDHash); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, nil, err
		}
		return nil, nil, ErrResetLinkInvalid
	}
	u, err := s.store.User(ctx, r.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrResetLinkInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	if passwordStamp(u.PasswordHash) != r.PasswordStamp {
		return nil, nil, ErrResetLinkInvalid // the password changed since the link was made
	}
	return r, u, nil
}

// passwordStamp fingerprints a password hash: enough to see that it
// changed, nothing to attack it with (the hash is salted and slow, and
// this is a prefix of its SHA-256).
func passwordStamp(passwordHash string) string {
	sum := sha256.Sum256([]byte(passwordHash))
	return hex.EncodeToString(sum[:16])
}

// countInWindow counts one event for key in the store, or refuses it when
// limit events were counted in the current window: a throttle record of
// its own key kind, updated by the same compare-and-set as sign-in
// failures. Failures counts the events of the window that starts at
// WindowStart, and LockedUntil is the end of that window, so a store keeps
// the record (it may delete one only once its window and its lock are
// over) until the count no longer matters.
func (s *Service) countInWindow(ctx context.Context, key string, limit int, window time.Duration) (refused bool, err error) {
	now := s.now()
	err = s.updateThrottle(ctx, key, func(t *LoginThrottle) (bool, error) {
		refused = false
		if !now.Before(t.LockedUntil) { // no window yet, or the last one is over
			t.WindowStart, t.LockedUntil, t.Failures = now, now.Add(window), 0
		}
		if t.Failures >= limit {
			refused = true
			return false, nil
		}
		t.Failures++
		return true, nil
	})
	return refused, err
}
