package shop

import (
	"strings"
	"time"
)

// What expires, and when a store deletes it (DynamoDB by TTL, SQLite by
// its janitor). Readers never rely on the deletion: the service checks a
// session's times and a throttle record's window and lock itself, so a
// record that lingers past its expiry (DynamoDB deletes within days)
// changes nothing.
//
//   - Sessions and API tokens: at ExpiresAt (guest sessions after
//     GuestSessionMaxAge, signed-in ones after SessionMaxAge, tokens after
//     TokenLifetime).
//   - Throttle records: once their window and their lock are both over. A
//     reset record (no failures, no times) of an account is kept: at most
//     one per account that ever failed a sign-in, so bounded by the users.
//   - Carts: CartExpiresAt.
const (
	// GuestCartRetention is how long a guest's cart is kept after its
	// last change: as long as the guest session holding it lives (the
	// default GuestSessionMaxAge). The session was created before any
	// change of its cart, so the cart never expires before its session,
	// and at most this long after the session ended.
	GuestCartRetention = 30 * 24 * time.Hour
	// UserCartRetention is how long a signed-in shopper's cart is kept
	// after its last change: long enough to come back to it after months,
	// not forever for accounts nobody uses.
	UserCartRetention = 180 * 24 * time.Hour
)

// CartExpiresAt is when a store may delete cart c: its last change plus
// UserCartRetention for a user's cart (UserCartID), GuestCartRetention for
// a guest's. A cart without UpdatedAt never expires.
func CartExpiresAt(c *Cart) time.Time {
	if c.UpdatedAt.IsZero() {
		return time.Time{}
	}
	if IsUserCartID(c.ID) {
		return c.UpdatedAt.Add(UserCartRetention)
	}
	return c.UpdatedAt.Add(GuestCartRetention)
}

// IsUserCartID reports whether id names a signed-in user's cart
// (UserCartID) rather than a guest's.
func IsUserCartID(id string) bool { return strings.HasPrefix(id, UserCartID("")) }

// ThrottleExpiresAt is when a store may delete throttle record t: once its
// window and its lock are both over; zero (never) for a reset record.
func ThrottleExpiresAt(t *LoginThrottle) time.Time {
	if t.WindowStart.IsZero() && t.LockedUntil.IsZero() {
		return time.Time{}
	}
	end := t.LockedUntil
	if w := t.WindowStart.Add(ThrottleWindow); w.After(end) {
		end = w
	}
	return end
}
