package memstore

import (
	"context"
	"sort"

	"storefront/internal/shop"
)

// SetUserTOTP sets the second factor secret and last accepted step of the
// user id, and nothing else, or returns shop.ErrNotFound.
func (s *Store) SetUserTOTP(ctx context.Context, id, secret string, lastStep int64) error {
	return s.updateUser(ctx, "set user totp", id, func(u *shop.User) { u.TOTPSecret, u.TOTPLastStep = secret, lastStep })
}

// UseTOTPStep records step as the user's last accepted step if the stored
// one is lower; shop.ErrConflict otherwise, shop.ErrNotFound for a missing
// user.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	if err := s.lock(ctx, "use totp step"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u, ok := s.users[id]
	switch {
	case !ok:
		return shop.ErrNotFound
	case u.TOTPLastStep >= step:
		return shop.ErrConflict
	}
	u.TOTPLastStep = step
	s.users[id] = u
	return nil
}

// StaffUsers returns the staff users by email.
func (s *Store) StaffUsers(ctx context.Context) ([]shop.User, error) {
	if err := s.lock(ctx, "read staff"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var staff []shop.User
	for _, u := range s.users {
		if u.Role == shop.RoleStaff {
			staff = append(staff, u)
		}
	}
	sort.Slice(staff, func(i, j int) bool { return staff[i].Email < staff[j].Email })
	return staff, nil
}
