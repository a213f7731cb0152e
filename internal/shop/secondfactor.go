package shop

import (
	"context"
	"errors"
	"time"
)

// PendingSignInLifetime bounds the wait between the password step and the
// code: a pending session left behind ends then.
const PendingSignInLifetime = 10 * time.Minute

// passedFactor is the SecondFactor of a session started for u once every
// factor of u was checked.
func passedFactor(u *User) string {
	if u.TOTPSecret != "" {
		return SecondFactorPassed
	}
	return ""
}

// checkSecondFactor is the verdict on code for u once u's password was
// right: passed for an account without a second factor, else passed only
// for a current, unused code.
func (s *Service) checkSecondFactor(ctx context.Context, u *User, code string) (factorVerdict, error) {
	if u.TOTPSecret == "" {
		return factorPassed, nil
	}
	ok, err := s.acceptTOTP(ctx, u, code)
	if err != nil || !ok {
		return factorFailed, err
	}
	return factorPassed, nil
}

// startPendingSession starts the session of a password step for u, an
// account with a second factor: a new session (never previous, against
// fixation) that takes over previous's cart and ends previous, and that
// grants nothing until CompleteSignIn.
func (s *Service) startPendingSession(ctx context.Context, u *User, previous *Session) (*SignedIn, error) {
	token := newSecret()
	now := s.now()
	sess := &Session{IDHash: hashSecret(token), Kind: SessionWeb, UserID: u.ID, CartID: newID("guest-"),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(PendingSignInLifetime), SecondFactor: SecondFactorPending,
		PasswordStamp: passwordStamp(u.PasswordHash)}
	if previous != nil && previous.CartID != "" {
		sess.CartID = previous.CartID
	}
	return s.replaceSession(ctx, token, sess, u, previous)
}

// AwaitsCode reports whether sess is a password step waiting for its code.
func AwaitsCode(sess *Session) bool {
	return sess != nil && sess.SecondFactor == SecondFactorPending && sess.UserID != ""
}

// CompleteSignIn finishes the sign-in of pending, a session AwaitsCode,
// with a code of the account's second factor. A wrong, missing or used
// code is ErrInvalidCredentials and counts as a failed sign-in of the
// account and the client address; while either is locked it is
// ErrThrottled. On success it starts the signed-in session, merging
// pending's cart, and ends pending. A session that awaits no code is
// ErrUnauthorized.
func (s *Service) CompleteSignIn(ctx context.Context, pending *Session, code, clientAddr string) (*SignedIn, error) {
	if !AwaitsCode(pending) {
		return nil, ErrUnauthorized
	}
	u, err := s.store.User(ctx, pending.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, err
	}
	if passwordChangedSince(pending, u) {
		return nil, ErrUnauthorized // its password step was of a password since changed
	}
	a, err := s.startAttempt(ctx, u, ThrottleKey("account", NormalizeEmail(u.Email)), clientAddr)
	if err != nil {
		return nil, err
	}
	if verdict, err := s.checkSecondFactor(ctx, u, code); err != nil {
		return nil, err
	} else if verdict != factorPassed {
		return nil, s.failAttempt(ctx, a)
	}
	if err := s.clearFailures(ctx, a.counters, a.now, a.logAttrs); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "signed in", append(a.logAttrs, "second_factor", true)...)
	return s.StartSession(ctx, u, pending)
}
