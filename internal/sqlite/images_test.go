package sqlite

import (
	"path/filepath"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

func TestImageStore(t *testing.T) {
	shoptest.TestImageStore(t, func(t *testing.T) shop.ImageStore {
		return openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	})
}
