package sqlite

import (
	"context"

	"storefront/internal/shop"
)

// SetUserTOTP sets the second factor secret and last accepted step of the
// user id, and only them, or returns shop.ErrNotFound.
func (s *Store) SetUserTOTP(ctx context.Context, id, secret string, lastStep int64) error {
	return s.updateUser(ctx, "set user totp", `UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE id = ?`,
		secret, lastStep, id)
}

// UseTOTPStep records step as the last accepted step of the user id when
// the stored one is lower, in one conditional UPDATE; shop.ErrConflict when
// it is not (the code was used), shop.ErrNotFound for a missing user.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	n, err := s.exec(ctx, "use totp step", `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`,
		step, id, step)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	if _, err := s.User(ctx, id); err != nil {
		return err
	}
	return shop.ErrConflict
}

// StaffUsers returns the staff users by email (index users_by_role).
func (s *Store) StaffUsers(ctx context.Context) ([]shop.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE role = ? ORDER BY email`, shop.RoleStaff)
	if err != nil {
		return nil, wrap("read staff", err)
	}
	defer rows.Close()
	var staff []shop.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("read staff", err)
		}
		staff = append(staff, *u)
	}
	return staff, wrap("read staff", rows.Err())
}
