package shop_test

import (
	"context"
	"errors"
	"testing"

	"storefront/internal/shop"
)

// sessionGateStore holds every session creation until release is closed,
// telling arrived first: a sign-in paused between its password check and
// its session.
type sessionGateStore struct {
	shop.Store
	arrived chan struct{}
	release chan struct{}
}

func (s *sessionGateStore) CreateSession(ctx context.Context, sess *shop.Session) error {
	s.arrived <- struct{}{}
	<-s.release
	return s.Store.CreateSession(ctx, sess)
}

// TestSignInRacingAPasswordChangeGetsNoLiveSession: a sign-in (web or API)
// that checked the old password before a password change, and saves its
// session after the change ended the account's sessions, gets a session
// that is ended at its first use; sessions begun after the change live.
func TestSignInRacingAPasswordChangeGetsNoLiveSession(t *testing.T) {
	const newPassword = "a brand new passphrase"
	for _, tc := range []struct {
		name   string
		signIn func(svc *shop.Service) (*shop.SignedIn, error)
		use    func(svc *shop.Service, token string) error
	}{
		{"web", func(svc *shop.Service) (*shop.SignedIn, error) {
			return svc.SignIn(t.Context(), "ada@example.com", goodPassword, "", nil)
		}, func(svc *shop.Service, token string) error { _, _, err := svc.Session(t.Context(), token); return err }},
		{"api", func(svc *shop.Service) (*shop.SignedIn, error) {
			return svc.CreateToken(t.Context(), "ada@example.com", goodPassword, "", "")
		}, func(svc *shop.Service, token string) error {
			_, _, err := svc.TokenUser(t.Context(), token)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			u := f.register(t, "ada@example.com")
			current := mustSignIn(t, f.svc, "ada@example.com", goodPassword)
			gated := &sessionGateStore{Store: f.store, arrived: make(chan struct{}), release: make(chan struct{})}
			racer := shop.NewService(gated, shop.Config{PasswordParams: &cheapHashing, Now: f.clock.Now})
			raced := make(chan *shop.SignedIn, 1)
			go func() {
				signed, err := tc.signIn(racer)
				if err != nil {
					t.Errorf("sign-in with the old password = %v", err)
				}
				raced <- signed
			}()
			<-gated.arrived // the old password checked, its session not yet saved
			if _, err := f.svc.ChangePassword(t.Context(), u, current.Session,
				shop.ChangePasswordInput{CurrentPassword: goodPassword, NewPassword: newPassword, ConfirmPassword: newPassword}); err != nil {
				t.Fatalf("ChangePassword() = %v", err)
			}
			close(gated.release)
			signed := <-raced
			if signed == nil {
				t.FailNow()
			}
			if err := tc.use(f.svc, signed.Token); !errors.Is(err, shop.ErrUnauthorized) {
				t.Errorf("session of the sign-in that raced the change = %v; want ErrUnauthorized", err)
			}
			if err := tc.use(f.svc, signed.Token); !errors.Is(err, shop.ErrUnauthorized) {
				t.Errorf("the same session again = %v; want ErrUnauthorized", err)
			}
			fresh, err := tc.signIn(racer)
			if err == nil {
				t.Errorf("sign-in with the old password after the change = %+v; want refused", fresh)
			}
		})
	}
}

// TestPendingSignInRacingAPasswordResetCannotComplete: a password step of
// an account with a second factor, taken with the password a reset then
// replaced, cannot be completed with a code.
func TestPendingSignInRacingAPasswordResetCannotComplete(t *testing.T) {
	f := newFixture(t)
	u, secret := f.addStaff(t, "sam@example.com")
	pending := f.passwordStep(t, "sam@example.com")
	const newPassword = "a brand new passphrase"
	if err := f.store.UpdateUserPassword(t.Context(), u.ID, "changed elsewhere: "+newPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CompleteSignIn(t.Context(), pending, f.code(t, secret, 0), ""); !errors.Is(err, shop.ErrUnauthorized) {
		t.Errorf("CompleteSignIn(after the password changed) = %v; want ErrUnauthorized", err)
	}
}

// resetBeforeUpgradeStore changes the user's password (a reset that
// commits) just before a sign-in's hash upgrade is written.
type resetBeforeUpgradeStore struct {
	shop.Store
	resetHash string
}

func (s *resetBeforeUpgradeStore) UpgradeUserPassword(ctx context.Context, id, from, to string) error {
	if err := s.Store.UpdateUserPassword(ctx, id, s.resetHash); err != nil {
		return err
	}
	return s.Store.UpgradeUserPassword(ctx, id, from, to)
}

// TestHashUpgradeNeverUndoesAPasswordChange: a sign-in that upgrades a
// weak hash while a reset replaces the password writes nothing over the
// reset (a blind write put the old password back), and is refused: it was
// with the password the reset replaced.
func TestHashUpgradeNeverUndoesAPasswordChange(t *testing.T) {
	f := newFixture(t)
	u := f.register(t, "ada@example.com")
	stronger := shop.PasswordParams{MemoryKiB: 128, Iterations: 2, Threads: 1}
	racing := &resetBeforeUpgradeStore{Store: f.store, resetHash: "the reset's hash"}
	svc := shop.NewService(racing, shop.Config{PasswordParams: &stronger, Now: f.clock.Now})
	if _, err := svc.Authenticate(t.Context(), "ada@example.com", goodPassword, ""); !errors.Is(err, shop.ErrInvalidCredentials) {
		t.Errorf("Authenticate(old password, reset meanwhile) = %v; want ErrInvalidCredentials", err)
	}
	if got, err := f.store.User(t.Context(), u.ID); err != nil || got.PasswordHash != racing.resetHash {
		t.Errorf("stored hash after the raced upgrade = %q, %v; want the reset's", got.PasswordHash, err)
	}
}
