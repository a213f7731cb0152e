package processing

import (
	"context"
	"strconv"
	"time"

	"storefront/internal/shop"
)

// Outbox is a store's outbox of order events (the SQLite store's).
type Outbox interface {
	// OutboxEvents returns at most limit events after afterSeq, oldest
	// first.
	OutboxEvents(ctx context.Context, afterSeq int64, limit int) ([]shop.OutboxEvent, error)
	// DeleteOutboxEvents removes the events up to seq.
	DeleteOutboxEvents(ctx context.Context, seq int64) error
}

// outboxSource reads an Outbox by polling: one shard, in commit order.
type outboxSource struct {
	outbox Outbox
	poll   time.Duration
	after  int64 // the seq of the last event Next returned
}

// OutboxSource is the Source of an outbox, polled every poll while it is
// empty. Several sources may read one outbox (the server's and a worker's):
// the processor's claims and conditional changes make that harmless.
func OutboxSource(outbox Outbox, poll time.Duration) Source {
	return &outboxSource{outbox: outbox, poll: poll}
}

// outboxBatch is how many events one Next reads.
const outboxBatch = 100

func (s *outboxSource) Next(ctx context.Context) ([]Record, error) {
	events, err := s.outbox.OutboxEvents(ctx, s.after, outboxBatch)
	if err != nil || len(events) == 0 {
		_ = shop.Pause(ctx, s.poll) // the caller sees ctx end
		return nil, err
	}
	s.after = events[len(events)-1].Seq
	records := make([]Record, len(events))
	for i, e := range events {
		records[i] = Record{Event: e.Event, At: e.At, Shard: "outbox", Position: strconv.FormatInt(e.Seq, 10)}
	}
	return records, nil
}

func (s *outboxSource) Done(ctx context.Context, rec Record) error {
	seq, err := strconv.ParseInt(rec.Position, 10, 64)
	if err != nil {
		return err
	}
	return s.outbox.DeleteOutboxEvents(ctx, seq)
}
