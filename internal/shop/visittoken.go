package shop

import (
	"context"
	"strings"
)

// A browser's session cookie, like an API bearer token, is its session's
// secret, then ".", the session's user id (empty for a guest) and "." and
// its cart id: the ids let a store that reads by key (DynamoDB) read the
// session, its user and its cart in one call (VisitReader) instead of
// reading the session first to learn which user and cart to read. The ids
// are only hints, never trusted: the session is found by the secret's hash
// alone, and the user and cart read with it are used only when they are
// the ones that session names; a cookie naming anyone else gets the
// session's own user and cart, read as if the cookie held no ids (a token
// naming anyone else is refused: Service.TokenUser). A cookie or token of
// the secret alone (the format before the ids) still works, reading the
// session first. Secrets and ids never hold a ".": secrets are base64url,
// ids lower base32 with a prefix.

// VisitReader is a store that reads a session with its user and cart in
// one call.
type VisitReader interface {
	// SessionVisit returns the session whose secret hashes to idHash,
	// ErrNotFound when there is none, with a user and a cart read in the
	// same call (strongly): the user with userID (nil when userID is "",
	// there is none, or the store did not read it) and the cart with
	// cartID as Cart returns it (nil when cartID is "" or the store did
	// not read it). userID and cartID come from the browser and may name
	// anyone: a store may read the session's own user and cart instead
	// (a join), and the caller uses them only when they are the ones the
	// session names.
	SessionVisit(ctx context.Context, idHash, userID, cartID string) (*Session, *User, *Cart, error)
}

// maxHintIDLen bounds an id a cookie names: longer is no id the shop
// made, and is not read.
const maxHintIDLen = 100

// Credential is what a client presents for in's session, the value of
// the session cookie or the API bearer token: the secret and the ids the
// next request reads with the session (VisitReader).
func (in *SignedIn) Credential() string {
	return in.Token + "." + in.Session.UserID + "." + in.Session.CartID
}

// visitHint is what a session cookie says its session names.
type visitHint struct {
	userID, cartID string
}

// parseVisitToken splits a session cookie into the secret and the ids
// it names; ok is false for a cookie of the secret alone, or ids that are
// no ids the shop makes (read then as a cookie of the secret alone).
func parseVisitToken(cookie string) (secret string, hint visitHint, ok bool) {
	secret, rest, ok := strings.Cut(cookie, ".")
	if !ok {
		return cookie, visitHint{}, false
	}
	hint.userID, hint.cartID, ok = strings.Cut(rest, ".")
	if !ok || !hintID(hint.userID) || !hintID(hint.cartID) {
		return secret, visitHint{}, false
	}
	return secret, hint, true
}

// hintID reports whether a cookie's id may be one the shop made: at most
// maxHintIDLen URL-safe characters (newID, UserCartID), or none.
func hintID(id string) bool {
	if len(id) > maxHintIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// visitSession returns the live session of kind that a credential (a
// cookie's value or a bearer token, split by parseVisitToken into secret,
// hint and named) names, and its user, as liveSession does, reading the
// session, its user and its cart in one store call when the store can
// (VisitReader) and the credential names its ids; the cart is returned
// when read with them (nil otherwise), and the user carries it to the
// request's cart and checkout (UserCartReader).
func (s *Service) visitSession(ctx context.Context, secret string, hint visitHint, named bool, kind string) (*Session, *User, *Cart, error) {
	r, reads := s.store.(VisitReader)
	if !named || !reads {
		sess, u, err := s.liveSession(ctx, secret, kind)
		return sess, u, nil, err
	}
	if secret == "" || len(secret) > 200 {
		return nil, nil, nil, ErrUnauthorized
	}
	sess, u, c, err := r.SessionVisit(ctx, hashSecret(secret), hint.userID, hint.cartID)
	if err != nil {
		sess, u, err := s.checkSession(ctx, nil, err, kind, nil)
		return sess, u, nil, err
	}
	// Only what this session names, whatever the cookie said.
	if u != nil && (sess.UserID == "" || u.ID != sess.UserID) {
		u = nil
	}
	if c != nil && c.ID != sess.CartID {
		c = nil
	}
	if u != nil && c != nil {
		u.sessionCart = c
	}
	sess, u, err = s.checkSession(ctx, sess, nil, kind, u)
	if err != nil {
		return nil, nil, nil, err
	}
	return sess, u, c, nil
}
