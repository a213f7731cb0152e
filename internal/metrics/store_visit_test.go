package metrics

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"storefront/internal/memstore"
	"storefront/internal/shop"
)

// sessionOnlyStore hides the in-memory store's SessionVisit: a store that
// reads a session alone.
type sessionOnlyStore struct{ shop.Store }

// TestStoreForwardsSessionVisit: the counted store is a shop.VisitReader
// (the service finds it by a type assertion), forwarding to a store that
// reads a session with its user and cart in one call, counted as
// SessionVisit; over one that does not, it reads the session only,
// counted as Session, and neither user nor cart.
func TestStoreForwardsSessionVisit(t *testing.T) {
	ctx := t.Context()
	inner := memstore.New()
	if err := inner.CreateUser(ctx, &shop.User{ID: "u1", Email: "ada@example.com", Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := inner.CreateSession(ctx, &shop.Session{IDHash: "h1", Kind: shop.SessionWeb, UserID: "u1", CartID: "user-u1",
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	m := New(prometheus.NewRegistry())
	both, ok := m.InstrumentStore(inner).(shop.VisitReader)
	if !ok {
		t.Fatal("InstrumentStore(a VisitReader) is no VisitReader")
	}
	if s, u, c, err := both.SessionVisit(ctx, "h1", "u1", "user-u1"); err != nil || s.IDHash != "h1" || u == nil || u.ID != "u1" || c == nil || c.ID != "user-u1" {
		t.Fatalf("SessionVisit(h1) = %v, %v, %v, %v; want the session, its user and its (empty) cart", s, u, c, err)
	}
	if _, _, _, err := both.SessionVisit(ctx, "h2", "u1", "user-u1"); !errors.Is(err, shop.ErrNotFound) {
		t.Fatalf("SessionVisit(missing) = %v; want ErrNotFound", err)
	}
	if got := storeCalls(t, m, "SessionVisit", OutcomeOK); got != "1" {
		t.Errorf("SessionVisit ok counted %s; want 1", got)
	}
	if got := storeCalls(t, m, "SessionVisit", OutcomeNotFound); got != "1" {
		t.Errorf("SessionVisit not found counted %s; want 1", got)
	}

	m = New(prometheus.NewRegistry())
	sessionOnly := m.InstrumentStore(sessionOnlyStore{inner}).(shop.VisitReader)
	if s, u, c, err := sessionOnly.SessionVisit(ctx, "h1", "u1", "user-u1"); err != nil || s.IDHash != "h1" || u != nil || c != nil {
		t.Fatalf("SessionVisit(h1) over a store without it = %v, %v, %v, %v; want the session alone", s, u, c, err)
	}
	if got := storeCalls(t, m, "Session", OutcomeOK); got != "1" {
		t.Errorf("Session counted %s; want 1 (the session read alone)", got)
	}
}
