package shop

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Authenticate checks an email and password. It returns ErrThrottled while
// the account or the client address is locked out, and ErrInvalidCredentials
// for an unknown email or a wrong password alike, after the same hashing
// work, so neither answer nor timing tells whether an account exists.
//
// An email no account can have (over 254 characters, invalid, mixing
// scripts) is an unknown account, except that its failure is counted for
// the client address only: nothing of it is stored, and guessing at it
// tells nothing. Failures and locks are logged with the client address and
// the account's id when the email is an account's, never the email.
func (s *Service) Authenticate(ctx context.Context, typed, password, clientAddr string) (*User, error) {
	return s.authenticate(ctx, typed, password, clientAddr, nil)
}

// factorVerdict is what a sign-in's second factor check decided once the
// password was right.
type factorVerdict int

const (
	factorPassed  factorVerdict = iota // signed in: the failure count is cleared
	factorFailed                       // a failed sign-in, counted like a wrong password
	factorPending                      // the code comes next: nothing cleared or counted yet
)

// authenticate is Authenticate with secondFactor, when not nil, deciding
// after a right password. A pending sign-in leaves the failure count as it
// is, so that typing the right password between code guesses never resets
// the count the guesses add to.
func (s *Service) authenticate(ctx context.Context, typed, password, clientAddr string, secondFactor func(*User) (factorVerdict, error)) (*User, error) {
	email := NormalizeEmail(typed)
	var u *User
	var accountKey string
	if emailProblem(email) == "" {
		accountKey = ThrottleKey("account", email)
		var err error
		if u, err = s.userByEmail(ctx, typed, email); err != nil {
			return nil, err
		}
	}
	a, err := s.startAttempt(ctx, u, accountKey, clientAddr)
	if err != nil {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, weak := s.hasher.verify(password, hash)
	if u == nil || !ok {
		return nil, s.failAttempt(ctx, a)
	}
	verdict := factorPassed
	if secondFactor != nil {
		if verdict, err = secondFactor(u); err != nil {
			return nil, err
		}
	}
	switch verdict {
	case factorFailed:
		return nil, s.failAttempt(ctx, a)
	case factorPassed:
		if err := s.clearFailures(ctx, a.counters, a.now, a.logAttrs); err != nil {
			return nil, err
		}
	}
	if weak {
		// Upgrade a hash made with weaker parameters while the password is
		// at hand, unless the password changed since it was read: that
		// change stands, and this sign-in was with the password it replaced.
		upgraded := s.hasher.hash(password)
		if err := s.store.UpgradeUserPassword(ctx, u.ID, u.PasswordHash, upgraded); errors.Is(err, ErrNotFound) {
			return nil, ErrInvalidCredentials
		} else if err != nil {
			return nil, err
		}
		u.PasswordHash = upgraded
		s.log.InfoContext(ctx, "password hash upgraded", "user_id", u.ID)
	}
	if verdict == factorPassed {
		s.log.InfoContext(ctx, "signed in", a.logAttrs...)
	}
	return u, nil
}

// signInAttempt is one sign-in going through the throttle: the counters
// it counts against, what its log lines name, and its time.
type signInAttempt struct {
	counters []throttleCounter
	logAttrs []any
	now      time.Time
}

// startAttempt begins a sign-in of u (nil for an unknown account, whose
// accountKey may still be set) from clientAddr. It returns ErrThrottled
// while one of its counters is locked.
func (s *Service) startAttempt(ctx context.Context, u *User, accountKey, clientAddr string) (*signInAttempt, error) {
	a := &signInAttempt{counters: s.signInCounters(accountKey, clientAddr), logAttrs: authLogAttrs(u, clientAddr), now: s.now()}
	for _, c := range a.counters {
		t, err := s.store.LoginThrottle(ctx, c.key)
		if err != nil {
			return nil, err
		}
		if a.now.Before(t.LockedUntil) {
			s.log.WarnContext(ctx, "sign-in throttled", append(a.logAttrs, "key_kind", keyKind(c.key))...)
			s.cfg.Observer.SignInFailed(SignInThrottled)
			return nil, ErrThrottled
		}
	}
	return a, nil
}

// failAttempt counts a failed sign-in on every counter of a and returns
// the error to answer: ErrInvalidCredentials, or ErrThrottled when a
// counter was locked meanwhile.
func (s *Service) failAttempt(ctx context.Context, a *signInAttempt) error {
	throttled := false
	for _, c := range a.counters {
		lockedBefore, err := s.recordFailure(ctx, c.key, c.limit, a.now, a.logAttrs)
		if err != nil {
			return err
		}
		throttled = throttled || lockedBefore
	}
	if throttled {
		// Locked by other attempts while this one was hashed: the
		// answer must not tell whether this guess was right.
		s.log.WarnContext(ctx, "sign-in throttled", a.logAttrs...)
		s.cfg.Observer.SignInFailed(SignInThrottled)
		return ErrThrottled
	}
	s.log.InfoContext(ctx, "sign-in failed", a.logAttrs...)
	s.cfg.Observer.SignInFailed(SignInInvalid)
	return ErrInvalidCredentials
}

// userByEmail returns the user of an email as typed and normalised
// (NormalizeEmail), or nil when there is none. Some stored emails are only
// trimmed and lower-cased, not PRECIS-normalised: for the few addresses
// where the two forms differ (full-width letters, ligatures), that form is
// looked up too, so those accounts stay reachable.
func (s *Service) userByEmail(ctx context.Context, typed, email string) (*User, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		if legacy := strings.ToLower(strings.TrimSpace(typed)); legacy != email && len(legacy) <= MaxEmailLen {
			u, err = s.store.UserByEmail(ctx, legacy)
		}
	}
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return u, err
}

// authLogAttrs are the attributes of every log line about an account event,
// so that events can be investigated: the client address and, when the
// attempt names an account, its id. Never the email: a mistyped one is
// often another of the person's secrets, or someone else's address.
func authLogAttrs(u *User, clientAddr string) []any {
	attrs := []any{"client_addr", clientAddr}
	if u != nil {
		attrs = append(attrs, "user_id", u.ID)
	}
	return attrs
}

// SignedIn is a new session: Token is the secret to hand to the client (the
// cookie value or the bearer token); only its hash is stored.
type SignedIn struct {
	Token   string
	Session *Session
	User    *User
	// CartShortfall lists the products of the guest's cart that did not
	// all go into the account's cart (StartSession), for the shopper to
	// be told.
	CartShortfall []CartShortfall
}

// SignIn authenticates and starts a new web session, never reusing the
// previous one (session fixation). The cart of previous, a guest session
// (may be nil), merges into the user's cart: quantities added, capped by
// stock, 99 a line and 50 lines. previous is then ended.
//
// For an account with a second factor, the session started is pending
// (SecondFactorPending): it grants nothing until CompleteSignIn accepts a
// code, and it carries previous's cart until then.
func (s *Service) SignIn(ctx context.Context, email, password, clientAddr string, previous *Session) (*SignedIn, error) {
	u, err := s.authenticate(ctx, email, password, clientAddr, func(u *User) (factorVerdict, error) {
		if u.TOTPSecret != "" {
			return factorPending, nil
		}
		return factorPassed, nil
	})
	if err != nil {
		return nil, err
	}
	if u.TOTPSecret != "" {
		return s.startPendingSession(ctx, u, previous)
	}
	return s.StartSession(ctx, u, previous)
}
