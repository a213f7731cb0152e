package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"storefront/internal/app"
	"storefront/internal/mail/mailtest"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// TestHandler: the function built by the shop's wiring accepts the order of
// a stream record and mails its confirmation, once for a batch delivered
// twice; a record of a missing order is dead-lettered, not retried.
func TestHandler(t *testing.T) {
	smtp := mailtest.Start(t)
	env := map[string]string{"STOREFRONT_DB": filepath.Join(t.TempDir(), "shop.db"), "STOREFRONT_DEMO": "false",
		"STOREFRONT_SMTP_URL": smtp.URL, "STOREFRONT_PROCESSOR": "off"}
	getenv := func(name string) string { return env[name] }
	a, err := app.Open(t.Context(), getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	p := shoptest.NewProduct("p1", 1250, 5)
	shoptest.MustSaveProduct(t, a.Store, p)
	if err := a.Store.PlaceOrder(t.Context(), shoptest.NewOrder("o1", "u1", time.Now().UTC(), shoptest.LineOf(p, 2)), nil); err != nil {
		t.Fatal(err)
	}

	handler, err := newHandler(t.Context(), getenv)
	if err != nil {
		t.Fatalf("newHandler() = %v; want nil", err)
	}
	record := func(seq, id string) events.DynamoDBEventRecord {
		return events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: seq,
			NewImage: map[string]events.DynamoDBAttributeValue{"order_id": events.NewStringAttribute(id),
				"status": events.NewStringAttribute("placed")}}}
	}
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{record("1", "o1"), record("2", "missing")}}
	for range 2 {
		res, err := handler(t.Context(), batch)
		if err != nil || len(res.BatchItemFailures) != 0 {
			t.Fatalf("handler() = %+v, %v; want no failures", res, err)
		}
	}
	if o, err := a.Store.Order(t.Context(), "o1"); err != nil || o.Status != shop.OrderStatusAccepted {
		t.Errorf("order o1 = %+v, %v; want accepted", o, err)
	}
	got := smtp.WaitFor(t, 1, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	if got = smtp.Messages(); len(got) != 1 || !strings.Contains(string(got[0].Data), "o1") {
		t.Errorf("SMTP server received %d messages; want one confirmation of o1", len(got))
	}
	ps, _ := a.Store.(shop.ProcessingStore)
	if letters, err := ps.DeadLetters(t.Context(), 10); err != nil || len(letters) != 1 || letters[0].OrderID != "missing" {
		t.Errorf("DeadLetters() = %+v, %v; want the missing order's", letters, err)
	}
}
