package metrics

import (
	"context"
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"storefront/internal/memstore"
	"storefront/internal/shop"
)

// userCartStore reads a user and a cart in one call, as DynamoDB does.
type userCartStore struct{ shop.Store }

func (s userCartStore) UserAndCart(ctx context.Context, userID, cartID string) (*shop.User, *shop.Cart, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Cart(ctx, cartID)
	return u, c, err
}

// TestStoreForwardsUserAndCart: the counted store is a shop.UserCartReader
// (the service finds it by a type assertion), forwarding to a store that
// reads both in one call, counted as UserAndCart; over one that does not,
// it reads the user only, counted as User, and no cart.
func TestStoreForwardsUserAndCart(t *testing.T) {
	ctx := t.Context()
	inner := memstore.New()
	if err := inner.CreateUser(ctx, &shop.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	m := New(prometheus.NewRegistry())
	both, ok := m.InstrumentStore(userCartStore{inner}).(shop.UserCartReader)
	if !ok {
		t.Fatal("InstrumentStore(a UserCartReader) is no UserCartReader")
	}
	if u, c, err := both.UserAndCart(ctx, "u1", "c1"); err != nil || u.ID != "u1" || c == nil || c.ID != "c1" {
		t.Fatalf("UserAndCart(u1, c1) = %v, %v, %v; want the user and the (empty) cart", u, c, err)
	}
	if _, _, err := both.UserAndCart(ctx, "u2", "c1"); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("UserAndCart(missing) = %v; want ErrNotFound", err)
	}
	if got := storeCalls(t, m, "UserAndCart", OutcomeOK); got != "1" {
		t.Errorf("UserAndCart ok counted %s; want 1", got)
	}
	if got := storeCalls(t, m, "UserAndCart", OutcomeNotFound); got != "1" {
		t.Errorf("UserAndCart not found counted %s; want 1", got)
	}

	m = New(prometheus.NewRegistry())
	userOnly := m.InstrumentStore(inner).(shop.UserCartReader)
	if u, c, err := userOnly.UserAndCart(ctx, "u1", "c1"); err != nil || u.ID != "u1" || c != nil {
		t.Fatalf("UserAndCart(u1, c1) over a store without it = %v, %v, %v; want the user and no cart", u, c, err)
	}
	if got := storeCalls(t, m, "User", OutcomeOK); got != "1" {
		t.Errorf("User counted %s; want 1 (the user read alone)", got)
	}
}
