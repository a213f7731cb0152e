// Package shoptest is the conformance suite of shop.Store: every store
// (sqlite, dynamo) runs TestStore, so both keep the documented contract of
// each method, its errors and its atomicity alike.
package shoptest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestStore runs the conformance suite. newStore must return a fresh, empty
// store for each call; every subtest calls it once.
func TestStore(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("Ping", func(t *testing.T) {
		s := newStore(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping() = %v; want nil", err)
		}
	})
	t.Run("Users", func(t *testing.T) { testUsers(t, newStore) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, newStore) })
	t.Run("Products", func(t *testing.T) { testProducts(t, newStore) })
	t.Run("SearchProducts", func(t *testing.T) { testSearchProducts(t, newStore) })
	t.Run("Categories", func(t *testing.T) { testCategories(t, newStore) })
	t.Run("Carts", func(t *testing.T) { testCarts(t, newStore) })
	t.Run("PlaceOrder", func(t *testing.T) { testPlaceOrder(t, newStore) })
	t.Run("Orders", func(t *testing.T) { testOrders(t, newStore) })
	t.Run("LoginThrottle", func(t *testing.T) { testLoginThrottle(t, newStore) })
}

// baseTime is the fixtures' clock: like the service's, UTC and truncated to
// milliseconds, with a millisecond part so lossy storage shows.
var baseTime = time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

func at(d time.Duration) time.Time { return baseTime.Add(d) }

// ---- Users ----

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
	if got == nil {
		t.Fatalf("%s = nil user; want %+v", call, *want)
	}
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("%s CreatedAt = %v; want %v", call, g.CreatedAt, w.CreatedAt)
	}
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("%s = %+v; want %+v", call, g, w)
	}
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

// ---- Sessions ----

func newSession(idHash, kind, userID string) *shop.Session {
	cartID := "guest-" + idHash
	if userID != "" {
		cartID = shop.UserCartID(userID)
	}
	return &shop.Session{IDHash: idHash, Kind: kind, UserID: userID, CartID: cartID,
		CreatedAt: at(time.Hour), LastSeenAt: at(time.Hour + time.Second), ExpiresAt: at(13 * time.Hour)}
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

// ---- Products ----

// NewProduct returns an active product fixture with the given price and
// stock, in category "kitchen".
func NewProduct(id string, price shop.Money, stock int) *shop.Product {
	return &shop.Product{ID: id, Name: "Product " + id, Description: "The description of " + id + ".",
		Category: "kitchen", PriceCents: price, Stock: stock, Active: true, CreatedAt: at(0)}
}

// MustSaveProduct saves products or fails the test.
func MustSaveProduct(t *testing.T, s shop.Store, products ...*shop.Product) {
	t.Helper()
	for _, p := range products {
		if err := s.SaveProduct(t.Context(), p); err != nil {
			t.Fatalf("SaveProduct(%q) = %v; want nil", p.ID, err)
		}
	}
}

func checkProduct(t *testing.T, call string, got, want *shop.Product) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s = nil product; want %+v", call, *want)
	}
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("%s CreatedAt = %v; want %v", call, g.CreatedAt, w.CreatedAt)
	}
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("%s = %+v; want %+v", call, g, w)
	}
}

// stockOf returns the stock of product id.
func stockOf(t *testing.T, s shop.Store, id string) int {
	t.Helper()
	p, err := s.Product(t.Context(), id)
	if err != nil {
		t.Fatalf("Product(%q) = %v; want nil", id, err)
	}
	return p.Stock
}

func testProducts(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("SaveAndRead", func(t *testing.T) {
		s := newStore(t)
		p := &shop.Product{ID: "enamel-kettle", Name: "Enamel Kettle", Description: "Boils water. Whistles when done.",
			Category: "kitchen", PriceCents: 3999, Stock: 7, Active: true, CreatedAt: at(time.Hour)}
		MustSaveProduct(t, s, p)
		got, err := s.Product(t.Context(), p.ID)
		if err != nil {
			t.Fatalf("Product(%q) = %v; want nil", p.ID, err)
		}
		checkProduct(t, "Product(enamel-kettle)", got, p)
	})
	t.Run("Replace", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		MustSaveProduct(t, s, p, NewProduct("p2", 2000, 3))
		replaced := *p
		replaced.Name, replaced.Description, replaced.Category = "Renamed", "New text.", "home"
		replaced.PriceCents, replaced.Stock, replaced.Active = 1250, 0, false
		MustSaveProduct(t, s, &replaced)
		got, err := s.Product(t.Context(), "p1")
		if err != nil {
			t.Fatalf("Product(p1) = %v; want nil", err)
		}
		checkProduct(t, "Product(p1) after replacing it", got, &replaced)
		got, err = s.Product(t.Context(), "p2")
		if err != nil {
			t.Fatalf("Product(p2) = %v; want nil", err)
		}
		checkProduct(t, "Product(p2) after replacing p1", got, NewProduct("p2", 2000, 3))
		if n, err := s.CountProducts(t.Context()); err != nil || n != 2 {
			t.Errorf("CountProducts() after a replace = %d, %v; want 2, nil", n, err)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("p1", 1000, 5))
		if _, err := s.Product(t.Context(), "p2"); !errors.Is(err, shop.ErrNotFound) {
			t.Fatalf("Product(missing) = %v; want ErrNotFound", err)
		}
	})
	t.Run("Products", func(t *testing.T) {
		s := newStore(t)
		p1, p2, p3 := NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 0), NewProduct("p3", 3000, 1)
		p2.Active = false
		MustSaveProduct(t, s, p1, p2, p3)
		got, err := s.Products(t.Context(), []string{"p3", "missing", "p2"})
		if err != nil {
			t.Fatalf("Products(p3, missing, p2) = %v; want nil", err)
		}
		slices.SortFunc(got, func(a, b shop.Product) int { return strings.Compare(a.ID, b.ID) })
		if ids := productIDs(got); !slices.Equal(ids, []string{"p2", "p3"}) {
			t.Fatalf("Products(p3, missing, p2) = %v; want p2, p3 (in any order)", ids)
		}
		checkProduct(t, "Products(...)[p2]", &got[0], p2)
		checkProduct(t, "Products(...)[p3]", &got[1], p3)
		got, err = s.Products(t.Context(), []string{"missing"})
		if err != nil || len(got) != 0 {
			t.Errorf("Products(missing) = %v, %v; want none, nil", productIDs(got), err)
		}
		got, err = s.Products(t.Context(), nil)
		if err != nil || len(got) != 0 {
			t.Errorf("Products(no ids) = %v, %v; want none, nil", productIDs(got), err)
		}
	})
	t.Run("CountProducts", func(t *testing.T) {
		s := newStore(t)
		if n, err := s.CountProducts(t.Context()); err != nil || n != 0 {
			t.Fatalf("CountProducts() of an empty store = %d, %v; want 0, nil", n, err)
		}
		inactive := NewProduct("p3", 3000, 0)
		inactive.Active = false
		MustSaveProduct(t, s, NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 0), inactive)
		if n, err := s.CountProducts(t.Context()); err != nil || n != 3 {
			t.Fatalf("CountProducts() = %d, %v; want 3, nil (active or not)", n, err)
		}
	})
}

func productIDs(products []shop.Product) []string {
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	return ids
}

// catalogFixture is a small catalog with ties in every sort order, an
// inactive product matching common words, and descriptions holding the
// LIKE wildcards '%' and '_'.
func catalogFixture() ([]shop.Category, []*shop.Product) {
	p := func(id, name, desc, category string, price shop.Money, created time.Duration) *shop.Product {
		return &shop.Product{ID: id, Name: name, Description: desc, Category: category, PriceCents: price,
			Stock: 4, Active: true, CreatedAt: at(created)}
	}
	lamp := p("f-lamp", "Brass Lamp", "A warm kettle-shaped lamp.", "home", 4500, 5*time.Hour)
	lamp.Active = false
	return []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "home", Name: "Home & Living"}, {ID: "garden", Name: "Garden"}},
		[]*shop.Product{
			p("a-kettle", "Enamel Kettle", "Boils water on any stove.", "kitchen", 3900, 1*time.Hour),
			p("b-mug", "Stoneware Mug", "Holds 350 ml of coffee.", "kitchen", 1500, 3*time.Hour),
			p("c-teapot", "Cast Iron Teapot", "Brews loose-leaf TEA; keeps it warm.", "kitchen", 3900, 2*time.Hour),
			p("d-blanket", "Wool Blanket", "100% merino wool, warm and soft.", "home", 8900, 3*time.Hour),
			p("e-candle", "Soy Candle", "Smells of cedar_wood and smoke.", "home", 1500, 4*time.Hour),
			p("g-mug", "Stoneware Mug", "A bigger mug for the sofa.", "home", 1600, 0),
			lamp,
		}
}

func saveCatalog(t *testing.T, s shop.Store) []shop.Product {
	t.Helper()
	categories, products := catalogFixture()
	for i := range categories {
		if err := s.SaveCategory(t.Context(), &categories[i]); err != nil {
			t.Fatalf("SaveCategory(%q) = %v; want nil", categories[i].ID, err)
		}
	}
	// Saved in reverse id order, so a store breaking ties by insertion
	// order fails.
	for i := len(products) - 1; i >= 0; i-- {
		MustSaveProduct(t, s, products[i])
	}
	all := make([]shop.Product, len(products))
	for i, p := range products {
		all[i] = *p
	}
	return all
}

func testSearchProducts(t *testing.T, newStore func(t *testing.T) shop.Store) {
	s := newStore(t)
	all := saveCatalog(t, s)
	q := func(text, category, sortBy string, page, perPage int) shop.ProductQuery {
		return shop.ProductQuery{Text: text, Category: category, Sort: sortBy, Page: page, PerPage: perPage}
	}
	tests := []struct {
		name  string
		q     shop.ProductQuery
		want  []string
		total int
	}{
		{"all by name", q("", "", shop.SortName, 1, 100), []string{"c-teapot", "a-kettle", "e-candle", "b-mug", "g-mug", "d-blanket"}, 6},
		{"all by price ascending", q("", "", shop.SortPriceAsc, 1, 100), []string{"b-mug", "e-candle", "g-mug", "a-kettle", "c-teapot", "d-blanket"}, 6},
		{"all by price descending", q("", "", shop.SortPriceDesc, 1, 100), []string{"d-blanket", "a-kettle", "c-teapot", "g-mug", "b-mug", "e-candle"}, 6},
		{"all newest first", q("", "", shop.SortNewest, 1, 100), []string{"e-candle", "b-mug", "d-blanket", "c-teapot", "a-kettle", "g-mug"}, 6},
		{"text in name, other case", q("STONEWARE", "", shop.SortName, 1, 100), []string{"b-mug", "g-mug"}, 2},
		{"text in description, other case", q("WaRm", "", shop.SortName, 1, 100), []string{"c-teapot", "d-blanket"}, 2},
		{"text in name or description", q("tea", "", shop.SortName, 1, 100), []string{"c-teapot"}, 1},
		{"inactive excluded though matching", q("kettle", "", shop.SortName, 1, 100), []string{"a-kettle"}, 1},
		{"percent is literal", q("0%", "", shop.SortName, 1, 100), []string{"d-blanket"}, 1},
		{"underscore is literal", q("r_w", "", shop.SortName, 1, 100), []string{"e-candle"}, 1},
		{"backslash is literal", q(`\`, "", shop.SortName, 1, 100), []string{}, 0},
		{"no match", q("bicycle", "", shop.SortName, 1, 100), []string{}, 0},
		{"not across name and description", q("kettle boils", "", shop.SortName, 1, 100), []string{}, 0},
		{"category", q("", "home", shop.SortName, 1, 100), []string{"e-candle", "g-mug", "d-blanket"}, 3},
		{"category and text", q("mug", "home", shop.SortName, 1, 100), []string{"g-mug"}, 1},
		{"unknown category", q("", "garden", shop.SortName, 1, 100), []string{}, 0},
		{"first page", q("", "", shop.SortPriceAsc, 1, 4), []string{"b-mug", "e-candle", "g-mug", "a-kettle"}, 6},
		{"second page", q("", "", shop.SortPriceAsc, 2, 4), []string{"c-teapot", "d-blanket"}, 6},
		{"middle page", q("", "", shop.SortNewest, 2, 2), []string{"d-blanket", "c-teapot"}, 6},
		{"page past the end", q("", "", shop.SortPriceAsc, 3, 4), []string{}, 6},
		{"far page past the end", q("", "", shop.SortName, 10000, 100), []string{}, 6},
		{"filtered second page", q("", "kitchen", shop.SortPriceDesc, 2, 2), []string{"b-mug"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The domain's reference implementation must agree with the
			// expectations, or the fixture is wrong rather than the store.
			if ref := shop.PageOf(all, tt.q); !slices.Equal(productIDs(ref.Items), tt.want) || ref.Total != tt.total {
				t.Fatalf("fixture error: shop.PageOf(%+v) = %v (total %d); want %v (total %d)", tt.q, productIDs(ref.Items), ref.Total, tt.want, tt.total)
			}
			page, err := s.SearchProducts(t.Context(), tt.q)
			if err != nil {
				t.Fatalf("SearchProducts(%+v) = %v; want nil", tt.q, err)
			}
			if got := productIDs(page.Items); !slices.Equal(got, tt.want) || page.Total != tt.total {
				t.Errorf("SearchProducts(%+v) = %v (total %d); want %v (total %d)", tt.q, got, page.Total, tt.want, tt.total)
			}
		})
	}
	t.Run("full products", func(t *testing.T) {
		page, err := s.SearchProducts(t.Context(), q("", "", shop.SortName, 1, 100))
		if err != nil {
			t.Fatalf("SearchProducts(all) = %v; want nil", err)
		}
		byID := map[string]shop.Product{}
		for _, p := range all {
			byID[p.ID] = p
		}
		for _, got := range page.Items {
			want := byID[got.ID]
			checkProduct(t, fmt.Sprintf("SearchProducts(all) item %s", got.ID), &got, &want)
		}
	})
	t.Run("non-ASCII case folding", func(t *testing.T) {
		s := newStore(t)
		torch := NewProduct("torch", 2900, 3)
		torch.Name, torch.Description = "Crème Brûlée Torch", "Caramelizes sugar."
		ramekin := NewProduct("ramekin", 900, 3)
		ramekin.Name, ramekin.Description = "Ramekin", "For ÉCLAIRS, soufflés and more."
		MustSaveProduct(t, s, torch, ramekin)
		all := []shop.Product{*torch, *ramekin}
		for text, want := range map[string][]string{"CRÈME": {"torch"}, "brûlée": {"torch"}, "éclairs": {"ramekin"}, "SOUFFLÉS": {"ramekin"}} {
			query := q(text, "", shop.SortName, 1, 100)
			if ref := productIDs(shop.PageOf(all, query).Items); !slices.Equal(ref, want) {
				t.Fatalf("fixture error: shop.PageOf(%+v) = %v; want %v", query, ref, want)
			}
			page, err := s.SearchProducts(t.Context(), query)
			if err != nil {
				t.Fatalf("SearchProducts(%+v) = %v; want nil", query, err)
			}
			if got := productIDs(page.Items); !slices.Equal(got, want) || page.Total != len(want) {
				t.Errorf("SearchProducts(%+v) = %v (total %d); want %v (total %d), as shop.MatchesQuery", query, got, page.Total, want, len(want))
			}
		}
	})
	t.Run("withdrawn after replace", func(t *testing.T) {
		s := newStore(t)
		saveCatalog(t, s)
		_, products := catalogFixture()
		mug := products[1]
		mug.Active = false
		MustSaveProduct(t, s, mug)
		query := q("stoneware", "", shop.SortName, 1, 100)
		page, err := s.SearchProducts(t.Context(), query)
		if err != nil {
			t.Fatalf("SearchProducts(%+v) = %v; want nil", query, err)
		}
		if got := productIDs(page.Items); !slices.Equal(got, []string{"g-mug"}) || page.Total != 1 {
			t.Errorf("SearchProducts(%+v) after withdrawing b-mug = %v (total %d); want [g-mug] (total 1)", query, got, page.Total)
		}
	})
}

func testCategories(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("ByNameCountingActive", func(t *testing.T) {
		s := newStore(t)
		saveCatalog(t, s)
		// A category holding only a withdrawn product counts 0.
		if err := s.SaveCategory(t.Context(), &shop.Category{ID: "attic", Name: "Attic"}); err != nil {
			t.Fatalf("SaveCategory(attic) = %v; want nil", err)
		}
		old := NewProduct("old-chair", 500, 1)
		old.Category, old.Active = "attic", false
		MustSaveProduct(t, s, old)
		got, err := s.Categories(t.Context())
		if err != nil {
			t.Fatalf("Categories() = %v; want nil", err)
		}
		want := []shop.Category{{ID: "attic", Name: "Attic", ProductCount: 0}, {ID: "garden", Name: "Garden", ProductCount: 0},
			{ID: "home", Name: "Home & Living", ProductCount: 3}, {ID: "kitchen", Name: "Kitchen", ProductCount: 3}}
		if !slices.Equal(got, want) {
			t.Errorf("Categories() = %+v; want %+v", got, want)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		got, err := s.Categories(t.Context())
		if err != nil || len(got) != 0 {
			t.Errorf("Categories() of an empty store = %+v, %v; want none, nil", got, err)
		}
	})
	t.Run("Replace", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("p1", 100, 1))
		for _, c := range []shop.Category{{ID: "kitchen", Name: "Kitchen"}, {ID: "kitchen", Name: "Cooking", ProductCount: 42}, {ID: "bath", Name: "Bath"}} {
			if err := s.SaveCategory(t.Context(), &c); err != nil {
				t.Fatalf("SaveCategory(%+v) = %v; want nil", c, err)
			}
		}
		got, err := s.Categories(t.Context())
		if err != nil {
			t.Fatalf("Categories() = %v; want nil", err)
		}
		want := []shop.Category{{ID: "bath", Name: "Bath"}, {ID: "kitchen", Name: "Cooking", ProductCount: 1}}
		if !slices.Equal(got, want) {
			t.Errorf("Categories() after renaming kitchen = %+v; want %+v (ProductCount of SaveCategory ignored)", got, want)
		}
	})
}

// ---- Carts ----

// MustSaveCart saves a cart with lines, or fails the test.
func MustSaveCart(t *testing.T, s shop.Store, id string, lines ...shop.CartLine) *shop.Cart {
	t.Helper()
	c := &shop.Cart{ID: id, Lines: lines, UpdatedAt: at(30 * time.Minute)}
	if err := s.SaveCart(t.Context(), c); err != nil {
		t.Fatalf("SaveCart(%q) = %v; want nil", id, err)
	}
	return c
}

func readCart(t *testing.T, s shop.Store, id string) *shop.Cart {
	t.Helper()
	c, err := s.Cart(t.Context(), id)
	if err != nil {
		t.Fatalf("Cart(%q) = %v; want nil", id, err)
	}
	if c == nil {
		t.Fatalf("Cart(%q) = nil cart, nil error; want a cart", id)
	}
	return c
}

func checkCart(t *testing.T, call string, got, want *shop.Cart) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("%s ID = %q; want %q", call, got.ID, want.ID)
	}
	if !slices.Equal(got.Lines, want.Lines) {
		t.Errorf("%s Lines = %+v; want %+v", call, got.Lines, want.Lines)
	}
	if len(want.Lines) > 0 && !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s UpdatedAt = %v; want %v", call, got.UpdatedAt, want.UpdatedAt)
	}
	if got.Version != want.Version {
		t.Errorf("%s Version = %q; want %q", call, got.Version, want.Version)
	}
}

func testCarts(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("NeverSaved", func(t *testing.T) {
		s := newStore(t)
		c := readCart(t, s, "guest-abc")
		if c.ID != "guest-abc" || len(c.Lines) != 0 {
			t.Errorf("Cart(never saved) = %+v; want empty cart with ID guest-abc", *c)
		}
	})
	t.Run("SaveReplaceDelete", func(t *testing.T) {
		s := newStore(t)
		// Line order is the shopper's order of adding, not by id.
		want := MustSaveCart(t, s, "user-u1",
			shop.CartLine{ProductID: "zebra-mug", Quantity: 2, PriceCents: 1500},
			shop.CartLine{ProductID: "apple-tray", Quantity: 99, PriceCents: 1},
			shop.CartLine{ProductID: "mango-bowl", Quantity: 1, PriceCents: 123456})
		other := MustSaveCart(t, s, "guest-x", shop.CartLine{ProductID: "apple-tray", Quantity: 1, PriceCents: 2})
		checkCart(t, "Cart(user-u1)", readCart(t, s, "user-u1"), want)

		want = &shop.Cart{ID: "user-u1", UpdatedAt: at(time.Hour), Version: want.Version, Lines: []shop.CartLine{
			{ProductID: "mango-bowl", Quantity: 3, PriceCents: 120000},
			{ProductID: "kiwi-cup", Quantity: 1, PriceCents: 700}}}
		if err := s.SaveCart(t.Context(), want); err != nil {
			t.Fatalf("SaveCart(user-u1, replaced lines) = %v; want nil", err)
		}
		checkCart(t, "Cart(user-u1) after replacing lines", readCart(t, s, "user-u1"), want)
		checkCart(t, "Cart(guest-x) after saving user-u1", readCart(t, s, "guest-x"), other)

		if err := s.SaveCart(t.Context(), &shop.Cart{ID: "user-u1", UpdatedAt: at(2 * time.Hour), Version: want.Version}); err != nil {
			t.Fatalf("SaveCart(user-u1, no lines) = %v; want nil", err)
		}
		if c := readCart(t, s, "user-u1"); c.ID != "user-u1" || len(c.Lines) != 0 {
			t.Errorf("Cart(user-u1) after saving no lines = %+v; want empty cart with its ID", *c)
		}

		if err := s.DeleteCart(t.Context(), "guest-x"); err != nil {
			t.Fatalf("DeleteCart(guest-x) = %v; want nil", err)
		}
		if c := readCart(t, s, "guest-x"); c.ID != "guest-x" || len(c.Lines) != 0 {
			t.Errorf("Cart(guest-x) after DeleteCart = %+v; want empty cart with its ID", *c)
		}
		if err := s.DeleteCart(t.Context(), "guest-x"); err != nil {
			t.Errorf("DeleteCart(already deleted) = %v; want nil", err)
		}
		if err := s.DeleteCart(t.Context(), "never"); err != nil {
			t.Errorf("DeleteCart(missing) = %v; want nil", err)
		}
	})
	t.Run("CompareAndSet", func(t *testing.T) { testCartCompareAndSet(t, newStore(t)) })
	t.Run("ConcurrentAdds", func(t *testing.T) { testCartConcurrentAdds(t, newStore(t)) })
}

// saveCartAt saves a cart with lines over version, returning the error.
func saveCartAt(t *testing.T, s shop.Store, id, version string, lines ...shop.CartLine) (*shop.Cart, error) {
	t.Helper()
	c := &shop.Cart{ID: id, Lines: lines, UpdatedAt: at(time.Hour), Version: version}
	return c, s.SaveCart(t.Context(), c)
}

func testCartCompareAndSet(t *testing.T, s shop.Store) {
	mug := shop.CartLine{ProductID: "mug", Quantity: 1, PriceCents: 900}
	cup := shop.CartLine{ProductID: "cup", Quantity: 2, PriceCents: 400}
	if v := readCart(t, s, "user-u1").Version; v != "" {
		t.Fatalf("Cart(never saved).Version = %q; want \"\"", v)
	}
	v1, err := saveCartAt(t, s, "user-u1", "", mug)
	if err != nil || v1.Version == "" {
		t.Fatalf("SaveCart(new cart) = %v, version %q; want nil and a new version", err, v1.Version)
	}
	checkCart(t, "Cart(user-u1) after the first save", readCart(t, s, "user-u1"), v1)

	// A second writer that also read "no cart" lost the race.
	if _, err := saveCartAt(t, s, "user-u1", "", cup); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveCart(second create over version \"\") = %v; want ErrConflict", err)
	}
	v2, err := saveCartAt(t, s, "user-u1", v1.Version, mug, cup)
	if err != nil || v2.Version == "" || v2.Version == v1.Version {
		t.Fatalf("SaveCart(at the current version) = %v, version %q; want nil and a version other than %q", err, v2.Version, v1.Version)
	}
	// A stale writer, and one whose change would empty the cart.
	if _, err := saveCartAt(t, s, "user-u1", v1.Version, cup); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveCart(stale version) = %v; want ErrConflict", err)
	}
	if _, err := saveCartAt(t, s, "user-u1", v1.Version); !errors.Is(err, shop.ErrConflict) {
		t.Errorf("SaveCart(no lines, stale version) = %v; want ErrConflict", err)
	}
	checkCart(t, "Cart(user-u1) after refused saves", readCart(t, s, "user-u1"), v2)

	// No ABA: a cart placed as an order (deleted) and saved again never
	// takes a save read before the placement, whatever the versions.
	p := NewProduct("mug", 900, 5)
	MustSaveProduct(t, s, p)
	placed, err := saveCartAt(t, s, "user-u1", v2.Version, mug)
	if err != nil {
		t.Fatalf("SaveCart(at the current version) = %v; want nil", err)
	}
	mustPlaceOrder(t, s, NewOrder("o1", "u1", at(time.Hour), LineOf(p, 1)), placed)
	again, err := saveCartAt(t, s, "user-u1", "", cup)
	if err != nil {
		t.Fatalf("SaveCart(new cart after the order) = %v; want nil", err)
	}
	for _, stale := range []string{v1.Version, v2.Version, placed.Version} {
		if _, err := saveCartAt(t, s, "user-u1", stale, mug, cup); !errors.Is(err, shop.ErrConflict) {
			t.Errorf("SaveCart(version %q from before the order) = %v; want ErrConflict", stale, err)
		}
	}
	checkCart(t, "Cart(user-u1) after stale saves", readCart(t, s, "user-u1"), again)

	// Emptying the cart over its version deletes it.
	if _, err := saveCartAt(t, s, "user-u1", again.Version); err != nil {
		t.Fatalf("SaveCart(no lines, current version) = %v; want nil", err)
	}
	checkCart(t, "Cart(user-u1) after emptying it", readCart(t, s, "user-u1"), &shop.Cart{ID: "user-u1", Lines: []shop.CartLine{}})
}

// testCartConcurrentAdds has writers each add their own line to one cart
// the way the service does (read, change, save over the version read, again
// on ErrConflict): every line must be there.
func testCartConcurrentAdds(t *testing.T, s shop.Store) {
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for range 1000 {
				c, err := s.Cart(t.Context(), "user-u1")
				if err != nil {
					errs[i] = err
					return
				}
				c.Lines = append(c.Lines, shop.CartLine{ProductID: fmt.Sprintf("p%d", i), Quantity: i + 1, PriceCents: 100})
				errs[i] = s.SaveCart(t.Context(), c)
				if !errors.Is(errs[i], shop.ErrConflict) {
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: read-add-save = %v; want nil", i, err)
		}
	}
	got := readCart(t, s, "user-u1")
	if len(got.Lines) != writers {
		t.Fatalf("Cart after %d concurrent adds has lines %+v; want %d lines", writers, got.Lines, writers)
	}
	for _, l := range got.Lines {
		var i int
		if _, err := fmt.Sscanf(l.ProductID, "p%d", &i); err != nil || l.Quantity != i+1 {
			t.Errorf("Cart line %+v; want product p<i> with quantity i+1", l)
		}
	}
}

// ---- Orders ----

// NewOrder returns an order of userID for the given lines, priced and
// totalled as the service does, created at created.
func NewOrder(id, userID string, created time.Time, lines ...shop.OrderLine) *shop.Order {
	o := &shop.Order{ID: id, UserID: userID, UserEmail: userID + "@example.com", Status: shop.OrderStatusPlaced,
		CreatedAt: created, Currency: shop.Currency,
		ShippingAddress: shop.Address{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}}
	for _, l := range lines {
		l.LineTotalCents = l.UnitPriceCents * shop.Money(l.Quantity)
		o.Items = append(o.Items, l)
		o.ItemCount += l.Quantity
		o.SubtotalCents += l.LineTotalCents
	}
	o.ShippingCents = shop.ShippingFor(o.SubtotalCents)
	o.TotalCents = o.SubtotalCents + o.ShippingCents
	return o
}

// LineOf returns an order line buying quantity of p at its current price.
func LineOf(p *shop.Product, quantity int) shop.OrderLine {
	return shop.OrderLine{ProductID: p.ID, Name: p.Name, UnitPriceCents: p.PriceCents, Quantity: quantity}
}

// cartOf saves cart id holding the lines of o.
func cartOf(t *testing.T, s shop.Store, id string, o *shop.Order) *shop.Cart {
	t.Helper()
	lines := make([]shop.CartLine, len(o.Items))
	for i, l := range o.Items {
		lines[i] = shop.CartLine{ProductID: l.ProductID, Quantity: l.Quantity, PriceCents: l.UnitPriceCents}
	}
	return MustSaveCart(t, s, id, lines...)
}

func checkOrder(t *testing.T, call string, got, want *shop.Order) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s = nil order; want %+v", call, *want)
	}
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) {
		t.Errorf("%s CreatedAt = %v; want %v", call, g.CreatedAt, w.CreatedAt)
	}
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %+v; want %+v", call, g, w)
	}
}

func mustPlaceOrder(t *testing.T, s shop.Store, o *shop.Order, cart *shop.Cart) {
	t.Helper()
	if err := s.PlaceOrder(t.Context(), o, cart); err != nil {
		t.Fatalf("PlaceOrder(%s) = %v; want nil", o.ID, err)
	}
}

// checkStocks fails unless every product has the given stock.
func checkStocks(t *testing.T, s shop.Store, when string, want map[string]int) {
	t.Helper()
	for id, w := range want {
		if got := stockOf(t, s, id); got != w {
			t.Errorf("%s: stock of %s = %d; want %d", when, id, got, w)
		}
	}
}

func checkNoOrder(t *testing.T, s shop.Store, when, id string) {
	t.Helper()
	if _, err := s.Order(t.Context(), id); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("%s: Order(%s) = %v; want ErrNotFound", when, id, err)
	}
}

func testPlaceOrder(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("Success", func(t *testing.T) {
		s := newStore(t)
		p1, p2, p3 := NewProduct("p1", 1250, 5), NewProduct("p2", 4500, 2), NewProduct("p3", 100, 9)
		MustSaveProduct(t, s, p1, p2, p3)
		o := NewOrder("o1", "u1", at(2*time.Hour), LineOf(p2, 2), LineOf(p1, 3))
		o.ShippingAddress.Line2 = "Flat 3"
		cart := cartOf(t, s, "user-u1", o)
		otherCart := MustSaveCart(t, s, "user-u2", shop.CartLine{ProductID: "p1", Quantity: 1, PriceCents: 1250})
		mustPlaceOrder(t, s, o, cart)

		checkStocks(t, s, "after PlaceOrder", map[string]int{"p1": 2, "p2": 0, "p3": 9})
		got, err := s.Order(t.Context(), "o1")
		if err != nil {
			t.Fatalf("Order(o1) = %v; want nil", err)
		}
		checkOrder(t, "Order(o1)", got, o)
		if c := readCart(t, s, cart.ID); len(c.Lines) != 0 {
			t.Errorf("Cart(%s) after PlaceOrder = %+v; want empty (deleted)", cart.ID, c.Lines)
		}
		checkCart(t, "Cart(user-u2) after another user's PlaceOrder", readCart(t, s, "user-u2"), otherCart)
	})
	t.Run("CartMissing", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 1)
		MustSaveProduct(t, s, p)
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(p, 1))
		mustPlaceOrder(t, s, o, &shop.Cart{ID: "user-u1"})
		checkStocks(t, s, "after PlaceOrder", map[string]int{"p1": 0})
	})
	t.Run("OrderExists", func(t *testing.T) {
		s := newStore(t)
		p1, p2 := NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 5)
		MustSaveProduct(t, s, p1, p2)
		first := NewOrder("o1", "u1", at(time.Hour), LineOf(p1, 1))
		mustPlaceOrder(t, s, first, cartOf(t, s, "user-u1", first))

		again := NewOrder("o1", "u1", at(2*time.Hour), LineOf(p1, 2), LineOf(p2, 3))
		cart := cartOf(t, s, "user-u1", again)
		err := s.PlaceOrder(t.Context(), again, cart)
		if !errors.Is(err, shop.ErrOrderExists) {
			t.Fatalf("PlaceOrder(order with an existing id) = %v; want ErrOrderExists", err)
		}
		checkStocks(t, s, "after ErrOrderExists", map[string]int{"p1": 4, "p2": 5})
		got, err := s.Order(t.Context(), "o1")
		if err != nil {
			t.Fatalf("Order(o1) = %v; want nil", err)
		}
		checkOrder(t, "Order(o1) after ErrOrderExists", got, first)
		checkCart(t, "Cart(user-u1) after ErrOrderExists", readCart(t, s, cart.ID), cart)
		if orders, err := s.OrdersByUser(t.Context(), "u1"); err != nil || len(orders) != 1 {
			t.Errorf("OrdersByUser(u1) after ErrOrderExists = %d orders, %v; want 1, nil", len(orders), err)
		}
	})
	t.Run("OutOfStock", func(t *testing.T) {
		s := newStore(t)
		ok, short, gone := NewProduct("ok", 1000, 5), NewProduct("short", 2000, 2), NewProduct("gone", 300, 0)
		MustSaveProduct(t, s, ok, short, gone)
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(ok, 5), LineOf(short, 3), LineOf(gone, 1))
		cart := cartOf(t, s, "user-u1", o)
		err := s.PlaceOrder(t.Context(), o, cart)
		if !errors.Is(err, shop.ErrOutOfStock) {
			t.Fatalf("PlaceOrder(order) = %v; want ErrOutOfStock", err)
		}
		var serr *shop.StockError
		if !errors.As(err, &serr) {
			t.Fatalf("PlaceOrder(order) = %v (%T); want a *shop.StockError", err, err)
		}
		got := slices.Clone(serr.Items)
		slices.SortFunc(got, func(a, b shop.Shortage) int { return strings.Compare(a.ProductID, b.ProductID) })
		want := []shop.Shortage{
			{ProductID: "gone", Name: gone.Name, Requested: 1, Available: 0},
			{ProductID: "short", Name: short.Name, Requested: 3, Available: 2},
		}
		if !slices.Equal(got, want) {
			t.Errorf("PlaceOrder(order) StockError.Items = %+v; want %+v (every short line, in any order)", got, want)
		}
		checkStocks(t, s, "after StockError", map[string]int{"ok": 5, "short": 2, "gone": 0})
		checkNoOrder(t, s, "after StockError", "o1")
		checkCart(t, "Cart(user-u1) after StockError", readCart(t, s, cart.ID), cart)
	})
	t.Run("PriceChanged", func(t *testing.T) {
		s := newStore(t)
		ok, repriced, withdrawn := NewProduct("ok", 1000, 5), NewProduct("repriced", 2000, 5), NewProduct("withdrawn", 300, 5)
		withdrawn.Active = false
		MustSaveProduct(t, s, ok, repriced, withdrawn)
		seen := LineOf(repriced, 1)
		seen.UnitPriceCents = 1800
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(ok, 2), seen, LineOf(withdrawn, 1),
			shop.OrderLine{ProductID: "never-sold", Name: "Never Sold", UnitPriceCents: 500, Quantity: 1})
		cart := cartOf(t, s, "user-u1", o)
		err := s.PlaceOrder(t.Context(), o, cart)
		if !errors.Is(err, shop.ErrPriceChanged) {
			t.Fatalf("PlaceOrder(order) = %v; want ErrPriceChanged", err)
		}
		var perr *shop.PriceError
		if !errors.As(err, &perr) {
			t.Fatalf("PlaceOrder(order) = %v (%T); want a *shop.PriceError", err, err)
		}
		got := slices.Clone(perr.Items)
		slices.SortFunc(got, func(a, b shop.PriceChange) int { return strings.Compare(a.ProductID, b.ProductID) })
		want := []shop.PriceChange{
			{ProductID: "never-sold", OldCents: 500, Withdrawn: true},
			{ProductID: "repriced", OldCents: 1800, NewCents: 2000},
			{ProductID: "withdrawn", OldCents: 300, Withdrawn: true},
		}
		if len(got) != len(want) {
			t.Fatalf("PlaceOrder(order) PriceError.Items = %+v; want %+v (every changed line, in any order)", got, want)
		}
		for i := range got {
			// Name is informative; a store may name a missing product by
			// the order line or not at all.
			got[i].Name = ""
			if got[i] != want[i] {
				t.Errorf("PlaceOrder(order) PriceError.Items = %+v; want %+v (every changed line, in any order)", got, want)
				break
			}
		}
		checkStocks(t, s, "after PriceError", map[string]int{"ok": 5, "repriced": 5, "withdrawn": 5})
		checkNoOrder(t, s, "after PriceError", "o1")
		checkCart(t, "Cart(user-u1) after PriceError", readCart(t, s, cart.ID), cart)
	})
	t.Run("PriceAndStockChanged", func(t *testing.T) {
		s := newStore(t)
		ok, repriced, short := NewProduct("ok", 1000, 5), NewProduct("repriced", 2000, 5), NewProduct("short", 300, 1)
		MustSaveProduct(t, s, ok, repriced, short)
		seen := LineOf(repriced, 1)
		seen.UnitPriceCents = 2100
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(ok, 1), seen, LineOf(short, 2))
		cart := cartOf(t, s, "user-u1", o)
		err := s.PlaceOrder(t.Context(), o, cart)
		if !errors.Is(err, shop.ErrPriceChanged) && !errors.Is(err, shop.ErrOutOfStock) {
			t.Fatalf("PlaceOrder(order) = %v; want ErrPriceChanged or ErrOutOfStock", err)
		}
		checkStocks(t, s, "after a failed PlaceOrder", map[string]int{"ok": 5, "repriced": 5, "short": 1})
		checkNoOrder(t, s, "after a failed PlaceOrder", "o1")
		checkCart(t, "Cart(user-u1) after a failed PlaceOrder", readCart(t, s, cart.ID), cart)
	})
	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		MustSaveProduct(t, s, NewProduct("last", 900, 5))
		ConcurrentPlaceOrders(t, s, "last", 20, 5)
	})
	t.Run("CartChanged", func(t *testing.T) {
		s := newStore(t)
		p1, p2 := NewProduct("p1", 1000, 5), NewProduct("p2", 2000, 5)
		MustSaveProduct(t, s, p1, p2)
		o := NewOrder("o1", "u1", at(time.Hour), LineOf(p1, 1))
		read := cartOf(t, s, "user-u1", o)
		// A line added after the order was built from the cart.
		added, err := saveCartAt(t, s, "user-u1", read.Version,
			shop.CartLine{ProductID: "p1", Quantity: 1, PriceCents: 1000}, shop.CartLine{ProductID: "p2", Quantity: 1, PriceCents: 2000})
		if err != nil {
			t.Fatalf("SaveCart(a line added) = %v; want nil", err)
		}
		if err := s.PlaceOrder(t.Context(), o, read); !errors.Is(err, shop.ErrCartChanged) {
			t.Fatalf("PlaceOrder(order of a cart changed since) = %v; want ErrCartChanged", err)
		}
		checkStocks(t, s, "after ErrCartChanged", map[string]int{"p1": 5, "p2": 5})
		checkNoOrder(t, s, "after ErrCartChanged", "o1")
		checkCart(t, "Cart(user-u1) after ErrCartChanged", readCart(t, s, "user-u1"), added)

		// An order of a cart that was never saved while one is saved now.
		if err := s.PlaceOrder(t.Context(), o, &shop.Cart{ID: "user-u1"}); !errors.Is(err, shop.ErrCartChanged) {
			t.Errorf("PlaceOrder(order of \"no cart\" while there is one) = %v; want ErrCartChanged", err)
		}
		checkNoOrder(t, s, "after ErrCartChanged", "o1")
	})
	t.Run("ConcurrentCheckoutsOfOneCart", func(t *testing.T) {
		ConcurrentCheckoutsOfOneCart(t, newStore(t), 50, 8)
	})
	t.Run("LineAddedDuringCheckout", func(t *testing.T) {
		testLineAddedDuringCheckout(t, newStore(t), 10)
	})
}

// ConcurrentCheckoutsOfOneCart runs rounds of checkouts concurrent
// checkouts of one cart, each with its own order id (a checkout key of its
// own: two tabs, or a client making a new key per retry). Every round must
// place exactly one order and take its stock once; the others are refused
// with ErrCartChanged (or ErrConflict), placing nothing.
func ConcurrentCheckoutsOfOneCart(t *testing.T, s shop.Store, rounds, checkouts int) {
	t.Helper()
	p := NewProduct("popular", 1200, rounds)
	MustSaveProduct(t, s, p)
	var winners []string
	for r := range rounds {
		cart := MustSaveCart(t, s, "user-u1", shop.CartLine{ProductID: p.ID, Quantity: 1, PriceCents: p.PriceCents})
		orders := make([]*shop.Order, checkouts)
		for i := range orders {
			orders[i] = NewOrder(fmt.Sprintf("r%do%d", r, i), "u1", at(time.Duration(r)*time.Second), LineOf(p, 1))
		}
		errs := make([]error, checkouts)
		var wg sync.WaitGroup
		for i := range checkouts {
			read := *cart // each checkout read the cart itself
			wg.Go(func() { errs[i] = s.PlaceOrder(t.Context(), orders[i], &read) })
		}
		wg.Wait()
		placed := 0
		for i, err := range errs {
			switch {
			case err == nil:
				placed++
				winners = append(winners, orders[i].ID)
			case errors.Is(err, shop.ErrCartChanged), errors.Is(err, shop.ErrConflict):
			default:
				t.Errorf("round %d: PlaceOrder(%s) = %v; want nil, ErrCartChanged or ErrConflict", r, orders[i].ID, err)
			}
		}
		if placed != 1 {
			t.Fatalf("round %d: %d of %d concurrent checkouts of one cart placed an order; want exactly 1", r, placed, checkouts)
		}
		if got, want := stockOf(t, s, p.ID), rounds-r-1; got != want {
			t.Fatalf("round %d: stock of %s = %d; want %d (one unit a round)", r, p.ID, got, want)
		}
	}
	orders, err := s.OrdersByUser(t.Context(), "u1")
	if err != nil {
		t.Fatalf("OrdersByUser(u1) = %v; want nil", err)
	}
	got := make([]string, len(orders))
	for i, o := range orders {
		got[i] = o.ID
	}
	slices.Sort(got)
	slices.Sort(winners)
	if !slices.Equal(got, winners) {
		t.Errorf("orders after %d rounds = %v; want exactly the %d that succeeded %v", rounds, got, len(winners), winners)
	}
}

// testLineAddedDuringCheckout races a checkout of a cart with a writer
// adding a line to it (read, add, save over the version read, again on
// ErrConflict): the added line is never lost. It is in the cart afterwards,
// whether the checkout placed the cart as it read it or was refused.
func testLineAddedDuringCheckout(t *testing.T, s shop.Store, rounds int) {
	p := NewProduct("p1", 1000, rounds)
	MustSaveProduct(t, s, p)
	first := shop.CartLine{ProductID: "p1", Quantity: 1, PriceCents: 1000}
	added := shop.CartLine{ProductID: "extra", Quantity: 2, PriceCents: 300}
	for r := range rounds {
		if err := s.DeleteCart(t.Context(), "user-u1"); err != nil {
			t.Fatalf("DeleteCart() = %v", err)
		}
		cart := MustSaveCart(t, s, "user-u1", first)
		o := NewOrder(fmt.Sprintf("o%d", r), "u1", at(time.Duration(r)*time.Second), LineOf(p, 1))
		var placeErr, addErr error
		var wg sync.WaitGroup
		wg.Go(func() { placeErr = s.PlaceOrder(t.Context(), o, cart) })
		wg.Go(func() {
			for range 100 {
				c, err := s.Cart(t.Context(), "user-u1")
				if err != nil {
					addErr = err
					return
				}
				c.Lines = append(c.Lines, added)
				if addErr = s.SaveCart(t.Context(), c); !errors.Is(addErr, shop.ErrConflict) {
					return
				}
			}
		})
		wg.Wait()
		if addErr != nil {
			t.Fatalf("round %d: adding a line = %v; want nil", r, addErr)
		}
		after := readCart(t, s, "user-u1").Lines
		switch {
		case placeErr == nil:
			if !slices.Equal(after, []shop.CartLine{added}) {
				t.Errorf("round %d: cart after the order = %+v; want only the added line %+v", r, after, added)
			}
		case errors.Is(placeErr, shop.ErrCartChanged), errors.Is(placeErr, shop.ErrConflict):
			if !slices.Equal(after, []shop.CartLine{first, added}) {
				t.Errorf("round %d: cart after a refused checkout = %+v; want both lines", r, after)
			}
			checkNoOrder(t, s, "after a refused checkout", o.ID)
		default:
			t.Fatalf("round %d: PlaceOrder() = %v; want nil, ErrCartChanged or ErrConflict", r, placeErr)
		}
	}
}

// ConcurrentPlaceOrders has buyers goroutines each place an order of one
// unit of productID, each from its own cart, and checks that exactly
// available succeed, the others fail with a *StockError or ErrConflict, and
// the stock ends at 0. The product must exist with stock available.
func ConcurrentPlaceOrders(t *testing.T, s shop.Store, productID string, buyers, available int) {
	t.Helper()
	p, err := s.Product(t.Context(), productID)
	if err != nil {
		t.Fatalf("Product(%q) = %v; want nil", productID, err)
	}
	if p.Stock != available {
		t.Fatalf("stock of %s = %d; want %d before the race", productID, p.Stock, available)
	}
	orders := make([]*shop.Order, buyers)
	carts := make([]*shop.Cart, buyers)
	for i := range buyers {
		userID := fmt.Sprintf("u%d", i)
		orders[i] = NewOrder(fmt.Sprintf("o%d", i), userID, at(time.Duration(i)*time.Millisecond), LineOf(p, 1))
		carts[i] = cartOf(t, s, shop.UserCartID(userID), orders[i])
	}
	errs := make([]error, buyers)
	var wg sync.WaitGroup
	for i := range buyers {
		wg.Go(func() {
			errs[i] = s.PlaceOrder(t.Context(), orders[i], carts[i])
		})
	}
	wg.Wait()
	placed := 0
	for i, err := range errs {
		var serr *shop.StockError
		switch {
		case err == nil:
			placed++
			got, err := s.Order(t.Context(), orders[i].ID)
			if err != nil {
				t.Errorf("Order(%s) after it was placed = %v; want nil", orders[i].ID, err)
				continue
			}
			checkOrder(t, fmt.Sprintf("Order(%s)", orders[i].ID), got, orders[i])
		case errors.As(err, &serr), errors.Is(err, shop.ErrConflict):
			checkNoOrder(t, s, "after a failed PlaceOrder", orders[i].ID)
		default:
			t.Errorf("PlaceOrder(%s) = %v; want nil, a *StockError or ErrConflict", orders[i].ID, err)
		}
	}
	if placed != available {
		t.Errorf("%d of %d concurrent PlaceOrder calls for %d units succeeded; want %d", placed, buyers, available, available)
	}
	if got := stockOf(t, s, productID); got != 0 {
		t.Errorf("stock of %s after the race = %d; want 0", productID, got)
	}
}

func testOrders(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		checkNoOrder(t, s, "in an empty store", "o1")
	})
	t.Run("OrdersByUser", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 2500, 10)
		MustSaveProduct(t, s, p)
		place := func(id, userID string, created time.Duration, qty int) *shop.Order {
			o := NewOrder(id, userID, at(created), LineOf(p, qty))
			mustPlaceOrder(t, s, o, cartOf(t, s, shop.UserCartID(userID), o))
			return o
		}
		a1 := place("oa1", "ua", time.Hour, 1)
		a3 := place("oa3", "ua", 3*time.Hour, 3)
		b1 := place("ob1", "ub", 4*time.Hour, 1)
		a2 := place("oa2", "ua", 2*time.Hour+time.Millisecond, 2)

		got, err := s.OrdersByUser(t.Context(), "ua")
		if err != nil {
			t.Fatalf("OrdersByUser(ua) = %v; want nil", err)
		}
		want := []*shop.Order{a3, a2, a1}
		if len(got) != len(want) {
			t.Fatalf("OrdersByUser(ua) = %d orders; want %d", len(got), len(want))
		}
		for i := range want {
			checkOrder(t, fmt.Sprintf("OrdersByUser(ua)[%d]", i), &got[i], want[i])
		}
		got, err = s.OrdersByUser(t.Context(), "ub")
		if err != nil || len(got) != 1 {
			t.Fatalf("OrdersByUser(ub) = %d orders, %v; want 1, nil", len(got), err)
		}
		checkOrder(t, "OrdersByUser(ub)[0]", &got[0], b1)
		got, err = s.OrdersByUser(t.Context(), "nobody")
		if err != nil || len(got) != 0 {
			t.Errorf("OrdersByUser(nobody) = %d orders, %v; want 0, nil", len(got), err)
		}
	})
}

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
