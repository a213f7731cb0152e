package shop

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
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
			slog.WarnContext(ctx, "sign-in throttled", "key_kind", strings.SplitN(key, ":", 2)[0])
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
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
		slog.InfoContext(ctx, "password hash upgraded", "user_id", u.ID)
	}
	slog.InfoContext(ctx, "signed in", "user_id", u.ID)
	return u, nil
}

// throttleLock returns the lock that serializes this process's updates of
// the throttle record of key, so that concurrent failures are all counted
// (the record is read, changed and written back).
func (s *Service) throttleLock(key string) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key)) // a hash never fails to write
	return &s.throttleLocks[h.Sum32()%uint32(len(s.throttleLocks))]
}

// recordFailure counts a failed sign-in for key, locking the key once limit
// failures fall within ThrottleWindow. lockedBefore reports that the key
// was already locked by other attempts (concurrent with this one, which
// passed the check before hashing).
func (s *Service) recordFailure(ctx context.Context, key string, limit int, now time.Time) (lockedBefore bool, err error) {
	mu := s.throttleLock(key)
	mu.Lock()
	defer mu.Unlock()
	t, err := s.store.LoginThrottle(ctx, key)
	if err != nil {
		return false, err
	}
	lockedBefore = now.Before(t.LockedUntil)
	if now.Sub(t.WindowStart) > ThrottleWindow {
		t.WindowStart, t.Failures = now, 0
	}
	t.Failures++
	if t.Failures >= limit && !lockedBefore {
		t.LockedUntil = now.Add(LockDuration)
		slog.WarnContext(ctx, "sign-in locked", "key_kind", strings.SplitN(key, ":", 2)[0], "failures", t.Failures)
	}
	return lockedBefore, s.store.SaveLoginThrottle(ctx, t)
}

// clearFailures ends the failure count of the account (keys[0]) after a
// right password, unless a key was locked while the password was hashed:
// then the sign-in is refused like any other during the lock.
func (s *Service) clearFailures(ctx context.Context, keys []string, now time.Time) error {
	mu := s.throttleLock(keys[0])
	mu.Lock()
	defer mu.Unlock()
	for _, key := range keys {
		t, err := s.store.LoginThrottle(ctx, key)
		if err != nil {
			return err
		}
		if now.Before(t.LockedUntil) {
			slog.WarnContext(ctx, "sign-in throttled", "key_kind", strings.SplitN(key, ":", 2)[0])
			return ErrThrottled
		}
	}
	return s.store.SaveLoginThrottle(ctx, &LoginThrottle{Key: keys[0]})
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
	if err := s.store.UpdateUser(ctx, &updated); err != nil {
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
	if err := s.store.UpdateUser(ctx, &updated); err != nil {
		return nil, err
	}
	if err := s.store.DeleteUserSessions(ctx, u.ID, ""); err != nil {
		return nil, fmt.Errorf("end sessions after password change: %w", err)
	}
	slog.InfoContext(ctx, "password changed", "user_id", u.ID)
	return s.StartSession(ctx, &updated, nil)
}
