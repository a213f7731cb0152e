package shoptest

import (
	"errors"
	"testing"

	"storefront/internal/shop"
)

// testSessionVisit: a store that reads a session with its user and cart
// in one call (shop.VisitReader; every store of the program is one)
// returns what Session, User and Cart return for the ids the session
// names; the session is found by its hash only, whatever ids are asked
// for.
func testSessionVisit(t *testing.T, newStore func(t *testing.T) shop.Store) {
	reader := func(t *testing.T) (shop.Store, shop.VisitReader) {
		t.Helper()
		s := newStore(t)
		r, ok := s.(shop.VisitReader)
		if !ok {
			t.Skipf("%T is no shop.VisitReader", s)
		}
		return s, r
	}
	t.Run("SignedIn", func(t *testing.T) {
		s, r := reader(t)
		u := newUser("u1", "ada@example.com")
		mustCreateUser(t, s, u)
		sess := newSession("h1", shop.SessionWeb, "u1")
		mustCreateSession(t, s, sess)
		cart := MustSaveCart(t, s, sess.CartID,
			shop.CartLine{ProductID: "kettle", Quantity: 2, SeenPriceCents: 3900},
			shop.CartLine{ProductID: "cup", Quantity: 1, SeenPriceCents: 450})
		gotSess, gotUser, gotCart, err := r.SessionVisit(t.Context(), "h1", "u1", sess.CartID)
		if err != nil {
			t.Fatalf("SessionVisit(h1, u1, its cart) = %v; want nil", err)
		}
		checkSession(t, "SessionVisit(h1) session", gotSess, sess)
		checkUser(t, "SessionVisit(h1) user", gotUser, u)
		if gotCart == nil {
			t.Fatal("SessionVisit(h1) cart = nil; want the session's cart")
		}
		checkCart(t, "SessionVisit(h1) cart", gotCart, cart)
	})
	t.Run("GuestCartNeverSaved", func(t *testing.T) {
		s, r := reader(t)
		sess := newSession("h-guest", shop.SessionWeb, "")
		mustCreateSession(t, s, sess)
		gotSess, gotUser, gotCart, err := r.SessionVisit(t.Context(), "h-guest", "", sess.CartID)
		if err != nil {
			t.Fatalf("SessionVisit(guest) = %v; want nil", err)
		}
		checkSession(t, "SessionVisit(guest) session", gotSess, sess)
		if gotUser != nil {
			t.Errorf("SessionVisit(guest) user = %+v; want nil", *gotUser)
		}
		if gotCart == nil || gotCart.ID != sess.CartID || len(gotCart.Lines) != 0 || gotCart.Version != "" {
			t.Errorf("SessionVisit(guest) cart = %+v; want empty cart %q at version \"\"", gotCart, sess.CartID)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s, r := reader(t)
		mustCreateUser(t, s, newUser("u1", "ada@example.com"))
		if _, _, _, err := r.SessionVisit(t.Context(), "nope", "u1", shop.UserCartID("u1")); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("SessionVisit(missing session, a real user) = %v; want ErrNotFound", err)
		}
	})
	t.Run("OtherIDs", func(t *testing.T) {
		// Ids that are not the session's may be read or not; the
		// session is always its own, and a user or cart returned is one
		// the store holds under its id.
		s, r := reader(t)
		mustCreateUser(t, s, newUser("u1", "ada@example.com"))
		mallory := newUser("u2", "mallory@example.com")
		mustCreateUser(t, s, mallory)
		sess := newSession("h1", shop.SessionWeb, "u2")
		mustCreateSession(t, s, sess)
		gotSess, gotUser, gotCart, err := r.SessionVisit(t.Context(), "h1", "u1", shop.UserCartID("u1"))
		if err != nil {
			t.Fatalf("SessionVisit(h1, another user) = %v; want nil", err)
		}
		checkSession(t, "SessionVisit(h1, another user) session", gotSess, sess)
		if gotUser != nil && gotUser.ID != "u1" && gotUser.ID != "u2" {
			t.Errorf("SessionVisit(h1, another user) user = %q; want u1, u2 or none", gotUser.ID)
		}
		if gotCart != nil && gotCart.ID != shop.UserCartID("u1") && gotCart.ID != sess.CartID {
			t.Errorf("SessionVisit(h1, another user) cart = %q; want the asked or the session's, or none", gotCart.ID)
		}
	})
}
