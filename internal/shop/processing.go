package shop

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Order processing downstream of placement (CONTRACT.md, "Order processing
// and messages"; docs/processing.md): what the processor keeps besides the
// orders, so that each message goes out once per order and event across
// restarts, crashes and replays, and a record that keeps failing is set
// aside for staff. The processor itself is package processing; the stores
// keep these records, each write conditional, as they keep the orders.

// OrderEvent says order OrderID reached Status (a status change, or the
// placement for OrderStatusPlaced), as the orders' stream or outbox tells.
type OrderEvent struct {
	OrderID string
	Status  string
}

// Message states: a claim is pending until the message is known to be sent.
const (
	MessagePending = "pending"
	MessageSent    = "sent"
)

// MessageRecord is the one message of one order event (its Event is the
// status the order reached): claimed before it is sent, marked sent after.
// MessageID is chosen at the first claim and kept by every later one, so a
// message sent again after a crash carries the same SMTP Message-ID.
type MessageRecord struct {
	OrderID   string
	Event     string
	MessageID string
	State     string // MessagePending or MessageSent
	// Owner names the processor holding a pending claim: it may claim
	// again at once (its own send failed), others only once ClaimedAt is
	// older than the lease.
	Owner     string
	ClaimedAt time.Time
	SentAt    time.Time // zero until sent
}

// DeadLetter is an order event the processor gave up on after repeated
// failures: the last error's text (for staff only) and how often it failed.
type DeadLetter struct {
	OrderID  string
	Event    string
	Error    string
	Attempts int
	At       time.Time
}

// The errors of ProcessingStore.ClaimMessage, changing nothing.
var (
	// ErrMessageSent: the message was sent already; nothing is left to do.
	ErrMessageSent = errors.New("message already sent")
	// ErrMessageClaimed: another processor claimed the message within its
	// lease; it may be sending it right now, so try again later.
	ErrMessageClaimed = errors.New("message claimed by another processor")
)

// ProcessingStore is what order processing keeps. Each method is one atomic
// unit of work on one record.
type ProcessingStore interface {
	// ClaimMessage saves m (State pending) on condition that no record of
	// (m.OrderID, m.Event) exists, or that the one there is pending and
	// either m.Owner's or claimed before staleBefore; a stored record keeps
	// its MessageID. It returns the record as stored; ErrMessageSent when
	// it was sent; ErrMessageClaimed when another owner's claim is fresh.
	ClaimMessage(ctx context.Context, m MessageRecord, staleBefore time.Time) (*MessageRecord, error)
	// MarkMessageSent sets the record of (orderID, event) sent at at. It
	// returns ErrNotFound when no record is there; marking a sent one again
	// is no error.
	MarkMessageSent(ctx context.Context, orderID, event string, at time.Time) error
	// MessageRecord returns the record of (orderID, event), or ErrNotFound.
	MessageRecord(ctx context.Context, orderID, event string) (*MessageRecord, error)

	// SaveDeadLetter inserts or replaces the dead letter of (d.OrderID,
	// d.Event).
	SaveDeadLetter(ctx context.Context, d *DeadLetter) error
	// DeadLetter returns the dead letter of (orderID, event), or
	// ErrNotFound.
	DeadLetter(ctx context.Context, orderID, event string) (*DeadLetter, error)
	// DeadLetters returns at most limit dead letters, oldest first (At,
	// then OrderID and Event).
	DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error)
	// DeleteDeadLetter removes the dead letter of (orderID, event);
	// removing a missing one is no error.
	DeleteDeadLetter(ctx context.Context, orderID, event string) error
}

// ClaimableBy says whether m may take over the stored record r (nil: none
// stored) with the lease ending at staleBefore: nil, ErrMessageSent or
// ErrMessageClaimed, the rule of ProcessingStore.ClaimMessage that every
// store keeps.
func (r *MessageRecord) ClaimableBy(m MessageRecord, staleBefore time.Time) error {
	switch {
	case r == nil:
		return nil
	case r.State == MessageSent:
		return ErrMessageSent
	case r.Owner == m.Owner || r.ClaimedAt.Before(staleBefore):
		return nil
	}
	return ErrMessageClaimed
}

// DeadLettersOldestFirst orders dead letters by time, then order and event.
func DeadLettersOldestFirst(a, b DeadLetter) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if a.OrderID != b.OrderID {
		return strings.Compare(a.OrderID, b.OrderID)
	}
	return strings.Compare(a.Event, b.Event)
}

// EventRecord is one order event as a source of them delivers it (the
// processor's input): when it was written (its lag is measured from it),
// and where it is in its source, for the source's checkpoint: records of
// one Shard come in their order, Position naming each.
type EventRecord struct {
	Event           OrderEvent
	At              time.Time
	Shard, Position string
}

// OutboxEvent is an order event as a store's outbox keeps it (SQLite: the
// processing_outbox table, written in the transaction of the placement or
// status change): Seq orders the events as they committed.
type OutboxEvent struct {
	Seq   int64
	Event OrderEvent
	At    time.Time
}
