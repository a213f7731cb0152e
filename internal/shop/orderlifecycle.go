package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The order lifecycle after placement (CONTRACT.md, "Order lifecycle"):
// which status may follow which, who may make the change, and the staff's
// list of orders. The store makes each change conditional on the status it
// starts from, so of two concurrent changes one wins and the other is
// ErrInvalidTransition.

// transitions lists, per status, the statuses a change may lead to.
var transitions = map[string][]string{
	OrderStatusPlaced:   {OrderStatusAccepted, OrderStatusCancelled},
	OrderStatusAccepted: {OrderStatusShipped, OrderStatusCancelled},
	OrderStatusShipped:  {OrderStatusDelivered},
}

// orderStatuses are every status an order can have, in lifecycle order.
var orderStatuses = []string{OrderStatusPlaced, OrderStatusAccepted, OrderStatusShipped, OrderStatusDelivered, OrderStatusCancelled}

// OrderStatuses returns every order status, in lifecycle order (the staff's
// status filter).
func OrderStatuses() []string { return append([]string(nil), orderStatuses...) }

// NextStatuses returns the statuses staff may move an order in status to,
// in lifecycle order; none for delivered and cancelled orders.
func NextStatuses(status string) []string { return append([]string(nil), transitions[status]...) }

// CanTransition reports whether an order in status from may become to.
func CanTransition(from, to string) bool {
	for _, next := range transitions[from] {
		if next == to {
			return true
		}
	}
	return false
}

// BuyerCanCancel reports whether the buyer may still cancel o: only while
// it is placed (once accepted, only staff may).
func BuyerCanCancel(o *Order) bool { return o.Status == OrderStatusPlaced }

// MaxTrackingNumberLen bounds a tracking number; carriers' are far shorter.
const MaxTrackingNumberLen = 64

// StatusChangeInput is a staff change of an order's status: the new status
// and, for shipped, the tracking number.
type StatusChangeInput struct {
	Status         string
	TrackingNumber string
}

// validate checks the input alone: a known status, a tracking number
// exactly when shipping (printable, at most MaxTrackingNumberLen).
func (in *StatusChangeInput) validate() error {
	in.Status = strings.TrimSpace(in.Status)
	in.TrackingNumber = strings.TrimSpace(in.TrackingNumber)
	fe := fieldErrors{}
	if !isOrderStatus(in.Status) {
		fe.add("status", "Choose a status: "+strings.Join(orderStatuses, ", ")+".")
	}
	switch {
	case in.Status == OrderStatusShipped && in.TrackingNumber == "":
		fe.add("tracking_number", "Enter the tracking number of the shipment.")
	case in.Status != OrderStatusShipped && in.TrackingNumber != "":
		fe.add("tracking_number", "Only a shipped order has a tracking number.")
	case len(in.TrackingNumber) > MaxTrackingNumberLen:
		fe.add("tracking_number", fmt.Sprintf("Enter at most %d characters.", MaxTrackingNumberLen))
	case strings.IndexFunc(in.TrackingNumber, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		fe.add("tracking_number", "Enter the tracking number without control characters.")
	}
	return fe.err()
}

func isOrderStatus(s string) bool {
	for _, st := range orderStatuses {
		if st == s {
			return true
		}
	}
	return false
}

// ChangeOrderStatus moves order id to in.Status for the staff member
// staff, when the lifecycle allows it from the order's status, and records
// the change in the audit log. It returns the order as written; a
// *ValidationError (fields status, tracking_number) for bad input;
// ErrNotFound for a missing order or a caller who is not staff;
// ErrInvalidTransition, changing nothing, when the order's status does not
// lead to in.Status (also when another change won meanwhile).
func (s *Service) ChangeOrderStatus(ctx context.Context, staff *User, id string, in StatusChangeInput) (*Order, error) {
	if !staff.IsStaff() {
		return nil, ErrNotFound
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	before, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.changeStatus(ctx, before, staff.ID, in)
	if err != nil {
		return nil, err
	}
	s.recordAudit(ctx, staff, AuditOrderStatus, id, statusSnapshot(before), statusSnapshot(o))
	return o, nil
}

// CancelOwnOrder cancels order id for its buyer, while it is placed; the
// stock of every line comes back with the change, once. It returns the
// order as written; ErrNotFound when the order is missing or another's
// (never telling which); ErrInvalidTransition, changing nothing, once the
// order is no longer placed.
func (s *Service) CancelOwnOrder(ctx context.Context, buyer *User, id string) (*Order, error) {
	if buyer == nil {
		return nil, ErrUnauthorized
	}
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.UserID != buyer.ID {
		return nil, ErrNotFound
	}
	if !BuyerCanCancel(o) {
		return nil, fmt.Errorf("order %s is %s: %w", id, o.Status, ErrInvalidTransition)
	}
	return s.changeStatus(ctx, o, buyer.ID, StatusChangeInput{Status: OrderStatusCancelled})
}

// changeStatus asks the store to move o from its status as read to
// in.Status, by actor, now.
func (s *Service) changeStatus(ctx context.Context, o *Order, actor string, in StatusChangeInput) (*Order, error) {
	if !CanTransition(o.Status, in.Status) {
		return nil, fmt.Errorf("order %s: %s to %s: %w", o.ID, o.Status, in.Status, ErrInvalidTransition)
	}
	changed, err := s.store.ChangeOrderStatus(ctx, o.ID, StatusUpdate{From: o.Status,
		Change: StatusChange{Status: in.Status, At: s.changeTime(o.ID), Actor: actor}, TrackingNumber: in.TrackingNumber})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "order status changed", "order_id", o.ID, "from", o.Status, "to", in.Status, "actor", actor)
	return changed, nil
}

// orderStatusSnapshot is what the audit log keeps of an order's change.
type orderStatusSnapshot struct {
	Status         string `json:"status"`
	TrackingNumber string `json:"tracking_number,omitempty"`
}

func statusSnapshot(o *Order) orderStatusSnapshot {
	return orderStatusSnapshot{Status: o.Status, TrackingNumber: o.TrackingNumber}
}

// OrderQuery selects orders for staff (Store.SearchOrders): every field
// set narrows the selection. The service validates it first.
type OrderQuery struct {
	Status string    // one of the OrderStatus constants; "" any
	UserID string    // the buyer; "" any
	From   time.Time // CreatedAt at or after From; zero: no bound
	Until  time.Time // CreatedAt before Until; zero: no bound
	// BeforeAt and BeforeID, when BeforeAt is set, select the orders
	// after (BeforeAt, BeforeID) in the list's order (OrdersNewestFirst):
	// older, or as old with a smaller id. The page after one that ends
	// with order o asks for o's CreatedAt and ID.
	BeforeAt time.Time
	BeforeID string
	Limit    int // 1 to MaxOrderList
}

// Staff order list sizes.
const (
	DefaultOrderList = 50
	MaxOrderList     = 200
)

// Matches reports whether o is selected by q (stores filtering in memory
// use it).
func (q OrderQuery) Matches(o *Order) bool {
	return (q.Status == "" || o.Status == q.Status) && (q.UserID == "" || o.UserID == q.UserID) &&
		(q.From.IsZero() || !o.CreatedAt.Before(q.From)) && (q.Until.IsZero() || o.CreatedAt.Before(q.Until)) &&
		q.IsAfterCursor(o)
}

// IsAfterCursor reports whether o comes after the query's cursor
// (BeforeAt, BeforeID) in the list's order; every order does without one.
func (q OrderQuery) IsAfterCursor(o *Order) bool {
	return q.BeforeAt.IsZero() || o.CreatedAt.Before(q.BeforeAt) || o.CreatedAt.Equal(q.BeforeAt) && o.ID < q.BeforeID
}

// OrderCursor is the text of the cursor after o: the page of the staff's
// list after one ending with o is asked for with it (OrderFilter.Before).
func OrderCursor(o *Order) string { return timeCursor(o.CreatedAt, o.ID) }

// OrdersNewestFirst orders orders as lists show them: CreatedAt
// descending, then ID descending. It is a cmp function for slices.SortFunc.
func OrdersNewestFirst(a, b Order) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(b.ID, a.ID)
}

// OrderFilter is the staff's order filter as typed: a status, a customer's
// email, and a date range of days (YYYY-MM-DD, both inclusive, UTC).
type OrderFilter struct {
	Status string
	Email  string
	From   string
	To     string
	Before string // an OrderCursor: the page after the order it names; "" the newest
	Limit  int    // 0: DefaultOrderList
}

// pageSize is the most orders a page of f holds.
func (f OrderFilter) pageSize() int {
	if f.Limit == 0 {
		return DefaultOrderList
	}
	return f.Limit
}

// dateLayout is how the filter's days are written (an HTML date input's value).
const dateLayout = "2006-01-02"

// query validates f and turns it into a store query; ok false means no
// order can match (an email of no account).
func (s *Service) orderQuery(ctx context.Context, f OrderFilter) (q OrderQuery, ok bool, err error) {
	fe := fieldErrors{}
	q = OrderQuery{Status: strings.TrimSpace(f.Status), Limit: f.pageSize()}
	if q.Limit < 1 || q.Limit > MaxOrderList {
		fe.add("limit", fmt.Sprintf("Choose between 1 and %d orders.", MaxOrderList))
	}
	if q.Status != "" && !isOrderStatus(q.Status) {
		fe.add("status", "Choose a status: "+strings.Join(orderStatuses, ", ")+".")
	}
	day := func(field, text string) time.Time {
		text = strings.TrimSpace(text)
		if text == "" {
			return time.Time{}
		}
		t, err := time.Parse(dateLayout, text)
		if err != nil {
			fe.add(field, "Enter a date as YYYY-MM-DD.")
		}
		return t
	}
	q.From = day("from", f.From)
	if to := day("to", f.To); !to.IsZero() {
		q.Until = to.AddDate(0, 0, 1) // the whole last day
	}
	if !q.From.IsZero() && !q.Until.IsZero() && !q.From.Before(q.Until) {
		fe.add("to", "Enter a day on or after the first day.")
	}
	if f.Before != "" {
		var ok bool
		if q.BeforeAt, q.BeforeID, ok = parseTimeCursor(f.Before); !ok || !IsID(q.BeforeID) {
			fe.add("before", "Use the cursor of the last order shown.")
		}
	}
	if err := fe.err(); err != nil {
		return q, false, err
	}
	if email := strings.TrimSpace(f.Email); email != "" {
		u, err := s.store.UserByEmail(ctx, strings.ToLower(email))
		if errors.Is(err, ErrNotFound) {
			return q, false, nil
		}
		if err != nil {
			return q, false, err
		}
		q.UserID = u.ID
	}
	return q, true, nil
}

// StaffOrders returns the orders f selects, newest first, at most f.Limit
// (DefaultOrderList when 0), after the cursor f.Before: a page as long as
// the limit may have a next, asked for with the OrderCursor of its last
// order. It returns ErrNotFound for a caller who is not staff and a
// *ValidationError (fields status, from, to, before, limit) for a bad
// filter.
func (s *Service) StaffOrders(ctx context.Context, staff *User, f OrderFilter) ([]Order, error) {
	if !staff.IsStaff() {
		return nil, ErrNotFound
	}
	q, ok, err := s.orderQuery(ctx, f)
	if err != nil {
		return nil, err
	}
	if !ok {
		return []Order{}, nil
	}
	return s.store.SearchOrders(ctx, q)
}

// StaffOrderPage is StaffOrders with the cursor of the page after the one
// it returns (f.Before for it), "" when that page is the last: one shorter
// than f's limit.
func (s *Service) StaffOrderPage(ctx context.Context, staff *User, f OrderFilter) ([]Order, string, error) {
	orders, err := s.StaffOrders(ctx, staff, f)
	if err != nil || len(orders) == 0 || len(orders) < f.pageSize() {
		return orders, "", err
	}
	return orders, OrderCursor(&orders[len(orders)-1]), nil
}

// StaffOrder returns order id for staff (any buyer's), or ErrNotFound.
func (s *Service) StaffOrder(ctx context.Context, staff *User, id string) (*Order, error) {
	if !staff.IsStaff() {
		return nil, ErrNotFound
	}
	return s.store.Order(ctx, id)
}

// History returns the order's statuses, oldest first, starting with its
// placement (placed at CreatedAt, by the buyer): what the order pages and
// the API show.
func (o *Order) History() []StatusChange {
	h := make([]StatusChange, 0, len(o.StatusHistory)+1)
	h = append(h, StatusChange{Status: OrderStatusPlaced, At: o.CreatedAt, Actor: o.UserID})
	return append(h, o.StatusHistory...)
}
