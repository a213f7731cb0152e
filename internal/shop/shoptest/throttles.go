package shoptest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

func testLoginThrottle(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("NeverSaved", func(t *testing.T) {
		s := newStore(t)
		got, err := s.LoginThrottle(t.Context(), "account:ada@example.com")
		if err != nil {
			t.Fatalf("LoginThrottle(never saved) = %v; want nil", err)
		}
		if got == nil || *got != (shop.LoginThrottle{Key: "account:ada@example.com"}) {
			t.Errorf("LoginThrottle(never saved) = %+v; want zero value with Key set (Version 0)", got)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		// Times in the future, so a store expiring finished records keeps it.
		now := throttleTime()
		want := &shop.LoginThrottle{Key: "address:192.0.2.1", Failures: 7, WindowStart: now, LockedUntil: now.Add(shop.LockDuration)}
		mustSaveThrottle(t, s, want)
		mustSaveThrottle(t, s, &shop.LoginThrottle{Key: "account:other@example.com", Failures: 1, WindowStart: now})
		want.Version = 1
		checkThrottle(t, s, "after the first save", want)

		// Replacing with a reset record (as a successful sign-in does).
		mustSaveThrottle(t, s, &shop.LoginThrottle{Key: want.Key, Version: 1})
		checkThrottle(t, s, "after reset", &shop.LoginThrottle{Key: want.Key, Version: 2})
		checkThrottle(t, s, "of another key", &shop.LoginThrottle{Key: "account:other@example.com", Failures: 1, WindowStart: now, Version: 1})
	})
	t.Run("CompareAndSet", func(t *testing.T) {
		s := newStore(t)
		now := throttleTime()
		const key = "account:ada@example.com"
		first := &shop.LoginThrottle{Key: key, Failures: 1, WindowStart: now}
		mustSaveThrottle(t, s, first)
		v1 := &shop.LoginThrottle{Key: key, Failures: 1, WindowStart: now, Version: 1}
		checkThrottle(t, s, "after creating it", v1)

		// A second writer that also read "never saved" lost the race.
		checkConflict(t, s, "second create at version 0", &shop.LoginThrottle{Key: key, Failures: 5, WindowStart: now})
		checkThrottle(t, s, "after a refused create", v1)

		v2 := &shop.LoginThrottle{Key: key, Failures: 2, WindowStart: now, Version: 1}
		mustSaveThrottle(t, s, v2)
		v2.Version = 2
		checkThrottle(t, s, "after a save at the current version", v2)

		// A writer that read version 1 saves too late, or one from the future.
		checkConflict(t, s, "stale save at version 1", &shop.LoginThrottle{Key: key, Failures: 9, WindowStart: now, LockedUntil: now.Add(time.Hour), Version: 1})
		checkConflict(t, s, "save at version 3 over version 2", &shop.LoginThrottle{Key: key, Failures: 9, WindowStart: now, Version: 3})
		checkThrottle(t, s, "after refused saves", v2)

		// A reset is a save like any other: checked, and counted.
		checkConflict(t, s, "stale reset at version 1", &shop.LoginThrottle{Key: key, Version: 1})
		checkThrottle(t, s, "after a refused reset", v2)
		mustSaveThrottle(t, s, &shop.LoginThrottle{Key: key, Version: 2})
		checkThrottle(t, s, "after reset", &shop.LoginThrottle{Key: key, Version: 3})
		checkConflict(t, s, "save at version 2 after the reset", &shop.LoginThrottle{Key: key, Failures: 3, WindowStart: now, Version: 2})
		mustSaveThrottle(t, s, &shop.LoginThrottle{Key: key, Failures: 1, WindowStart: now, Version: 3})
		checkThrottle(t, s, "after a failure following the reset", &shop.LoginThrottle{Key: key, Failures: 1, WindowStart: now, Version: 4})

		// A record never saved is at version 0: any other version is stale.
		const fresh = "address:198.51.100.7"
		checkConflict(t, s, "save at version 1 of a record never saved", &shop.LoginThrottle{Key: fresh, Failures: 1, WindowStart: now, Version: 1})
		checkThrottle(t, s, "never saved, after a refused save", &shop.LoginThrottle{Key: fresh})
	})
	t.Run("ConcurrentIncrements", func(t *testing.T) {
		s := newStore(t)
		now := throttleTime()
		const (
			key     = "address:203.0.113.50"
			writers = 20
		)
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() {
				// Read, change and save over the version read, as the
				// service does, until the save is not refused.
				for range 1000 {
					th, err := s.LoginThrottle(t.Context(), key)
					if err != nil {
						errs[i] = err
						return
					}
					th.Failures++
					th.WindowStart = now
					errs[i] = s.SaveLoginThrottle(t.Context(), th)
					if !errors.Is(errs[i], shop.ErrConflict) {
						return
					}
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("writer %d: read-increment-save = %v; want nil", i, err)
			}
		}
		checkThrottle(t, s, "after concurrent increments", &shop.LoginThrottle{Key: key, Failures: writers, WindowStart: now, Version: writers})
	})
}

// throttleTime is a time an hour ahead, truncated like the service's clock,
// so that a store expiring finished throttle records keeps the fixtures.
func throttleTime() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond).Add(time.Hour + 123*time.Millisecond)
}

func mustSaveThrottle(t *testing.T, s shop.Store, th *shop.LoginThrottle) {
	t.Helper()
	if err := s.SaveLoginThrottle(t.Context(), th); err != nil {
		t.Fatalf("SaveLoginThrottle(%+v) = %v; want nil", th, err)
	}
}

// checkConflict saves th, which must be refused with ErrConflict.
func checkConflict(t *testing.T, s shop.Store, what string, th *shop.LoginThrottle) {
	t.Helper()
	if err := s.SaveLoginThrottle(t.Context(), th); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveLoginThrottle(%s: %+v) = %v; want ErrConflict", what, th, err)
	}
}

func checkThrottle(t *testing.T, s shop.Store, when string, want *shop.LoginThrottle) {
	t.Helper()
	got, err := s.LoginThrottle(t.Context(), want.Key)
	if err != nil {
		t.Fatalf("LoginThrottle(%q) %s = %v; want nil", want.Key, when, err)
	}
	if got.Key != want.Key || got.Failures != want.Failures || !got.WindowStart.Equal(want.WindowStart) ||
		!got.LockedUntil.Equal(want.LockedUntil) || got.Version != want.Version {
		t.Errorf("LoginThrottle(%q) %s = %+v; want %+v", want.Key, when, got, want)
	}
}
