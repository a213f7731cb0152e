// Package shoptest is the conformance suite of shop.Store: every store
// (sqlite, dynamo) runs TestStore, so both keep the documented contract of
// each method, its errors and its atomicity alike.
package shoptest

import (
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
	t.Run("SessionVisit", func(t *testing.T) { testSessionVisit(t, newStore) })
	t.Run("Products", func(t *testing.T) { testProducts(t, newStore) })
	t.Run("CatalogSearch", func(t *testing.T) { testCatalogSearch(t, newStore) })
	t.Run("Categories", func(t *testing.T) { testCategories(t, newStore) })
	t.Run("CatalogFeed", func(t *testing.T) { testCatalogFeed(t, newStore) })
	t.Run("Carts", func(t *testing.T) { testCarts(t, newStore) })
	t.Run("PlaceOrder", func(t *testing.T) { testPlaceOrder(t, newStore) })
	t.Run("Orders", func(t *testing.T) { testOrders(t, newStore) })
	t.Run("UpdateProduct", func(t *testing.T) { testUpdateProduct(t, newStore) })
	t.Run("AdjustStock", func(t *testing.T) { testAdjustStock(t, newStore) })
	t.Run("SetProductPhoto", func(t *testing.T) { testSetProductPhoto(t, newStore) })
	t.Run("CatalogAdmin", func(t *testing.T) { testCatalogAdmin(t, newStore) })
	t.Run("ChangeOrderStatus", func(t *testing.T) { testChangeOrderStatus(t, newStore) })
	t.Run("LoginThrottle", func(t *testing.T) { testLoginThrottle(t, newStore) })
	t.Run("Staff", func(t *testing.T) { testStaff(t, newStore) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, newStore) })
	t.Run("SearchOrders", func(t *testing.T) { testSearchOrders(t, newStore) })
}

// baseTime is the fixtures' clock: like the service's, UTC and truncated to
// milliseconds, with a millisecond part so lossy storage shows.
var baseTime = time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.UTC)

func at(d time.Duration) time.Time { return baseTime.Add(d) }

// checkRecord compares got with want field by field, and their creation
// times (createdAt) by Equal: a store may give back the same instant in
// another representation.
func checkRecord[T comparable](t *testing.T, call string, got, want *T, createdAt func(*T) *time.Time) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s = nil; want %+v", call, *want)
	}
	g, w := *got, *want
	if gt, wt := createdAt(&g), createdAt(&w); !gt.Equal(*wt) {
		t.Errorf("%s CreatedAt = %v; want %v", call, *gt, *wt)
	}
	*createdAt(&g), *createdAt(&w) = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("%s = %+v; want %+v", call, g, w)
	}
}
