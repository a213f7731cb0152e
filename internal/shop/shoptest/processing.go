package shoptest

import (
	"errors"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestProcessingStore is the conformance suite of shop.ProcessingStore:
// the message claims that make each message go out once, and the dead
// letters. newStore must return a fresh, empty store for each call.
func TestProcessingStore(t *testing.T, newStore func(t *testing.T) shop.ProcessingStore) {
	t.Run("ClaimMessage", func(t *testing.T) { testClaimMessage(t, newStore) })
	t.Run("DeadLetters", func(t *testing.T) { testDeadLetters(t, newStore) })
}

func claim(owner, messageID string, claimedAt time.Duration) shop.MessageRecord {
	return shop.MessageRecord{OrderID: "o1", Event: shop.OrderStatusAccepted, MessageID: messageID,
		State: shop.MessagePending, Owner: owner, ClaimedAt: at(claimedAt)}
}

// mustClaim claims m with the lease ending at staleBefore and checks the
// outcome is want (nil or an error kind).
func mustClaim(t *testing.T, s shop.ProcessingStore, m shop.MessageRecord, staleBefore time.Duration, want error) *shop.MessageRecord {
	t.Helper()
	got, err := s.ClaimMessage(t.Context(), m, at(staleBefore))
	if !errors.Is(err, want) || (want == nil) != (err == nil) {
		t.Fatalf("ClaimMessage(%s by %s at %v) = %v; want %v", m.Event, m.Owner, m.ClaimedAt, err, want)
	}
	return got
}

func testClaimMessage(t *testing.T, newStore func(t *testing.T) shop.ProcessingStore) {
	ctx := t.Context()
	t.Run("FirstClaimWins", func(t *testing.T) {
		s := newStore(t)
		got := mustClaim(t, s, claim("a", "<m1@shop>", 0), -time.Minute, nil)
		if got.MessageID != "<m1@shop>" || got.State != shop.MessagePending || got.Owner != "a" {
			t.Errorf("ClaimMessage() = %+v; want pending <m1@shop> of a", got)
		}
		// Another owner within the lease is refused; its message id is
		// never taken.
		mustClaim(t, s, claim("b", "<m2@shop>", time.Second), -time.Minute, shop.ErrMessageClaimed)
		read, err := s.MessageRecord(ctx, "o1", shop.OrderStatusAccepted)
		if err != nil || read.Owner != "a" || read.MessageID != "<m1@shop>" || !read.ClaimedAt.Equal(at(0)) {
			t.Errorf("MessageRecord() = %+v, %v; want a's claim at %v", read, err, at(0))
		}
	})
	t.Run("OwnerClaimsAgainKeepingTheMessageID", func(t *testing.T) {
		s := newStore(t)
		mustClaim(t, s, claim("a", "<m1@shop>", 0), -time.Minute, nil)
		got := mustClaim(t, s, claim("a", "<m2@shop>", time.Second), -time.Minute, nil)
		if got.MessageID != "<m1@shop>" || !got.ClaimedAt.Equal(at(time.Second)) {
			t.Errorf("ClaimMessage() again = %+v; want <m1@shop> claimed at %v", got, at(time.Second))
		}
	})
	t.Run("StaleClaimTakenOver", func(t *testing.T) {
		s := newStore(t)
		mustClaim(t, s, claim("a", "<m1@shop>", 0), -time.Minute, nil)
		// b's lease check says claims before +1s are stale: a's is.
		got := mustClaim(t, s, claim("b", "<m2@shop>", 2*time.Second), time.Second, nil)
		if got.MessageID != "<m1@shop>" || got.Owner != "b" {
			t.Errorf("ClaimMessage() of a stale claim = %+v; want b holding <m1@shop>", got)
		}
		// Now a is the other owner, and b's claim is fresh.
		mustClaim(t, s, claim("a", "<m3@shop>", 3*time.Second), time.Second, shop.ErrMessageClaimed)
	})
	t.Run("SentIsFinal", func(t *testing.T) {
		s := newStore(t)
		if err := s.MarkMessageSent(ctx, "o1", shop.OrderStatusAccepted, at(0)); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("MarkMessageSent(unclaimed) = %v; want ErrNotFound", err)
		}
		mustClaim(t, s, claim("a", "<m1@shop>", 0), -time.Minute, nil)
		for range 2 { // marking again is no error
			if err := s.MarkMessageSent(ctx, "o1", shop.OrderStatusAccepted, at(time.Second)); err != nil {
				t.Fatalf("MarkMessageSent() = %v; want nil", err)
			}
		}
		mustClaim(t, s, claim("a", "<m2@shop>", time.Hour), 2*time.Hour, shop.ErrMessageSent)
		mustClaim(t, s, claim("b", "<m2@shop>", time.Hour), 2*time.Hour, shop.ErrMessageSent)
		read, err := s.MessageRecord(ctx, "o1", shop.OrderStatusAccepted)
		if err != nil || read.State != shop.MessageSent || !read.SentAt.Equal(at(time.Second)) || read.MessageID != "<m1@shop>" {
			t.Errorf("MessageRecord() = %+v, %v; want <m1@shop> sent at %v", read, err, at(time.Second))
		}
	})
	t.Run("EventsAndOrdersApart", func(t *testing.T) {
		s := newStore(t)
		mustClaim(t, s, claim("a", "<m1@shop>", 0), -time.Minute, nil)
		shipped := claim("b", "<m2@shop>", 0)
		shipped.Event = shop.OrderStatusShipped
		mustClaim(t, s, shipped, -time.Minute, nil)
		other := claim("b", "<m3@shop>", 0)
		other.OrderID = "o2"
		mustClaim(t, s, other, -time.Minute, nil)
		if _, err := s.MessageRecord(ctx, "o3", shop.OrderStatusAccepted); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("MessageRecord(missing) = %v; want ErrNotFound", err)
		}
	})
}

func testDeadLetters(t *testing.T, newStore func(t *testing.T) shop.ProcessingStore) {
	ctx := t.Context()
	s := newStore(t)
	mustDeadLetters := func(want ...shop.DeadLetter) {
		t.Helper()
		got, err := s.DeadLetters(ctx, 10)
		if err != nil {
			t.Fatalf("DeadLetters() = %v; want nil", err)
		}
		if len(got) != len(want) {
			t.Fatalf("DeadLetters() = %+v; want %+v", got, want)
		}
		for i := range want {
			checkRecord(t, "DeadLetters()", &got[i], &want[i], func(d *shop.DeadLetter) *time.Time { return &d.At })
		}
	}
	mustDeadLetters()
	late := shop.DeadLetter{OrderID: "o1", Event: shop.OrderStatusPlaced, Error: "smtp: 550 mailbox unavailable", Attempts: 5, At: at(time.Hour)}
	early := shop.DeadLetter{OrderID: "o2", Event: shop.OrderStatusShipped, Error: "timeout", Attempts: 5, At: at(0)}
	for _, d := range []shop.DeadLetter{late, early} {
		if err := s.SaveDeadLetter(ctx, &d); err != nil {
			t.Fatalf("SaveDeadLetter(%s) = %v; want nil", d.OrderID, err)
		}
	}
	mustDeadLetters(early, late)
	// Saving the same event's dead letter again replaces it.
	late.Attempts, late.Error = 10, "still failing"
	if err := s.SaveDeadLetter(ctx, &late); err != nil {
		t.Fatalf("SaveDeadLetter(again) = %v; want nil", err)
	}
	mustDeadLetters(early, late)
	got, err := s.DeadLetter(ctx, late.OrderID, late.Event)
	if err != nil {
		t.Fatalf("DeadLetter(%s) = %v; want it", late.OrderID, err)
	}
	checkRecord(t, "DeadLetter()", got, &late, func(d *shop.DeadLetter) *time.Time { return &d.At })
	for _, key := range [][2]string{{late.OrderID, shop.OrderStatusShipped}, {"o3", shop.OrderStatusPlaced}} {
		if d, err := s.DeadLetter(ctx, key[0], key[1]); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("DeadLetter(%s, %s) = %+v, %v; want ErrNotFound", key[0], key[1], d, err)
		}
	}
	if got, err := s.DeadLetters(ctx, 1); err != nil || len(got) != 1 {
		t.Errorf("DeadLetters(limit 1) = %d, %v; want 1", len(got), err)
	}
	for range 2 { // deleting a missing one is no error
		if err := s.DeleteDeadLetter(ctx, early.OrderID, early.Event); err != nil {
			t.Fatalf("DeleteDeadLetter() = %v; want nil", err)
		}
	}
	mustDeadLetters(late)
}
