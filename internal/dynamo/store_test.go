package dynamo

import (
	"testing"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestStore(t *testing.T) {
	shoptest.TestStore(t, func(t *testing.T) shop.Store { return newTestStore(t) })
}
