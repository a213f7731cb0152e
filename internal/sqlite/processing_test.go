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
	events, err := s.OutboxEvents(ctx, 0, 10)
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
	if rest, err := s.OutboxEvents(ctx, 0, 10); err != nil || len(rest) != 1 || rest[0].Event.Status != "cancelled" {
		t.Errorf("OutboxEvents() after the delete = %v, %v; want the cancellation only", rest, err)
	}
}

// TestOutboxBackfill: migration 0012 gives the orders placed before the
// outbox existed, and still placed, their placement event, once.
func TestOutboxBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	s := openTemp(t, path)
	ctx := t.Context()
	p := shoptest.NewProduct("p1", 1000, 9)
	shoptest.MustSaveProduct(t, s, p)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i, id := range []string{"old-placed", "old-accepted", "new-placed"} {
		if err := s.PlaceOrder(ctx, shoptest.NewOrder(id, "u1", now.Add(time.Duration(i)*time.Second), shoptest.LineOf(p, 1)), nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ChangeOrderStatus(ctx, "old-accepted", shop.StatusUpdate{From: "placed",
		Change: shop.StatusChange{Status: "accepted", At: now, Actor: "staff-1"}}); err != nil {
		t.Fatal(err)
	}
	// The two old orders as a database before migration 0010 holds them:
	// no events; the new one's event is there, not yet handled.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM processing_outbox WHERE order_id != 'new-placed'`); err != nil {
		t.Fatal(err)
	}
	// Nor what later migrations added that cannot be added twice.
	if _, err := s.db.ExecContext(ctx, `ALTER TABLE sessions DROP COLUMN password_stamp`); err != nil { // 0014
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `PRAGMA user_version = 11`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	events, err := openTemp(t, path).OutboxEvents(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Event.OrderID+":"+e.Event.Status)
	}
	if want := "[new-placed:placed old-placed:placed]"; fmt.Sprint(got) != want {
		t.Errorf("OutboxEvents() after the backfill = %v; want %s", got, want)
	}
}
