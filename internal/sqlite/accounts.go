package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"storefront/internal/shop"
)

// CreateUser saves a new user. It returns shop.ErrEmailTaken, saving
// nothing, when a user with the same Email exists; the unique index on
// users.email decides, so two concurrent registrations cannot both win.
func (s *Store) CreateUser(ctx context.Context, u *shop.User) error {
	n, err := s.exec(ctx, "create user", `
		INSERT INTO users (id, email, name, password_hash, created_at, role, totp_secret, totp_last_step)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email) DO NOTHING`,
		u.ID, u.Email, u.Name, u.PasswordHash, millis(u.CreatedAt), u.Role, u.TOTPSecret, u.TOTPLastStep)
	if err != nil {
		return err
	}
	if n == 0 {
		// A retried request finds its own user in place: success.
		if existing, err := s.UserByEmail(ctx, u.Email); err == nil && existing.ID == u.ID {
			return nil
		}
		return shop.ErrEmailTaken
	}
	return nil
}

const userColumns = `id, email, name, password_hash, created_at, role, totp_secret, totp_last_step`

func scanUser(row interface{ Scan(...any) error }) (*shop.User, error) {
	var u shop.User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, msTime{&u.CreatedAt}, &u.Role, &u.TOTPSecret, &u.TOTPLastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// User returns the user with id, or shop.ErrNotFound.
func (s *Store) User(ctx context.Context, id string) (*shop.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	return u, wrap("read user", err)
}

// UserByEmail returns the user with the (lower-cased) email, or
// shop.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*shop.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	return u, wrap("read user by email", err)
}

// UpdateUserName sets the name of the user id, and only it, or returns
// shop.ErrNotFound. One statement per attribute: a name change never writes
// back a password hash read before a concurrent password change.
func (s *Store) UpdateUserName(ctx context.Context, id, name string) error {
	return s.updateUser(ctx, "update user name", `UPDATE users SET name = ? WHERE id = ?`, name, id)
}

// UpdateUserPassword sets the password hash of the user id, and only it,
// or returns shop.ErrNotFound.
func (s *Store) UpdateUserPassword(ctx context.Context, id, passwordHash string) error {
	return s.updateUser(ctx, "update user password", `UPDATE users SET password_hash = ? WHERE id = ?`, passwordHash, id)
}

// UpgradeUserPassword sets the password hash of the user id while it is
// still from.
func (s *Store) UpgradeUserPassword(ctx context.Context, id, from, to string) error {
	return s.updateUser(ctx, "upgrade user password", `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, to, id, from)
}

// updateUser runs one UPDATE of a user row; no row changed is
// shop.ErrNotFound.
func (s *Store) updateUser(ctx context.Context, op, query string, args ...any) error {
	n, err := s.exec(ctx, op, query, args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return shop.ErrNotFound
	}
	return nil
}

// CreateSession saves a new session or API token.
func (s *Store) CreateSession(ctx context.Context, sess *shop.Session) error {
	_, err := s.exec(ctx, "create session", `
		INSERT INTO sessions (id_hash, kind, user_id, cart_id, created_at, last_seen_at, expires_at, second_factor, password_stamp)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.IDHash, sess.Kind, sess.UserID, sess.CartID, millis(sess.CreatedAt), millis(sess.LastSeenAt), millis(sess.ExpiresAt),
		sess.SecondFactor, sess.PasswordStamp)
	return err
}

// Session returns the session whose secret hashes to idHash, expired or
// not, or shop.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string) (*shop.Session, error) {
	var sess shop.Session
	err := s.db.QueryRowContext(ctx, `
		SELECT id_hash, kind, user_id, cart_id, created_at, last_seen_at, expires_at, second_factor, password_stamp
		FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&sess.IDHash, &sess.Kind, &sess.UserID, &sess.CartID,
			msTime{&sess.CreatedAt}, msTime{&sess.LastSeenAt}, msTime{&sess.ExpiresAt}, &sess.SecondFactor, &sess.PasswordStamp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, wrap("read session", err)
	}
	return &sess, nil
}

// TouchSession sets LastSeenAt of a session; shop.ErrNotFound if it is gone.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	n, err := s.exec(ctx, "touch session", `UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, millis(at), idHash)
	if err != nil {
		return err
	}
	if n == 0 {
		return shop.ErrNotFound
	}
	return nil
}

// DeleteSession removes a session; removing a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.exec(ctx, "delete session", `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteUserSessions removes every session and token of userID except the
// one hashing to keepIDHash (which may be empty).
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepIDHash string) error {
	if userID == "" {
		return nil // guests' sessions have no user; they are never ended together
	}
	_, err := s.exec(ctx, "delete user sessions", `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, userID, keepIDHash)
	return err
}

// LoginThrottle returns the throttle record of key; one never saved is
// returned zero-valued with Key set (version 0).
func (s *Store) LoginThrottle(ctx context.Context, key string) (*shop.LoginThrottle, error) {
	t := shop.LoginThrottle{Key: key}
	err := s.db.QueryRowContext(ctx, `SELECT failures, window_start, locked_until, version FROM login_throttles WHERE key = ?`, key).
		Scan(&t.Failures, msTime{&t.WindowStart}, msTime{&t.LockedUntil}, &t.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return &t, nil
	}
	if err != nil {
		return nil, wrap("read login throttle", err)
	}
	return &t, nil
}

// SaveLoginThrottle saves t at version t.Version+1 if the stored record is
// still at t.Version (a missing one is at 0), else returns
// shop.ErrConflict, saving nothing. Each case is one statement, so the
// version check and the write are atomic, across processes too. A reset
// record is kept, not deleted: a deleted record would start again at
// version 0, and a save read before the reset could then pass the check.
func (s *Store) SaveLoginThrottle(ctx context.Context, t *shop.LoginThrottle) error {
	var (
		n   int64
		err error
	)
	if t.Version == 0 {
		// Inserts a new record, or replaces one at version 0 (the
		// column's default: a row the versioned saves never wrote).
		n, err = s.exec(ctx, "save login throttle", `
			INSERT INTO login_throttles (key, failures, window_start, locked_until, version) VALUES (?, ?, ?, ?, 1)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start,
				locked_until = excluded.locked_until, version = excluded.version
			WHERE login_throttles.version = 0`,
			t.Key, t.Failures, millis(t.WindowStart), millis(t.LockedUntil))
	} else {
		n, err = s.exec(ctx, "save login throttle", `
			UPDATE login_throttles SET failures = ?, window_start = ?, locked_until = ?, version = version + 1
			WHERE key = ? AND version = ?`,
			t.Failures, millis(t.WindowStart), millis(t.LockedUntil), t.Key, t.Version)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("sqlite: save login throttle: version %d is no longer current: %w", t.Version, shop.ErrConflict)
	}
	return nil
}
