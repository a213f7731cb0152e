// Package processing is order processing downstream of placement
// (docs/processing.md): per order event (an order reached a status) it
// accepts placed orders and sends the buyer the message of the event,
// exactly once per order and event, whichever runner feeds it the events
// (the SQLite outbox or the DynamoDB stream, inline in the server, in the
// process-orders worker or in the Lambda function) and however often an
// event is replayed. The rules it applies are shop's (Service.AcceptOrder);
// what it remembers is shop.ProcessingStore's.
package processing

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"storefront/internal/mail"
	"storefront/internal/shop"
)

// Store is what processing reads and writes: the orders and its own
// records. Every store of the program is one.
type Store interface {
	shop.Store
	shop.ProcessingStore
}

// Config tunes a Processor; zero fields take the defaults.
type Config struct {
	ShopName string // in the messages; default "Storefront"
	ShopURL  string // the shop's address, for the order's link in the messages
	// Lease is how long another processor's pending claim of a message
	// stands before this one sends the message again (default 2 minutes):
	// longer than one send takes, so a live sender is never doubled.
	Lease time.Duration
	// Attempts is how often Run tries an event before it dead-letters it
	// (default 5); Backoff the first pause between tries, doubled each
	// time (default 1 s).
	Attempts int
	Backoff  time.Duration
	// RecordTimeout bounds the handling of one event (default 1 minute).
	RecordTimeout time.Duration
	// Concurrency is how many orders' events Run handles at once
	// (default 32: each waits on a few store round trips, so many side by
	// side keep up with placement); the events of one order are handled
	// in order.
	Concurrency int
	Now         func() time.Time
	Logger      *slog.Logger
	Metrics     *Metrics // nil: none
}

// Processor handles order events. It is safe for concurrent use; several
// processors (in several processes) may handle the same events.
type Processor struct {
	service *shop.Service
	store   Store
	sender  mail.Sender
	cfg     Config
	// owner names this processor in its message claims: it may claim its
	// own again at once (a failed send), others only after the lease.
	owner string
	// unmarked are the messages this processor sent but could not mark
	// sent (the store failed): the event's next try marks them rather than
	// sending them again. Shared with the processor's copies (Retry).
	unmarked *sentUnmarked
}

// sentUnmarked is a set of (order, event) messages sent and not yet
// marked sent; at most maxUnmarked, past which a message is not
// remembered (its next try sends it again, as after a crash).
type sentUnmarked struct {
	mu   sync.Mutex
	sent map[shop.OrderEvent]bool
}

const maxUnmarked = 10_000

func (u *sentUnmarked) has(ev shop.OrderEvent) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.sent[ev]
}

func (u *sentUnmarked) set(ev shop.OrderEvent, sent bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case !sent:
		delete(u.sent, ev)
	case len(u.sent) < maxUnmarked:
		u.sent[ev] = true
	}
}

// New returns a processor accepting orders through service and sending
// messages through sender.
func New(service *shop.Service, store Store, sender mail.Sender, cfg Config) *Processor {
	if cfg.ShopName == "" {
		cfg.ShopName = "Storefront"
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.RecordTimeout <= 0 {
		cfg.RecordTimeout = time.Minute
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 32
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Processor{service: service, store: store, sender: sender, cfg: cfg, owner: "processor-" + rand.Text(),
		unmarked: &sentUnmarked{sent: map[shop.OrderEvent]bool{}}}
}

// messages are the message builders of the events that send one.
var messages = map[string]func(shopName string, o *shop.Order, shopURL string) mail.Message{
	shop.OrderStatusAccepted:  mail.OrderConfirmation,
	shop.OrderStatusShipped:   mail.OrderShipped,
	shop.OrderStatusCancelled: mail.OrderCancelled,
}

// Handle processes one event. A placed order is accepted (when it still is
// placed) and its confirmation sent; accepted, shipped and cancelled send
// their message, unless it was sent before. Handling an event again does
// nothing more. The error is nil when nothing is left to do; else it says
// the event should be tried again (Permanent tells when that cannot help).
func (p *Processor) Handle(ctx context.Context, ev shop.OrderEvent) error {
	if ev.Status == shop.OrderStatusPlaced {
		o, err := p.service.AcceptOrder(ctx, ev.OrderID)
		if errors.Is(err, shop.ErrInvalidTransition) {
			// Past placed already (an earlier try of this event, or staff):
			// the confirmation is still due if it was ever accepted, and
			// deliver sends it unless it went out.
			if o, err = p.store.Order(ctx, ev.OrderID); err == nil && !reached(o, shop.OrderStatusAccepted) {
				return nil // cancelled while placed: no confirmation
			}
		}
		if err != nil {
			return fmt.Errorf("accept order %s: %w", ev.OrderID, err)
		}
		// Sent now rather than when the accepted event comes round: the
		// buyer hears at once, and that event then finds it sent.
		return p.deliver(ctx, o, shop.OrderStatusAccepted)
	}
	if _, ok := messages[ev.Status]; !ok {
		return nil // delivered: no message
	}
	// The confirmation goes out when the placed event is handled, before
	// the accepted event comes round; replays come round too. A look at
	// the message's record then spares reading the order, building its
	// message and claiming it only to learn it was sent.
	if m, err := p.store.MessageRecord(ctx, ev.OrderID, ev.Status); err == nil && m.State == shop.MessageSent {
		p.unmarked.set(ev, false) // marked after all (a mark whose answer was lost)
		return nil
	}
	o, err := p.store.Order(ctx, ev.OrderID)
	if err != nil {
		return fmt.Errorf("read order %s: %w", ev.OrderID, err)
	}
	if !reached(o, ev.Status) {
		// No event the store wrote (a staff retry names any): telling the
		// buyer of a status their order never had would be false.
		p.cfg.Logger.WarnContext(ctx, "order event for a status the order never had; no message", "order_id", o.ID, "status", ev.Status)
		return nil
	}
	return p.deliver(ctx, o, ev.Status)
}

// reached reports whether o was ever in status.
func reached(o *shop.Order, status string) bool {
	for _, c := range o.StatusHistory {
		if c.Status == status {
			return true
		}
	}
	return false
}

// deliver sends the message of event to o's buyer once: claim, send, mark
// sent (docs/processing.md says what a crash between them does). A message
// sent whose mark failed is only marked by the next try.
func (p *Processor) deliver(ctx context.Context, o *shop.Order, event string) error {
	key := shop.OrderEvent{OrderID: o.ID, Status: event}
	messageID := "" // known when this try sends it
	if !p.unmarked.has(key) {
		var err error
		if messageID, err = p.send(ctx, o, event); err != nil || messageID == "" {
			return err
		}
		p.unmarked.set(key, true)
	}
	if err := p.store.MarkMessageSent(ctx, o.ID, event, p.cfg.Now()); err != nil {
		return fmt.Errorf("mark the %s message of order %s sent: %w", event, o.ID, err)
	}
	p.unmarked.set(key, false)
	p.cfg.Logger.InfoContext(ctx, "order message sent", "order_id", o.ID, "event", event, "message_id", messageID)
	return nil
}

// send claims the message of event and sends it to o's buyer, returning
// its id; "" when it was sent before (another processor's, or an earlier
// try's).
func (p *Processor) send(ctx context.Context, o *shop.Order, event string) (messageID string, err error) {
	msg := messages[event](p.cfg.ShopName, o, p.cfg.ShopURL)
	now := p.cfg.Now()
	claim, err := p.store.ClaimMessage(ctx, shop.MessageRecord{OrderID: o.ID, Event: event, MessageID: msg.ID,
		State: shop.MessagePending, Owner: p.owner, ClaimedAt: now}, now.Add(-p.cfg.Lease))
	if errors.Is(err, shop.ErrMessageSent) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("claim the %s message of order %s: %w", event, o.ID, err)
	}
	msg.ID = claim.MessageID // the first claim's, should it ever differ
	if err := p.sender.Send(ctx, msg); err != nil {
		return "", fmt.Errorf("send the %s message of order %s: %w", event, o.ID, err)
	}
	return msg.ID, nil
}

// Permanent reports whether err is one no retry can cure: an order failing
// its checks, a missing order, an address the mail server refuses.
func Permanent(err error) bool {
	return errors.Is(err, shop.ErrOrderUnsound) || errors.Is(err, shop.ErrNotFound) || errors.Is(err, mail.ErrPermanent)
}
