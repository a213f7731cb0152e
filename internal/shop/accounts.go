package shop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
// per invalid field, ErrEmailTaken, or ErrTooManyRegistrations when the
// client address in ctx (WithClientAddr) has used up its registrations.
// The expensive password hash comes last, after every cheap refusal, so a
// registration attempt is no free way to make the server hash.
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
	if m := s.passwordProblem(in.Password, email, name); m != "" {
		fe.add("password", m)
	}
	if in.ConfirmPassword != in.Password {
		fe.add("confirm_password", "Passwords do not match.")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	// Counted before the email lookup, so that registration is no
	// unlimited way to learn which emails have accounts either.
	if err := s.countRegistration(ctx, ClientAddrFrom(ctx)); err != nil {
		return nil, err
	}
	if existing, err := s.userByEmail(ctx, in.Email, email); err != nil {
		return nil, err
	} else if existing != nil {
		return nil, ErrEmailTaken
	}
	u := &User{ID: newID("u"), Email: email, Name: name, PasswordHash: s.hasher.hash(in.Password), CreatedAt: s.now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	slog.InfoContext(ctx, "account registered", "user_id", u.ID, "client_addr", ClientAddrFrom(ctx))
	return u, nil
}

// RegistrationWindow is the period over which Config.RegistrationLimit
// counts the registrations of one client address.
const RegistrationWindow = time.Hour

// ErrTooManyRegistrations is returned by Register when the client address
// has made Config.RegistrationLimit registrations within RegistrationWindow.
var ErrTooManyRegistrations = errors.New("too many registrations from this address")

// countRegistration counts a registration from clientAddr in the store, so
// the limit holds across servers, or refuses it with ErrTooManyRegistrations
// when the address's window is full. Nothing is counted without an address
// (callers that have none, such as tests and tools).
//
// The record is a throttle record of its own key kind ("registration"),
// updated by the same compare-and-set: Failures counts the registrations of
// the window that starts at WindowStart, and LockedUntil is the end of that
// window, so a store keeps the record (it may delete one only once its
// window and its lock are over) until the count no longer matters.
func (s *Service) countRegistration(ctx context.Context, clientAddr string) error {
	if clientAddr == "" {
		return nil
	}
	key := ThrottleKey("registration", clientAddr)
	now := s.now()
	refused := false
	err := s.updateThrottle(ctx, key, func(t *LoginThrottle) (bool, error) {
		refused = false
		if !now.Before(t.LockedUntil) { // no window yet, or the last one is over
			t.WindowStart, t.LockedUntil, t.Failures = now, now.Add(RegistrationWindow), 0
		}
		if t.Failures >= s.cfg.RegistrationLimit {
			refused = true
			return false, nil
		}
		t.Failures++
		return true, nil
	})
	if err != nil {
		return err
	}
	if refused {
		slog.WarnContext(ctx, "registration refused: address limit reached", "client_addr", clientAddr,
			"limit", s.cfg.RegistrationLimit)
		return ErrTooManyRegistrations
	}
	return nil
}

// ThrottleKey is the store key of a throttle record: its kind ("account",
// "address" or "registration") and the SHA-256 of the value it counts (a
// normalised email, a client address). Every key has the same length
// whatever a client sent, so no request can store more than a fixed size
// nor exceed a store's key limit, and no email stands in the store in
// clear outside its account. Operators and tests find a record by it.
func ThrottleKey(kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return kind + ":" + hex.EncodeToString(sum[:])
}

type ctxKeyClientAddr struct{}

// WithClientAddr returns ctx carrying the network address of the client
// of a request (as the HTTP layer determined it, behind a trusted proxy
// from its header): registrations are counted per address, and account
// events are logged with it.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, ctxKeyClientAddr{}, addr)
}

// ClientAddrFrom returns the client address WithClientAddr put in ctx, or "".
func ClientAddrFrom(ctx context.Context) string {
	addr, _ := ctx.Value(ctxKeyClientAddr{}).(string)
	return addr
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
//
// An email no account can have (over 254 characters, invalid, mixing
// scripts) is an unknown account, except that its failure is counted for
// the client address only: nothing of it is stored, and guessing at it
// tells nothing. Failures and locks are logged with the client address and
// the account's id when the email is an account's, never the email.
func (s *Service) Authenticate(ctx context.Context, typed, password, clientAddr string) (*User, error) {
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
	counters := s.signInCounters(accountKey, clientAddr)
	logAttrs := authLogAttrs(u, clientAddr)
	now := s.now()
	for _, c := range counters {
		t, err := s.store.LoginThrottle(ctx, c.key)
		if err != nil {
			return nil, err
		}
		if now.Before(t.LockedUntil) {
			slog.WarnContext(ctx, "sign-in throttled", append(logAttrs, "key_kind", keyKind(c.key))...)
			return nil, ErrThrottled
		}
	}
	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, weak := s.hasher.verify(password, hash)
	if u == nil || !ok {
		throttled := false
		for _, c := range counters {
			lockedBefore, err := s.recordFailure(ctx, c.key, c.limit, now, logAttrs)
			if err != nil {
				return nil, err
			}
			throttled = throttled || lockedBefore
		}
		if throttled {
			// Locked by other attempts while this one was hashed: the
			// answer must not tell whether this guess was right.
			slog.WarnContext(ctx, "sign-in throttled", logAttrs...)
			return nil, ErrThrottled
		}
		slog.InfoContext(ctx, "sign-in failed", logAttrs...)
		return nil, ErrInvalidCredentials
	}
	if err := s.clearFailures(ctx, counters, now, logAttrs); err != nil {
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
	slog.InfoContext(ctx, "signed in", logAttrs...)
	return u, nil
}

// userByEmail returns the user of an email as typed and normalised
// (NormalizeEmail), or nil when there is none. Emails stored before the
// PRECIS normalisation were only trimmed and lower-cased: for the few
// addresses where that differs (full-width letters, ligatures), the old
// form is looked up too, so their accounts stay reachable.
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

// throttleCounter is one failure count a sign-in goes through: the
// record's key and the failures that lock it.
type throttleCounter struct {
	key   string
	limit int
}

// signInCounters returns the counters of a sign-in: the account's (when
// accountKey is set) first, then the client address's (when known).
func (s *Service) signInCounters(accountKey, clientAddr string) []throttleCounter {
	var counters []throttleCounter
	if accountKey != "" {
		counters = append(counters, throttleCounter{accountKey, AccountFailureLimit})
	}
	if clientAddr != "" {
		counters = append(counters, throttleCounter{ThrottleKey("address", clientAddr), AddressFailureLimit})
	}
	return counters
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
// extended. A new lock is logged with logAttrs (authLogAttrs).
func (s *Service) recordFailure(ctx context.Context, key string, limit int, now time.Time, logAttrs []any) (lockedBefore bool, err error) {
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
		slog.WarnContext(ctx, "sign-in locked", append(logAttrs, "key_kind", keyKind(key), "failures", lockedAt)...)
	}
	return lockedBefore, err
}

// clearFailures ends the failure count of the account (the first counter,
// when it is an account's) after a right password, unless a key was locked
// while the password was hashed: then the sign-in is refused like any
// other during the lock. The reset is saved over the version whose lock
// was checked, so it never erases a failure or a lock saved after that
// check.
func (s *Service) clearFailures(ctx context.Context, counters []throttleCounter, now time.Time, logAttrs []any) error {
	if len(counters) == 0 {
		return nil
	}
	for _, c := range counters[1:] {
		t, err := s.store.LoginThrottle(ctx, c.key)
		if err != nil {
			return err
		}
		if now.Before(t.LockedUntil) {
			slog.WarnContext(ctx, "sign-in throttled", append(logAttrs, "key_kind", keyKind(c.key))...)
			return ErrThrottled
		}
	}
	return s.updateThrottle(ctx, counters[0].key, func(t *LoginThrottle) (bool, error) {
		if now.Before(t.LockedUntil) {
			slog.WarnContext(ctx, "sign-in throttled", append(logAttrs, "key_kind", keyKind(t.Key))...)
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
//
// A wrong current password counts as a failed sign-in of the account, in
// the same throttle record: whoever holds a stolen session gets no more
// guesses at the password than a stranger at the sign-in form. While the
// account is locked it returns ErrThrottled, the right password included.
// Failures are logged with the client address in ctx (WithClientAddr).
func (s *Service) ChangePassword(ctx context.Context, u *User, current *Session, in ChangePasswordInput) (*SignedIn, error) {
	counters := s.signInCounters(ThrottleKey("account", NormalizeEmail(u.Email)), "")
	logAttrs := authLogAttrs(u, ClientAddrFrom(ctx))
	now := s.now()
	t, err := s.store.LoginThrottle(ctx, counters[0].key)
	if err != nil {
		return nil, err
	}
	if now.Before(t.LockedUntil) {
		slog.WarnContext(ctx, "password change throttled", logAttrs...)
		return nil, ErrThrottled
	}
	fe := fieldErrors{}
	if ok, _ := s.hasher.verify(in.CurrentPassword, u.PasswordHash); ok {
		if err := s.clearFailures(ctx, counters, now, logAttrs); err != nil {
			return nil, err
		}
	} else {
		lockedBefore, err := s.recordFailure(ctx, counters[0].key, counters[0].limit, now, logAttrs)
		if err != nil {
			return nil, err
		}
		if lockedBefore {
			slog.WarnContext(ctx, "password change throttled", logAttrs...)
			return nil, ErrThrottled
		}
		slog.WarnContext(ctx, "password change: current password wrong", logAttrs...)
		fe.add("current_password", "Your current password is not correct.")
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
	slog.InfoContext(ctx, "password changed", logAttrs...)
	return s.StartSession(ctx, &updated, nil)
}
