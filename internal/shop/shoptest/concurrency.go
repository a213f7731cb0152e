package shoptest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"storefront/internal/shop"
)

// Clock is an adjustable clock for services under test (shop.Config.Now),
// safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading start until advanced.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Barrier holds the first parties calls of Arrive until all of them have
// arrived, so that concurrent requests are sure to interleave the way that
// loses updates unless the store's writes are conditional: every one has
// read before any writes. Later calls pass at once. A call that waits over
// 5 seconds fails, naming how many arrived.
type Barrier struct {
	mu      sync.Mutex
	parties int
	waiting int
	arrived chan struct{}
}

// NewBarrier returns a barrier for parties calls.
func NewBarrier(parties int) *Barrier {
	return &Barrier{parties: parties, arrived: make(chan struct{})}
}

// Arrive waits until parties calls have arrived, if this is one of them.
func (b *Barrier) Arrive() error {
	b.mu.Lock()
	held := b.waiting < b.parties
	if held {
		b.waiting++
		if b.waiting == b.parties {
			close(b.arrived)
		}
	}
	b.mu.Unlock()
	if !held {
		return nil
	}
	select {
	case <-b.arrived:
		return nil
	case <-time.After(5 * time.Second):
		b.mu.Lock()
		defer b.mu.Unlock()
		return fmt.Errorf("barrier: only %d of %d calls arrived", b.waiting, b.parties)
	}
}

// HoldPlacements returns s with its PlaceOrder calls held by b: checkouts
// that each read the stock and the cart place concurrently, each from the
// same state, and only the store's conditions decide.
func (b *Barrier) HoldPlacements(s shop.Store) shop.Store { return heldPlacements{Store: s, b: b} }

// HoldCartSaves returns s with its SaveCart calls held by b: every writer
// has read the cart before any saves.
func (b *Barrier) HoldCartSaves(s shop.Store) shop.Store { return heldCartSaves{Store: s, b: b} }

type heldPlacements struct {
	shop.Store
	b *Barrier
}

func (s heldPlacements) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	if err := s.b.Arrive(); err != nil {
		return err
	}
	return s.Store.PlaceOrder(ctx, o, cart)
}

type heldCartSaves struct {
	shop.Store
	b *Barrier
}

func (s heldCartSaves) SaveCart(ctx context.Context, c *shop.Cart) error {
	if err := s.b.Arrive(); err != nil {
		return err
	}
	return s.Store.SaveCart(ctx, c)
}
