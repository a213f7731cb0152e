package dynamo

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
)

// TestProductItemPhoto: a product item names its photo in photo_card and
// photo_page (docs/dynamodb.md), and has neither attribute without one.
func TestProductItemPhoto(t *testing.T) {
	p := &shop.Product{ID: "p1", Name: "Lamp", Category: "home", PriceCents: 100, Stock: 1, Active: true,
		CreatedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	it := productItem(p)
	for _, name := range []string{"photo_card", "photo_page"} {
		if _, ok := it[name]; ok {
			t.Errorf("productItem(no photo) has %s; want it absent", name)
		}
	}
	p.Photo = shop.ProductPhoto{Card: "0123456789abcdef0123456789abcdef.jpg", Page: "fedcba9876543210fedcba9876543210.png"}
	it = productItem(p)
	for name, want := range map[string]string{"photo_card": p.Photo.Card, "photo_page": p.Photo.Page} {
		if got, ok := it[name].(*types.AttributeValueMemberS); !ok || got.Value != want {
			t.Errorf("productItem(photo) %s = %v; want S %q", name, it[name], want)
		}
	}
	got, err := productFromItem(it)
	if err != nil || got.Photo != p.Photo {
		t.Errorf("productFromItem(productItem(photo)) = %+v, %v; want photo %+v", got, err, p.Photo)
	}
}
