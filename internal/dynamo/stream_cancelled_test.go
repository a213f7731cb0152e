package dynamo

import (
	"errors"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// TestStreamReaderSkipsCancelledPlacement: a placement refused for want of
// stock (its transaction cancelled) leaves no record in the orders stream,
// and a reader that was reading before it still gets the placements after
// it. DynamoDB behaves so; the local server (scripts/dynamodb_local.py)
// must too, or the shop's order processor, reading the stream in the
// browser suite, would stop accepting orders after scenario 7's lost race.
func TestStreamReaderSkipsCancelledPlacement(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	last := shoptest.NewProduct("last", 1000, 1)
	plenty := shoptest.NewProduct("plenty", 1000, 50)
	shoptest.MustSaveProduct(t, s, last)
	shoptest.MustSaveProduct(t, s, plenty)
	place := func(id string, p *shop.Product) error {
		return s.PlaceOrder(ctx, shoptest.NewOrder(id, "u1", time.Now(), shoptest.LineOf(p, 1)), nil)
	}
	if err := place("o1", last); err != nil {
		t.Fatalf("PlaceOrder(o1) = %v; want nil", err)
	}
	r, err := s.StreamReader(ctx)
	if err != nil {
		t.Fatalf("StreamReader() = %v; want nil", err)
	}
	r.Poll, r.Batch = 10*time.Millisecond, 10
	if got := readEvents(t, r, 1, true, 10*time.Second); eventsOf(got) != "o1:placed " {
		t.Fatalf("records before the refused placement = %q; want %q", eventsOf(got), "o1:placed ")
	}

	var refused *shop.PlacementRefused
	if err := place("refused", last); !errors.As(err, &refused) {
		t.Fatalf("PlaceOrder(refused) = %v; want a *shop.PlacementRefused (the last unit is gone)", err)
	}
	if err := place("o2", plenty); err != nil {
		t.Fatalf("PlaceOrder(o2) = %v; want nil", err)
	}
	if got := readEvents(t, r, 1, true, 10*time.Second); eventsOf(got) != "o2:placed " {
		t.Errorf("records after the refused placement = %q; want %q (no record of the refused one, the next one read)", eventsOf(got), "o2:placed ")
	}
	if got := readEvents(t, r, 1, true, 300*time.Millisecond); len(got) != 0 {
		t.Errorf("then read %q; want nothing more", eventsOf(got))
	}
}
