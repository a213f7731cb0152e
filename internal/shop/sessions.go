package shop

import (
	"context"
	"errors"
	"time"
)

// StartSession starts a web session for an authenticated (or just
// registered) user, merging and ending previous as SignIn does. The caller
// has checked every factor of the account: for one with a second factor,
// the session is marked as having passed it.
func (s *Service) StartSession(ctx context.Context, u *User, previous *Session) (*SignedIn, error) {
	token := newSecret()
	now := s.now()
	sess := &Session{IDHash: hashSecret(token), Kind: SessionWeb, UserID: u.ID, CartID: UserCartID(u.ID),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMaxAge), SecondFactor: passedFactor(u),
		PasswordStamp: passwordStamp(u.PasswordHash)}
	var shortfall []CartShortfall
	if previous != nil && previous.CartID != "" && previous.CartID != sess.CartID {
		var err error
		if shortfall, err = s.mergeCart(ctx, previous.CartID, sess.CartID); err != nil {
			return nil, err
		}
	}
	signed, err := s.replaceSession(ctx, token, sess, u, previous)
	if err != nil {
		return nil, err
	}
	signed.CartShortfall = shortfall
	return signed, nil
}

// replaceSession saves sess, the new session of token for u, then ends
// previous (may be nil), the browser's session before.
func (s *Service) replaceSession(ctx context.Context, token string, sess *Session, u *User, previous *Session) (*SignedIn, error) {
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	if previous != nil {
		if err := s.store.DeleteSession(ctx, previous.IDHash); err != nil {
			return nil, err
		}
	}
	return &SignedIn{Token: token, Session: sess, User: u}, nil
}

// GuestCartWindow is the period over which Config.GuestCartLimit counts
// the guest sessions started from one client address.
const GuestCartWindow = time.Hour

// ErrTooManyGuestCarts is returned by StartGuestSession when the client
// address has started Config.GuestCartLimit guest sessions within
// GuestCartWindow.
var ErrTooManyGuestCarts = errors.New("too many guest carts from this address")

// StartGuestSession starts a session for a shopper who is not signed in, to
// hold their cart. Each is kept for GuestSessionMaxAge, and a client that
// sends no cookie back starts one with every add to cart: the client
// address in ctx (WithClientAddr) may start Config.GuestCartLimit of them
// per GuestCartWindow, counted in the store (across servers), then gets
// ErrTooManyGuestCarts.
func (s *Service) StartGuestSession(ctx context.Context) (*SignedIn, error) {
	if addr := ClientAddrFrom(ctx); addr != "" {
		refused, err := s.countInWindow(ctx, AddressThrottleKey("guest-cart", addr), s.cfg.GuestCartLimit, GuestCartWindow)
		if err != nil {
			return nil, err
		}
		if refused {
			s.log.WarnContext(ctx, "guest cart refused: address limit reached", "client_addr", addr, "limit", s.cfg.GuestCartLimit)
			return nil, ErrTooManyGuestCarts
		}
	}
	token := newSecret()
	now := s.now()
	sess := &Session{IDHash: hashSecret(token), Kind: SessionWeb, CartID: newID("guest-"),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.GuestSessionMaxAge)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &SignedIn{Token: token, Session: sess}, nil
}

// UserCartID is the id of a signed-in user's cart.
func UserCartID(userID string) string { return "user-" + userID }

// touchInterval bounds how often a session's LastSeenAt is written: often
// enough for the idle timeout, rarely enough to keep page views cheap.
const touchInterval = time.Minute

// Session returns the live web session and its user (nil for a guest) for
// a cookie token. It returns ErrUnauthorized for an unknown, expired or idle
// session, which it deletes.
func (s *Service) Session(ctx context.Context, token string) (*Session, *User, error) {
	return s.liveSession(ctx, token, SessionWeb)
}

// TokenUser returns the user of an API bearer token, or ErrUnauthorized.
// A token CreateToken issued (SignedIn.Credential) is read with its user in
// one store call when the store can (VisitReader). A token's ids never
// change (its cart is its user's), so one naming other ids than its
// session's, or no ids the shop makes, is no token the shop issued and is
// refused, though its secret is right.
func (s *Service) TokenUser(ctx context.Context, token string) (*Session, *User, error) {
	secret, hint, named := parseVisitToken(token)
	if !named && secret != token {
		return nil, nil, ErrUnauthorized
	}
	sess, u, _, err := s.visitSession(ctx, secret, hint, named, SessionAPI)
	switch {
	case err != nil:
		return nil, nil, err
	case u == nil, named && (hint.userID != sess.UserID || hint.cartID != sess.CartID):
		return nil, nil, ErrUnauthorized
	}
	return sess, u, nil
}

func (s *Service) liveSession(ctx context.Context, token, kind string) (*Session, *User, error) {
	if token == "" || len(token) > 200 {
		return nil, nil, ErrUnauthorized
	}
	sess, err := s.store.Session(ctx, hashSecret(token))
	return s.checkSession(ctx, sess, err, kind, nil)
}

// checkSession is liveSession after the session's read (sess, or readErr):
// u is the session's user when it was read with the session (VisitReader),
// else nil and read here.
func (s *Service) checkSession(ctx context.Context, sess *Session, readErr error, kind string, u *User) (*Session, *User, error) {
	err := readErr
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrUnauthorized
	}
	if err != nil {
		return nil, nil, err
	}
	if sess.Kind != kind {
		return nil, nil, ErrUnauthorized
	}
	now := s.now()
	idle := s.cfg.SessionIdleTimeout
	if sess.UserID == "" {
		idle = s.cfg.GuestSessionMaxAge
	}
	expired := !now.Before(sess.ExpiresAt) || kind == SessionWeb && now.Sub(sess.LastSeenAt) >= idle
	if expired {
		if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrUnauthorized
	}
	// A session awaiting its second factor is a guest's until the code
	// passes (CompleteSignIn): it holds a cart, nothing else.
	switch {
	case sess.UserID == "" || sess.SecondFactor == SecondFactorPending:
		u = nil
	case u != nil && u.ID == sess.UserID:
		// read with the session
	default:
		if u, err = s.sessionUser(ctx, sess); errors.Is(err, ErrNotFound) {
			return nil, nil, ErrUnauthorized
		} else if err != nil {
			return nil, nil, err
		}
	}
	if u != nil && passwordChangedSince(sess, u) {
		if err := s.store.DeleteSession(ctx, sess.IDHash); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrUnauthorized
	}
	if kind == SessionWeb && now.Sub(sess.LastSeenAt) >= touchInterval {
		if err := s.store.TouchSession(ctx, sess.IDHash, now); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	return sess, u, nil
}

// passwordChangedSince reports whether u's password was changed (or reset)
// since sess began. A change ends the user's sessions, but a sign-in with
// the old password that raced it may create one after: the stamp ends that
// one too, at its first use. (A hash upgraded to stronger parameters at a
// sign-in counts as a change: the user's other sessions end.)
func passwordChangedSince(sess *Session, u *User) bool {
	return sess.PasswordStamp != "" && sess.PasswordStamp != passwordStamp(u.PasswordHash)
}

// EndSession ends a web session or revokes an API token (sign-out).
func (s *Service) EndSession(ctx context.Context, sess *Session) error {
	return s.store.DeleteSession(ctx, sess.IDHash)
}

// CreateToken authenticates and issues an API bearer token, as SignIn does
// for a browser. An account with a second factor needs a current code too
// (otp): a missing, wrong or used one is ErrInvalidCredentials and counts
// as a failed sign-in, like a wrong password.
func (s *Service) CreateToken(ctx context.Context, email, password, otp, clientAddr string) (*SignedIn, error) {
	u, err := s.authenticate(ctx, email, password, clientAddr, func(u *User) (factorVerdict, error) {
		return s.checkSecondFactor(ctx, u, otp)
	})
	if err != nil {
		return nil, err
	}
	token := newSecret()
	now := s.now()
	sess := &Session{IDHash: hashSecret(token), Kind: SessionAPI, UserID: u.ID, CartID: UserCartID(u.ID),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.TokenLifetime), SecondFactor: passedFactor(u),
		PasswordStamp: passwordStamp(u.PasswordHash)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &SignedIn{Token: token, Session: sess, User: u}, nil
}
