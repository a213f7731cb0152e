package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestPasswordResetStore(t *testing.T) {
	shoptest.TestPasswordResetStore(t, func(t *testing.T) shop.Store { return openTemp(t, filepath.Join(t.TempDir(), "shop.db")) })
}

// TestJanitorDeletesExpiredResetLinks: the janitor deletes a link once it
// expired, not before.
func TestJanitorDeletesExpiredResetLinks(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, r := range []shop.PasswordReset{
		{IDHash: "expired", UserID: "u1", PasswordStamp: "s", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-30 * time.Minute)},
		{IDHash: "live", UserID: "u1", PasswordStamp: "s", CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)},
	} {
		if err := s.CreatePasswordReset(t.Context(), &r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteExpired(t.Context(), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordReset(t.Context(), "expired"); err == nil {
		t.Error("the expired link is still there")
	}
	if _, err := s.PasswordReset(t.Context(), "live"); err != nil {
		t.Errorf("the live link: %v", err)
	}
}
