package shop

import (
	"context"
	"fmt"
)

// StaffInput is a new staff account: the `staff add` command's flags and
// password, or the staff page's form. Field keys of its ValidationError:
// email, name, password.
type StaffInput struct {
	Email    string
	Name     string
	Password string
}

// staffSnapshot is what the audit log keeps of a staff account: never its
// password hash or second factor secret.
type staffSnapshot struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

func snapshotOf(u *User) staffSnapshot {
	return staffSnapshot{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

// AddStaff creates a staff account with a new second factor, made by actor
// (CommandLineActor for the command), and returns it with the factor's
// key, to be shown once. The account's fields follow the rules of
// registration. It returns a *ValidationError or ErrEmailTaken, saving
// nothing. The creation is audited.
func (s *Service) AddStaff(ctx context.Context, actor *User, in StaffInput) (*User, *TOTPKey, error) {
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
	s.log.InfoContext(ctx, "staff account created", "user_id", u.ID, "actor", actor.ID)
	s.recordAudit(ctx, actor, AuditStaffAdd, u.ID, nil, snapshotOf(u))
	return u, key, nil
}

// AddStaffMember is AddStaff from the staff page: actor, a staff member,
// types their own current password again first (confirmPassword: a wrong
// one is the field current_password, counted as a failed sign-in), since
// making staff is the most sensitive change there is. Nothing is created
// unless every field is right.
func (s *Service) AddStaffMember(ctx context.Context, actor *User, actorPassword string, in StaffInput) (*User, *TOTPKey, error) {
	fe := fieldErrors{}
	if err := s.confirmPassword(ctx, actor, actorPassword, "staff add", fe); err != nil {
		return nil, nil, err
	}
	if err := fe.err(); err != nil {
		return nil, nil, err
	}
	return s.AddStaff(ctx, actor, in)
}

// StaffMembers lists the staff accounts, by email.
func (s *Service) StaffMembers(ctx context.Context) ([]User, error) {
	return s.store.StaffUsers(ctx)
}

// ResetStaffSecondFactor gives the staff member targetID a new second
// factor secret, returned to be shown once, after actor typed their own
// current password again (as AddStaffMember). Every session and token of
// the target ends, so the old secret opens nothing, and the reset is
// audited. It returns ErrNotFound when targetID is no staff account, and a
// *ValidationError (field user) for actor's own account: a second staff
// member must vouch for a reset.
func (s *Service) ResetStaffSecondFactor(ctx context.Context, actor *User, actorPassword, targetID string) (*User, *TOTPKey, error) {
	fe := fieldErrors{}
	if targetID == actor.ID {
		fe.add("user", "You cannot reset your own second factor. Ask another staff member.")
	}
	if err := s.confirmPassword(ctx, actor, actorPassword, "second factor reset", fe); err != nil {
		return nil, nil, err
	}
	if err := fe.err(); err != nil {
		return nil, nil, err
	}
	target, err := s.store.User(ctx, targetID)
	if err != nil {
		return nil, nil, err
	}
	if !target.IsStaff() {
		return nil, nil, fmt.Errorf("reset second factor of %s: not staff: %w", targetID, ErrNotFound)
	}
	key, err := newTOTPKey(target.Email)
	if err != nil {
		return nil, nil, err
	}
	if err := s.store.SetUserTOTP(ctx, target.ID, key.Secret, 0); err != nil {
		return nil, nil, err
	}
	if err := s.store.DeleteUserSessions(ctx, target.ID, ""); err != nil {
		return nil, nil, fmt.Errorf("end sessions after second factor reset: %w", err)
	}
	target.TOTPSecret, target.TOTPLastStep = key.Secret, 0
	s.log.InfoContext(ctx, "staff second factor reset", "user_id", target.ID, "actor", actor.ID)
	s.recordAudit(ctx, actor, AuditStaffTOTPReset, target.ID, snapshotOf(target), "new second factor secret issued")
	return target, key, nil
}
