package processing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestRunWaitsForAnotherProcessorsClaim: a processor killed mid-send
// leaves its claim pending; the next processor's Run neither dead-letters
// the event (its attempts are not used up by the wait, however small
// they are) nor sends within the lease, and sends the message once, with
// the same id, when the lease is over. (Before, the wait counted as failed
// attempts and the event was dead-lettered long before the lease ended.)
func TestRunWaitsForAnotherProcessorsClaim(t *testing.T) {
	e := newEnv(t) // 3 attempts, 1 ms apart
	e.change(t, "placed", "accepted", "")
	if _, err := e.store.ClaimMessage(t.Context(), shop.MessageRecord{OrderID: "o1", Event: "accepted",
		MessageID: "order.o1.confirmation", State: shop.MessagePending, Owner: "killed", ClaimedAt: e.clock.Now()}, start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	e.feed.Publish(ev("placed"), start)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.processor.Run(ctx, e.feed) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run() = %v; want nil", err)
		}
	}()

	time.Sleep(200 * time.Millisecond) // 3 attempts 1 ms apart would be long over
	if letters, _ := e.store.DeadLetters(t.Context(), 10); len(letters) != 0 {
		t.Fatalf("dead letters %+v while another processor's claim stands; want none", letters)
	}
	if got := e.sentIDs(); len(got) != 0 || e.feed.Pending() != 1 {
		t.Fatalf("sent %v, %d events pending within the lease; want nothing sent, the event waiting", got, e.feed.Pending())
	}

	e.clock.Advance(3 * time.Minute) // past the default lease
	for deadline := time.Now().Add(5 * time.Second); e.feed.Pending() != 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o1.confirmation]" || e.feed.Pending() != 0 {
		t.Errorf("sent %v, %d events pending after the lease; want the confirmation once, same id, the event done", got, e.feed.Pending())
	}
	if letters, _ := e.store.DeadLetters(t.Context(), 10); len(letters) != 0 {
		t.Errorf("dead letters %+v; want none", letters)
	}
}
