package processing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"storefront/internal/mail"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// streamRecord is a stream record as Lambda delivers it: the order item's
// new image (the attributes processing reads, and one it does not).
func streamRecord(seq, orderID, status string) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: "MODIFY", EventSource: "aws:dynamodb", Change: events.DynamoDBStreamRecord{
		SequenceNumber: seq, StreamViewType: "NEW_IMAGE",
		ApproximateCreationDateTime: events.SecondsEpochTime{Time: start},
		Keys:                        map[string]events.DynamoDBAttributeValue{"order_id": events.NewStringAttribute(orderID)},
		NewImage: map[string]events.DynamoDBAttributeValue{"order_id": events.NewStringAttribute(orderID),
			"status": events.NewStringAttribute(status), "total_cents": events.NewNumberAttribute("3000")},
	}}
}

func TestHandleStreamBatch(t *testing.T) {
	e := newEnv(t)
	p := shoptest.NewProduct("p2", 500, 9)
	shoptest.MustSaveProduct(t, e.store, p)
	for _, id := range []string{"o2", "o3"} {
		if err := e.store.PlaceOrder(t.Context(), shoptest.NewOrder(id, "u-"+id, start, shoptest.LineOf(p, 1)), nil); err != nil {
			t.Fatal(err)
		}
	}
	// o2's confirmation (the second send) fails for now: o1 is handled,
	// o2 reported, o3 (behind it in the shard) left for Lambda's retry.
	e.sender.failAt = map[int]error{2: fmt.Errorf("%w: 451 try later", mail.ErrTemporary)}
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		streamRecord("100", "o1", "placed"), streamRecord("200", "o2", "placed"), streamRecord("300", "o3", "placed")}}
	res := e.processor.HandleStreamBatch(t.Context(), batch)
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "200" {
		t.Fatalf("BatchItemFailures = %+v; want o2's record, 200", res.BatchItemFailures)
	}
	if got := strings.Join(e.sentIDs(), " "); got != "order.o1.confirmation" {
		t.Errorf("sent %q; want o1's confirmation only", got)
	}

	// Lambda's retry: from 200 on, and, as a bisected retry may, 100 again.
	res = e.processor.HandleStreamBatch(t.Context(), batch)
	if len(res.BatchItemFailures) != 0 {
		t.Fatalf("retry: BatchItemFailures = %+v; want none", res.BatchItemFailures)
	}
	if got := strings.Join(e.sentIDs(), " "); got != "order.o1.confirmation order.o2.confirmation order.o3.confirmation" {
		t.Errorf("sent %q after the retry; want each confirmation once", got)
	}
	for _, id := range []string{"o1", "o2", "o3"} {
		if o, _ := e.store.Order(t.Context(), id); o.Status != shop.OrderStatusAccepted {
			t.Errorf("order %s is %s; want accepted", id, o.Status)
		}
	}
}

// TestHandleStreamBatchDeadLettersPermanentFailures: a record no retry can
// cure (the mail server refuses the address for good) goes to the dead
// letters and the batch goes on.
func TestHandleStreamBatchDeadLettersPermanentFailures(t *testing.T) {
	e := newEnv(t)
	e.sender.failAt = map[int]error{1: fmt.Errorf("%w: 550 no such mailbox", mail.ErrPermanent)}
	res := e.processor.HandleStreamBatch(t.Context(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		streamRecord("100", "o1", "placed"), streamRecord("101", "o1", "accepted")}})
	if len(res.BatchItemFailures) != 0 {
		t.Errorf("BatchItemFailures = %+v; want none", res.BatchItemFailures)
	}
	letters, err := e.store.DeadLetters(t.Context(), 10)
	if err != nil || len(letters) != 1 || letters[0].OrderID != "o1" || !strings.Contains(letters[0].Error, "550") {
		t.Errorf("DeadLetters() = %+v, %v; want o1's with the 550", letters, err)
	}
	// The accepted record behind it tries the confirmation again (the
	// claim is this processor's); the server took it this time: once.
	if got := strings.Join(e.sentIDs(), " "); got != "order.o1.confirmation" {
		t.Errorf("sent %q; want the confirmation once", got)
	}
}

// TestHandleStreamBatchWaitsForAnotherProcessorsClaim: an invocation that
// timed out mid-send left its claim pending; the next invocation waits for
// the claim's lease within its own time instead of reporting the record at
// once (Lambda's quick retries would end in the failure queue, the message
// never sent), and sends the message once when the lease is over. With too
// little time left it reports the record for Lambda's retry.
func TestHandleStreamBatchWaitsForAnotherProcessorsClaim(t *testing.T) {
	e := newEnv(t)
	e.acceptedWithClaimOf(t, "timed-out")
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{streamRecord("100", "o1", "accepted")}}

	short, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	if res := e.processor.HandleStreamBatch(short, batch); len(res.BatchItemFailures) != 1 {
		t.Fatalf("with 1 s left: BatchItemFailures = %+v; want the record reported for a retry", res.BatchItemFailures)
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	done := make(chan events.DynamoDBEventResponse, 1)
	go func() { done <- e.processor.HandleStreamBatch(ctx, batch) }()
	time.Sleep(200 * time.Millisecond)
	select {
	case res := <-done:
		t.Fatalf("HandleStreamBatch answered %+v within the claim's lease; want it waiting", res)
	default:
	}
	if got := e.sentIDs(); len(got) != 0 {
		t.Fatalf("sent %v within the lease; want nothing", got)
	}
	e.clock.Advance(3 * time.Minute) // past the default lease
	select {
	case res := <-done:
		if len(res.BatchItemFailures) != 0 {
			t.Errorf("after the lease: BatchItemFailures = %+v; want none", res.BatchItemFailures)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("HandleStreamBatch still waiting 10 s after the lease ended")
	}
	if got := fmt.Sprint(e.sentIDs()); got != "[order.o1.confirmation]" {
		t.Errorf("sent %s; want the confirmation once", got)
	}
	if letters, _ := e.store.DeadLetters(t.Context(), 10); len(letters) != 0 {
		t.Errorf("dead letters %+v; want none", letters)
	}
}
