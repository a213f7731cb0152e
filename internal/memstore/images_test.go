package memstore

import (
	"testing"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestImages(t *testing.T) {
	shoptest.TestImageStore(t, func(t *testing.T) shop.ImageStore { return NewImages() })
}
