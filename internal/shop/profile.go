package shop

import (
	"context"
	"fmt"
)

// UpdateName changes the name of the user. Field key: name.
func (s *Service) UpdateName(ctx context.Context, u *User, name string) (*User, error) {
	name = cleanText(name)
	if m := textProblem(name, "your name", MaxNameLen, false); m != "" {
		return nil, &ValidationError{Fields: map[string]string{"name": m}}
	}
	updated := *u
	updated.Name = name
	if err := s.store.UpdateUserName(ctx, u.ID, name); err != nil {
		return nil, err
	}
	return &updated, nil
}

// ChangePasswordInput is the password change form. Field keys:
// current_password, new_password, confirm_password.
type ChangePasswordInput struct {
	CurrentPassword string
	NewPassword     string
	ConfirmPassword string
}

// confirmPassword checks the current password of u, typed again before a
// sensitive change (what names it in the log). A wrong one adds the field
// message of current_password to fe and counts as a failed sign-in of the
// account, in the same throttle record: whoever holds a stolen session
// gets no more guesses at the password than a stranger at the sign-in
// form. While the account is locked it returns ErrThrottled, the right
// password included. The right password clears nothing: the count also
// holds the wrong codes of a second factor, which only a passing code
// clears (a thief who knows the password would else reset it between
// code guesses). Failures are logged with the client address in ctx
// (WithClientAddr).
func (s *Service) confirmPassword(ctx context.Context, u *User, password, what string, fe fieldErrors) error {
	counters := s.signInCounters(ThrottleKey("account", NormalizeEmail(u.Email)), "")
	logAttrs := authLogAttrs(u, ClientAddrFrom(ctx))
	now := s.now()
	t, err := s.store.LoginThrottle(ctx, counters[0].key)
	if err != nil {
		return err
	}
	if now.Before(t.LockedUntil) {
		s.log.WarnContext(ctx, what+" throttled", logAttrs...)
		return ErrThrottled
	}
	if ok, _ := s.hasher.verify(password, u.PasswordHash); ok {
		return nil
	}
	lockedBefore, err := s.recordFailure(ctx, counters[0].key, counters[0].limit, now, logAttrs)
	if err != nil {
		return err
	}
	if lockedBefore {
		s.log.WarnContext(ctx, what+" throttled", logAttrs...)
		return ErrThrottled
	}
	s.log.WarnContext(ctx, what+": current password wrong", logAttrs...)
	fe.add("current_password", "Your current password is not correct.")
	return nil
}

// ChangePassword sets a new password after checking the current one, ends
// every other session and token of the user and renews the current session
// (a new id). It returns the new session.
//
// A wrong current password counts as a failed sign-in of the account, in
// the same throttle record: whoever holds a stolen session gets no more
// guesses at the password than a stranger at the sign-in form. While the
// account is locked it returns ErrThrottled, the right password included.
// Failures are logged with the client address in ctx (WithClientAddr).
func (s *Service) ChangePassword(ctx context.Context, u *User, current *Session, in ChangePasswordInput) (*SignedIn, error) {
	fe := fieldErrors{}
	if err := s.confirmPassword(ctx, u, in.CurrentPassword, "password change", fe); err != nil {
		return nil, err
	}
	if m := s.passwordProblem(in.NewPassword, u.Email, u.Name); m != "" {
		fe.add("new_password", m)
	}
	if in.ConfirmPassword != in.NewPassword {
		fe.add("confirm_password", "Passwords do not match.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	updated := *u
	updated.PasswordHash = s.hasher.hash(in.NewPassword)
	if err := s.store.UpdateUserPassword(ctx, u.ID, updated.PasswordHash); err != nil {
		return nil, err
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID, ""); err != nil {
		return nil, fmt.Errorf("end sessions after password change: %w", err)
	}
	s.log.InfoContext(ctx, "password changed", authLogAttrs(u, ClientAddrFrom(ctx))...)
	return s.StartSession(ctx, &updated, nil)
}
