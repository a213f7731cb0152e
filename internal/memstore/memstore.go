// Package memstore is shop.Store held in memory, for tests and for demos:
// nothing survives the process. It keeps the Store contract exactly as the
// SQLite and DynamoDB stores do (it runs the same conformance suite,
// package shoptest), so domain tests that use it test what production runs,
// only faster. One mutex makes every method one atomic unit of work; values
// are copied in and out, so no caller ever shares memory with the store.
package memstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"storefront/internal/shop"
)

// Store is shop.Store in memory. It is safe for concurrent use. Besides the
// errors each method documents, any method returns shop.ErrUnavailable when
// its context's deadline has passed, and the context's error when it was
// cancelled, as a store across a network would.
type Store struct {
	mu         sync.Mutex
	users      map[string]shop.User // by ID
	userEmails map[string]string    // lower-cased email -> user ID
	sessions   map[string]shop.Session
	products   map[string]shop.Product
	categories map[string]shop.Category
	carts      map[string]shop.Cart
	orders     map[string]shop.Order
	throttles  map[string]shop.LoginThrottle
	audit      []shop.AuditEntry             // in the order appended
	processing processingState               // message claims and dead letters (processing.go)
	resets     map[string]shop.PasswordReset // by IDHash (passwordreset.go)
	// catalogLog is every product and category write, in order: the
	// catalog feed (catalogfeed.go).
	catalogLog []catalogChange
}

var _ shop.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		users:      map[string]shop.User{},
		userEmails: map[string]string{},
		sessions:   map[string]shop.Session{},
		products:   map[string]shop.Product{},
		categories: map[string]shop.Category{},
		carts:      map[string]shop.Cart{},
		orders:     map[string]shop.Order{},
		throttles:  map[string]shop.LoginThrottle{},
		resets:     map[string]shop.PasswordReset{},
	}
}

// lock takes the store's mutex unless ctx is done; the caller unlocks.
// A passed deadline is shop.ErrUnavailable, as the stores across a disk or
// a network report it.
func (s *Store) lock(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("memstore: %s: %w: %w", op, shop.ErrUnavailable, err)
		}
		return fmt.Errorf("memstore: %s: %w", op, err)
	}
	s.mu.Lock()
	return nil
}

// Ping reports whether ctx still allows a call; the store itself is always
// reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.lock(ctx, "ping"); err != nil {
		return err
	}
	s.mu.Unlock()
	return nil
}

// ---- Users ----

// CreateUser saves a new user; the very same user (ID and email) again is
// no error. It returns shop.ErrEmailTaken, saving nothing, when another
// user has u.Email.
func (s *Store) CreateUser(ctx context.Context, u *shop.User) error {
	if err := s.lock(ctx, "create user"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if id, ok := s.userEmails[u.Email]; ok {
		if id == u.ID {
			return nil
		}
		return shop.ErrEmailTaken
	}
	s.users[u.ID] = *u
	s.userEmails[u.Email] = u.ID
	return nil
}

// User returns the user with id, or shop.ErrNotFound.
func (s *Store) User(ctx context.Context, id string) (*shop.User, error) {
	if err := s.lock(ctx, "read user"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return nil, shop.ErrNotFound
	}
	return &u, nil
}

// UserByEmail returns the user with the lower-cased email, or
// shop.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*shop.User, error) {
	if err := s.lock(ctx, "read user by email"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	id, ok := s.userEmails[email]
	if !ok {
		return nil, shop.ErrNotFound
	}
	u := s.users[id]
	return &u, nil
}

// UpdateUserName sets the name of the user id and nothing else, or returns
// shop.ErrNotFound.
func (s *Store) UpdateUserName(ctx context.Context, id, name string) error {
	return s.updateUser(ctx, "update user name", id, func(u *shop.User) { u.Name = name })
}

// UpdateUserPassword sets the password hash of the user id and nothing
// else, or returns shop.ErrNotFound.
func (s *Store) UpdateUserPassword(ctx context.Context, id, passwordHash string) error {
	return s.updateUser(ctx, "update user password", id, func(u *shop.User) { u.PasswordHash = passwordHash })
}

// UpgradeUserPassword sets the password hash of the user id while it is
// still from.
func (s *Store) UpgradeUserPassword(ctx context.Context, id, from, to string) error {
	if err := s.lock(ctx, "upgrade user password"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok || u.PasswordHash != from {
		return shop.ErrNotFound
	}
	u.PasswordHash = to
	s.users[id] = u
	return nil
}

func (s *Store) updateUser(ctx context.Context, op, id string, change func(*shop.User)) error {
	if err := s.lock(ctx, op); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return shop.ErrNotFound
	}
	change(&u)
	s.users[id] = u
	return nil
}

// ---- Sessions ----

// CreateSession saves a new session or API token.
func (s *Store) CreateSession(ctx context.Context, sess *shop.Session) error {
	if err := s.lock(ctx, "create session"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.sessions[sess.IDHash] = *sess
	return nil
}

// Session returns the session whose secret hashes to idHash, expired or
// not, or shop.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string) (*shop.Session, error) {
	if err := s.lock(ctx, "read session"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	sess, ok := s.sessions[idHash]
	if !ok {
		return nil, shop.ErrNotFound
	}
	return &sess, nil
}

// TouchSession sets LastSeenAt of a session; shop.ErrNotFound if it is gone.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	if err := s.lock(ctx, "touch session"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	sess, ok := s.sessions[idHash]
	if !ok {
		return shop.ErrNotFound
	}
	sess.LastSeenAt = at
	s.sessions[idHash] = sess
	return nil
}

// DeleteSession removes a session; removing a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if err := s.lock(ctx, "delete session"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.sessions, idHash)
	return nil
}

// DeleteUserSessions removes every session and token of userID except the
// one hashing to keepIDHash (which may be empty). Guests' sessions have no
// user and are never ended together.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepIDHash string) error {
	if err := s.lock(ctx, "delete user sessions"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if userID == "" {
		return nil
	}
	for idHash, sess := range s.sessions {
		if sess.UserID == userID && idHash != keepIDHash {
			delete(s.sessions, idHash)
		}
	}
	return nil
}

// ---- Login throttles ----

// LoginThrottle returns the throttle record of key; one never saved is
// returned zero-valued with Key set (version 0).
func (s *Store) LoginThrottle(ctx context.Context, key string) (*shop.LoginThrottle, error) {
	if err := s.lock(ctx, "read login throttle"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	t, ok := s.throttles[key]
	if !ok {
		t = shop.LoginThrottle{Key: key}
	}
	return &t, nil
}

// SaveLoginThrottle saves t at version t.Version+1 if the stored record is
// still at t.Version (a missing one is at 0), else returns
// shop.ErrConflict, saving nothing. A reset record is kept, never deleted,
// so its version keeps counting and a save read before the reset fails.
func (s *Store) SaveLoginThrottle(ctx context.Context, t *shop.LoginThrottle) error {
	if err := s.lock(ctx, "save login throttle"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if stored := s.throttles[t.Key]; stored.Version != t.Version {
		return fmt.Errorf("memstore: save login throttle: version %d is no longer current: %w", t.Version, shop.ErrConflict)
	}
	saved := *t
	saved.Version++
	s.throttles[t.Key] = saved
	return nil
}
