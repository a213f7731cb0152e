package dynamo

import (
	"strings"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestStore(t *testing.T) {
	shoptest.TestStore(t, func(t *testing.T) shop.Store { return newTestStore(t) })
}

// TestService: servers sharing the tables each have their own client.
func TestService(t *testing.T) {
	shoptest.TestService(t, func(t *testing.T, n int) []shop.Store {
		first := newTestStore(t)
		prefix := strings.TrimSuffix(first.orders, "orders")
		stores := []shop.Store{first}
		for len(stores) < n {
			s, err := New(t.Context(), testClient(t, nil), prefix)
			if err != nil {
				t.Fatalf("New(%q) = %v; want nil", prefix, err)
			}
			stores = append(stores, s)
		}
		return stores
	})
}

func TestProcessingStore(t *testing.T) {
	shoptest.TestProcessingStore(t, func(t *testing.T) shop.ProcessingStore { return newTestStore(t) })
}
