package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"storefront/internal/shop"
)

// AppendAudit inserts e; the table's triggers refuse any later change. An
// entry with e.ID is either this one resent (no error) or another
// (shop.ErrConflict).
func (s *Store) AppendAudit(ctx context.Context, e *shop.AuditEntry) error {
	return s.inTx(ctx, "append audit", func(ctx context.Context, tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, action, target, before, after)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			e.ID, millis(e.At), e.ActorID, e.Action, e.Target, e.Before, e.After))
		if err != nil || n == 1 {
			return err
		}
		var old shop.AuditEntry
		err = tx.QueryRowContext(ctx, `SELECT id, at, actor_id, action, target, before, after FROM audit_log WHERE id = ?`, e.ID).
			Scan(&old.ID, msTime{&old.At}, &old.ActorID, &old.Action, &old.Target, &old.Before, &old.After)
		if err != nil {
			return err
		}
		if want := *e; old.At.Equal(want.At) {
			old.At = want.At
			if old == want {
				return nil
			}
		}
		return fmt.Errorf("sqlite: audit entry %s: %w", e.ID, shop.ErrConflict)
	})
}

// AuditLog reads one page newest first through the index audit_log_newest.
func (s *Store) AuditLog(ctx context.Context, q shop.AuditQuery) ([]shop.AuditEntry, error) {
	query := `SELECT id, at, actor_id, action, target, before, after FROM audit_log`
	args := []any{}
	if !q.BeforeAt.IsZero() {
		query += ` WHERE at < ?1 OR (at = ?1 AND id < ?2)`
		args = append(args, millis(q.BeforeAt), q.BeforeID)
	}
	query += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, q.Limit)
	rows, err := s.db.QueryContext(ctx, query, args...) // #nosec G202 -- only constant text is concatenated
	if err != nil {
		return nil, wrap("audit log", err)
	}
	defer rows.Close()
	entries := []shop.AuditEntry{}
	for rows.Next() {
		var e shop.AuditEntry
		if err := rows.Scan(&e.ID, msTime{&e.At}, &e.ActorID, &e.Action, &e.Target, &e.Before, &e.After); err != nil {
			return nil, wrap("audit log", err)
		}
		entries = append(entries, e)
	}
	return entries, wrap("audit log", rows.Err())
}
