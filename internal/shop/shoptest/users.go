package shoptest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

func newUser(id, email string) *shop.User {
	return &shop.User{ID: id, Email: email, Name: "Name of " + id, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + id, CreatedAt: at(time.Minute)}
}

func mustCreateUser(t *testing.T, s shop.Store, u *shop.User) {
	t.Helper()
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q) = %v; want nil", u.ID, err)
	}
}

func checkUser(t *testing.T, call string, got, want *shop.User) {
	t.Helper()
	checkRecord(t, call, got, want, func(r *shop.User) *time.Time { return &r.CreatedAt })
}

func testUsers(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("CreateAndRead", func(t *testing.T) {
		s := newStore(t)
		u := newUser("u1", "ada@example.com")
		mustCreateUser(t, s, u)
		got, err := s.User(t.Context(), "u1")
		if err != nil {
			t.Fatalf("User(u1) = %v; want nil", err)
		}
		checkUser(t, "User(u1)", got, u)
		got, err = s.UserByEmail(t.Context(), "ada@example.com")
		if err != nil {
			t.Fatalf("UserByEmail(ada@example.com) = %v; want nil", err)
		}
		checkUser(t, "UserByEmail(ada@example.com)", got, u)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		mustCreateUser(t, s, newUser("u1", "ada@example.com"))
		if _, err := s.User(t.Context(), "u2"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("User(missing) = %v; want ErrNotFound", err)
		}
		if _, err := s.UserByEmail(t.Context(), "bob@example.com"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("UserByEmail(missing) = %v; want ErrNotFound", err)
		}
	})
	t.Run("EmailTaken", func(t *testing.T) {
		s := newStore(t)
		first := newUser("u1", "ada@example.com")
		mustCreateUser(t, s, first)
		err := s.CreateUser(t.Context(), newUser("u2", "ada@example.com"))
		if !errors.Is(err, shop.ErrEmailTaken) {
			t.Fatalf("CreateUser(same email) = %v; want ErrEmailTaken", err)
		}
		if _, err := s.User(t.Context(), "u2"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("User(u2) after ErrEmailTaken = %v; want ErrNotFound (nothing saved)", err)
		}
		got, err := s.UserByEmail(t.Context(), "ada@example.com")
		if err != nil {
			t.Fatalf("UserByEmail(ada@example.com) = %v; want nil", err)
		}
		checkUser(t, "UserByEmail(ada@example.com) after ErrEmailTaken", got, first)
		// Another email is still free.
		mustCreateUser(t, s, newUser("u3", "bob@example.com"))
	})
	t.Run("CreateUserRetried", func(t *testing.T) {
		// A request retried after its answer was lost finds its own
		// user in place: that is success, not ErrEmailTaken.
		s := newStore(t)
		u := newUser("u1", "ada@example.com")
		mustCreateUser(t, s, u)
		if err := s.CreateUser(t.Context(), u); err != nil {
			t.Fatalf("CreateUser(the same user again) = %v; want nil", err)
		}
		got, err := s.UserByEmail(t.Context(), "ada@example.com")
		if err != nil {
			t.Fatal(err)
		}
		checkUser(t, "UserByEmail after a retried CreateUser", got, u)
	})
	t.Run("EmailTakenConcurrently", func(t *testing.T) {
		s := newStore(t)
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = s.CreateUser(t.Context(), newUser(fmt.Sprintf("u%d", i), "same@example.com"))
			})
		}
		wg.Wait()
		created := 0
		for i, err := range errs {
			switch {
			case err == nil:
				created++
			case errors.Is(err, shop.ErrEmailTaken), errors.Is(err, shop.ErrConflict):
			default:
				t.Errorf("CreateUser(u%d) = %v; want nil, ErrEmailTaken or ErrConflict", i, err)
			}
		}
		if created != 1 {
			t.Errorf("%d concurrent CreateUser calls with one email succeeded; want exactly 1", created)
		}
	})
	t.Run("UpdateUserNameAndPassword", func(t *testing.T) {
		s := newStore(t)
		u := newUser("u1", "ada@example.com")
		mustCreateUser(t, s, u)
		mustCreateUser(t, s, newUser("u2", "bob@example.com"))
		if err := s.UpdateUserName(t.Context(), "u1", "Ada Lovelace"); err != nil {
			t.Fatalf("UpdateUserName(u1) = %v; want nil", err)
		}
		if err := s.UpdateUserPassword(t.Context(), "u1", "new-hash"); err != nil {
			t.Fatalf("UpdateUserPassword(u1) = %v; want nil", err)
		}
		updated := *u
		updated.Name, updated.PasswordHash = "Ada Lovelace", "new-hash"
		got, err := s.User(t.Context(), "u1")
		if err != nil {
			t.Fatalf("User(u1) = %v; want nil", err)
		}
		checkUser(t, "User(u1) after the updates", got, &updated)
		got, err = s.UserByEmail(t.Context(), "ada@example.com")
		if err != nil {
			t.Fatalf("UserByEmail(ada@example.com) after the updates = %v; want nil", err)
		}
		checkUser(t, "UserByEmail(ada@example.com) after the updates", got, &updated)
		other, err := s.User(t.Context(), "u2")
		if err != nil {
			t.Fatalf("User(u2) = %v; want nil", err)
		}
		checkUser(t, "User(u2) after updating u1", other, newUser("u2", "bob@example.com"))
	})
	t.Run("UpgradeUserPassword", func(t *testing.T) {
		s := newStore(t)
		u := newUser("u1", "ada@example.com")
		mustCreateUser(t, s, u)
		if err := s.UpgradeUserPassword(t.Context(), "u1", "not-its-hash", "upgraded"); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("UpgradeUserPassword(from another hash) = %v; want ErrNotFound", err)
		}
		if got, err := s.User(t.Context(), "u1"); err != nil || got.PasswordHash != u.PasswordHash {
			t.Fatalf("User(u1) after a refused upgrade = %+v, %v; want the hash as it was", got, err)
		}
		if err := s.UpgradeUserPassword(t.Context(), "u1", u.PasswordHash, "upgraded"); err != nil {
			t.Fatalf("UpgradeUserPassword(from its hash) = %v; want nil", err)
		}
		want := *u
		want.PasswordHash = "upgraded"
		got, err := s.User(t.Context(), "u1")
		if err != nil {
			t.Fatal(err)
		}
		checkUser(t, "User(u1) after the upgrade", got, &want)
		if err := s.UpgradeUserPassword(t.Context(), "ghost", "a", "b"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("UpgradeUserPassword(missing) = %v; want ErrNotFound", err)
		}
	})
	t.Run("UpdateUserNotFound", func(t *testing.T) {
		s := newStore(t)
		if err := s.UpdateUserName(t.Context(), "ghost", "Ghost"); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("UpdateUserName(missing) = %v; want ErrNotFound", err)
		}
		if err := s.UpdateUserPassword(t.Context(), "ghost", "hash"); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("UpdateUserPassword(missing) = %v; want ErrNotFound", err)
		}
		if _, err := s.User(t.Context(), "ghost"); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("User(ghost) after updating a missing user = %v; want ErrNotFound (nothing created)", err)
		}
	})
	t.Run("ConcurrentNameAndPasswordChanges", func(t *testing.T) { testConcurrentUserUpdates(t, newStore) })
}

// testConcurrentUserUpdates: a name change and a password change of one
// account, at the same moment, both survive: each writes only its own
// attribute, so neither puts back the other's old value.
func testConcurrentUserUpdates(t *testing.T, newStore func(t *testing.T) shop.Store) {
	s := newStore(t)
	mustCreateUser(t, s, newUser("u1", "ada@example.com"))
	const rounds = 10
	for round := range rounds {
		name, hash := fmt.Sprintf("Name %d", round), fmt.Sprintf("hash-%d", round)
		var nameErr, hashErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() { <-start; nameErr = s.UpdateUserName(t.Context(), "u1", name) })
		wg.Go(func() { <-start; hashErr = s.UpdateUserPassword(t.Context(), "u1", hash) })
		close(start)
		wg.Wait()
		if nameErr != nil || hashErr != nil {
			t.Fatalf("round %d: UpdateUserName, UpdateUserPassword = %v, %v; want nil, nil", round, nameErr, hashErr)
		}
		got, err := s.User(t.Context(), "u1")
		if err != nil {
			t.Fatalf("User(u1) = %v; want nil", err)
		}
		if got.Name != name || got.PasswordHash != hash {
			t.Fatalf("round %d: user after concurrent changes has name %q and hash %q; want %q and %q (one change undid the other)",
				round, got.Name, got.PasswordHash, name, hash)
		}
		if got.Email != "ada@example.com" {
			t.Fatalf("round %d: email = %q; want it unchanged", round, got.Email)
		}
	}
}
