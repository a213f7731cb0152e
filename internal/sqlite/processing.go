package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"storefront/internal/shop"
)

var _ shop.ProcessingStore = (*Store)(nil)

const messageColumns = `order_id, event, message_id, state, owner, claimed_at, sent_at`

func scanMessage(row interface{ Scan(...any) error }) (*shop.MessageRecord, error) {
	var m shop.MessageRecord
	var sentAt int64
	if err := row.Scan(&m.OrderID, &m.Event, &m.MessageID, &m.State, &m.Owner, msTime{&m.ClaimedAt}, &sentAt); err != nil {
		return nil, err
	}
	if sentAt != 0 {
		m.SentAt = fromMillis(sentAt)
	}
	return &m, nil
}

// ClaimMessage reads and writes the record in one write transaction, so the
// rule (shop.MessageRecord.ClaimableBy) is checked against what it replaces.
func (s *Store) ClaimMessage(ctx context.Context, m shop.MessageRecord, staleBefore time.Time) (*shop.MessageRecord, error) {
	err := s.inTx(ctx, "claim message", func(ctx context.Context, tx *sql.Tx) error {
		stored, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM order_messages
			WHERE order_id = ? AND event = ?`, m.OrderID, m.Event))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			stored = nil
		case err != nil:
			return err
		default:
			m.MessageID = stored.MessageID
		}
		if err := stored.ClaimableBy(m, staleBefore); err != nil {
			return fmt.Errorf("sqlite: message %s/%s: %w", m.OrderID, m.Event, err)
		}
		m.State, m.SentAt = shop.MessagePending, time.Time{}
		_, err = tx.ExecContext(ctx, `INSERT INTO order_messages (`+messageColumns+`) VALUES (?, ?, ?, ?, ?, ?, 0)
			ON CONFLICT (order_id, event) DO UPDATE SET state = excluded.state, owner = excluded.owner,
				claimed_at = excluded.claimed_at, sent_at = 0`,
			m.OrderID, m.Event, m.MessageID, m.State, m.Owner, millis(m.ClaimedAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MarkMessageSent sets a pending record sent; a sent one stays as it was.
func (s *Store) MarkMessageSent(ctx context.Context, orderID, event string, at time.Time) error {
	return s.inTx(ctx, "mark message sent", func(ctx context.Context, tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, `SELECT state FROM order_messages WHERE order_id = ? AND event = ?`,
			orderID, event).Scan(&state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: message %s/%s: %w", orderID, event, shop.ErrNotFound)
		case err != nil || state == shop.MessageSent:
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE order_messages SET state = ?, sent_at = ? WHERE order_id = ? AND event = ?`,
			shop.MessageSent, millis(at), orderID, event)
		return err
	})
}

// MessageRecord reads one record.
func (s *Store) MessageRecord(ctx context.Context, orderID, event string) (*shop.MessageRecord, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM order_messages
		WHERE order_id = ? AND event = ?`, orderID, event))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: message %s/%s: %w", orderID, event, shop.ErrNotFound)
	}
	return m, wrap("message record", err)
}

// SaveDeadLetter inserts or replaces the event's dead letter.
func (s *Store) SaveDeadLetter(ctx context.Context, d *shop.DeadLetter) error {
	_, err := s.exec(ctx, "save dead letter", `INSERT OR REPLACE INTO dead_letters (order_id, event, error, attempts, at)
		VALUES (?, ?, ?, ?, ?)`, d.OrderID, d.Event, d.Error, d.Attempts, millis(d.At))
	return err
}

// DeadLetter reads one dead letter.
func (s *Store) DeadLetter(ctx context.Context, orderID, event string) (*shop.DeadLetter, error) {
	d := shop.DeadLetter{OrderID: orderID, Event: event}
	err := s.db.QueryRowContext(ctx, `SELECT error, attempts, at FROM dead_letters WHERE order_id = ? AND event = ?`,
		orderID, event).Scan(&d.Error, &d.Attempts, msTime{&d.At})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: dead letter %s/%s: %w", orderID, event, shop.ErrNotFound)
	}
	if err != nil {
		return nil, wrap("dead letter", err)
	}
	return &d, nil
}

// DeadLetters reads the oldest dead letters.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]shop.DeadLetter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT order_id, event, error, attempts, at FROM dead_letters
		ORDER BY at, order_id, event LIMIT ?`, limit)
	if err != nil {
		return nil, wrap("dead letters", err)
	}
	defer rows.Close()
	letters := []shop.DeadLetter{}
	for rows.Next() {
		var d shop.DeadLetter
		if err := rows.Scan(&d.OrderID, &d.Event, &d.Error, &d.Attempts, msTime{&d.At}); err != nil {
			return nil, wrap("dead letters", err)
		}
		letters = append(letters, d)
	}
	return letters, wrap("dead letters", rows.Err())
}

// DeleteDeadLetter removes the event's dead letter, if any.
func (s *Store) DeleteDeadLetter(ctx context.Context, orderID, event string) error {
	_, err := s.exec(ctx, "delete dead letter", `DELETE FROM dead_letters WHERE order_id = ? AND event = ?`, orderID, event)
	return err
}

// OutboxEvents returns at most limit events of the order outbox after
// afterSeq, oldest first. The triggers of migration 0010 write them in the
// transaction of each placement and status change.
func (s *Store) OutboxEvents(ctx context.Context, afterSeq int64, limit int) ([]shop.OutboxEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, order_id, status, at FROM processing_outbox WHERE seq > ? ORDER BY seq LIMIT ?`,
		afterSeq, limit)
	if err != nil {
		return nil, wrap("outbox events", err)
	}
	defer rows.Close()
	var events []shop.OutboxEvent
	for rows.Next() {
		var e shop.OutboxEvent
		if err := rows.Scan(&e.Seq, &e.Event.OrderID, &e.Event.Status, msTime{&e.At}); err != nil {
			return nil, wrap("outbox events", err)
		}
		events = append(events, e)
	}
	return events, wrap("outbox events", rows.Err())
}

// DeleteOutboxEvents removes the outbox events up to seq: handled.
func (s *Store) DeleteOutboxEvents(ctx context.Context, seq int64) error {
	_, err := s.exec(ctx, "delete outbox events", `DELETE FROM processing_outbox WHERE seq <= ?`, seq)
	return err
}
