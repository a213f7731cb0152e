package sqlite

import (
	"context"
	"encoding/json"

	"storefront/internal/shop"
)

// SearchOrders selects the ids of the newest q.Limit matching orders after
// q's cursor (through the indexes orders_by_status, orders_by_user or
// orders_by_created), then reads those orders whole.
func (s *Store) SearchOrders(ctx context.Context, q shop.OrderQuery) ([]shop.Order, error) {
	where, args := "1 = 1", []any{}
	if q.Status != "" {
		where += " AND status = ?"
		args = append(args, q.Status)
	}
	if q.UserID != "" {
		where += " AND user_id = ?"
		args = append(args, q.UserID)
	}
	if !q.From.IsZero() {
		where += " AND created_at >= ?"
		args = append(args, millis(q.From))
	}
	if !q.Until.IsZero() {
		where += " AND created_at < ?"
		args = append(args, millis(q.Until))
	}
	if !q.BeforeAt.IsZero() {
		where += " AND (created_at < ? OR created_at = ? AND id < ?)"
		args = append(args, millis(q.BeforeAt), millis(q.BeforeAt), q.BeforeID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM orders WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT ?`, // #nosec G202 -- where joins constants; values are bound
		append(args, q.Limit)...)
	if err != nil {
		return nil, wrap("search orders", err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("search orders", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("search orders", err)
	}
	idList, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return s.readOrders(ctx, "search orders",
		`o.id IN (SELECT value FROM json_each(?)) ORDER BY o.created_at DESC, o.id DESC, i.position`,
		`order_id IN (SELECT value FROM json_each(?))`, string(idList))
}
