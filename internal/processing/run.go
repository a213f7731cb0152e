package processing

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"storefront/internal/shop"
)

// Record is one event as a source delivers it; stores deliver it too
// (the DynamoDB stream reader), so it is shop's type.
type Record = shop.EventRecord

// Source delivers events in order, each until it is Done.
type Source interface {
	// Next returns the next records after those done, in order within
	// each shard, waiting a little when there are none (it may then return
	// none). A record not yet done may come again.
	Next(ctx context.Context) ([]Record, error)
	// Done records that rec, and every record before it in its shard, is
	// handled, so a restart goes on after it.
	Done(ctx context.Context, rec Record) error
}

// errStopped says Run's context ended while a record was waiting for its
// next try: the record is not done, and comes again after a restart.
var errStopped = errors.New("processing stopped")

// Run reads src and handles each record until ctx ends, then returns nil.
// The records of one order are handled one after another, in order; those
// of different orders side by side, up to Config.Concurrency at once: a
// placement's acceptance and confirmation are a few store writes and a
// send in a row, and one at a time they fall behind a busy shop.
// A record that fails is tried again after a pause (Config.Backoff,
// doubled each time), holding back the records behind it in its order;
// after Config.Attempts failures, or at once for a Permanent error,
// it goes to the dead letters (staff retry it from /admin/processing) and
// its order moves on. A stop (ctx ending) lets the records in hand finish
// under their own deadline, so a message being sent is not cut off halfway;
// records waiting for their next try, or not yet started, are abandoned
// undone, to come again.
func (p *Processor) Run(ctx context.Context, src Source) error {
	handlers := startHandlers(p.cfg.Concurrency)
	defer handlers.stop()
	for ctx.Err() == nil {
		records, err := src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			p.cfg.Logger.WarnContext(ctx, "order events unreadable", "err", err)
			_ = shop.Pause(ctx, p.cfg.Backoff) // ctx ending is checked by the loop
			continue
		}
		if stopped := p.handleRecords(ctx, handlers, src, records); stopped {
			return nil
		}
	}
	return nil
}

// errNotTried marks a record left for later: one before it of its order
// was not handled, or Run stopped first.
var errNotTried = errors.New("not tried: held back")

// handleRecords handles records, and then tells src, shard by shard, that
// the records up to the first one not handled are done (once per shard:
// Done covers every record before its argument), so the rest come again.
// It reports whether Run stopped on the way.
func (p *Processor) handleRecords(ctx context.Context, handlers *handlerPool, src Source, records []Record) (stopped bool) {
	outcomes := make([]error, len(records))
	var orderIDs []string
	recordsOf := map[string][]int{} // by order id, in order
	for i, rec := range records {
		id := rec.Event.OrderID
		if _, seen := recordsOf[id]; !seen {
			orderIDs = append(orderIDs, id)
		}
		recordsOf[id] = append(recordsOf[id], i)
	}
	var handled sync.WaitGroup
	for _, id := range orderIDs {
		handled.Add(1)
		handlers.run(func() {
			defer handled.Done()
			for k, i := range recordsOf[id] {
				outcomes[i] = errNotTried
				if ctx.Err() != nil {
					continue // stopping: start nothing more
				}
				if err := p.process(ctx, records[i]); err != nil {
					outcomes[i] = err
					for _, later := range recordsOf[id][k+1:] {
						outcomes[later] = errNotTried
					}
					return
				}
				outcomes[i] = nil
			}
		})
	}
	handled.Wait()

	lastHandled := map[string]int{} // by shard
	var shards []string
	heldBack := map[string]bool{}
	for i, rec := range records {
		err := outcomes[i]
		switch {
		case errors.Is(err, errStopped):
			stopped = true
		case err != nil && !errors.Is(err, errNotTried):
			p.cfg.Logger.ErrorContext(ctx, "order event not handled", "order_id", rec.Event.OrderID, "status", rec.Event.Status, "err", err)
		}
		if err != nil {
			heldBack[rec.Shard] = true // it comes again from here
		}
		if heldBack[rec.Shard] {
			continue
		}
		if _, ok := lastHandled[rec.Shard]; !ok {
			shards = append(shards, rec.Shard)
		}
		lastHandled[rec.Shard] = i
	}
	for _, shard := range shards {
		rec := records[lastHandled[shard]]
		if err := src.Done(context.WithoutCancel(ctx), rec); err != nil {
			p.cfg.Logger.WarnContext(ctx, "order event checkpoint not saved", "order_id", rec.Event.OrderID, "err", err)
		}
	}
	return stopped || ctx.Err() != nil
}

// process handles rec with retries and, at the end of them, dead-letters
// it; nil means rec is done with, either way.
func (p *Processor) process(ctx context.Context, rec Record) error {
	p.cfg.Metrics.observe(p.cfg.Now(), rec.At)
	pause := p.cfg.Backoff
	var claimedSince time.Time // when another processor's claim first held rec up
	for attempt := 1; ; {
		err := p.handleOnce(ctx, rec.Event)
		if err == nil {
			return nil
		}
		if errors.Is(err, shop.ErrMessageClaimed) && p.awaitClaim(ctx, rec.Event, &claimedSince) {
			// Another processor's claim of the message stands: it is sending
			// right now, or it died (a crash, a SIGKILL) and its lease runs
			// out. Neither is a failure of this event, and counting it as one
			// would dead-letter every event whose sender was killed mid-send
			// long before its lease ends (found by cmd/storefront's
			// exactly-once test). So wait, without using up attempts, in
			// short pauses until the claim is this processor's to take.
			if shop.Pause(ctx, min(p.cfg.Backoff, p.cfg.Lease/10)) != nil {
				return errStopped
			}
			continue
		}
		if Permanent(err) || attempt >= p.cfg.Attempts {
			return p.deadLetter(ctx, rec.Event, err, attempt)
		}
		p.cfg.Logger.WarnContext(ctx, "order event failed; trying again", "order_id", rec.Event.OrderID,
			"status", rec.Event.Status, "attempt", attempt, "err", err)
		if shop.Pause(ctx, pause) != nil {
			return errStopped
		}
		pause *= 2
		attempt++
	}
}

// awaitClaim reports whether a record held up by another processor's
// claim should wait for it (not counting an attempt), noting in since when
// the wait began. Any claim ends within one lease of being seen (its owner
// marks it sent, or its lease runs out); one that holds longer is odd (a
// clock far off), and counts as a failure again.
func (p *Processor) awaitClaim(ctx context.Context, ev shop.OrderEvent, since *time.Time) bool {
	now := p.cfg.Now()
	if since.IsZero() {
		*since = now
		p.cfg.Logger.InfoContext(ctx, "order message claimed by another processor; waiting for it or its lease",
			"order_id", ev.OrderID, "status", ev.Status, "lease", p.cfg.Lease.String())
	}
	return now.Sub(*since) <= 2*p.cfg.Lease
}

// handleOnce runs Handle detached from ctx's cancellation, under its own
// deadline: a stop never cuts a send in the middle.
func (p *Processor) handleOnce(ctx context.Context, ev shop.OrderEvent) error {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.RecordTimeout)
	defer cancel()
	return p.Handle(hctx, ev)
}

// deadLetter sets ev aside with its last error, for staff.
func (p *Processor) deadLetter(ctx context.Context, ev shop.OrderEvent, cause error, attempts int) error {
	d := &shop.DeadLetter{OrderID: ev.OrderID, Event: ev.Status, Error: cause.Error(), Attempts: attempts, At: p.cfg.Now().UTC()}
	if err := p.store.SaveDeadLetter(context.WithoutCancel(ctx), d); err != nil {
		return fmt.Errorf("dead-letter order %s (%w): %w", ev.OrderID, cause, err)
	}
	p.cfg.Metrics.deadLettered()
	p.cfg.Logger.ErrorContext(ctx, "order event dead-lettered", "order_id", ev.OrderID, "status", ev.Status,
		"attempts", attempts, "err", cause)
	return nil
}

// DeadLetters returns at most limit dead letters, oldest first (the staff's
// page, through shop.Service.DeadLetters).
func (p *Processor) DeadLetters(ctx context.Context, limit int) ([]shop.DeadLetter, error) {
	return p.store.DeadLetters(ctx, limit)
}

// Retry handles a dead letter again, for staff: on success it is removed;
// on failure it stays, with the new error and one attempt more. It returns
// Handle's error, or shop.ErrNoSuchDeadLetter when (orderID, event) has
// none: a retry handles only an event the processor gave up on.
func (p *Processor) Retry(ctx context.Context, orderID, event string) error {
	letter, err := p.store.DeadLetter(ctx, orderID, event)
	if errors.Is(err, shop.ErrNotFound) {
		return shop.ErrNoSuchDeadLetter
	}
	if err != nil {
		return err
	}
	// A claimer of its own: the retry runs beside this processor's loop,
	// which may hold a claim of the same message right now, so it must
	// respect that claim's lease like any other processor.
	retrier := *p
	retrier.owner = "retry-" + rand.Text()
	if err := retrier.Handle(ctx, shop.OrderEvent{OrderID: orderID, Status: event}); err != nil {
		// Kept, with the new error, for another look.
		if serr := p.store.SaveDeadLetter(ctx, &shop.DeadLetter{OrderID: orderID, Event: event, Error: err.Error(),
			Attempts: letter.Attempts + 1, At: p.cfg.Now().UTC()}); serr != nil {
			return errors.Join(err, serr)
		}
		return err
	}
	return p.store.DeleteDeadLetter(ctx, orderID, event)
}

// handlerPool runs jobs on a fixed set of goroutines that live as long as
// Run: a handler's stack grows deep in the store's driver (SQLite's is
// C translated to Go), and a goroutine started per order grew it again
// every time (stack copying was 3% of a checkout's CPU).
type handlerPool struct {
	jobs chan func()
	done sync.WaitGroup
}

func startHandlers(n int) *handlerPool {
	h := &handlerPool{jobs: make(chan func())}
	for range n {
		h.done.Go(func() {
			for job := range h.jobs {
				job()
			}
		})
	}
	return h
}

// run hands job to the next free handler, waiting for one.
func (h *handlerPool) run(job func()) { h.jobs <- job }

// stop lets the handlers finish their jobs and end.
func (h *handlerPool) stop() {
	close(h.jobs)
	h.done.Wait()
}
