package dynamo

import (
	"context"
	"fmt"
	"testing"
	"time"

	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// readEvents reads r until it has returned n records (or wait passes),
// marking each Done when done is set.
func readEvents(t *testing.T, r *StreamReader, n int, done bool, wait time.Duration) []shop.EventRecord {
	t.Helper()
	var got []shop.EventRecord
	deadline := time.Now().Add(wait)
	for len(got) < n && time.Now().Before(deadline) {
		records, err := r.Next(t.Context())
		if err != nil {
			t.Fatalf("Next() = %v; want nil", err)
		}
		for _, rec := range records {
			got = append(got, rec)
			if done {
				if err := r.Done(t.Context(), rec); err != nil {
					t.Fatalf("Done(%s) = %v; want nil", rec.Position, err)
				}
			}
		}
	}
	return got
}

func eventsOf(records []shop.EventRecord) string {
	var s string
	for _, r := range records {
		s += r.Event.OrderID + ":" + r.Event.Status + " "
	}
	return s
}

// TestStreamReaderResumesFromItsCheckpoint: the orders stream read from
// TRIM_HORIZON gives each placement and status change once, in order; a
// reader started again (a restart) goes on after the last record done and
// gives again what was handed out but not done, nothing done twice.
func TestStreamReaderResumesFromItsCheckpoint(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	p := shoptest.NewProduct("p1", 1000, 50)
	shoptest.MustSaveProduct(t, s, p)
	for i := 1; i <= 3; i++ {
		if err := s.PlaceOrder(ctx, shoptest.NewOrder(fmt.Sprintf("o%d", i), "u1", time.Now(), shoptest.LineOf(p, 1)), nil); err != nil {
			t.Fatalf("PlaceOrder(o%d) = %v", i, err)
		}
	}
	if _, err := s.ChangeOrderStatus(ctx, "o1", shop.StatusUpdate{From: "placed",
		Change: shop.StatusChange{Status: "accepted", At: time.Now().UTC(), Actor: "processor"}}); err != nil {
		t.Fatal(err)
	}

	first, err := s.StreamReader(ctx)
	if err != nil {
		t.Fatalf("StreamReader() = %v; want nil", err)
	}
	first.Poll, first.Batch = 10*time.Millisecond, 1
	got := readEvents(t, first, 2, true, 10*time.Second)
	if want := "o1:placed o2:placed "; eventsOf(got) != want {
		t.Fatalf("first reader's records = %q; want %q", eventsOf(got), want)
	}
	// Handed out, never done: the process died while handling it.
	undone := readEvents(t, first, 1, false, 10*time.Second)
	if want := "o3:placed "; eventsOf(undone) != want {
		t.Fatalf("first reader's third record = %q; want %q", eventsOf(undone), want)
	}

	restarted, err := s.StreamReader(context.WithoutCancel(ctx))
	if err != nil {
		t.Fatal(err)
	}
	restarted.Poll, restarted.Batch = 10*time.Millisecond, 1
	got = readEvents(t, restarted, 2, true, 10*time.Second)
	if want := "o3:placed o1:accepted "; eventsOf(got) != want {
		t.Errorf("restarted reader's records = %q; want %q (after the checkpoint, nothing twice)", eventsOf(got), want)
	}
	if got := readEvents(t, restarted, 1, true, 300*time.Millisecond); len(got) != 0 {
		t.Errorf("restarted reader then read %q; want nothing more", eventsOf(got))
	}
	if got[0].At.IsZero() || got[0].Shard == "" || got[0].Position == "" {
		t.Errorf("record %+v; want its time, shard and position", got[0])
	}
}

// TestSaveCheckpointNeverMovesBack: a slower reader of a shard cannot undo
// a faster one's progress; sequence numbers compare as numbers, not text.
func TestSaveCheckpointNeverMovesBack(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	for _, step := range []struct{ save, want string }{
		{"900", "900"}, {"100", "900"}, {"1000", "1000"}, {"999", "1000"}, {"1001", "1001"},
	} {
		if err := s.SaveCheckpoint(ctx, "arn:stream", "shard-1", step.save); err != nil {
			t.Fatalf("SaveCheckpoint(%s) = %v; want nil", step.save, err)
		}
		if got, err := s.Checkpoint(ctx, "arn:stream", "shard-1"); err != nil || got != step.want {
			t.Errorf("Checkpoint() after saving %s = %q, %v; want %q", step.save, got, err, step.want)
		}
	}
	if got, err := s.Checkpoint(ctx, "arn:stream", "shard-2"); err != nil || got != "" {
		t.Errorf("Checkpoint(another shard) = %q, %v; want none", got, err)
	}
}
