package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"storefront/internal/shop"
)

var _ shop.ProcessingStore = (*Store)(nil)

// processingState is what order processing keeps (shop.ProcessingStore),
// under the store's mutex; its maps are made on first write.
type processingState struct {
	messages    map[eventKey]shop.MessageRecord
	deadLetters map[eventKey]shop.DeadLetter
}

// eventKey names one order event.
type eventKey struct{ orderID, event string }

// ClaimMessage decides by shop's rule (MessageRecord.ClaimableBy) under the
// lock, keeping a stored record's message id.
func (s *Store) ClaimMessage(ctx context.Context, m shop.MessageRecord, staleBefore time.Time) (*shop.MessageRecord, error) {
	if err := s.lock(ctx, "claim message"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	key := eventKey{m.OrderID, m.Event}
	var stored *shop.MessageRecord
	if old, ok := s.processing.messages[key]; ok {
		stored = &old
		m.MessageID = old.MessageID
	}
	if err := stored.ClaimableBy(m, staleBefore); err != nil {
		return nil, fmt.Errorf("memstore: message %s/%s: %w", m.OrderID, m.Event, err)
	}
	m.State, m.SentAt = shop.MessagePending, time.Time{}
	if s.processing.messages == nil {
		s.processing.messages = map[eventKey]shop.MessageRecord{}
	}
	s.processing.messages[key] = m
	return &m, nil
}

// MarkMessageSent sets the claimed record sent.
func (s *Store) MarkMessageSent(ctx context.Context, orderID, event string, at time.Time) error {
	if err := s.lock(ctx, "mark message sent"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key := eventKey{orderID, event}
	m, ok := s.processing.messages[key]
	switch {
	case !ok:
		return fmt.Errorf("memstore: message %s/%s: %w", orderID, event, shop.ErrNotFound)
	case m.State == shop.MessageSent:
		return nil
	}
	m.State, m.SentAt = shop.MessageSent, at
	s.processing.messages[key] = m
	return nil
}

// MessageRecord returns a copy of the record.
func (s *Store) MessageRecord(ctx context.Context, orderID, event string) (*shop.MessageRecord, error) {
	if err := s.lock(ctx, "message record"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	m, ok := s.processing.messages[eventKey{orderID, event}]
	if !ok {
		return nil, fmt.Errorf("memstore: message %s/%s: %w", orderID, event, shop.ErrNotFound)
	}
	return &m, nil
}

// SaveDeadLetter inserts or replaces the event's dead letter.
func (s *Store) SaveDeadLetter(ctx context.Context, d *shop.DeadLetter) error {
	if err := s.lock(ctx, "save dead letter"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.processing.deadLetters == nil {
		s.processing.deadLetters = map[eventKey]shop.DeadLetter{}
	}
	s.processing.deadLetters[eventKey{d.OrderID, d.Event}] = *d
	return nil
}

// DeadLetter returns a copy of one dead letter.
func (s *Store) DeadLetter(ctx context.Context, orderID, event string) (*shop.DeadLetter, error) {
	if err := s.lock(ctx, "dead letter"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	d, ok := s.processing.deadLetters[eventKey{orderID, event}]
	if !ok {
		return nil, fmt.Errorf("memstore: dead letter %s/%s: %w", orderID, event, shop.ErrNotFound)
	}
	return &d, nil
}

// DeadLetters sorts a copy oldest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]shop.DeadLetter, error) {
	if err := s.lock(ctx, "dead letters"); err != nil {
		return nil, err
	}
	letters := make([]shop.DeadLetter, 0, len(s.processing.deadLetters))
	for _, d := range s.processing.deadLetters {
		letters = append(letters, d)
	}
	s.mu.Unlock()
	slices.SortFunc(letters, shop.DeadLettersOldestFirst)
	return letters[:min(limit, len(letters))], nil
}

// DeleteDeadLetter removes the event's dead letter, if any.
func (s *Store) DeleteDeadLetter(ctx context.Context, orderID, event string) error {
	if err := s.lock(ctx, "delete dead letter"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.processing.deadLetters, eventKey{orderID, event})
	return nil
}
