package dynamo

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// TestStatusChangeItem: the orders item, the system's output, has exactly
// the contract's attributes after placement, and a status change adds only
// updated_at, status_history (each {status, at, actor}) and, once shipped,
// tracking_number.
func TestStatusChangeItem(t *testing.T) {
	s := newTestStore(t)
	p := shoptest.NewProduct("p1", 1250, 5)
	shoptest.MustSaveProduct(t, s, p)
	created := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	o := shoptest.NewOrder("o1", "u1", created, shoptest.LineOf(p, 2))
	if err := s.PlaceOrder(t.Context(), o, nil); err != nil {
		t.Fatalf("PlaceOrder(o1) = %v; want nil", err)
	}
	placed := []string{"created_at", "currency", "item_count", "items", "order_id", "shipping_address", "shipping_cents",
		"status", "subtotal_cents", "total_cents", "user_email", "user_id"}
	if got := sortedKeys(rawOrder(t, s, "o1")); !slices.Equal(got, placed) {
		t.Fatalf("order item after placement has %v; want exactly %v", got, placed)
	}

	accepted := time.Date(2026, 5, 6, 8, 0, 0, 0, time.UTC)
	shipped := accepted.Add(time.Hour)
	for _, u := range []shop.StatusUpdate{
		{From: shop.OrderStatusPlaced, Change: shop.StatusChange{Status: shop.OrderStatusAccepted, At: accepted, Actor: "processor"}},
		{From: shop.OrderStatusAccepted, Change: shop.StatusChange{Status: shop.OrderStatusShipped, At: shipped, Actor: "staff-7"},
			TrackingNumber: "TRACK-1"},
	} {
		if _, err := s.ChangeOrderStatus(t.Context(), "o1", u); err != nil {
			t.Fatalf("ChangeOrderStatus(o1, -> %s) = %v; want nil", u.Change.Status, err)
		}
	}
	it := rawOrder(t, s, "o1")
	want := append(slices.Clone(placed), "status_history", "tracking_number", "updated_at")
	slices.Sort(want)
	if got := sortedKeys(it); !slices.Equal(got, want) {
		t.Fatalf("order item after two changes has %v; want exactly %v", got, want)
	}
	for name, v := range map[string]string{"status": "shipped", "updated_at": "2026-05-06T09:00:00.000Z", "tracking_number": "TRACK-1"} {
		if s, ok := it[name].(*types.AttributeValueMemberS); !ok || s.Value != v {
			t.Errorf("order item %s = %#v; want S %q", name, it[name], v)
		}
	}
	history, ok := it["status_history"].(*types.AttributeValueMemberL)
	if !ok || len(history.Value) != 2 {
		t.Fatalf("order item status_history = %#v; want L of 2", it["status_history"])
	}
	wantHistory := []map[string]string{
		{"status": "accepted", "at": "2026-05-06T08:00:00.000Z", "actor": "processor"},
		{"status": "shipped", "at": "2026-05-06T09:00:00.000Z", "actor": "staff-7"},
	}
	for i, e := range history.Value {
		m, ok := e.(*types.AttributeValueMemberM)
		if !ok || len(m.Value) != len(wantHistory[i]) {
			t.Errorf("status_history[%d] = %#v; want M of %v", i, e, wantHistory[i])
			continue
		}
		for name, v := range wantHistory[i] {
			if s, ok := m.Value[name].(*types.AttributeValueMemberS); !ok || s.Value != v {
				t.Errorf("status_history[%d].%s = %#v; want S %q", i, name, m.Value[name], v)
			}
		}
	}
}

// rawOrder reads the order item as DynamoDB holds it.
func rawOrder(t *testing.T, s *Store, id string) item {
	t.Helper()
	out, err := s.db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(s.orders), Key: orderKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil || len(out.Item) == 0 {
		t.Fatalf("GetItem(order %s) = %v, %d attributes; want the item", id, err, len(out.Item))
	}
	return out.Item
}
