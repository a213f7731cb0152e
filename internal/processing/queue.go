package processing

import (
	"container/heap"
	"context"
	"log/slog"
	"time"
)

// recordQueue holds the records Run read and has not finished, three ways:
// by order (an order's records are tried one after another, in order), by
// shard (a shard's checkpoint moves over finished records only, in their
// order), and the heads of their orders, ready now or waiting until due.
// Only Run's loop uses it.
type recordQueue struct {
	byOrder    map[string][]*pendingRecord // each order's unfinished records, in order
	byShard    map[string][]*pendingRecord // each shard's records from its first unfinished one, in order
	shards     []string                    // the shards, in the order first read
	checkpoint map[string]*Record          // by shard, the last record src is not yet told is Done
	ready      []*pendingRecord            // heads of their orders, to try now, first come first
	waiting    dueHeap                     // heads of their orders that failed, by when they are due
	unfinished int
}

func newRecordQueue() *recordQueue {
	return &recordQueue{byOrder: map[string][]*pendingRecord{}, byShard: map[string][]*pendingRecord{},
		checkpoint: map[string]*Record{}}
}

// add queues records read from the source, in order.
func (q *recordQueue) add(records []Record) {
	for _, rec := range records {
		pr := &pendingRecord{rec: rec}
		if _, seen := q.byShard[rec.Shard]; !seen {
			q.shards = append(q.shards, rec.Shard)
		}
		q.byShard[rec.Shard] = append(q.byShard[rec.Shard], pr)
		id := rec.Event.OrderID
		if q.byOrder[id] = append(q.byOrder[id], pr); len(q.byOrder[id]) == 1 {
			q.ready = append(q.ready, pr)
		}
		q.unfinished++
	}
}

// nextReady returns the next record to try now, or nil.
func (q *recordQueue) nextReady() *pendingRecord {
	if len(q.ready) == 0 {
		return nil
	}
	pr := q.ready[0]
	q.ready[0] = nil
	q.ready = q.ready[1:]
	return pr
}

// finish takes pr back from its try: finished, the next record of its
// order is ready and its shard's checkpoint may move; else it waits until
// it is due.
func (q *recordQueue) finish(pr *pendingRecord, finished bool) {
	if !finished {
		heap.Push(&q.waiting, pr)
		return
	}
	pr.finished = true
	q.unfinished--
	id := pr.rec.Event.OrderID
	rest := q.byOrder[id][1:] // pr was its order's head
	if len(rest) == 0 {
		delete(q.byOrder, id)
	} else {
		q.byOrder[id] = rest
		q.ready = append(q.ready, rest[0])
	}
	shard := q.byShard[pr.rec.Shard]
	for len(shard) > 0 && shard[0].finished {
		q.checkpoint[pr.rec.Shard] = &shard[0].rec
		shard = shard[1:]
	}
	q.byShard[pr.rec.Shard] = shard
}

// wakeDue makes the waiting records due by now ready.
func (q *recordQueue) wakeDue(now time.Time) {
	for len(q.waiting) > 0 && !q.waiting[0].due.After(now) {
		q.ready = append(q.ready, heap.Pop(&q.waiting).(*pendingRecord))
	}
}

// nextDue is when the first waiting record is due; zero when none waits.
func (q *recordQueue) nextDue() time.Time {
	if len(q.waiting) == 0 {
		return time.Time{}
	}
	return q.waiting[0].due
}

// saveCheckpoints tells src, shard by shard, the last record done since
// the last call (Done covers the records before it).
func (q *recordQueue) saveCheckpoints(ctx context.Context, src Source, log *slog.Logger) {
	for _, shard := range q.shards {
		rec := q.checkpoint[shard]
		if rec == nil {
			continue
		}
		if err := src.Done(ctx, *rec); err != nil {
			log.WarnContext(ctx, "order event checkpoint not saved", "order_id", rec.Event.OrderID, "err", err)
			continue // told again with the next
		}
		delete(q.checkpoint, shard)
	}
}

// dueHeap orders waiting records by when they are due (container/heap).
type dueHeap []*pendingRecord

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(*pendingRecord)) }
func (h *dueHeap) Pop() any {
	old := *h
	pr := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return pr
}
