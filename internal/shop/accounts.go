package shop

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"
)

// RegisterInput is a registration form. Field keys of its ValidationError:
// email, name, password, confirm_password.
type RegisterInput struct {
	Email           string
	Name            string
	Password        string
	ConfirmPassword string
}

// Register creates an account. It returns a *ValidationError with a message
// per invalid field, or ErrEmailTaken.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*User, error) {
	email := NormalizeEmail(in.Email)
	name := cleanText(in.Name)
	fe := fieldErrors{}
	if m := emailProblem(email); m != "" {
		fe.add("email", m)
	}
	if m := textProblem(name, "your name", MaxNameLen, false); m != "" {
		fe.add("name", m)
	}
	if m := s.passwordProblem(in.Password, email); m != "" {
		fe.add("password", m)
	}
	if in.ConfirmPassword != in.Password {
		fe.add("confirm_password", "Passwords do not match.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	u := &User{ID: newID("u"), Email: email, Name: name, PasswordHash: s.hasher.hash(in.Password), CreatedAt: s.now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	slog.InfoContext(ctx, "account registered", "user_id", u.ID)
	return u, nil
}

// Sign-in throttling: after this many failures for one account within the
// window, sign-in for it is refused for LockDuration; client addresses get a
// higher limit, since many shoppers may share one.
const (
	AccountFailureLimit = 10
	AddressFailureLimit = 100
	ThrottleWindow      = 15 * time.Minute
	LockDuration        = 15 * time.Minute
)

// Authenticate checks an email and password. It returns ErrThrottled while
// the account or the client address is locked out, and ErrInvalidCredentials
// for an unknown email or a wrong password alike, after the same hashing
// work, so neither answer nor timing tells whether an account exists.
func (s *Service) Authenticate(ctx context.Context, email, password, clientAddr string) (*User, error) {
	email = NormalizeEmail(email)
	keys := []string{"account:" + email}
	if clientAddr != "" {
		keys = append(keys, "address:"+clientAddr)
	}
	now := s.now()
	for _, key := range keys {
		t, err := s.store.LoginThrottle(ctx, key)
		if err != nil {
			return nil, err
		}
		if now.Before(t.LockedUntil) {
			slog.WarnContext(ctx, "sign-in throttled", "key_kind", keyKind(key))
			return nil, ErrThrottled
		}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, weak := s.hasher.verify(password, hash)
	if u == nil || !ok {
		throttled := false
		for i, key := range keys {
			limit := AccountFailureLimit
			if i > 0 {
				limit = AddressFailureLimit
			}
			lockedBefore, err := s.recordFailure(ctx, key, limit, now)
			if err != nil {
				return nil, err
			}
			throttled = throttled || lockedBefore
		}
		if throttled {
			// Locked by other attempts while this one was hashed: the
			// answer must not tell whether this guess was right.
			slog.WarnContext(ctx, "sign-in throttled")
			return nil, ErrThrottled
		}
		slog.InfoContext(ctx, "sign-in failed")
		return nil, ErrInvalidCredentials
	}
	if err := s.clearFailures(ctx, keys, now); err != nil {
		return nil, err
	}
	if weak {
		// Upgrade a hash made with weaker parameters while the password is at hand.
		u.PasswordHash = s.hasher.hash(password)
		if err := s.store.UpdateUserPassword(ctx, u.ID, u.PasswordHash); err != nil {
			return nil, err
		}
		slog.InfoContext(ctx, "password hash upgraded", "user_id", u.ID)
	}
	slog.InfoContext(ctx, "signed in", "user_id", u.ID)
	return u, nil
}

// throttleAttempts bounds the read-change-save rounds of one throttle
// update. A round is lost only to another server's save, and a key already
// locked needs no save, so in a burst of guesses at one account every guess
// is done within AccountFailureLimit+1 rounds; the rest is room for
// successful sign-ins and for address keys, which many accounts share.
const throttleAttempts = 16

// throttleBudget bounds the time of one throttle update as well: a store
// may also answer ErrConflict only after waiting (SQLite, for a write lock
// held past its busy timeout), and a sign-in should not wait that long
// throttleAttempts times.
const throttleBudget = 2 * time.Second

// errThrottleContended is returned when a throttle update ran out of
// rounds or time (throttleAttempts, throttleBudget). The sign-in is refused
// (ErrUnavailable: "try again"), whether or not its password was right:
// a guess whose failure is not counted must get no answer.
var errThrottleContended = fmt.Errorf("%w: sign-in throttle record kept changing under the update", ErrUnavailable)

// updateThrottle reads the record of key, lets change modify it and saves
// it over the version read, in a new round whenever a concurrent save won
// (ErrConflict): servers sharing the store all count, with no lock between
// them. change reports whether there is anything to save; it is called
// once per round, on a fresh record, and an error of it ends the update.
// Updates of one key in this process wait for each other (throttleLocks),
// so only other servers' saves make a round lose.
func (s *Service) updateThrottle(ctx context.Context, key string, change func(t *LoginThrottle) (save bool, err error)) error {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key)) // a hash never fails to write
	mu := &s.throttleLocks[h.Sum32()%uint32(len(s.throttleLocks))]
	mu.Lock()
	defer mu.Unlock()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		t, err := s.store.LoginThrottle(ctx, key)
		if err != nil {
			return err
		}
		save, err := change(t)
		if err != nil || !save {
			return err
		}
		err = s.store.SaveLoginThrottle(ctx, t)
		if !errors.Is(err, ErrConflict) {
			return err
		}
		if attempt == throttleAttempts || time.Since(start) > throttleBudget {
			slog.WarnContext(ctx, "sign-in throttle contended", "key_kind", keyKind(key), "attempts", attempt)
			return errThrottleContended
		}
		if err := pause(ctx, throttleBackoff(attempt)); err != nil {
			return err
		}
	}
}

// throttleBackoff is the pause after losing round attempt: 1 ms doubled
// per round, capped at 50 ms, half of it random, so the losers of one race
// do not meet again in lockstep.
func throttleBackoff(attempt int) time.Duration {
	d := min(time.Millisecond<<min(attempt-1, 6), 50*time.Millisecond)
	// Jitter only spreads retries apart; it needs no unpredictability.
	return d/2 + rand.N(d/2+1) // #nosec G404 -- not a secret
}

// pause waits d or until ctx is done.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// keyKind is the kind of a throttle key ("account" or "address"), which is
// all the logs name of it.
func keyKind(key string) string {
	kind, _, _ := strings.Cut(key, ":")
	return kind
}

// recordFailure counts a failed sign-in for key, locking the key once limit
// failures fall within ThrottleWindow. lockedBefore reports that the key
// was already locked by other attempts (concurrent with this one, which
// passed the check before hashing); such a failure is not counted, as it
// would change nothing: a lock is only set at limit failures and is never
// extended.
func (s *Service) recordFailure(ctx context.Context, key string, limit int, now time.Time) (lockedBefore bool, err error) {
	var lockedAt int // the failures that set the lock; 0 when none did
	err = s.updateThrottle(ctx, key, func(t *LoginThrottle) (bool, error) {
		lockedAt = 0
		lockedBefore = now.Before(t.LockedUntil)
		if lockedBefore {
			return false, nil
		}
		if now.Sub(t.WindowStart) > ThrottleWindow {
			t.WindowStart, t.Failures = now, 0
		}
		t.Failures++
		if t.Failures >= limit {
			t.LockedUntil, lockedAt = now.Add(LockDuration), t.Failures
		}
		return true, nil
	})
	if err == nil && lockedAt > 0 {
		slog.WarnContext(ctx, "sign-in locked", "key_kind", keyKind(key), "failures", lockedAt)
	}
	return lockedBefore, err
}

// clearFailures ends the failure count of the account (keys[0]) after a
// right password, unless a key was locked while the password was hashed:
// then the sign-in is refused like any other during the lock. The reset is
// saved over the version whose lock was checked, so it never erases a
// failure or a lock saved after that check.
func (s *Service) clearFailures(ctx context.Context, keys []string, now time.Time) error {
	for _, key := range keys[1:] {
		t, err := s.store.LoginThrottle(ctx, key)
		if err != nil {
			return err
		}
		if now.Before(t.LockedUntil) {
			slog.WarnContext(ctx, "sign-in throttled", "key_kind", keyKind(key))
			return ErrThrottled
		}
	}
	return s.updateThrottle(ctx, keys[0], func(t *LoginThrottle) (bool, error) {
		if now.Before(t.LockedUntil) {
			slog.WarnContext(ctx, "sign-in throttled", "key_kind", keyKind(t.Key))
			return false, ErrThrottled
		}
		if t.Failures == 0 && t.WindowStart.IsZero() && t.LockedUntil.IsZero() {
			return false, nil // nothing to clear: no write for most sign-ins
		}
		*t = LoginThrottle{Key: t.Key, Version: t.Version}
		return true, nil
	})
}

// SignedIn is a new session: Token is the secret to hand to the client (the
// cookie value or the bearer token); only its hash is stored.
type SignedIn struct {
	Token   string
	Session *Session
	User    *User
}

// SignIn authenticates and starts a new web session, never reusing the
// previous one (session fixation). The cart of previous, a guest session
// (may be nil), merges into the user's cart: quantities added, capped by
// stock, 99 a line and 50 lines. previous is then ended.
func (s *Service) SignIn(ctx context.Context, email, password, clientAddr string, previous *Session) (*SignedIn, error) {
	u, err := s.Authenticate(ctx, email, password, clientAddr)
	if err != nil {
		return nil, err
	}
	return s.StartSession(ctx, u, previous)
}

// StartSession starts a web session for an authenticated (or just
// registered) user, merging and ending previous as SignIn does.
func (s *Service) StartSession(ctx context.Context, u *User, previous *Session) (*SignedIn, error) {
	token := newSecret()
	now := s.now()
	sess := &Session{IDHash: hashSecret(token), Kind: SessionWeb, UserID: u.ID, CartID: UserCartID(u.ID),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMaxAge)}
	if previous != nil && previous.CartID != "" && previous.CartID != sess.CartID {
		if err := s.mergeCart(ctx, previous.CartID, sess.CartID); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	if previous != nil {
		if err := s.store.DeleteSession(ctx, previous.IDHash); err != nil {
			return nil, err
		}
	}
	return &SignedIn{Token: token, Session: sess, User: u}, nil
}

// StartGuestSession starts a session for a shopper who is not signed in, to
// hold their cart.
func (s *Service) StartGuestSession(ctx context.Context) (*SignedIn, error) {
	token := newSecret()
	now := s.now()
	sess := &Session{IDHash: hashSecret(token), Kind: SessionWeb, CartID: newID("guest-"),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.GuestSessionMaxAge)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &SignedIn{Token: token, Session: sess}, nil
}

// UserCartID is the id of a signed-in user's cart.
func UserCartID(userID string) string { return "user-" + userID }

// touchInterval bounds how often a session's LastSeenAt is written: often
// enough for the idle timeout, rarely enough to keep page views cheap.
const touchInterval = time.Minute

// Session returns the live web session and its user (nil for a guest) for
// a cookie token. It returns ErrUnauthorized for an unknown, expired or idle
// session, which it deletes.
func (s *Service) Session(ctx context.Context, token string) (*Session, *User, error) {
	return s.liveSession(ctx, token, SessionWeb)
}

// TokenUser returns the user of an API bearer token, or ErrUnauthorized.
func (s *Service) TokenUser(ctx context.Context, token string) (*Session, *User, error) {
	sess, u, err := s.liveSession(ctx, token, SessionAPI)
	if err == nil && u == nil {
		return nil, nil, ErrUnauthorized
	}
	return sess, u, err
}

func (s *Service) liveSession(ctx context.Context, token, kind string) (*Session, *User, error) {
	if token == "" || len(token) > 200 {
		return nil, nil, ErrUnauthorized
	}
	sess, err := s.store.Session(ctx, hashSecret(token))
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrUnauthorized
	}
	if err != nil {
		return nil, nil, err
	}
	if sess.Kind != kind {
		return nil, nil, ErrUnauthorized
	}
	now := s.now()
	idle := s.cfg.SessionIdleTimeout
	if sess.UserID == "" {
		idle = s.cfg.GuestSessionMaxAge
	}
	expired := !now.Before(sess.ExpiresAt) || kind == SessionWeb && now.Sub(sess.LastSeenAt) >= idle
	if expired {
		if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrUnauthorized
	}
	var u *User
	if sess.UserID != "" {
		if u, err = s.store.User(ctx, sess.UserID); errors.Is(err, ErrNotFound) {
			return nil, nil, ErrUnauthorized
		} else if err != nil {
			return nil, nil, err
		}
	}
	if kind == SessionWeb && now.Sub(sess.LastSeenAt) >= touchInterval {
		if err := s.store.TouchSession(ctx, sess.IDHash, now); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	return sess, u, nil
}

// EndSession ends a web session or revokes an API token (sign-out).
func (s *Service) EndSession(ctx context.Context, sess *Session) error {
	return s.store.DeleteSession(ctx, sess.IDHash)
}

// CreateToken authenticates and issues an API bearer token, as SignIn does
// for a browser.
func (s *Service) CreateToken(ctx context.Context, email, password, clientAddr string) (*SignedIn, error) {
	u, err := s.Authenticate(ctx, email, password, clientAddr)
	if err != nil {
		return nil, err
	}
	token := newSecret()
	now := s.now()
	sess := &Session{IDHash: hashSecret(token), Kind: SessionAPI, UserID: u.ID, CartID: UserCartID(u.ID),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.TokenLifetime)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &SignedIn{Token: token, Session: sess, User: u}, nil
}

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

// ChangePassword sets a new password after checking the current one, ends
// every other session and token of the user and renews the current session
// (a new id). It returns the new session.
func (s *Service) ChangePassword(ctx context.Context, u *User, current *Session, in ChangePasswordInput) (*SignedIn, error) {
	fe := fieldErrors{}
	if ok, _ := s.hasher.verify(in.CurrentPassword, u.PasswordHash); !ok {
		fe.add("current_password", "Your current password is not correct.")
	}
	if m := s.passwordProblem(in.NewPassword, u.Email); m != "" {
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
	slog.InfoContext(ctx, "password changed", "user_id", u.ID)
	return s.StartSession(ctx, &updated, nil)
}
