package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"storefront/internal/shop"
)

// ChangeOrderStatus changes the order's status in one transaction: the
// UPDATE is conditional on the status u.From, so of two concurrent changes
// one wins; the history entry and, for a cancellation, the restock of
// every line commit with it or not at all. The order it returns is read in
// the same transaction: as the change left it, and without a read
// transaction of its own.
func (s *Store) ChangeOrderStatus(ctx context.Context, id string, u shop.StatusUpdate) (*shop.Order, error) {
	var changed *shop.Order
	err := s.inTx(ctx, "change order status", func(ctx context.Context, tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `
			UPDATE orders SET status = ?, updated_at = ?,
				tracking_number = CASE WHEN ? = '' THEN tracking_number ELSE ? END
			WHERE id = ? AND status = ?`,
			u.Change.Status, millis(u.Change.At), u.TrackingNumber, u.TrackingNumber, id, u.From))
		if err != nil {
			return err
		}
		if n == 0 {
			if err := changedAlready(ctx, tx, id, u); err != nil {
				return err
			}
		} else if err := applyStatusChange(ctx, tx, id, u); err != nil {
			return err
		}
		orders, err := ordersIn(ctx, tx, orderByID, historyByID, id)
		if err == nil && len(orders) == 1 {
			changed = &orders[0]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if changed == nil {
		return nil, fmt.Errorf("sqlite: order %s: %w", id, shop.ErrNotFound)
	}
	return changed, nil
}

// applyStatusChange writes what goes with a status change the orders row
// took: its history entry and, for a cancellation, the restock.
func applyStatusChange(ctx context.Context, tx *sql.Tx, id string, u shop.StatusUpdate) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO order_status_history (order_id, position, status, at, actor)
		VALUES (?1, (SELECT count(*) FROM order_status_history WHERE order_id = ?1), ?2, ?3, ?4)`,
		id, u.Change.Status, millis(u.Change.At), u.Change.Actor); err != nil {
		return err
	}
	if u.Change.Status != shop.OrderStatusCancelled {
		return nil
	}
	return restock(ctx, tx, id)
}

// changedAlready says why a status change matched no order: nil when the
// change is the order's last (applied by an earlier send of the request),
// else shop.ErrNotFound or shop.ErrInvalidTransition.
func changedAlready(ctx context.Context, tx *sql.Tx, id string, u shop.StatusUpdate) error {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM orders WHERE id = ?`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: order %s: %w", id, shop.ErrNotFound)
	}
	if err != nil {
		return err
	}
	var last shop.StatusChange
	err = tx.QueryRowContext(ctx, `SELECT status, at, actor FROM order_status_history WHERE order_id = ?
		ORDER BY position DESC LIMIT 1`, id).Scan(&last.Status, msTime{&last.At}, &last.Actor)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	o := shop.Order{Status: status}
	if err == nil {
		o.StatusHistory = []shop.StatusChange{last}
	}
	if o.LastChangeIs(u.Change) {
		return nil
	}
	return fmt.Errorf("sqlite: order %s is %s, not %s: %w", id, status, u.From, shop.ErrInvalidTransition)
}

// restock puts every line's quantity of order id back into stock.
func restock(ctx context.Context, tx *sql.Tx, id string) error {
	rows, err := tx.QueryContext(ctx, `SELECT product_id, quantity FROM order_items WHERE order_id = ?`, id)
	if err != nil {
		return err
	}
	quantities := map[string]int{}
	for rows.Next() {
		var productID string
		var quantity int
		if err := rows.Scan(&productID, &quantity); err != nil {
			return errors.Join(err, rows.Close())
		}
		quantities[productID] += quantity
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for productID, quantity := range quantities {
		n, err := affected(tx.ExecContext(ctx, `UPDATE products SET stock = stock + ? WHERE id = ?`, quantity, productID))
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("sqlite: restock of order %s: product %s: %w", id, productID, shop.ErrNotFound)
		}
	}
	return nil
}

// statusHistories reads the status changes of the orders that where
// selects (by their id, as where's one argument does), oldest first.
func statusHistories(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, where string, arg any) (map[string][]shop.StatusChange, error) {
	rows, err := q.QueryContext(ctx, `SELECT order_id, status, at, actor FROM order_status_history
		WHERE `+where+` ORDER BY order_id, position`, arg) // #nosec G202 -- where is a constant of this package
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	histories := map[string][]shop.StatusChange{}
	for rows.Next() {
		var orderID string
		var c shop.StatusChange
		if err := rows.Scan(&orderID, &c.Status, msTime{&c.At}, &c.Actor); err != nil {
			return nil, err
		}
		histories[orderID] = append(histories[orderID], c)
	}
	return histories, rows.Err()
}
