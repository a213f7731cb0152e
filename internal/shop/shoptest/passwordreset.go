package shoptest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestPasswordResetStore is the conformance suite of
// shop.PasswordResetStore: links saved and read back exactly, used up once
// (of concurrent uses exactly one wins), and kept apart from sessions.
// newStore must return a fresh, empty store for each call.
func TestPasswordResetStore(t *testing.T, newStore func(t *testing.T) shop.Store) {
	ctx := t.Context()
	reset := func(hash string) *shop.PasswordReset {
		return &shop.PasswordReset{IDHash: hash, UserID: "u1", PasswordStamp: "stamp-1",
			CreatedAt: at(0).Add(123 * time.Millisecond), ExpiresAt: at(30 * time.Minute).Add(123 * time.Millisecond)}
	}

	t.Run("SavedAndReadBack", func(t *testing.T) {
		s := newStore(t)
		want := reset("h1")
		if err := s.CreatePasswordReset(ctx, want); err != nil {
			t.Fatalf("CreatePasswordReset = %v", err)
		}
		got, err := s.PasswordReset(ctx, "h1")
		if err != nil {
			t.Fatalf("PasswordReset = %v", err)
		}
		if *got != *want {
			t.Errorf("PasswordReset = %+v; want %+v", *got, *want)
		}
		if _, err := s.PasswordReset(ctx, "h2"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("PasswordReset(unknown) = %v; want ErrNotFound", err)
		}
	})

	t.Run("ConsumedOnce", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreatePasswordReset(ctx, reset("h1")); err != nil {
			t.Fatal(err)
		}
		if err := s.CreatePasswordReset(ctx, reset("h2")); err != nil {
			t.Fatal(err)
		}
		if err := s.ConsumePasswordReset(ctx, "h1"); err != nil {
			t.Fatalf("ConsumePasswordReset = %v", err)
		}
		if err := s.ConsumePasswordReset(ctx, "h1"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("ConsumePasswordReset again = %v; want ErrNotFound", err)
		}
		if _, err := s.PasswordReset(ctx, "h1"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("PasswordReset after use = %v; want ErrNotFound", err)
		}
		if _, err := s.PasswordReset(ctx, "h2"); err != nil {
			t.Errorf("the other link: PasswordReset = %v; want it kept", err)
		}
		if err := s.ConsumePasswordReset(ctx, "never"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("ConsumePasswordReset(unknown) = %v; want ErrNotFound", err)
		}
	})

	t.Run("ConcurrentUsesOneWins", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreatePasswordReset(ctx, reset("h1")); err != nil {
			t.Fatal(err)
		}
		oneWins(t, "ConsumePasswordReset(h1)", shop.ErrNotFound, func() error { return s.ConsumePasswordReset(ctx, "h1") })
	})

	t.Run("ApartFromSessions", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreatePasswordReset(ctx, reset("h1")); err != nil {
			t.Fatal(err)
		}
		// A session cookie whose hash equals a link's is no session, and
		// ending the user's sessions leaves the link to its own rules.
		if _, err := s.Session(ctx, "h1"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("Session(link's hash) = %v; want ErrNotFound", err)
		}
		if err := s.DeleteUserSessions(ctx, "u1", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PasswordReset(ctx, "h1"); err != nil {
			t.Errorf("PasswordReset after DeleteUserSessions = %v", err)
		}
	})
}

// oneWins runs call from 8 goroutines at once: exactly one must succeed
// and every other fail with loser (a conditional write's rule).
func oneWins(t *testing.T, what string, loser error, call func() error) {
	t.Helper()
	const tries = 8
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() { errs[i] = call() })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, loser):
			t.Errorf("%s = %v; want nil or %v", what, err, loser)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent %s won; want 1", won, tries, what)
	}
}
