package shop

import (
	"context"
	"errors"
	"fmt"
)

// The staff's view of order processing (/admin/processing): the events the
// processor gave up on, and a retry of one, audited.

// AuditDeadLetterRetry is the audit action of a staff retry of a dead
// letter.
const AuditDeadLetterRetry = "processing.retry"

// MaxDeadLettersShown bounds the dead letters a page lists.
const MaxDeadLettersShown = 200

// Reprocessor is the order processor as the staff area uses it
// (processing.Processor): its dead letters, oldest first, and Retry, which
// handles an order event again and, when that succeeds, removes its dead
// letter. The service is handed one by the wiring (SetReprocessor); shop
// does not import the processor.
type Reprocessor interface {
	DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error)
	Retry(ctx context.Context, orderID, event string) error
}

// ErrNoSuchDeadLetter is returned by a retry of an event that has no dead
// letter (the processor never gave up on it, or it was retried since).
var ErrNoSuchDeadLetter = fmt.Errorf("no such dead letter: %w", ErrNotFound)

// ErrNoReprocessor is returned by RetryDeadLetter when no processor was
// handed to the service (a program that does not process orders).
var ErrNoReprocessor = errors.New("order processing is not available here")

// SetReprocessor hands the service the processor that staff retries use.
// The wiring calls it once, before the service serves requests (the
// processor is built over the service, so it cannot be a Config field).
func (s *Service) SetReprocessor(r Reprocessor) { s.reprocessor = r }

// DeadLetters returns the dead letters, oldest first, for staff: at most
// MaxDeadLettersShown. ErrNotFound for anyone else (as the staff area
// answers); ErrNoReprocessor when the service has no processor.
func (s *Service) DeadLetters(ctx context.Context, staff *User) ([]DeadLetter, error) {
	if !staff.IsStaff() {
		return nil, ErrNotFound
	}
	if s.reprocessor == nil {
		return nil, ErrNoReprocessor
	}
	return s.reprocessor.DeadLetters(ctx, MaxDeadLettersShown)
}

// RetryDeadLetter has the processor handle the dead letter of (orderID,
// event) again, for staff, and records the retry in the audit log with its
// outcome. It returns the processor's error (the dead letter then stays,
// with it); ErrNotFound for anyone but staff, and ErrNoSuchDeadLetter (an
// ErrNotFound) for an event without one, which is not audited;
// ErrNoReprocessor when the service has no processor.
func (s *Service) RetryDeadLetter(ctx context.Context, staff *User, orderID, event string) error {
	if !staff.IsStaff() {
		return ErrNotFound
	}
	r := s.reprocessor
	if r == nil {
		return ErrNoReprocessor
	}
	err := r.Retry(ctx, orderID, event)
	if errors.Is(err, ErrNoSuchDeadLetter) {
		return err
	}
	outcome := "handled"
	if err != nil {
		outcome = "failed again"
	}
	s.recordAudit(ctx, staff, AuditDeadLetterRetry, orderID, "dead letter "+event, outcome)
	if err != nil {
		return fmt.Errorf("retry order %s %s: %w", orderID, event, err)
	}
	return nil
}
