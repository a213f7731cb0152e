package memstore_test

import (
	"testing"

	"storefront/internal/memstore"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestPasswordResetStore(t *testing.T) {
	shoptest.TestPasswordResetStore(t, func(*testing.T) shop.Store { return memstore.New() })
}
