package shop

import (
	"context"
	"errors"
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
	email, name, err := s.checkNewAccount(in)
	if err != nil {
		return nil, err
	}
	// Counted before the email lookup, so that registration is no
	// unlimited way to learn which emails have accounts either.
	if err := s.countRegistration(ctx, ClientAddrFrom(ctx)); err != nil {
		return nil, err
	}
	u := &User{ID: newID("u"), Email: email, Name: name, Role: RoleCustomer}
	if err := s.createAccount(ctx, in, u); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "account registered", "user_id", u.ID, "client_addr", ClientAddrFrom(ctx))
	return u, nil
}

// checkNewAccount validates a new account's fields (the rules of every
// account, a customer's or staff's) and returns its normalised email and
// name, or a *ValidationError.
func (s *Service) checkNewAccount(in RegisterInput) (email, name string, err error) {
	email = NormalizeEmail(in.Email)
	name = cleanText(in.Name)
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
	return email, name, fe.err()
}

// createAccount saves u, checked by checkNewAccount, with the hash of
// in.Password and the time now, unless in's email has an account
// (ErrEmailTaken). The expensive hash comes after every cheap refusal.
func (s *Service) createAccount(ctx context.Context, in RegisterInput, u *User) error {
	if existing, err := s.userByEmail(ctx, in.Email, u.Email); err != nil {
		return err
	} else if existing != nil {
		return ErrEmailTaken
	}
	u.PasswordHash, u.CreatedAt = s.hasher.hash(in.Password), s.now()
	return s.store.CreateUser(ctx, u)
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
// counted by countInWindow.
func (s *Service) countRegistration(ctx context.Context, clientAddr string) error {
	if clientAddr == "" {
		return nil
	}
	refused, err := s.countInWindow(ctx, AddressThrottleKey("registration", clientAddr), s.cfg.RegistrationLimit, RegistrationWindow)
	if err != nil {
		return err
	}
	if refused {
		s.log.WarnContext(ctx, "registration refused: address limit reached", "client_addr", clientAddr,
			"limit", s.cfg.RegistrationLimit)
		return ErrTooManyRegistrations
	}
	return nil
}
