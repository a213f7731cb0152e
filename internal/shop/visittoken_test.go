package shop_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/memstore"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// visitCallStore counts the session, user and cart reads of the
// in-memory store. With byHints its SessionVisit reads the user and cart
// the cookie names, as DynamoDB's does (a BatchGetItem by key), instead
// of the session's own.
type visitCallStore struct {
	*memstore.Store
	byHints bool

	mu    sync.Mutex
	calls map[string]int
}

func (s *visitCallStore) count(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
}

func (s *visitCallStore) takeCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = map[string]int{}
	return c
}

func (s *visitCallStore) Session(ctx context.Context, idHash string) (*shop.Session, error) {
	s.count("Session")
	return s.Store.Session(ctx, idHash)
}

func (s *visitCallStore) User(ctx context.Context, id string) (*shop.User, error) {
	s.count("User")
	return s.Store.User(ctx, id)
}

func (s *visitCallStore) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	s.count("Cart")
	return s.Store.Cart(ctx, id)
}

func (s *visitCallStore) SessionVisit(ctx context.Context, idHash, userID, cartID string) (*shop.Session, *shop.User, *shop.Cart, error) {
	s.count("SessionVisit")
	if !s.byHints {
		return s.Store.SessionVisit(ctx, idHash, userID, cartID)
	}
	sess, err := s.Store.Session(ctx, idHash)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := s.Store.User(ctx, userID)
	if err != nil {
		u = nil
	}
	c, err := s.Store.Cart(ctx, cartID)
	if err != nil {
		return nil, nil, nil, err
	}
	return sess, u, c, nil
}

func newVisitCallService(t *testing.T, byHints bool) (*shop.Service, *visitCallStore) {
	t.Helper()
	store := &visitCallStore{Store: memstore.New(), byHints: byHints, calls: map[string]int{}}
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params,
		Now: shoptest.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)).Now})
	if err := store.SaveProduct(t.Context(), &shop.Product{ID: "kettle", Name: "Kettle", Description: "Boils.", Category: "kitchen",
		PriceCents: 3900, Stock: 50, Active: true}); err != nil {
		t.Fatal(err)
	}
	return svc, store
}

// signUp registers email, puts qty kettles in their cart and signs them in.
func signUp(t *testing.T, svc *shop.Service, email string, qty int) *shop.SignedIn {
	t.Helper()
	u, err := svc.Register(t.Context(), shop.RegisterInput{Email: email, Name: "Name of " + email,
		Password: "correct horse battery 42", ConfirmPassword: "correct horse battery 42"})
	if err != nil {
		t.Fatalf("Register(%s) = %v", email, err)
	}
	if _, err := svc.AddToCart(t.Context(), shop.UserCartID(u.ID), "kettle", qty); err != nil {
		t.Fatal(err)
	}
	signed, err := svc.StartSession(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// TestVisitInOneStoreCall: a session cookie names the session's user and
// cart next to its secret, so a visit reads the three in one store call
// (shop.VisitReader) and its cart count reads nothing more; a cookie of
// the secret alone, as set before, still signs in, reading the session
// first.
func TestVisitInOneStoreCall(t *testing.T) {
	svc, store := newVisitCallService(t, true)
	signed := signUp(t, svc, "ada@example.com", 2)
	cookie := signed.Credential()
	if !strings.HasPrefix(cookie, signed.Token+".") || strings.Count(cookie, ".") != 2 {
		t.Fatalf("Credential() = %q; want the secret, \".\", the user id, \".\", the cart id", cookie)
	}
	for _, c := range []struct {
		name, cookie string
		want         map[string]int
	}{
		{"cookie with ids", cookie, map[string]int{"SessionVisit": 1}},
		{"cookie of the secret alone", signed.Token, map[string]int{"Session": 1, "User": 1, "Cart": 1}},
	} {
		store.takeCalls()
		v, err := svc.StartVisit(t.Context(), c.cookie)
		if err != nil || v.User == nil || v.User.ID != signed.User.ID {
			t.Fatalf("%s: StartVisit = %+v, %v; want %s's visit", c.name, v, err, signed.User.Email)
		}
		if n := v.CartCount(); n != 2 {
			t.Errorf("%s: CartCount = %d; want 2", c.name, n)
		}
		if got := store.takeCalls(); !equalCalls(got, c.want) {
			t.Errorf("%s: StartVisit and CartCount made store calls %v; want %v", c.name, got, c.want)
		}
	}
}

func equalCalls(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for op, n := range want {
		if got[op] != n {
			return false
		}
	}
	return true
}

// TestVisitCookieIDsAreOnlyHints: the user and cart a cookie names are
// used only when they are its session's. Another user's ids next to one's
// own secret give one's own visit (read again by the session's ids); next
// to a secret that is no session's, nobody's; ids that are no ids the
// shop makes are ignored.
func TestVisitCookieIDsAreOnlyHints(t *testing.T) {
	svc, _ := newVisitCallService(t, true)
	ada := signUp(t, svc, "ada@example.com", 7)
	mallory := signUp(t, svc, "mallory@example.com", 2)
	adaIDs := "." + ada.User.ID + "." + shop.UserCartID(ada.User.ID)
	for _, c := range []struct{ name, cookie string }{
		{"another's ids", mallory.Token + adaIDs},
		{"another's user, own cart", mallory.Token + "." + ada.User.ID + "." + shop.UserCartID(mallory.User.ID)},
		{"own user, another's cart", mallory.Token + "." + mallory.User.ID + "." + shop.UserCartID(ada.User.ID)},
		{"no ids", mallory.Token + ".."},
		{"not ids", mallory.Token + ".a b.<c>"},
		{"more dots", mallory.Token + adaIDs + ".x"},
	} {
		v, err := svc.StartVisit(t.Context(), c.cookie)
		if err != nil || v.User == nil || v.User.ID != mallory.User.ID {
			t.Fatalf("%s: StartVisit = %+v, %v; want mallory's visit", c.name, v, err)
		}
		if v.CartID() != shop.UserCartID(mallory.User.ID) {
			t.Errorf("%s: CartID = %q; want mallory's", c.name, v.CartID())
		}
		if n := v.CartCount(); n != 2 {
			t.Errorf("%s: CartCount = %d; want mallory's 2", c.name, n)
		}
		if cart, err := v.Cart(); err != nil || cart.ItemCount != 2 {
			t.Errorf("%s: Cart = %+v, %v; want mallory's 2 items", c.name, cart, err)
		}
	}
	for _, cookie := range []string{strings.Repeat("A", 43) + adaIDs, adaIDs, "." + ada.User.ID} {
		if v, err := svc.StartVisit(t.Context(), cookie); !errors.Is(err, shop.ErrUnauthorized) {
			t.Errorf("StartVisit(%q) = %+v, %v; want ErrUnauthorized", cookie, v, err)
		}
	}
}

// TestTokenInOneStoreCall: an API bearer token names its session's user
// and cart next to its secret, so a call reads the session, its user and
// its cart in one store call, and the cart it then shows or orders reads
// nothing more; a token of the secret alone, as issued before, still
// works, reading the session first.
func TestTokenInOneStoreCall(t *testing.T) {
	svc, store := newVisitCallService(t, true)
	signUp(t, svc, "ada@example.com", 1)
	signed, err := svc.CreateToken(t.Context(), "ada@example.com", "correct horse battery 42", "", "")
	if err != nil {
		t.Fatalf("CreateToken() = %v; want nil", err)
	}
	token := signed.Credential()
	if want := signed.Token + "." + signed.User.ID + "." + shop.UserCartID(signed.User.ID); token != want {
		t.Fatalf("Credential() = %q; want %q", token, want)
	}
	for _, c := range []struct {
		name, token string
		want        map[string]int
	}{
		{"token with ids", token, map[string]int{"SessionVisit": 1}},
		{"token of the secret alone", signed.Token, map[string]int{"Session": 1, "User": 1, "Cart": 1}},
	} {
		store.takeCalls()
		sess, u, err := svc.TokenUser(t.Context(), c.token)
		if err != nil || u == nil || u.ID != signed.User.ID {
			t.Fatalf("%s: TokenUser = %+v, %v; want ada", c.name, u, err)
		}
		o, _, err := svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: sess.CartID, Key: shop.NewCheckoutKey(),
			Address: shop.Address{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}})
		if err != nil || o.ItemCount != 1 {
			t.Fatalf("%s: PlaceOrder = %+v, %v; want an order of ada's 1 item", c.name, o, err)
		}
		if got := store.takeCalls(); !equalCalls(got, c.want) {
			t.Errorf("%s: TokenUser and PlaceOrder made store calls %v; want %v", c.name, got, c.want)
		}
		if _, err := svc.AddToCart(t.Context(), sess.CartID, "kettle", 1); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTokenIDsMustBeItsSessions: a token's ids never change, so a token
// whose secret is right but whose ids are not exactly its session's is
// refused, whoever they name; and a web session's cookie is no token.
func TestTokenIDsMustBeItsSessions(t *testing.T) {
	for _, byHints := range []bool{true, false} {
		svc, _ := newVisitCallService(t, byHints)
		ada := signUp(t, svc, "ada@example.com", 1)
		signUp(t, svc, "mallory@example.com", 1)
		mallory, err := svc.CreateToken(t.Context(), "mallory@example.com", "correct horse battery 42", "", "")
		if err != nil {
			t.Fatalf("CreateToken() = %v; want nil", err)
		}
		adaIDs := "." + ada.User.ID + "." + shop.UserCartID(ada.User.ID)
		for _, token := range []string{
			mallory.Token + adaIDs,
			mallory.Token + "." + mallory.User.ID + "." + shop.UserCartID(ada.User.ID),
			mallory.Token + "." + ada.User.ID + "." + shop.UserCartID(mallory.User.ID),
			mallory.Token + "..",
			mallory.Token + ".a b.<c>",
			mallory.Credential() + "x",
			mallory.Credential() + ".x",
			ada.Credential(),
		} {
			if _, u, err := svc.TokenUser(t.Context(), token); !errors.Is(err, shop.ErrUnauthorized) {
				t.Errorf("byHints %v: TokenUser(%q) = %+v, %v; want ErrUnauthorized", byHints, token, u, err)
			}
		}
	}
}
