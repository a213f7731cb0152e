package shop

import (
	"context"
	"errors"
	"time"
)

// Visit is who asks for a page, loaded once per request: the browser's
// session (nil for a guest before their first cart add) and its user (nil
// for a guest). The cart summary the layout shows is read from the store
// once per visit: with the session when the store reads both in one call
// (VisitReader), else only when a page asks for it (Cart, CartCount), so
// that a POST that only redirects reads no cart. A Visit belongs to the one request
// that started it (it reads the cart under that request's context) and is
// not safe for concurrent use.
type Visit struct {
	Session *Session
	User    *User

	// The request's context and the service, for the one cart read; nil
	// for a visit without a session.
	ctx        context.Context //nolint:containedctx // a Visit lives exactly as long as its request
	svc        *Service
	cartLoaded bool
	cart       *CartView
	cartErr    error
	// stored is the cart as the store holds it, read once (storedCart).
	storedLoaded bool
	stored       *Cart
	storedErr    error
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

// Cart returns the session's cart at current prices, read from the store
// (under the context StartVisit was given) on the first call and
// remembered for the visit's later calls: the layout's count and the cart
// page share one read. Without a session it is nil, nil, reading nothing.
// Errors as Service.Cart.
func (v *Visit) Cart() (*CartView, error) {
	if v.Session == nil || v.svc == nil {
		return nil, nil
	}
	if !v.cartLoaded {
		var c *Cart
		if c, v.cartErr = v.storedCart(); v.cartErr == nil {
			v.cart, v.cartErr = v.svc.price(v.ctx, c)
		}
		v.cartLoaded = true
	}
	return v.cart, v.cartErr
}

// storedCart reads the session's cart once per visit: the one read with
// the session (VisitReader) or with the user (UserCartReader) when the
// store read it so, else the store's.
func (v *Visit) storedCart() (*Cart, error) {
	if !v.storedLoaded {
		if u := v.User; u != nil && u.sessionCart != nil && u.sessionCart.ID == v.Session.CartID {
			v.stored = u.sessionCart
		} else {
			v.stored, v.storedErr = v.svc.store.Cart(v.ctx, v.Session.CartID)
		}
		v.storedLoaded = true
	}
	return v.stored, v.storedErr
}

// CartCount is the number of items in the visitor's cart, 0 when there is
// none or it could not be read: a page that only shows the count does not
// fail for it. It counts the lines of products the catalog knows, as the
// cart page does, from the catalog read model: a page showing only the
// count reads the cart and no product.
func (v *Visit) CartCount() int {
	if v.cartLoaded {
		if v.cart == nil {
			return 0
		}
		return v.cart.ItemCount
	}
	if v.Session == nil || v.svc == nil {
		return 0
	}
	c, err := v.storedCart()
	if err != nil || c == nil {
		return 0
	}
	m, err := v.svc.catalog.current(v.ctx)
	if err != nil {
		return 0
	}
	return m.itemCount(c)
}

// StartVisit loads the visit of a browser's session cookie
// (SignedIn.Credential, or a bare secret as cookies were before; "" for
// a browser without one: an empty Visit, no store read). Errors as
// Session: ErrUnauthorized for an unknown, expired or idle session, store
// errors. On a store that reads a session with its user and cart in one
// call (VisitReader) that one call is all it reads; otherwise it reads no
// cart: Visit.Cart does, with ctx, when a page shows it, so ctx must be
// the request's.
func (s *Service) StartVisit(ctx context.Context, cookie string) (*Visit, error) {
	v := &Visit{}
	if cookie == "" {
		return v, nil
	}
	secret, hint, named := parseVisitToken(cookie)
	sess, u, c, err := s.visitSession(ctx, secret, hint, named, SessionWeb)
	if err != nil {
		return nil, err
	}
	v.Session, v.User, v.ctx, v.svc = sess, u, ctx, s
	if c != nil {
		v.stored, v.storedLoaded = c, true
	}
	return v, nil
}

// resubmittedSignUpWindow is how long after an account was created the
// registration form, posted again with its email and password, signs its
// sender in rather than answering that the email is taken: a
// double-clicked "Create account" whose first answer (and its session
// cookie) the browser dropped for the second.
const resubmittedSignUpWindow = 2 * time.Minute

// SignUp registers an account (errors as Register) and signs its owner in
// with a new web session, as LogIn does. The same form posted again within
// resubmittedSignUpWindow signs in to the account it created.
func (s *Service) SignUp(ctx context.Context, in RegisterInput, v *Visit) (*SignedIn, error) {
	u, err := s.Register(ctx, in)
	if errors.Is(err, ErrEmailTaken) {
		if signed := s.signUpResubmitted(ctx, in, v); signed != nil {
			return signed, nil
		}
	}
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

// signUpResubmitted signs in the sender of a registration form posted
// again: the email's account was created within resubmittedSignUpWindow,
// has no second factor, and the password is its own. The sign-in is
// LogIn's, with its throttling (a wrong password counts as a failed
// sign-in); nil when it is not such a form (the email is then taken).
func (s *Service) signUpResubmitted(ctx context.Context, in RegisterInput, v *Visit) *SignedIn {
	u, err := s.store.UserByEmail(ctx, NormalizeEmail(in.Email))
	if err != nil || u.TOTPSecret != "" || s.now().Sub(u.CreatedAt) > resubmittedSignUpWindow {
		return nil
	}
	signed, err := s.LogIn(ctx, in.Email, in.Password, ClientAddrFrom(ctx), v)
	if err != nil {
		return nil
	}
	return signed // a second factor added since the read: pending, as LogIn's
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
