package metrics

import (
	"context"

	"storefront/internal/shop"
)

// SessionVisit is counted like every other call when the wrapped store
// reads a session with its user and cart in one call (shop.VisitReader);
// otherwise it reads the session only (counted as Session) and neither
// user nor cart, as the interface allows.
func (s *Store) SessionVisit(ctx context.Context, idHash, userID, cartID string) (*shop.Session, *shop.User, *shop.Cart, error) {
	r, ok := s.Store.(shop.VisitReader)
	if !ok {
		sess, err := s.Session(ctx, idHash)
		return sess, nil, nil, err
	}
	sess, u, c, err := r.SessionVisit(ctx, idHash, userID, cartID)
	return sess, u, c, s.count("SessionVisit", err)
}
