package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// TestOutboxHoldsEveryOrderEvent: the placement and every status change
// write their event in their own transaction, in commit order; a refused
// placement or change writes none; deleting up to a seq leaves the rest.
func TestOutboxHoldsEveryOrderEvent(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	ctx := t.Context()
	p := shoptest.NewProduct("p1", 1000, 1)
	shoptest.MustSaveProduct(t, s, p)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := s.PlaceOrder(ctx, shoptest.NewOrder("o1", "u1", now, shoptest.LineOf(p, 1)), nil); err != nil {
		t.Fatal(err)
	}
	// Out of stock now: refused, no event.
	if err := s.PlaceOrder(ctx, shoptest.NewOrder("o2", "u1", now, shoptest.LineOf(p, 1)), nil); err == nil {
		t.Fatal("PlaceOrder(o2) = nil; want a refusal")
	}
	change := func(from, to string) error {
		_, err := s.ChangeOrderStatus(ctx, "o1", shop.StatusUpdate{From: from, Change: shop.StatusChange{Status: to, At: now, Actor: "a"}})
		return err
	}
	if err := change("placed", "accepted"); err != nil {
		t.Fatal(err)
	}
	if err := change("placed", "cancelled"); err == nil { // lost: no event
		t.Fatal("ChangeOrderStatus(from placed) = nil; want ErrInvalidTransition")
	}
	if err := change("accepted", "cancelled"); err != nil {
		t.Fatal(err)
	}
	events, err := s.OutboxEvents(ctx, 10)
	if err != nil {
		t.Fatalf("OutboxEvents() = %v; want nil", err)
	}
	got := fmt.Sprint(events)
	var statuses []string
	for _, e := range events {
		statuses = append(statuses, e.Event.OrderID+":"+e.Event.Status)
		if e.At.Before(now.Add(-time.Minute)) || e.At.After(time.Now().Add(time.Minute)) {
			t.Errorf("event %+v: At is not the time of its commit", e)
		}
	}
	if want := "[o1:placed o1:accepted o1:cancelled]"; fmt.Sprint(statuses) != want {
		t.Fatalf("OutboxEvents() = %s; want %s", got, want)
	}
	if err := s.DeleteOutboxEvents(ctx, events[1].Seq); err != nil {
		t.Fatalf("DeleteOutboxEvents() = %v; want nil", err)
	}
	if rest, err := s.OutboxEvents(ctx, 10); err != nil || len(rest) != 1 || rest[0].Event.Status != "cancelled" {
		t.Errorf("OutboxEvents() after the delete = %v, %v; want the cancellation only", rest, err)
	}
}
