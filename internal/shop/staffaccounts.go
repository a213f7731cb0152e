package shop

import (
	"context"
)

// StaffInput is a new staff account: the `staff add` command's flags and
// password, or the staff page's form. Field keys of its ValidationError:
// email, name, password.
type StaffInput struct {
	Email    string
	Name     string
	Password string
}

// AddStaff creates a staff account with a new second factor and returns it
// with the factor's key, to be shown once. The account's fields follow the
// rules of registration. It returns a *ValidationError or ErrEmailTaken,
// saving nothing.
func (s *Service) AddStaff(ctx context.Context, in StaffInput) (*User, *TOTPKey, error) {
	reg := RegisterInput{Email: in.Email, Name: in.Name, Password: in.Password, ConfirmPassword: in.Password}
	email, name, err := s.checkNewAccount(reg)
	if err != nil {
		return nil, nil, err
	}
	key, err := newTOTPKey(email)
	if err != nil {
		return nil, nil, err
	}
	u := &User{ID: newID("u"), Email: email, Name: name, Role: RoleStaff, TOTPSecret: key.Secret}
	if err := s.createAccount(ctx, reg, u); err != nil {
		return nil, nil, err
	}
	s.log.InfoContext(ctx, "staff account created", "user_id", u.ID)
	return u, key, nil
}
