package shop

import (
	"context"
)

// Visit is who asks for a page, loaded once per request: the browser's
// session (nil for a guest before their first cart add), its user (nil
// for a guest) and the cart summary every page shows.
type Visit struct {
	Session *Session
	User    *User
	// Cart is the session's cart at current prices; nil without a
	// session, or when it could not be loaded (CartErr says why: pages
	// that show the cart fail with it, the others show no count).
	Cart    *CartView
	CartErr error
}

// GuestSession returns the session if it is a guest's, the one whose cart
// merges into the user's at sign-in; nil otherwise.
func (v *Visit) GuestSession() *Session {
	if v.Session != nil && v.User == nil {
		return v.Session
	}
	return nil
}

// CartID returns the id of the visitor's cart, or "" before they have one.
func (v *Visit) CartID() string {
	if v.Session == nil {
		return ""
	}
	return v.Session.CartID
}

// CartCount is the number of items in the visitor's cart, 0 when it is
// unknown.
func (v *Visit) CartCount() int {
	if v.Cart == nil {
		return 0
	}
	return v.Cart.ItemCount
}

// StartVisit loads the visit of a browser's session token ("" for a
// browser without one: an empty Visit). Errors as Session:
// ErrUnauthorized for an unknown, expired or idle session, store errors.
// A cart that cannot be loaded is no error here (Visit.CartErr).
func (s *Service) StartVisit(ctx context.Context, token string) (*Visit, error) {
	v := &Visit{}
	if token == "" {
		return v, nil
	}
	sess, u, err := s.Session(ctx, token)
	if err != nil {
		return nil, err
	}
	v.Session, v.User = sess, u
	v.Cart, v.CartErr = s.Cart(ctx, sess.CartID)
	return v, nil
}

// SignUp registers an account (errors as Register) and signs its owner in
// with a new web session, as LogIn does.
func (s *Service) SignUp(ctx context.Context, in RegisterInput, v *Visit) (*SignedIn, error) {
	u, err := s.Register(ctx, in)
	if err != nil {
		return nil, err
	}
	signed, err := s.StartSession(ctx, u, v.GuestSession())
	if err != nil {
		return nil, err
	}
	s.leavePreviousUser(ctx, v)
	return signed, nil
}

// LogIn signs a browser in (errors as SignIn): a guest's cart merges into
// the user's, and a session of another user the browser had is ended, so
// one browser is never signed in twice.
func (s *Service) LogIn(ctx context.Context, email, password, clientAddr string, v *Visit) (*SignedIn, error) {
	signed, err := s.SignIn(ctx, email, password, clientAddr, v.GuestSession())
	if err != nil {
		return nil, err
	}
	s.leavePreviousUser(ctx, v)
	return signed, nil
}

// leavePreviousUser ends the signed-in session a browser had before a new
// sign-in. A failure is only logged: the new session is already the
// browser's, and the old one expires on its own.
func (s *Service) leavePreviousUser(ctx context.Context, v *Visit) {
	if v.User == nil || v.Session == nil {
		return
	}
	if err := s.EndSession(ctx, v.Session); err != nil {
		s.log.WarnContext(ctx, "ending the previous session failed", "err", err)
	}
}
