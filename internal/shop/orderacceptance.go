package shop

import (
	"context"
	"errors"
	"fmt"
)

// ProcessorActor is the actor of the status changes order processing makes
// (StatusChange.Actor), as a user id names a person's.
const ProcessorActor = "processor"

// ErrOrderUnsound is returned by AcceptOrder for a placed order that fails
// its checks (no lines, lines or totals that do not add up): no retry can
// fix it, so processing sets it aside for staff.
var ErrOrderUnsound = errors.New("order fails its checks")

// CheckOrder checks a placed order before it is accepted: it has lines,
// each line's total is its price times its quantity, and the totals are
// what the lines add up to (TotalsOf). Placement computed them so; the
// check catches an order item written by anything else.
func CheckOrder(o *Order) error {
	if len(o.Items) == 0 {
		return fmt.Errorf("order %s has no lines: %w", o.ID, ErrOrderUnsound)
	}
	for _, l := range o.Items {
		if l.Quantity < 1 || l.LineTotalCents != l.UnitPriceCents*Money(l.Quantity) {
			return fmt.Errorf("order %s: line %s does not add up: %w", o.ID, l.ProductID, ErrOrderUnsound)
		}
	}
	if TotalsOf(o.Items) != o.Totals {
		return fmt.Errorf("order %s: totals do not add up: %w", o.ID, ErrOrderUnsound)
	}
	return nil
}

// AcceptOrder is order processing taking a placed order: it reads order id
// (consistently), checks it (CheckOrder) and moves it from placed to
// accepted by ProcessorActor, on condition that it is still placed. It
// returns the order as written; ErrNotFound for a missing order;
// ErrOrderUnsound, changing nothing, when a check fails;
// ErrInvalidTransition, changing nothing, when the order is no longer
// placed (accepted already, by an earlier run or by staff, or cancelled),
// which a processor replaying an event takes as done.
func (s *Service) AcceptOrder(ctx context.Context, id string) (*Order, error) {
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Status != OrderStatusPlaced {
		return nil, fmt.Errorf("order %s is %s: %w", id, o.Status, ErrInvalidTransition)
	}
	if err := CheckOrder(o); err != nil {
		return nil, err
	}
	return s.changeStatus(ctx, o, ProcessorActor, StatusChangeInput{Status: OrderStatusAccepted})
}
