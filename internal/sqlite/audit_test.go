package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"storefront/internal/shop"
)

// TestAuditLogAppendOnly: the table refuses to change or remove an entry,
// whatever SQL asks, so not even a bug in this program rewrites the log.
func TestAuditLogAppendOnly(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "shop.db"))
	e := &shop.AuditEntry{ID: "a1", At: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), ActorID: "staff-1",
		Action: shop.AuditProductUpdate, Target: "p1", Before: "1", After: "2"}
	if err := s.AppendAudit(t.Context(), e); err != nil {
		t.Fatalf("AppendAudit = %v; want nil", err)
	}
	for _, stmt := range []string{
		`UPDATE audit_log SET after = 'forged' WHERE id = 'a1'`,
		`DELETE FROM audit_log WHERE id = 'a1'`,
		`DELETE FROM audit_log`,
	} {
		if _, err := s.db.ExecContext(t.Context(), stmt); err == nil {
			t.Errorf("%s = nil; want it refused", stmt)
		}
	}
	got, err := s.AuditLog(t.Context(), shop.AuditQuery{Limit: 10})
	if err != nil || len(got) != 1 || got[0] != *e {
		t.Errorf("AuditLog after the refused changes = %+v, %v; want the entry as appended", got, err)
	}
}
