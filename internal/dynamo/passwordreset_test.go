package dynamo

import (
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestPasswordResetStore(t *testing.T) {
	shoptest.TestPasswordResetStore(t, func(t *testing.T) shop.Store { return newTestStore(t) })
}

// TestPasswordResetTTL: a reset link's item carries the TTL attribute at
// its expiry, so DynamoDB deletes it.
func TestPasswordResetTTL(t *testing.T) {
	s := newTestStore(t)
	expires := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	if err := s.CreatePasswordReset(t.Context(), &shop.PasswordReset{IDHash: "h1", UserID: "u1", PasswordStamp: "s",
		CreatedAt: expires.Add(-30 * time.Minute), ExpiresAt: expires}); err != nil {
		t.Fatal(err)
	}
	it, err := s.getItem(t.Context(), "read", s.sessions, resetKey("h1"))
	if err != nil || it == nil {
		t.Fatalf("getItem = %v, %v", it, err)
	}
	if got := ttlOf(t, it); !got.Equal(expires) {
		t.Errorf("ttl = %v; want %v", got, expires)
	}
}
