package dynamo

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"storefront/internal/shop/shoptest"
)

// getShardIterator is the operation name the faulty transport sees for
// DynamoDB Streams' GetShardIterator (its target prefix is not DynamoDB's).
const getShardIterator = "DynamoDBStreams_20120810.GetShardIterator"

// TestStreamReaderPastTheStreamsRetention: a reader whose checkpoint is
// older than the stream keeps (24 hours: DynamoDB answers
// TrimmedDataAccessException for an iterator after it) goes on from the
// oldest record there is instead of failing for ever; processing is
// idempotent per order and event, so records it sees again change nothing.
// The local server keeps every record, so the answer is injected.
func TestStreamReaderPastTheStreamsRetention(t *testing.T) {
	ft := newFaultyTransport()
	s := newTestStoreWith(t, testClient(t, &http.Client{Transport: ft, Timeout: requestTimeout}))
	ctx := t.Context()
	p := shoptest.NewProduct("p1", 1000, 50)
	shoptest.MustSaveProduct(t, s, p)
	for i := 1; i <= 3; i++ {
		if err := s.PlaceOrder(ctx, shoptest.NewOrder(fmt.Sprintf("o%d", i), "u1", time.Now(), shoptest.LineOf(p, 1)), nil); err != nil {
			t.Fatalf("PlaceOrder(o%d) = %v", i, err)
		}
	}
	first, err := s.StreamReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first.Poll, first.Batch = 10*time.Millisecond, 1
	if got := readEvents(t, first, 2, true, 10*time.Second); eventsOf(got) != "o1:placed o2:placed " {
		t.Fatalf("first reader's records = %q; want o1 and o2 placed", eventsOf(got))
	}

	// A day later: the checkpoint (after o2) is past the stream's retention.
	ft.inject(getShardIterator, 1, answer(http.StatusBadRequest, "TrimmedDataAccessException", nil))
	later, err := s.StreamReader(context.WithoutCancel(ctx))
	if err != nil {
		t.Fatal(err)
	}
	later.Poll, later.Batch = 10*time.Millisecond, 1
	got := readEvents(t, later, 3, true, 10*time.Second)
	if want := "o1:placed o2:placed o3:placed "; eventsOf(got) != want {
		t.Errorf("reader past the retention read %q; want %q (from the oldest record kept)", eventsOf(got), want)
	}
	if n := ft.count(getShardIterator); n != 2 {
		t.Errorf("GetShardIterator called %d times; want 2 (after the checkpoint: trimmed; then from the oldest record)", n)
	}
}
