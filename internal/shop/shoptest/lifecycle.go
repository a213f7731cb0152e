package shoptest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// placedOrder saves products p1 (stock 5) and p2 (stock 3) and places
// order o1 of 2 p1 and 1 p2, leaving stock 3 and 2.
func placedOrder(t *testing.T, s shop.Store) *shop.Order {
	t.Helper()
	p1, p2 := NewProduct("p1", 1250, 5), NewProduct("p2", 4500, 3)
	MustSaveProduct(t, s, p1, p2)
	o := NewOrder("o1", "u1", at(time.Hour), LineOf(p1, 2), LineOf(p2, 1))
	mustPlaceOrder(t, s, o, cartOf(t, s, "user-u1", o))
	return o
}

func change(from, to string, after time.Duration, actor string) shop.StatusUpdate {
	return shop.StatusUpdate{From: from, Change: shop.StatusChange{Status: to, At: at(after), Actor: actor}}
}

// mustChange changes the status of o and checks the order returned and
// read back against o with the change applied, which it then holds.
func mustChange(t *testing.T, s shop.Store, o *shop.Order, u shop.StatusUpdate) {
	t.Helper()
	got, err := s.ChangeOrderStatus(t.Context(), o.ID, u)
	if err != nil {
		t.Fatalf("ChangeOrderStatus(%s, %s -> %s) = %v; want nil", o.ID, u.From, u.Change.Status, err)
	}
	o.Status, o.UpdatedAt = u.Change.Status, u.Change.At
	o.StatusHistory = append(o.StatusHistory, u.Change)
	if u.TrackingNumber != "" {
		o.TrackingNumber = u.TrackingNumber
	}
	checkOrder(t, "ChangeOrderStatus("+o.ID+", "+u.From+" -> "+u.Change.Status+")", got, o)
	read, err := s.Order(t.Context(), o.ID)
	if err != nil {
		t.Fatalf("Order(%s) = %v; want nil", o.ID, err)
	}
	checkOrder(t, "Order("+o.ID+") after the change to "+u.Change.Status, read, o)
}

func testChangeOrderStatus(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("Lifecycle", func(t *testing.T) {
		s := newStore(t)
		o := placedOrder(t, s)
		mustChange(t, s, o, change(shop.OrderStatusPlaced, shop.OrderStatusAccepted, 2*time.Hour, "processor"))
		shipped := change(shop.OrderStatusAccepted, shop.OrderStatusShipped, 3*time.Hour, "staff-1")
		shipped.TrackingNumber = "1Z999AA10123456784"
		mustChange(t, s, o, shipped)
		mustChange(t, s, o, change(shop.OrderStatusShipped, shop.OrderStatusDelivered, 4*time.Hour, "staff-1"))
		checkStocks(t, s, "after delivery", map[string]int{"p1": 3, "p2": 2})
		if orders, err := s.OrdersByUser(t.Context(), "u1"); err != nil || len(orders) != 1 {
			t.Fatalf("OrdersByUser(u1) = %d orders, %v; want 1, nil", len(orders), err)
		} else {
			checkOrder(t, "OrdersByUser(u1)[0]", &orders[0], o)
		}
	})
	t.Run("WrongFrom", func(t *testing.T) {
		s := newStore(t)
		o := placedOrder(t, s)
		_, err := s.ChangeOrderStatus(t.Context(), o.ID, change(shop.OrderStatusAccepted, shop.OrderStatusShipped, 2*time.Hour, "staff-1"))
		if !errors.Is(err, shop.ErrInvalidTransition) {
			t.Fatalf("ChangeOrderStatus(placed order, from accepted) = %v; want ErrInvalidTransition", err)
		}
		read, err := s.Order(t.Context(), o.ID)
		if err != nil {
			t.Fatalf("Order(%s) = %v; want nil", o.ID, err)
		}
		checkOrder(t, "Order after ErrInvalidTransition", read, o)
	})
	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.ChangeOrderStatus(t.Context(), "nope", change(shop.OrderStatusPlaced, shop.OrderStatusAccepted, time.Hour, "processor"))
		if !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("ChangeOrderStatus(missing) = %v; want ErrNotFound", err)
		}
		checkNoOrder(t, s, "after ChangeOrderStatus(missing)", "nope")
	})
	t.Run("CancelRestocksOnce", func(t *testing.T) {
		s := newStore(t)
		o := placedOrder(t, s)
		mustChange(t, s, o, change(shop.OrderStatusPlaced, shop.OrderStatusAccepted, 2*time.Hour, "processor"))
		cancel := change(shop.OrderStatusAccepted, shop.OrderStatusCancelled, 3*time.Hour, "staff-1")
		mustChange(t, s, o, cancel)
		checkStocks(t, s, "after the cancellation", map[string]int{"p1": 5, "p2": 3})

		// The same request again (its answer lost): the order, nothing more.
		got, err := s.ChangeOrderStatus(t.Context(), o.ID, cancel)
		if err != nil {
			t.Fatalf("ChangeOrderStatus(the same cancellation again) = %v; want nil (a resend)", err)
		}
		checkOrder(t, "ChangeOrderStatus(the same cancellation again)", got, o)
		// Another cancellation: refused.
		_, err = s.ChangeOrderStatus(t.Context(), o.ID, change(shop.OrderStatusAccepted, shop.OrderStatusCancelled, 4*time.Hour, "staff-2"))
		if !errors.Is(err, shop.ErrInvalidTransition) {
			t.Errorf("ChangeOrderStatus(cancelled order, from accepted) = %v; want ErrInvalidTransition", err)
		}
		checkStocks(t, s, "after a second cancellation", map[string]int{"p1": 5, "p2": 3})
		read, err := s.Order(t.Context(), o.ID)
		if err != nil {
			t.Fatalf("Order(%s) = %v; want nil", o.ID, err)
		}
		checkOrder(t, "Order after a second cancellation", read, o)
	})
	t.Run("ConcurrentCancels", func(t *testing.T) {
		s := newStore(t)
		o := placedOrder(t, s)
		ConcurrentCancels(t, s, o, map[string]int{"p1": 5, "p2": 3})
	})
}

// ConcurrentCancels has the buyer and staff cancel the placed order o at
// once and checks that one wins, the other gets ErrInvalidTransition, and
// the stock is put back once, to restored. ErrConflict (nothing changed)
// is retried, as a client would.
func ConcurrentCancels(t *testing.T, s shop.Store, o *shop.Order, restored map[string]int) {
	t.Helper()
	actors := []string{o.UserID, "staff-1"}
	errs := make([]error, len(actors))
	var wg sync.WaitGroup
	for i, actor := range actors {
		wg.Go(func() {
			errs[i] = retryConflicts(func() error {
				_, err := s.ChangeOrderStatus(t.Context(), o.ID, change(shop.OrderStatusPlaced, shop.OrderStatusCancelled, 2*time.Hour, actor))
				return err
			})
		})
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		switch {
		case err == nil && winner == "":
			winner = actors[i]
		case err == nil:
			t.Errorf("both concurrent cancellations succeeded; want one")
		case !errors.Is(err, shop.ErrInvalidTransition):
			t.Errorf("ChangeOrderStatus(cancel by %s) = %v; want nil or ErrInvalidTransition", actors[i], err)
		}
	}
	if winner == "" {
		t.Fatalf("no concurrent cancellation succeeded (%v); want one", errs)
	}
	checkStocks(t, s, "after two concurrent cancellations", restored)
	read, err := s.Order(t.Context(), o.ID)
	if err != nil {
		t.Fatalf("Order(%s) = %v; want nil", o.ID, err)
	}
	want := []shop.StatusChange{{Status: shop.OrderStatusCancelled, At: at(2 * time.Hour), Actor: winner}}
	if read.Status != shop.OrderStatusCancelled || len(read.StatusHistory) != 1 || read.StatusHistory[0] != want[0] {
		t.Errorf("Order(%s) after two concurrent cancellations = status %s, history %+v; want cancelled, %+v", o.ID, read.Status, read.StatusHistory, want)
	}
}
