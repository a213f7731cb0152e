package shop_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"storefront/internal/shop"
)

// orderDesk is a staff member who moves orders in these tests.
var orderDesk = &shop.User{ID: "staff-orders", Email: "desk@example.com", Name: "Olive Orders", Role: shop.RoleStaff}

// placeOrderOf has u buy quantity of productID, or fails the test.
func (f *fixture) placeOrderOf(t *testing.T, u *shop.User, productID string, quantity int) *shop.Order {
	t.Helper()
	cartID := "user-" + u.ID
	f.mustAddToCart(t, cartID, productID, quantity)
	o, _, err := f.svc.PlaceOrder(t.Context(), shop.PlaceOrderInput{User: u, CartID: cartID, Key: shop.NewCheckoutKey(), Address: homeAddress})
	if err != nil {
		t.Fatalf("PlaceOrder(%s of %s) = %v; want nil", productID, u.Email, err)
	}
	return o
}

// mustMove has staff change o to status, or fails the test.
func (f *fixture) mustMove(t *testing.T, id string, in shop.StatusChangeInput) *shop.Order {
	t.Helper()
	f.clock.Advance(time.Minute)
	o, err := f.svc.ChangeOrderStatus(t.Context(), orderDesk, id, in)
	if err != nil {
		t.Fatalf("ChangeOrderStatus(%s -> %s) = %v; want nil", id, in.Status, err)
	}
	return o
}

// wantStock fails the test unless product id has want in stock.
func (f *fixture) wantStock(t *testing.T, when, id string, want int) {
	t.Helper()
	if got := f.stock(t, id); got != want {
		t.Errorf("%s: stock of %s = %d; want %d", when, id, got, want)
	}
}

// wantErr fails the test unless err is of the kind want.
func wantErr(t *testing.T, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s = %v; want %v", call, err, want)
	}
}

// wantNoAudit fails the test unless the audit log is empty.
func (f *fixture) wantNoAudit(t *testing.T, when string) {
	t.Helper()
	if entries, err := f.svc.AuditLog(t.Context(), orderDesk, shop.AuditQuery{}); err != nil || len(entries) != 0 {
		t.Errorf("%s: audit log = %+v, %v; want it empty", when, entries, err)
	}
}

func TestTransitions(t *testing.T) {
	allowed := map[[2]string]bool{
		{"placed", "accepted"}: true, {"placed", "cancelled"}: true,
		{"accepted", "shipped"}: true, {"accepted", "cancelled"}: true,
		{"shipped", "delivered"}: true,
	}
	for _, from := range shop.OrderStatuses() {
		for _, to := range shop.OrderStatuses() {
			if got := shop.CanTransition(from, to); got != allowed[[2]string{from, to}] {
				t.Errorf("CanTransition(%s, %s) = %v; want %v", from, to, got, !got)
			}
		}
	}
}

// TestStaffMoveOrderThroughLifecycle: staff move an order to delivered;
// each change is in the order's history, by the staff member, and in the
// audit log with the status before and after.
func TestStaffMoveOrderThroughLifecycle(t *testing.T) {
	f := newFixture(t)
	o := f.placeOrderOf(t, f.register(t, "ada@example.com"), "kettle", 2)
	f.mustMove(t, o.ID, shop.StatusChangeInput{Status: shop.OrderStatusAccepted})
	shipped := f.mustMove(t, o.ID, shop.StatusChangeInput{Status: shop.OrderStatusShipped, TrackingNumber: " 1Z999AA10123456784 "})
	if shipped.TrackingNumber != "1Z999AA10123456784" {
		t.Errorf("shipped order's tracking number = %q; want it trimmed", shipped.TrackingNumber)
	}
	done := f.mustMove(t, o.ID, shop.StatusChangeInput{Status: shop.OrderStatusDelivered})
	var statuses []string
	for _, c := range done.History() {
		statuses = append(statuses, c.Status)
	}
	if got := strings.Join(statuses, " "); got != "placed accepted shipped delivered" {
		t.Errorf("History() = %s; want placed accepted shipped delivered", got)
	}
	if last := done.StatusHistory[len(done.StatusHistory)-1]; last.Actor != orderDesk.ID || !last.At.Equal(f.clock.Now()) {
		t.Errorf("last change = %+v; want by %s at %v", last, orderDesk.ID, f.clock.Now())
	}
	f.wantStock(t, "after delivery (unchanged since the order)", "kettle", 8)
	entries, err := f.svc.AuditLog(t.Context(), orderDesk, shop.AuditQuery{})
	if err != nil || len(entries) != 3 {
		t.Fatalf("AuditLog() = %d entries, %v; want 3", len(entries), err)
	}
	e := entries[1] // newest first: the shipping
	if e.ActorID != orderDesk.ID || e.Action != shop.AuditOrderStatus || e.Target != o.ID ||
		e.Before != `{"status":"accepted"}` || e.After != `{"status":"shipped","tracking_number":"1Z999AA10123456784"}` {
		t.Errorf("audit entry of the shipping = %+v; want by %s, %s of %s, accepted -> shipped with the tracking number", e, orderDesk.ID, shop.AuditOrderStatus, o.ID)
	}
}

// TestStaffStatusChangeRefusals: bad input and transitions the lifecycle
// does not have change nothing.
func TestStaffStatusChangeRefusals(t *testing.T) {
	f := newFixture(t)
	buyer := f.register(t, "ada@example.com")
	o := f.placeOrderOf(t, buyer, "kettle", 1)
	for _, tc := range []struct {
		name  string
		in    shop.StatusChangeInput
		field string
		want  error
	}{
		{"unknown status", shop.StatusChangeInput{Status: "lost"}, "status", nil},
		{"shipped without tracking number", shop.StatusChangeInput{Status: shop.OrderStatusShipped}, "tracking_number", nil},
		{"tracking number when accepting", shop.StatusChangeInput{Status: shop.OrderStatusAccepted, TrackingNumber: "T1"}, "tracking_number", nil},
		{"tracking number too long", shop.StatusChangeInput{Status: shop.OrderStatusShipped, TrackingNumber: strings.Repeat("9", shop.MaxTrackingNumberLen+1)}, "tracking_number", nil},
		{"tracking number with a line break", shop.StatusChangeInput{Status: shop.OrderStatusShipped, TrackingNumber: "T\n1"}, "tracking_number", nil},
		{"placed to shipped", shop.StatusChangeInput{Status: shop.OrderStatusShipped, TrackingNumber: "T1"}, "", shop.ErrInvalidTransition},
		{"placed to delivered", shop.StatusChangeInput{Status: shop.OrderStatusDelivered}, "", shop.ErrInvalidTransition},
		{"placed to placed", shop.StatusChangeInput{Status: shop.OrderStatusPlaced}, "", shop.ErrInvalidTransition},
	} {
		_, err := f.svc.ChangeOrderStatus(t.Context(), orderDesk, o.ID, tc.in)
		if tc.field != "" && fields(err)[tc.field] == "" {
			t.Errorf("ChangeOrderStatus(%s) = %v; want a message for %s", tc.name, err, tc.field)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("ChangeOrderStatus(%s) = %v; want %v", tc.name, err, tc.want)
		}
	}
	accept := shop.StatusChangeInput{Status: shop.OrderStatusAccepted}
	_, err := f.svc.ChangeOrderStatus(t.Context(), buyer, o.ID, accept)
	wantErr(t, "ChangeOrderStatus(by a customer)", err, shop.ErrNotFound)
	_, err = f.svc.ChangeOrderStatus(t.Context(), orderDesk, "missing", accept)
	wantErr(t, "ChangeOrderStatus(missing order)", err, shop.ErrNotFound)
	got, err := f.svc.Order(t.Context(), buyer, o.ID)
	if err != nil || got.Status != shop.OrderStatusPlaced || len(got.StatusHistory) != 0 {
		t.Errorf("order after the refusals = %+v, %v; want placed, no changes", got, err)
	}
	f.wantNoAudit(t, "after the refusals")
	delivered := f.placeOrderOf(t, buyer, "mug", 1)
	f.mustMove(t, delivered.ID, shop.StatusChangeInput{Status: shop.OrderStatusAccepted})
	f.mustMove(t, delivered.ID, shop.StatusChangeInput{Status: shop.OrderStatusShipped, TrackingNumber: "T2"})
	f.mustMove(t, delivered.ID, shop.StatusChangeInput{Status: shop.OrderStatusDelivered})
	_, err = f.svc.ChangeOrderStatus(t.Context(), orderDesk, delivered.ID, shop.StatusChangeInput{Status: shop.OrderStatusCancelled})
	wantErr(t, "ChangeOrderStatus(delivered -> cancelled)", err, shop.ErrInvalidTransition)
	f.wantStock(t, "after the refused cancellation of a delivered order", "mug", 2)
}

// TestCancelOrder: the buyer cancels their own placed order, once, and the
// stock comes back; others cannot; staff cancel accepted orders too.
func TestCancelOrder(t *testing.T) {
	f := newFixture(t)
	ada, bob := f.register(t, "ada@example.com"), f.register(t, "bob@example.com")
	o := f.placeOrderOf(t, ada, "kettle", 3)
	_, err := f.svc.CancelOwnOrder(t.Context(), bob, o.ID)
	wantErr(t, "CancelOwnOrder(another's order)", err, shop.ErrNotFound)
	_, err = f.svc.CancelOwnOrder(t.Context(), nil, o.ID)
	wantErr(t, "CancelOwnOrder(no user)", err, shop.ErrUnauthorized)
	cancelled, err := f.svc.CancelOwnOrder(t.Context(), ada, o.ID)
	if err != nil || cancelled.Status != shop.OrderStatusCancelled {
		t.Fatalf("CancelOwnOrder(own placed order) = %+v, %v; want cancelled", cancelled, err)
	}
	if last := cancelled.StatusHistory[0]; last.Actor != ada.ID {
		t.Errorf("cancellation's actor = %s; want the buyer %s", last.Actor, ada.ID)
	}
	f.wantStock(t, "after the cancellation", "kettle", 10)
	_, err = f.svc.CancelOwnOrder(t.Context(), ada, o.ID)
	wantErr(t, "CancelOwnOrder(cancelled order)", err, shop.ErrInvalidTransition)
	f.wantStock(t, "after a second cancellation (restocked once)", "kettle", 10)
	f.wantNoAudit(t, "after a buyer's cancellation (it records staff changes)")

	accepted := f.placeOrderOf(t, ada, "mug", 2)
	f.mustMove(t, accepted.ID, shop.StatusChangeInput{Status: shop.OrderStatusAccepted})
	_, err = f.svc.CancelOwnOrder(t.Context(), ada, accepted.ID)
	wantErr(t, "CancelOwnOrder(accepted order: only staff may)", err, shop.ErrInvalidTransition)
	f.mustMove(t, accepted.ID, shop.StatusChangeInput{Status: shop.OrderStatusCancelled})
	f.wantStock(t, "after staff cancelled the accepted order", "mug", 3)
}

// TestConcurrentCancels: the buyer and staff cancel one placed order at
// once: one wins, the other gets ErrInvalidTransition, the stock comes back
// once.
func TestConcurrentCancels(t *testing.T) {
	for range 20 {
		f := newFixture(t)
		ada := f.register(t, "ada@example.com")
		o := f.placeOrderOf(t, ada, "kettle", 4)
		var wg sync.WaitGroup
		var buyerErr, staffErr error
		wg.Go(func() { _, buyerErr = f.svc.CancelOwnOrder(t.Context(), ada, o.ID) })
		wg.Go(func() {
			_, staffErr = f.svc.ChangeOrderStatus(t.Context(), orderDesk, o.ID, shop.StatusChangeInput{Status: shop.OrderStatusCancelled})
		})
		wg.Wait()
		if (buyerErr == nil) == (staffErr == nil) {
			t.Fatalf("concurrent cancellations = buyer %v, staff %v; want exactly one nil", buyerErr, staffErr)
		}
		wantErr(t, "the losing cancellation", errors.Join(buyerErr, staffErr), shop.ErrInvalidTransition)
		f.wantStock(t, "after two concurrent cancellations", "kettle", 10)
		if t.Failed() {
			return
		}
	}
}

// bothReadFirst is a store whose Order waits until two reads have arrived,
// so two changes of one order both start from what it was before either.
type bothReadFirst struct {
	shop.Store
	reads sync.WaitGroup
}

func (s *bothReadFirst) Order(ctx context.Context, id string) (*shop.Order, error) {
	o, err := s.Store.Order(ctx, id)
	s.reads.Done()
	s.reads.Wait()
	return o, err
}

// TestTwoCancelsByTheBuyerInOneMillisecond: two cancellations of one order
// by its buyer (two tabs, a double click) at the same moment of the clock,
// both having read the order placed: one wins, the other is told
// ErrInvalidTransition. A store takes a change equal to the order's last
// one (status, time, actor) for a resend of it, so equal times told both
// they won.
func TestTwoCancelsByTheBuyerInOneMillisecond(t *testing.T) {
	f := newFixture(t)
	ada := f.register(t, "ada@example.com")
	o := f.placeOrderOf(t, ada, "kettle", 4)
	store := &bothReadFirst{Store: f.store}
	store.reads.Add(2)
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params, Now: f.clock.Now}) // the clock stands still
	var errs [2]error
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = svc.CancelOwnOrder(t.Context(), ada, o.ID) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two cancellations = %v, %v; want exactly one nil", errs[0], errs[1])
	}
	wantErr(t, "the losing cancellation", errors.Join(errs[0], errs[1]), shop.ErrInvalidTransition)
	f.wantStock(t, "after two cancellations", "kettle", 10)
}

// TestStaffOrders: the staff's list by status, customer email and days,
// newest first; a bad filter is refused with field messages.
func TestStaffOrders(t *testing.T) {
	f := newFixture(t)
	ada, bob := f.register(t, "ada@example.com"), f.register(t, "bob@example.com")
	first := f.placeOrderOf(t, ada, "kettle", 1)
	f.clock.Advance(24 * time.Hour)
	second := f.placeOrderOf(t, bob, "kettle", 1)
	f.clock.Advance(24 * time.Hour)
	third := f.placeOrderOf(t, ada, "mug", 1)
	f.mustMove(t, third.ID, shop.StatusChangeInput{Status: shop.OrderStatusAccepted})
	day := func(d int) string { return first.CreatedAt.AddDate(0, 0, d).Format("2006-01-02") }
	for _, tc := range []struct {
		name string
		f    shop.OrderFilter
		want []string
	}{
		{"all", shop.OrderFilter{}, []string{third.ID, second.ID, first.ID}},
		{"placed", shop.OrderFilter{Status: "placed"}, []string{second.ID, first.ID}},
		{"by email, any case", shop.OrderFilter{Email: " ADA@example.com "}, []string{third.ID, first.ID}},
		{"email of no account", shop.OrderFilter{Email: "nobody@example.com"}, nil},
		{"one day", shop.OrderFilter{From: day(1), To: day(1)}, []string{second.ID}},
		{"from a day", shop.OrderFilter{From: day(1)}, []string{third.ID, second.ID}},
		{"until a day", shop.OrderFilter{To: day(0)}, []string{first.ID}},
		{"newest one", shop.OrderFilter{Limit: 1}, []string{third.ID}},
	} {
		orders, err := f.svc.StaffOrders(t.Context(), orderDesk, tc.f)
		if err != nil {
			t.Errorf("StaffOrders(%s) = %v; want nil", tc.name, err)
			continue
		}
		var ids []string
		for _, o := range orders {
			ids = append(ids, o.ID)
		}
		if strings.Join(ids, " ") != strings.Join(tc.want, " ") {
			t.Errorf("StaffOrders(%s) = %v; want %v", tc.name, ids, tc.want)
		}
	}
	for _, tc := range []struct {
		name  string
		f     shop.OrderFilter
		field string
	}{
		{"unknown status", shop.OrderFilter{Status: "lost"}, "status"},
		{"bad day", shop.OrderFilter{From: "25/11/2026"}, "from"},
		{"days reversed", shop.OrderFilter{From: day(2), To: day(1)}, "to"},
		{"too many", shop.OrderFilter{Limit: shop.MaxOrderList + 1}, "limit"},
	} {
		if _, err := f.svc.StaffOrders(t.Context(), orderDesk, tc.f); fields(err)[tc.field] == "" {
			t.Errorf("StaffOrders(%s) = %v; want a message for %s", tc.name, err, tc.field)
		}
	}
	_, err := f.svc.StaffOrders(t.Context(), ada, shop.OrderFilter{})
	wantErr(t, "StaffOrders(by a customer)", err, shop.ErrNotFound)
}
