package processing_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"storefront/internal/mail"
	"storefront/internal/memstore"
	"storefront/internal/processing"
	"storefront/internal/shop"
	"storefront/internal/shop/shoptest"
)

// sender records what it sends; failures makes its next sends fail (only
// those of the message failuresOf, when set: Run sends the messages of
// several orders at once), and failAt the sends of those numbers (the
// first is 1).
type sender struct {
	mu         sync.Mutex
	sent       []mail.Message
	failures   []error
	failuresOf string
	failAt     map[int]error
	calls      int
}

func (s *sender) Send(_ context.Context, m mail.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if err := s.failAt[s.calls]; err != nil {
		return err
	}
	if len(s.failures) > 0 && (s.failuresOf == "" || s.failuresOf == m.ID) {
		err := s.failures[0]
		s.failures = s.failures[1:]
		return err
	}
	s.sent = append(s.sent, m)
	return nil
}

func (s *sender) messages() []mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mail.Message(nil), s.sent...)
}

// env is one processor over a memstore holding order o1, placed.
type env struct {
	store     *memstore.Store
	service   *shop.Service
	sender    *sender
	processor *processing.Processor
	feed      *processing.MemoryFeed
	registry  *prometheus.Registry
	clock     *shoptest.Clock
}

var start = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{store: memstore.New(), sender: &sender{}, feed: processing.NewMemoryFeed(), registry: prometheus.NewRegistry(),
		clock: shoptest.NewClock(start)}
	e.service = shop.NewService(e.store, shop.Config{Now: e.clock.Now})
	e.processor = processing.New(e.service, e.store, e.sender, processing.Config{ShopURL: "http://shop.test",
		Backoff: time.Millisecond, Attempts: 3, Now: e.clock.Now, Metrics: processing.NewMetrics(e.registry)})
	p := shoptest.NewProduct("p1", 1250, 5)
	shoptest.MustSaveProduct(t, e.store, p)
	o := shoptest.NewOrder("o1", "u1", start, shoptest.LineOf(p, 2))
	if err := e.store.PlaceOrder(t.Context(), o, nil); err != nil {
		t.Fatalf("PlaceOrder() = %v", err)
	}
	return e
}

func (e *env) status(t *testing.T) string {
	t.Helper()
	o, err := e.store.Order(t.Context(), "o1")
	if err != nil {
		t.Fatalf("Order(o1) = %v", err)
	}
	return o.Status
}

// subjects lists the sent messages' ids.
func (e *env) sentIDs() []string {
	var ids []string
	for _, m := range e.sender.messages() {
		ids = append(ids, m.ID)
	}
	return ids
}

func (e *env) change(t *testing.T, from, to, tracking string) {
	t.Helper()
	_, err := e.store.ChangeOrderStatus(t.Context(), "o1", shop.StatusUpdate{From: from,
		Change: shop.StatusChange{Status: to, At: e.clock.Now(), Actor: "staff-1"}, TrackingNumber: tracking})
	if err != nil {
		t.Fatalf("ChangeOrderStatus(%s) = %v", to, err)
	}
}

// acceptedWithClaimOf leaves o1 accepted and its confirmation claimed,
// pending, by owner: a processor that stopped between its claim and its
// mark (killed, or timed out mid-send).
func (e *env) acceptedWithClaimOf(t *testing.T, owner string) {
	t.Helper()
	e.change(t, "placed", "accepted", "")
	if _, err := e.store.ClaimMessage(t.Context(), shop.MessageRecord{OrderID: "o1", Event: "accepted",
		MessageID: "order.o1.confirmation", State: shop.MessagePending, Owner: owner, ClaimedAt: e.clock.Now()}, start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

func ev(status string) shop.OrderEvent { return shop.OrderEvent{OrderID: "o1", Status: status} }

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		setUp      func(t *testing.T, e *env)
		events     []shop.OrderEvent
		wantStatus string
		wantSent   []string
	}{
		{name: "PlacedIsAcceptedAndConfirmed", events: []shop.OrderEvent{ev("placed")},
			wantStatus: "accepted", wantSent: []string{"order.o1.confirmation"}},
		{name: "ReplaysSendNothingMore",
			events:     []shop.OrderEvent{ev("placed"), ev("placed"), ev("accepted"), ev("placed"), ev("accepted")},
			wantStatus: "accepted", wantSent: []string{"order.o1.confirmation"}},
		{name: "AcceptedByStaffIsConfirmedOnItsEvent",
			setUp:  func(t *testing.T, e *env) { e.change(t, "placed", "accepted", "") },
			events: []shop.OrderEvent{ev("placed"), ev("accepted"), ev("accepted")}, wantStatus: "accepted",
			wantSent: []string{"order.o1.confirmation"}},
		{name: "CancelledBeforeAcceptanceSendsOnlyTheCancellation",
			setUp:  func(t *testing.T, e *env) { e.change(t, "placed", "cancelled", "") },
			events: []shop.OrderEvent{ev("placed"), ev("cancelled"), ev("cancelled")}, wantStatus: "cancelled",
			wantSent: []string{"order.o1.cancelled"}},
		{name: "ShippedSendsItsMessageOnce",
			setUp: func(t *testing.T, e *env) {
				e.change(t, "placed", "accepted", "")
				e.change(t, "accepted", "shipped", "TRACK-1")
			},
			events:     []shop.OrderEvent{ev("placed"), ev("accepted"), ev("shipped"), ev("shipped")},
			wantStatus: "shipped", wantSent: []string{"order.o1.confirmation", "order.o1.shipped"}},
		{name: "DeliveredSendsNothing",
			setUp: func(t *testing.T, e *env) {
				e.change(t, "placed", "accepted", "")
				e.change(t, "accepted", "shipped", "TRACK-1")
				e.change(t, "shipped", "delivered", "")
			},
			events: []shop.OrderEvent{ev("delivered")}, wantStatus: "delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setUp != nil {
				tt.setUp(t, e)
			}
			for _, event := range tt.events {
				if err := e.processor.Handle(t.Context(), event); err != nil {
					t.Fatalf("Handle(%+v) = %v; want nil", event, err)
				}
			}
			if got := e.status(t); got != tt.wantStatus {
				t.Errorf("status = %s; want %s", got, tt.wantStatus)
			}
			if got := e.sentIDs(); fmt.Sprint(got) != fmt.Sprint(tt.wantSent) {
				t.Errorf("sent %v; want %v", got, tt.wantSent)
			}
		})
	}
}

// countingStore counts the order reads and message claims of a processor.
type countingStore struct {
	*memstore.Store
	orderReads, claims atomic.Int64
}

func (s *countingStore) Order(ctx context.Context, id string) (*shop.Order, error) {
	s.orderReads.Add(1)
	return s.Store.Order(ctx, id)
}

func (s *countingStore) ClaimMessage(ctx context.Context, m shop.MessageRecord, staleBefore time.Time) (*shop.MessageRecord, error) {
	s.claims.Add(1)
	return s.Store.ClaimMessage(ctx, m, staleBefore)
}

// TestHandleEventWhoseMessageWasSent: the accepted event of an order
// confirmed on placement (and any replay of a sent event) reads neither the
// order nor claims its message again; an event whose message is not sent
// yet still does.
func TestHandleEventWhoseMessageWasSent(t *testing.T) {
	e := newEnv(t)
	counted := &countingStore{Store: e.store}
	processor := processing.New(e.service, counted, e.sender, processing.Config{ShopURL: "http://shop.test", Now: e.clock.Now})
	if err := processor.Handle(t.Context(), ev("placed")); err != nil {
		t.Fatalf("Handle(placed) = %v; want nil", err)
	}
	reads, claims := counted.orderReads.Load(), counted.claims.Load()
	for _, event := range []shop.OrderEvent{ev("accepted"), ev("accepted")} {
		if err := processor.Handle(t.Context(), event); err != nil {
			t.Fatalf("Handle(%s) = %v; want nil", event.Status, err)
		}
	}
	if r, c := counted.orderReads.Load()-reads, counted.claims.Load()-claims; r != 0 || c != 0 {
		t.Errorf("accepted events of a confirmed order: %d order reads, %d claims; want none", r, c)
	}
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o1.confirmation]" {
		t.Errorf("sent %v; want the confirmation once", got)
	}
	e.change(t, "accepted", "shipped", "TRACK-1")
	if err := processor.Handle(t.Context(), ev("shipped")); err != nil {
		t.Fatalf("Handle(shipped) = %v; want nil", err)
	}
	if counted.claims.Load() == claims {
		t.Error("shipped event claimed no message; want its message claimed and sent")
	}
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o1.confirmation order.o1.shipped]" {
		t.Errorf("sent %v; want the confirmation and the shipped message", got)
	}
}

// TestHandleAcceptsAsTheProcessor: the change is the processor's, in the
// history, and the confirmation goes to the buyer naming the order.
func TestHandleAcceptsAsTheProcessor(t *testing.T) {
	e := newEnv(t)
	if err := e.processor.Handle(t.Context(), ev("placed")); err != nil {
		t.Fatal(err)
	}
	o, _ := e.store.Order(t.Context(), "o1")
	if h := o.StatusHistory; len(h) != 1 || h[0].Actor != shop.ProcessorActor || h[0].Status != "accepted" {
		t.Errorf("StatusHistory = %+v; want one change to accepted by %s", h, shop.ProcessorActor)
	}
	sent := e.sender.messages()
	if len(sent) != 1 || sent[0].To != "u1@example.com" || !strings.Contains(sent[0].Text, "o1") {
		t.Errorf("sent %+v; want the confirmation of o1 to u1@example.com", sent)
	}
	m, err := e.store.MessageRecord(t.Context(), "o1", "accepted")
	if err != nil || m.State != shop.MessageSent || m.MessageID != "order.o1.confirmation" {
		t.Errorf("MessageRecord() = %+v, %v; want sent with the message's id", m, err)
	}
}

// TestHandleUnsoundOrder: an order whose totals do not add up stays placed
// and its error is permanent.
func TestHandleUnsoundOrder(t *testing.T) {
	e := newEnv(t)
	bad := shoptest.NewOrder("o2", "u1", start, shop.OrderLine{ProductID: "p1", Name: "x", UnitPriceCents: 1250, Quantity: 1})
	bad.TotalCents++
	if err := e.store.PlaceOrder(t.Context(), bad, nil); err != nil {
		t.Fatal(err)
	}
	err := e.processor.Handle(t.Context(), shop.OrderEvent{OrderID: "o2", Status: "placed"})
	if !errors.Is(err, shop.ErrOrderUnsound) || !processing.Permanent(err) {
		t.Errorf("Handle(unsound) = %v; want a permanent ErrOrderUnsound", err)
	}
	if o, _ := e.store.Order(t.Context(), "o2"); o.Status != "placed" {
		t.Errorf("status = %s; want placed", o.Status)
	}
}

// TestCrashBetweenSendAndMark: a claim left pending by a processor that
// died after sending is sent again, with the same message id, only once
// its lease is over; before that another processor leaves it alone.
func TestCrashBetweenSendAndMark(t *testing.T) {
	e := newEnv(t)
	e.acceptedWithClaimOf(t, "dead") // the dead processor's state
	err := e.processor.Handle(t.Context(), ev("accepted"))
	if !errors.Is(err, shop.ErrMessageClaimed) || processing.Permanent(err) {
		t.Errorf("Handle() within the lease = %v; want ErrMessageClaimed, to retry", err)
	}
	if got := e.sentIDs(); len(got) != 0 {
		t.Errorf("sent %v within the lease; want nothing", got)
	}
	e.clock.Advance(3 * time.Minute) // past the default lease
	if err := e.processor.Handle(t.Context(), ev("accepted")); err != nil {
		t.Fatalf("Handle() after the lease = %v; want nil", err)
	}
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o1.confirmation]" {
		t.Errorf("sent %v after the lease; want the confirmation again, same id", got)
	}
}

// TestHandleMessageOfAStatusNeverReached: an event naming a status the
// order never had (a staff retry may name any) sends nothing and blocks
// nothing: the order's real shipment is then told, with its tracking.
func TestHandleMessageOfAStatusNeverReached(t *testing.T) {
	e := newEnv(t)
	e.change(t, "placed", "accepted", "")
	for _, status := range []string{"shipped", "cancelled"} {
		if err := e.processor.Handle(t.Context(), ev(status)); err != nil {
			t.Errorf("Handle(%s of an accepted order) = %v; want nil", status, err)
		}
	}
	if got := e.sentIDs(); len(got) != 0 {
		t.Fatalf("sent %v for statuses the order never had; want nothing", got)
	}
	e.change(t, "accepted", "shipped", "TRACK-9")
	if err := e.processor.Handle(t.Context(), ev("shipped")); err != nil {
		t.Fatalf("Handle(shipped) = %v; want nil", err)
	}
	sent := e.sender.messages()
	if len(sent) != 1 || sent[0].ID != "order.o1.shipped" || !strings.Contains(sent[0].Text, "TRACK-9") {
		t.Errorf("sent %+v; want the shipped message with TRACK-9", sent)
	}
}

// TestRetryOnlyADeadLetter: a staff retry of an event the processor never
// gave up on is ErrNoSuchDeadLetter (an ErrNotFound), sends nothing and
// leaves no dead letter.
func TestRetryOnlyADeadLetter(t *testing.T) {
	e := newEnv(t)
	e.change(t, "placed", "accepted", "")
	for _, key := range [][2]string{{"o1", "cancelled"}, {"o1", "shipped"}, {"no-such-order", "placed"}} {
		err := e.processor.Retry(t.Context(), key[0], key[1])
		if !errors.Is(err, shop.ErrNoSuchDeadLetter) || !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("Retry(%s, %s) = %v; want ErrNoSuchDeadLetter", key[0], key[1], err)
		}
	}
	if got := e.sentIDs(); len(got) != 0 {
		t.Errorf("sent %v; want nothing", got)
	}
	if letters, err := e.store.DeadLetters(t.Context(), 10); err != nil || len(letters) != 0 {
		t.Errorf("DeadLetters() = %+v, %v; want none", letters, err)
	}
}

// markFailingStore fails its first marks of a message as sent.
type markFailingStore struct {
	*memstore.Store
	failures atomic.Int64
}

func (s *markFailingStore) MarkMessageSent(ctx context.Context, orderID, event string, at time.Time) error {
	if s.failures.Add(-1) >= 0 {
		return fmt.Errorf("mark: %w", shop.ErrUnavailable)
	}
	return s.Store.MarkMessageSent(ctx, orderID, event, at)
}

// TestSentMessageWhoseMarkFailedIsNotSentAgain: when the store fails to
// mark a message sent, the event's next tries (the loop's, or a staff
// retry's) only mark it: the buyer gets it once, where only a processor
// that dies between send and mark may send again.
func TestSentMessageWhoseMarkFailedIsNotSentAgain(t *testing.T) {
	e := newEnv(t)
	store := &markFailingStore{Store: e.store}
	store.failures.Store(2)
	processor := processing.New(e.service, store, e.sender, processing.Config{ShopURL: "http://shop.test", Now: e.clock.Now})
	if err := processor.Handle(t.Context(), ev("placed")); !errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("Handle(placed), the mark failing = %v; want ErrUnavailable", err)
	}
	if err := store.SaveDeadLetter(t.Context(), &shop.DeadLetter{OrderID: "o1", Event: "placed", Error: "mark failed", Attempts: 5, At: start}); err != nil {
		t.Fatal(err)
	}
	if err := processor.Retry(t.Context(), "o1", "placed"); !errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("Retry(placed), the mark failing again = %v; want ErrUnavailable", err)
	}
	if err := processor.Handle(t.Context(), ev("placed")); err != nil {
		t.Fatalf("Handle(placed) again = %v; want nil", err)
	}
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o1.confirmation]" {
		t.Errorf("sent %v; want the confirmation once", got)
	}
	if m, err := e.store.MessageRecord(t.Context(), "o1", "accepted"); err != nil || m.State != shop.MessageSent {
		t.Errorf("MessageRecord(o1, accepted) = %+v, %v; want sent", m, err)
	}
}

// runUntil runs the processor on the feed until cond holds (or 5 s pass).
func (e *env) runUntil(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.processor.Run(ctx, e.feed) }()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run() = %v; want nil", err)
	}
	if !cond() {
		t.Fatal("condition not met within 5 s")
	}
}

func TestRunRetriesAFailingSender(t *testing.T) {
	e := newEnv(t)
	e.sender.failures = []error{fmt.Errorf("%w: 421 try later", mail.ErrTemporary)}
	e.feed.Publish(ev("placed"), start)
	e.runUntil(t, func() bool { return e.feed.Pending() == 0 })
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o1.confirmation]" {
		t.Errorf("sent %v; want the confirmation once, after a retry", got)
	}
	if letters, _ := e.store.DeadLetters(t.Context(), 10); len(letters) != 0 {
		t.Errorf("dead letters %+v; want none", letters)
	}
}

func TestRunDeadLettersAfterTheAttempts(t *testing.T) {
	for _, tt := range []struct {
		name         string
		failures     []error
		wantAttempts int
	}{
		{"Temporary", []error{mail.ErrTemporary, mail.ErrTemporary, mail.ErrTemporary}, 3},
		{"PermanentAtOnce", []error{fmt.Errorf("%w: 550 no such mailbox", mail.ErrPermanent)}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.sender.failures, e.sender.failuresOf = tt.failures, "order.o1.confirmation"
			e.feed.Publish(ev("placed"), start)
			p2 := shoptest.NewOrder("o2", "u2", start, shop.OrderLine{ProductID: "p1", Name: "x", UnitPriceCents: 1250, Quantity: 1})
			if err := e.store.PlaceOrder(t.Context(), p2, nil); err != nil {
				t.Fatal(err)
			}
			e.feed.Publish(shop.OrderEvent{OrderID: "o2", Status: "placed"}, start)
			e.runUntil(t, func() bool { return e.feed.Pending() == 0 })
			letters, err := e.store.DeadLetters(t.Context(), 10)
			if err != nil || len(letters) != 1 || letters[0].OrderID != "o1" || letters[0].Attempts != tt.wantAttempts ||
				!strings.Contains(letters[0].Error, "send the accepted message") {
				t.Fatalf("DeadLetters() = %+v, %v; want o1's after %d attempts", letters, err, tt.wantAttempts)
			}
			// The record behind it was not held up.
			if got := e.sentIDs(); fmt.Sprint(got) != "[order.o2.confirmation]" {
				t.Errorf("sent %v; want o2's confirmation", got)
			}
			if got := metricValue(t, e.registry, "storefront_processor_dead_letters_total"); got != 1 {
				t.Errorf("dead letters metric = %v; want 1", got)
			}
			// Staff retry it. Within the lease of the failed send's claim
			// the retry waits its turn (the loop may still be sending):
			// refused, the dead letter kept with the new error.
			if err := e.processor.Retry(t.Context(), "o1", "placed"); !errors.Is(err, shop.ErrMessageClaimed) {
				t.Fatalf("Retry() within the lease = %v; want ErrMessageClaimed", err)
			}
			if letters, _ := e.store.DeadLetters(t.Context(), 10); len(letters) != 1 || !strings.Contains(letters[0].Error, "claimed") {
				t.Fatalf("dead letters after a refused retry %+v; want o1's, with the new error", letters)
			}
			// After it, the message goes out, once, and the dead letter is gone.
			e.clock.Advance(3 * time.Minute)
			if err := e.processor.Retry(t.Context(), "o1", "placed"); err != nil {
				t.Fatalf("Retry() = %v; want nil", err)
			}
			// An event the processor did not give up on is no retry's.
			if err := e.processor.Retry(t.Context(), "o1", "accepted"); !errors.Is(err, shop.ErrNoSuchDeadLetter) {
				t.Fatalf("Retry(accepted, no dead letter) = %v; want ErrNoSuchDeadLetter", err)
			}
			if got := e.sentIDs(); fmt.Sprint(got) != "[order.o2.confirmation order.o1.confirmation]" {
				t.Errorf("sent %v after the retry; want o1's confirmation once more", got)
			}
			if letters, _ := e.store.DeadLetters(t.Context(), 10); len(letters) != 0 {
				t.Errorf("dead letters after the retry %+v; want none", letters)
			}
		})
	}
}

// metricValue reads the counter or gauge named name from reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			m := f.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not registered", name)
	return 0
}

var _ shop.Reprocessor = (*processing.Processor)(nil)

// blockingSender holds each send until release is closed, telling started
// when one began.
type blockingSender struct {
	*sender
	started chan struct{}
	release chan struct{}
}

func (s blockingSender) Send(ctx context.Context, m mail.Message) error {
	s.started <- struct{}{}
	<-s.release
	return s.sender.Send(ctx, m)
}

// TestRunFinishesTheRecordInHandOnStop: a stop (SIGTERM ends Run's
// context) while a message is being sent lets the send finish and marks it
// sent, so a restart sends nothing again; Run returns only then.
func TestRunFinishesTheRecordInHandOnStop(t *testing.T) {
	e := newEnv(t)
	bs := blockingSender{sender: e.sender, started: make(chan struct{}, 1), release: make(chan struct{})}
	p := processing.New(e.service, e.store, bs, processing.Config{Now: e.clock.Now})
	e.feed.Publish(ev("placed"), start)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, e.feed) }()
	<-bs.started
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while its send was in flight")
	case <-time.After(100 * time.Millisecond):
	}
	close(bs.release)
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v; want nil", err)
	}
	m, err := e.store.MessageRecord(t.Context(), "o1", "accepted")
	if err != nil || m.State != shop.MessageSent {
		t.Fatalf("MessageRecord() = %+v, %v; want sent", m, err)
	}
	// A restart (a new processor) replays the event: nothing more is sent.
	if err := e.processor.Handle(t.Context(), ev("placed")); err != nil {
		t.Fatal(err)
	}
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o1.confirmation]" {
		t.Errorf("sent %v; want the confirmation once", got)
	}
}

// TestMetricsLag: the lag is the age of the event taken last.
func TestMetricsLag(t *testing.T) {
	e := newEnv(t)
	e.feed.Publish(ev("placed"), start.Add(-90*time.Second))
	e.runUntil(t, func() bool { return e.feed.Pending() == 0 })
	if got := metricValue(t, e.registry, "storefront_processor_lag_seconds"); got != 90 {
		t.Errorf("lag = %v s; want 90", got)
	}
	if got := metricValue(t, e.registry, "storefront_processor_events_total"); got != 1 {
		t.Errorf("events = %v; want 1", got)
	}
}

// gateSender holds every send until release is closed, telling started
// of each as it begins.
type gateSender struct {
	*sender
	started chan string
	release chan struct{}
}

func (s gateSender) Send(ctx context.Context, m mail.Message) error {
	s.started <- m.ID
	<-s.release
	return s.sender.Send(ctx, m)
}

// TestRunHandlesOrdersSideBySide: the events of two orders are handled at
// once (the second order's confirmation is on its way while the first's
// send still waits), and the events of one order in their order.
func TestRunHandlesOrdersSideBySide(t *testing.T) {
	e := newEnv(t)
	o2 := shoptest.NewOrder("o2", "u2", start, shop.OrderLine{ProductID: "p1", Name: "x", UnitPriceCents: 1250, Quantity: 1})
	if err := e.store.PlaceOrder(t.Context(), o2, nil); err != nil {
		t.Fatal(err)
	}
	// o1 went on to shipped (by staff) before its events come round.
	e.change(t, "placed", "accepted", "")
	e.change(t, "accepted", "shipped", "TRACK-1")
	gs := gateSender{sender: e.sender, started: make(chan string, 10), release: make(chan struct{})}
	p := processing.New(e.service, e.store, gs, processing.Config{Now: e.clock.Now})
	e.feed.Publish(ev("placed"), start)
	e.feed.Publish(ev("shipped"), start)
	e.feed.Publish(shop.OrderEvent{OrderID: "o2", Status: "placed"}, start)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, e.feed) }()
	var first []string
	for len(first) < 2 {
		select {
		case id := <-gs.started:
			first = append(first, id)
		case <-time.After(5 * time.Second):
			t.Fatalf("sends started while the first waits: %v; want both orders' confirmations", first)
		}
	}
	if fmt.Sprint(first) != "[order.o1.confirmation order.o2.confirmation]" &&
		fmt.Sprint(first) != "[order.o2.confirmation order.o1.confirmation]" {
		t.Errorf("first sends %v; want the two confirmations (o1's shipped message only after o1's confirmation)", first)
	}
	close(gs.release)
	for deadline := time.Now().Add(5 * time.Second); e.feed.Pending() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if n := e.feed.Pending(); n != 0 {
		t.Fatalf("%d events left undone; want none", n)
	}
	var o1 []string
	for _, id := range e.sentIDs() {
		if strings.HasPrefix(id, "order.o1.") {
			o1 = append(o1, id)
		}
	}
	if fmt.Sprint(o1) != "[order.o1.confirmation order.o1.shipped]" {
		t.Errorf("o1's messages in order sent %v; want the confirmation, then the shipped message", o1)
	}
}

// gatedSender holds every send until release is closed, counting the
// sends in progress at once.
type gatedSender struct {
	release    chan struct{}
	mu         sync.Mutex
	inProgress int
	most       int
	sent       int
}

func (s *gatedSender) Send(ctx context.Context, _ mail.Message) error {
	s.mu.Lock()
	s.inProgress++
	s.most = max(s.most, s.inProgress)
	s.mu.Unlock()
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inProgress--
	s.sent++
	return nil
}

func (s *gatedSender) counts() (most, sent int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.most, s.sent
}

func TestRunHandlesOrdersSideBySideUpToTheConcurrency(t *testing.T) {
	const orders, concurrency = 10, 3
	e := newEnv(t)
	send := &gatedSender{release: make(chan struct{})}
	p := processing.New(e.service, e.store, send, processing.Config{Concurrency: concurrency, Now: e.clock.Now})
	product := shoptest.NewProduct("p2", 500, orders)
	shoptest.MustSaveProduct(t, e.store, product)
	for i := range orders {
		id := fmt.Sprintf("side-%d", i)
		if err := e.store.PlaceOrder(t.Context(), shoptest.NewOrder(id, "u1", start, shoptest.LineOf(product, 1)), nil); err != nil {
			t.Fatalf("PlaceOrder(%s) = %v", id, err)
		}
		e.feed.Publish(shop.OrderEvent{OrderID: id, Status: shop.OrderStatusPlaced}, start)
	}
	goroutinesBefore := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, e.feed) }()

	waitFor(t, "the first sends", func() bool { most, _ := send.counts(); return most == concurrency })
	time.Sleep(20 * time.Millisecond) // room for a send beyond the bound, if there were one
	close(send.release)
	waitFor(t, "every order's confirmation", func() bool { _, sent := send.counts(); return sent == orders })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run() = %v; want nil", err)
	}
	if most, _ := send.counts(); most != concurrency {
		t.Errorf("at most %d sends at once; want %d (Config.Concurrency)", most, concurrency)
	}
	// Run's handlers end with it.
	waitFor(t, "Run's goroutines to end", func() bool { return runtime.NumGoroutine() <= goroutinesBefore })
}

// waitFor waits up to 5 s for cond, failing the test with what.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 s for %s", what)
		}
	}
}

// placeOrder places another order of p1 in e's store, for buyer.
func (e *env) placeOrder(t *testing.T, id, buyer string) {
	t.Helper()
	o := shoptest.NewOrder(id, buyer, start, shop.OrderLine{ProductID: "p1", Name: "x", UnitPriceCents: 1250, Quantity: 1})
	if err := e.store.PlaceOrder(t.Context(), o, nil); err != nil {
		t.Fatal(err)
	}
}

// TestRunGoesOnPastARecordWaitingForItsNextTry: while one order's event
// waits for its next try (its buyer's mail server said "later"), the
// events read after it, of other orders, are handled at once; the source
// is told only what is done in order, so a restart finds the waiting one.
func TestRunGoesOnPastARecordWaitingForItsNextTry(t *testing.T) {
	e := newEnv(t)
	e.sender.failures, e.sender.failuresOf = []error{fmt.Errorf("%w: 451 greylisted", mail.ErrTemporary)}, "order.o1.confirmation"
	p := processing.New(e.service, e.store, e.sender, processing.Config{ShopURL: "http://shop.test", Backoff: 3 * time.Second,
		Attempts: 3, Now: e.clock.Now})
	e.feed.Publish(ev("placed"), start)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, e.feed) }()
	waitFor(t, "o1's first send", func() bool {
		e.sender.mu.Lock()
		defer e.sender.mu.Unlock()
		return e.sender.calls >= 1
	})
	e.placeOrder(t, "o2", "u2")
	e.feed.Publish(shop.OrderEvent{OrderID: "o2", Status: "placed"}, start)
	began := time.Now()
	waitFor(t, "o2's confirmation", func() bool { return slices.Contains(e.sentIDs(), "order.o2.confirmation") })
	// Well under o1's pause of 3 s, with room for a busy machine.
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("o2 confirmed %v after it was published; want at once, not after o1's pause of 3 s", took)
	}
	if got := e.feed.Pending(); got != 2 {
		t.Errorf("the feed holds %d records not done; want 2 (o1's is not done, so o2's after it is not told done)", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	// A processor started again, after the stopped one's claim of o1's
	// message is over, gets o1's event again and sends it, once.
	e.clock.Advance(3 * time.Minute)
	e.feed.Restart()
	e.runUntil(t, func() bool { return e.feed.Pending() == 0 })
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o2.confirmation order.o1.confirmation]" {
		t.Errorf("sent %v; want o2's confirmation, then o1's once", got)
	}
}

// TestRunGoesOnPastAClaimOfADeadProcessor: an order whose message a killed
// processor claimed waits for the claim's lease; the orders placed after
// it are accepted meanwhile (before, every one waited up to the lease).
func TestRunGoesOnPastAClaimOfADeadProcessor(t *testing.T) {
	e := newEnv(t)
	e.acceptedWithClaimOf(t, "killed")
	e.feed.Publish(ev("accepted"), start)
	e.placeOrder(t, "o2", "u2")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.processor.Run(ctx, e.feed) }()
	time.Sleep(50 * time.Millisecond) // o1's event read, and waiting
	e.feed.Publish(shop.OrderEvent{OrderID: "o2", Status: "placed"}, start)
	waitFor(t, "o2's acceptance", func() bool {
		o, err := e.store.Order(t.Context(), "o2")
		return err == nil && o.Status == shop.OrderStatusAccepted
	})
	if got := e.sentIDs(); fmt.Sprint(got) != "[order.o2.confirmation]" {
		t.Errorf("sent %v while o1's claim stands; want o2's confirmation only", got)
	}
	e.clock.Advance(3 * time.Minute) // the killed processor's lease is over
	waitFor(t, "o1's confirmation", func() bool { return slices.Contains(e.sentIDs(), "order.o1.confirmation") })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
}

// oneFailingOneBlockingSender fails the sends of failing at once and holds
// the others until release is closed, telling started when one began.
type oneFailingOneBlockingSender struct {
	failing string
	started chan struct{}
	release chan struct{}
}

func (s oneFailingOneBlockingSender) Send(_ context.Context, m mail.Message) error {
	if m.ID == s.failing {
		return fmt.Errorf("%w: 451 later", mail.ErrTemporary)
	}
	s.started <- struct{}{}
	<-s.release
	return nil
}

// TestRunWaitsIdlyWhileStopping: stopping while one record waits for its
// next try and another is in hand, Run waits for the one in hand without
// spinning (the waiting one's due time passing woke it again at once, a
// whole core, until the send in hand was over).
func TestRunWaitsIdlyWhileStopping(t *testing.T) {
	e := newEnv(t)
	e.placeOrder(t, "o2", "u2")
	s := oneFailingOneBlockingSender{failing: "order.o1.confirmation", started: make(chan struct{}, 1), release: make(chan struct{})}
	p := processing.New(e.service, e.store, s, processing.Config{ShopURL: "http://shop.test", Backoff: 20 * time.Millisecond,
		Attempts: 1000, Now: e.clock.Now})
	e.feed.Publish(ev("placed"), start)
	e.feed.Publish(shop.OrderEvent{OrderID: "o2", Status: "placed"}, start)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, e.feed) }()
	<-s.started // o2's send in hand; o1's fails every 20 ms
	time.Sleep(50 * time.Millisecond)
	cancel()
	before := processCPU(t)
	time.Sleep(time.Second) // stopping: o1 waits, o2's send goes on
	used := processCPU(t) - before
	close(s.release)
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if used > 300*time.Millisecond {
		t.Errorf("the process used %v of CPU in the second Run waited to stop; want it idle", used)
	}
}

// processCPU is the CPU time the test process used so far.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
