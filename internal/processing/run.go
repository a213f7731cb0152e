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
	// Next returns the records after those it returned before, in order
	// within each shard, waiting a little when there are none (it may then
	// return none). A record not Done comes again from a new Source (after
	// a restart): the processor keeps those it read until they are done.
	Next(ctx context.Context) ([]Record, error)
	// Done records that rec, and every record before it in its shard, is
	// handled, so a restart goes on after it.
	Done(ctx context.Context, rec Record) error
}

// Run reads src and handles each record until ctx ends, then returns nil.
// The records of one order are handled one after another, in order; those
// of different orders side by side, up to Config.Concurrency at once: a
// placement's acceptance and confirmation are a few store writes and a
// send in a row, and one at a time they fall behind a busy shop.
// A record that fails is tried again after a pause (Config.Backoff,
// doubled each time), holding back the records behind it of its order
// only: the other orders' records go on meanwhile, and so does the
// reading, so one buyer's mail server that says "later", or a claim a
// killed processor left, never holds up the acceptance of other orders.
// After Config.Attempts failures, or at once for a Permanent error, a
// record goes to the dead letters (staff retry it from /admin/processing)
// and its order moves on. src is told a record is Done once it and every
// record before it in its shard are. A stop (ctx ending) lets the records
// in hand finish under their own deadline, so a message being sent is not
// cut off halfway; records waiting for their next try, or not yet started,
// are abandoned undone, to come again.
func (p *Processor) Run(ctx context.Context, src Source) error {
	handlers := startHandlers(p.cfg.Concurrency)
	defer handlers.stop()
	q := newRecordQueue()
	type tried struct {
		pr       *pendingRecord
		finished bool
	}
	triedOnce := make(chan tried, p.cfg.Concurrency)
	type readResult struct {
		records []Record
		err     error
	}
	reads := make(chan readResult, 1)
	reading, inFlight := false, 0
	wake := time.NewTimer(time.Hour)
	defer wake.Stop()
	for {
		now := time.Now() // pauses run on the real clock (Config.Now dates things)
		if ctx.Err() == nil {
			q.wakeDue(now)
			for inFlight < p.cfg.Concurrency {
				pr := q.nextReady()
				if pr == nil {
					break
				}
				inFlight++
				handlers.run(func() { triedOnce <- tried{pr, p.attempt(ctx, pr)} })
			}
			if !reading && q.unfinished < maxUnfinished {
				// Done and Next never overlap: a source is one loop's.
				q.saveCheckpoints(ctx, src, p.cfg.Logger)
				reading = true
				go func() {
					records, err := src.Next(ctx)
					if err != nil && ctx.Err() == nil {
						p.cfg.Logger.WarnContext(ctx, "order events unreadable", "err", err)
						_ = shop.Pause(ctx, p.cfg.Backoff)
					}
					reads <- readResult{records, err}
				}()
			}
		} else if !reading && inFlight == 0 {
			q.saveCheckpoints(context.WithoutCancel(ctx), src, p.cfg.Logger)
			return nil
		}
		stopping, due := ctx.Done(), q.nextDue()
		if ctx.Err() != nil {
			// Seen: wait for the read and the records in hand; the waiting
			// ones are not tried again.
			stopping, due = nil, time.Time{}
		}
		resetTimer(wake, due, now)
		select {
		case r := <-reads:
			reading = false
			if r.err == nil {
				q.add(r.records)
			}
		case t := <-triedOnce:
			inFlight--
			q.finish(t.pr, t.finished)
		case <-wake.C:
		case <-stopping:
		}
	}
}

// maxUnfinished bounds the records Run holds read and not finished: past
// it, it reads no more until some finish.
const maxUnfinished = 1000

// resetTimer sets t to fire at due (the zero time: not at all).
func resetTimer(t *time.Timer, due, now time.Time) {
	t.Stop()
	select {
	case <-t.C:
	default:
	}
	if !due.IsZero() {
		t.Reset(max(due.Sub(now), 0))
	}
}

// pendingRecord is a record Run read and has not finished: its tries so
// far and, while it waits for the next, when that is due.
type pendingRecord struct {
	rec          Record
	attempts     int           // failures counted so far
	pause        time.Duration // before the next try after a failure
	claimedSince time.Time     // when another processor's claim first held it up
	due          time.Time     // when it may be tried again (zero: now)
	tried        bool          // tried at least once
	// finished is set by Run's loop alone (recordQueue.finish): the loop
	// reads it of records other handlers hold.
	finished bool // handled, dead-lettered or passed over
}

// attempt tries pr once, in a handler, and reports whether it is finished:
// on success, or when its tries are used up (then it is dead-lettered);
// else pr.due says when to try again.
func (p *Processor) attempt(ctx context.Context, pr *pendingRecord) (finished bool) {
	ev := pr.rec.Event
	if !pr.tried {
		pr.tried = true
		p.cfg.Metrics.observe(p.cfg.Now(), pr.rec.At)
		pr.pause = p.cfg.Backoff
	}
	err := p.handleOnce(ctx, ev)
	now := time.Now()
	switch {
	case err == nil:
		return true
	case errors.Is(err, shop.ErrMessageClaimed) && p.awaitClaim(ctx, ev, &pr.claimedSince):
		// Another processor's claim of the message stands: it is sending
		// right now, or it died (a crash, a SIGKILL) and its lease runs out.
		// Neither is a failure of this event, and counting it as one would
		// dead-letter every event whose sender was killed mid-send long
		// before its lease ends (found by cmd/storefront's exactly-once
		// test). So wait, without using up attempts, in short pauses until
		// the claim is this processor's to take.
		pr.due = now.Add(min(p.cfg.Backoff, p.cfg.Lease/10))
	case Permanent(err) || pr.attempts+1 >= p.cfg.Attempts:
		if derr := p.deadLetter(ctx, ev, err, pr.attempts+1); derr != nil {
			p.cfg.Logger.ErrorContext(ctx, "order event not handled", "order_id", ev.OrderID, "status", ev.Status, "err", derr)
			pr.due = now.Add(pr.pause) // its dead letter is tried again
			return false
		}
		return true
	default:
		pr.attempts++
		p.cfg.Logger.WarnContext(ctx, "order event failed; trying again", "order_id", ev.OrderID,
			"status", ev.Status, "attempt", pr.attempts, "err", err)
		pr.due = now.Add(pr.pause)
		pr.pause *= 2
	}
	return false
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
