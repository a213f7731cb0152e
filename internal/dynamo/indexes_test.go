package dynamo

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// TestNewAddsMissingIndex: an orders table made before the staff's order
// list (without by_status_created) and holding an order gets the index at
// start, and the order is found by its status.
func TestNewAddsMissingIndex(t *testing.T) {
	client := testClient(t, nil)
	prefix := uniquePrefix()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, spec := range tableSpecs {
			_, _ = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(prefix + spec.Suffix)})
		}
	})
	old := tableSpecs[slices.IndexFunc(tableSpecs, func(s tableSpec) bool { return s.Suffix == tableOrders })]
	old.Indexes = slices.DeleteFunc(slices.Clone(old.Indexes), func(ix indexSpec) bool { return ix.Name == indexOrdersByStatus })
	old.Attributes = maps.Clone(old.Attributes)
	delete(old.Attributes, "status")
	if err := ensureTable(t.Context(), client, prefix, old); err != nil {
		t.Fatalf("ensureTable(orders without %s) = %v", indexOrdersByStatus, err)
	}
	o := shoptest.NewOrder("o1", "u1", time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), shop.OrderLine{ProductID: "p1", Name: "P", UnitPriceCents: 100, Quantity: 1})
	if _, err := client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(prefix + tableOrders), Item: orderItem(o)}); err != nil {
		t.Fatal(err)
	}

	s, err := New(t.Context(), client, prefix)
	if err != nil {
		t.Fatalf("New(over an orders table without %s) = %v; want nil, the index added", indexOrdersByStatus, err)
	}
	got, err := s.SearchOrders(t.Context(), shop.OrderQuery{Status: shop.OrderStatusPlaced, Limit: 10})
	if err != nil || len(got) != 1 || got[0].ID != "o1" {
		t.Errorf("SearchOrders(placed) = %+v, %v; want the order placed before the index existed", got, err)
	}
}
