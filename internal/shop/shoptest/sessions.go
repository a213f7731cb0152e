package shoptest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"storefront/internal/shop"
)

func newSession(idHash, kind, userID string) *shop.Session {
	cartID, stamp := "guest-"+idHash, ""
	if userID != "" {
		cartID, stamp = shop.UserCartID(userID), "stamp-of-"+userID
	}
	return &shop.Session{IDHash: idHash, Kind: kind, UserID: userID, CartID: cartID,
		CreatedAt: at(time.Hour), LastSeenAt: at(time.Hour + time.Second), ExpiresAt: at(13 * time.Hour), PasswordStamp: stamp}
}

func mustCreateSession(t *testing.T, s shop.Store, sess *shop.Session) {
	t.Helper()
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession(%q) = %v; want nil", sess.IDHash, err)
	}
}

func checkSession(t *testing.T, call string, got, want *shop.Session) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s = nil session; want %+v", call, *want)
	}
	g, w := *got, *want
	for _, f := range []struct {
		name      string
		got, want *time.Time
	}{{"CreatedAt", &g.CreatedAt, &w.CreatedAt}, {"LastSeenAt", &g.LastSeenAt, &w.LastSeenAt}, {"ExpiresAt", &g.ExpiresAt, &w.ExpiresAt}} {
		if !f.got.Equal(*f.want) {
			t.Errorf("%s %s = %v; want %v", call, f.name, *f.got, *f.want)
		}
		*f.got, *f.want = time.Time{}, time.Time{}
	}
	if g != w {
		t.Errorf("%s = %+v; want %+v", call, g, w)
	}
}

// sessionExists reports whether the session idHash can be read.
func sessionExists(t *testing.T, s shop.Store, idHash string) bool {
	t.Helper()
	_, err := s.Session(t.Context(), idHash)
	switch {
	case err == nil:
		return true
	case errors.Is(err, shop.ErrNotFound):
		return false
	}
	t.Fatalf("Session(%q) = %v; want nil or ErrNotFound", idHash, err)
	return false
}

func testSessions(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("CreateAndRead", func(t *testing.T) {
		s := newStore(t)
		for _, sess := range []*shop.Session{
			newSession("h-web", shop.SessionWeb, "u1"),
			newSession("h-api", shop.SessionAPI, "u1"),
			newSession("h-guest", shop.SessionWeb, ""),
		} {
			mustCreateSession(t, s, sess)
			got, err := s.Session(t.Context(), sess.IDHash)
			if err != nil {
				t.Fatalf("Session(%q) = %v; want nil", sess.IDHash, err)
			}
			checkSession(t, fmt.Sprintf("Session(%q)", sess.IDHash), got, sess)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Session(t.Context(), "nope"); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("Session(missing) = %v; want ErrNotFound", err)
		}
	})
	t.Run("Touch", func(t *testing.T) {
		s := newStore(t)
		sess := newSession("h1", shop.SessionWeb, "u1")
		mustCreateSession(t, s, sess)
		other := newSession("h2", shop.SessionWeb, "u1")
		mustCreateSession(t, s, other)
		seen := at(2*time.Hour + 345*time.Millisecond)
		if err := s.TouchSession(t.Context(), "h1", seen); err != nil {
			t.Fatalf("TouchSession(h1) = %v; want nil", err)
		}
		got, err := s.Session(t.Context(), "h1")
		if err != nil {
			t.Fatalf("Session(h1) = %v; want nil", err)
		}
		want := *sess
		want.LastSeenAt = seen
		checkSession(t, "Session(h1) after TouchSession", got, &want)
		got, err = s.Session(t.Context(), "h2")
		if err != nil {
			t.Fatalf("Session(h2) = %v; want nil", err)
		}
		checkSession(t, "Session(h2) after touching h1", got, other)
	})
	t.Run("TouchMissing", func(t *testing.T) {
		s := newStore(t)
		if err := s.TouchSession(t.Context(), "nope", at(time.Hour)); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("TouchSession(missing) = %v; want ErrNotFound", err)
		}
		if sessionExists(t, s, "nope") {
			t.Errorf("TouchSession(missing) created a session")
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		mustCreateSession(t, s, newSession("h1", shop.SessionWeb, "u1"))
		mustCreateSession(t, s, newSession("h2", shop.SessionWeb, "u1"))
		if err := s.DeleteSession(t.Context(), "h1"); err != nil {
			t.Fatalf("DeleteSession(h1) = %v; want nil", err)
		}
		if sessionExists(t, s, "h1") {
			t.Errorf("Session(h1) found after DeleteSession; want ErrNotFound")
		}
		if !sessionExists(t, s, "h2") {
			t.Errorf("Session(h2) gone after deleting h1; want it kept")
		}
		if err := s.DeleteSession(t.Context(), "h1"); err != nil {
			t.Errorf("DeleteSession(already deleted) = %v; want nil", err)
		}
		if err := s.DeleteSession(t.Context(), "never"); err != nil {
			t.Errorf("DeleteSession(missing) = %v; want nil", err)
		}
	})
	t.Run("DeleteUserSessions", func(t *testing.T) {
		s := newStore(t)
		for _, sess := range []*shop.Session{
			newSession("a-web1", shop.SessionWeb, "ua"),
			newSession("a-web2", shop.SessionWeb, "ua"),
			newSession("a-api", shop.SessionAPI, "ua"),
			newSession("b-web", shop.SessionWeb, "ub"),
			newSession("b-api", shop.SessionAPI, "ub"),
			newSession("guest", shop.SessionWeb, ""),
		} {
			mustCreateSession(t, s, sess)
		}
		if err := s.DeleteUserSessions(t.Context(), "ua", "a-web2"); err != nil {
			t.Fatalf("DeleteUserSessions(ua, keep a-web2) = %v; want nil", err)
		}
		for id, want := range map[string]bool{"a-web1": false, "a-web2": true, "a-api": false, "b-web": true, "b-api": true, "guest": true} {
			if got := sessionExists(t, s, id); got != want {
				t.Errorf("after DeleteUserSessions(ua, keep a-web2): session %s exists = %v; want %v", id, got, want)
			}
		}
		if err := s.DeleteUserSessions(t.Context(), "ub", ""); err != nil {
			t.Fatalf("DeleteUserSessions(ub, keep none) = %v; want nil", err)
		}
		for id, want := range map[string]bool{"a-web2": true, "b-web": false, "b-api": false, "guest": true} {
			if got := sessionExists(t, s, id); got != want {
				t.Errorf("after DeleteUserSessions(ub, keep none): session %s exists = %v; want %v", id, got, want)
			}
		}
		if err := s.DeleteUserSessions(t.Context(), "nobody", ""); err != nil {
			t.Errorf("DeleteUserSessions(user without sessions) = %v; want nil", err)
		}
	})
}
