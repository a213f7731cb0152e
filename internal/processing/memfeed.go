package processing

import (
	"context"
	"sync"
	"time"

	"storefront/internal/shop"
)

// MemoryFeed is a Source in memory, for tests (and memstore, which has no
// outbox): Publish appends an event, Next returns those it did not return
// yet. Restart hands the records not done out again, as a new source of a
// restarted process would.
type MemoryFeed struct {
	mu        sync.Mutex
	records   []Record // not yet done, in order
	handedOut int      // how many of records Next returned
	next      int      // position the next published record gets
	added     chan struct{}
	poll      time.Duration
}

// NewMemoryFeed returns an empty feed.
func NewMemoryFeed() *MemoryFeed {
	return &MemoryFeed{added: make(chan struct{}, 1), poll: 50 * time.Millisecond}
}

// Publish appends ev, written at at.
func (f *MemoryFeed) Publish(ev shop.OrderEvent, at time.Time) {
	f.mu.Lock()
	f.next++
	f.records = append(f.records, Record{Event: ev, At: at, Shard: "memory", Position: positionText(f.next)})
	f.mu.Unlock()
	select {
	case f.added <- struct{}{}:
	default:
	}
}

// Pending returns how many records are not yet done.
func (f *MemoryFeed) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.records)
}

// Restart makes Next return the records not yet done again.
func (f *MemoryFeed) Restart() {
	f.mu.Lock()
	f.handedOut = 0
	f.mu.Unlock()
}

// Next returns the records it did not return yet, waiting for one a
// little.
func (f *MemoryFeed) Next(ctx context.Context) ([]Record, error) {
	f.mu.Lock()
	records := append([]Record(nil), f.records[f.handedOut:]...)
	f.handedOut = len(f.records)
	f.mu.Unlock()
	if len(records) > 0 {
		return records, nil
	}
	t := time.NewTimer(f.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-f.added:
	case <-t.C:
	}
	return nil, nil
}

// Done drops rec and every record before it.
func (f *MemoryFeed) Done(_ context.Context, rec Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.records {
		if r.Position == rec.Position {
			f.records = f.records[i+1:]
			f.handedOut = max(f.handedOut-(i+1), 0)
			break
		}
	}
	return nil
}

// positionText is a position as text, zero-padded so positions sort.
func positionText(n int) string {
	const digits = "0123456789"
	b := []byte("0000000000")
	for i := len(b) - 1; i >= 0 && n > 0; i-- {
		b[i] = digits[n%10]
		n /= 10
	}
	return string(b)
}
