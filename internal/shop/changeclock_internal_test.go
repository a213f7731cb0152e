package shop

import "testing"

// TestChangeClock: times of one order are each later than the last; other
// orders' changes do not push them ahead of the clock (a busy shop's
// times stayed on the clock); what is over a second old is forgotten.
func TestChangeClock(t *testing.T) {
	var c changeClock
	const now = 1_000_000
	if a, b := c.next("o1", now), c.next("o1", now); a != now || b != now+1 {
		t.Errorf("two changes of o1 at one moment = %d, %d; want %d, %d", a, b, now, now+1)
	}
	for i := range 5000 { // other orders, all in one millisecond
		if got := c.next("other-"+itoa(i), now); got != now {
			t.Fatalf("change %d of another order = %d; want the clock's %d", i, got, now)
		}
	}
	if got := c.next("o2", now); got != now {
		t.Errorf("o2's first change = %d; want the clock's %d, not pushed by other orders", got, now)
	}
	if got := c.next("o1", now); got != now+2 {
		t.Errorf("o1's third change at the same moment = %d; want %d", got, now+2)
	}
	later := int64(now + 5000)
	for i := range 4000 { // enough to sweep (the held times grow to twice their last sweep first)
		c.next("late-"+itoa(i), later)
	}
	if _, kept := c.last["other-1"]; kept {
		t.Error("a change over a second old is still held")
	}
	if len(c.last) > 2*4000 {
		t.Errorf("%d times held; want about a second's worth", len(c.last))
	}
}
