package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"storefront/internal/shop"
)

// CreatePasswordReset saves a new reset link.
func (s *Store) CreatePasswordReset(ctx context.Context, r *shop.PasswordReset) error {
	_, err := s.exec(ctx, "create password reset", `
		INSERT INTO password_resets (id_hash, user_id, password_stamp, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		r.IDHash, r.UserID, r.PasswordStamp, millis(r.CreatedAt), millis(r.ExpiresAt))
	return err
}

// PasswordReset returns the link with idHash, expired or not, or
// shop.ErrNotFound.
func (s *Store) PasswordReset(ctx context.Context, idHash string) (*shop.PasswordReset, error) {
	var r shop.PasswordReset
	err := s.db.QueryRowContext(ctx, `
		SELECT id_hash, user_id, password_stamp, created_at, expires_at FROM password_resets WHERE id_hash = ?`, idHash).
		Scan(&r.IDHash, &r.UserID, &r.PasswordStamp, msTime{&r.CreatedAt}, msTime{&r.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, wrap("read password reset", err)
	}
	return &r, nil
}

// ConsumePasswordReset deletes the link idHash; the row count tells which
// of two concurrent uses deleted it: the other gets shop.ErrNotFound.
func (s *Store) ConsumePasswordReset(ctx context.Context, idHash string) error {
	n, err := s.exec(ctx, "consume password reset", `DELETE FROM password_resets WHERE id_hash = ?`, idHash)
	if err != nil {
		return err
	}
	if n == 0 {
		return shop.ErrNotFound
	}
	return nil
}
