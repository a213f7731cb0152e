package memstore

import (
	"context"
	"fmt"
	"slices"

	"storefront/internal/shop"
)

// AppendAudit appends e under the lock; the same entry again is no error,
// another with its ID shop.ErrConflict.
func (s *Store) AppendAudit(ctx context.Context, e *shop.AuditEntry) error {
	if err := s.lock(ctx, "append audit"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, old := range s.audit {
		if old.ID != e.ID {
			continue
		}
		if sameAudit(old, *e) {
			return nil
		}
		return fmt.Errorf("memstore: audit entry %s: %w", e.ID, shop.ErrConflict)
	}
	s.audit = append(s.audit, *e)
	return nil
}

// sameAudit compares entries with their times by Equal.
func sameAudit(a, b shop.AuditEntry) bool {
	a.At, b.At = a.At.UTC(), b.At.UTC()
	return a.At.Equal(b.At) && a == b
}

// AuditLog sorts a copy of the log newest first and returns the page after
// q's cursor.
func (s *Store) AuditLog(ctx context.Context, q shop.AuditQuery) ([]shop.AuditEntry, error) {
	if err := s.lock(ctx, "audit log"); err != nil {
		return nil, err
	}
	entries := slices.Clone(s.audit)
	s.mu.Unlock()
	slices.SortFunc(entries, shop.AuditNewestFirst)
	page := []shop.AuditEntry{}
	for _, e := range entries {
		if len(page) == q.Limit {
			break
		}
		if q.After(e) {
			page = append(page, e)
		}
	}
	return page, nil
}
