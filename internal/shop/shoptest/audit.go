package shoptest

import (
	"errors"
	"testing"
	"time"

	"storefront/internal/shop"
)

func auditEntry(id string, after time.Duration) shop.AuditEntry {
	return shop.AuditEntry{ID: id, At: at(after), ActorID: "staff-1", Action: shop.AuditProductUpdate, Target: "p1",
		Before: `{"price_cents":1250}`, After: `{"price_cents":1300}`}
}

// mustAuditLog reads one page and checks it holds the entries of wantIDs,
// in that order, each exactly as appended.
func mustAuditLog(t *testing.T, s shop.Store, q shop.AuditQuery, appended map[string]shop.AuditEntry, wantIDs ...string) {
	t.Helper()
	got, err := s.AuditLog(t.Context(), q)
	if err != nil {
		t.Fatalf("AuditLog(%+v) = %v; want nil", q, err)
	}
	if len(got) != len(wantIDs) {
		t.Fatalf("AuditLog(%+v) = %d entries %+v; want %v", q, len(got), got, wantIDs)
	}
	for i, id := range wantIDs {
		want := appended[id]
		checkRecord(t, "AuditLog entry "+id, &got[i], &want, func(e *shop.AuditEntry) *time.Time { return &e.At })
	}
}

func testAudit(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("NewestFirstInPages", func(t *testing.T) {
		s := newStore(t)
		mustAuditLog(t, s, shop.AuditQuery{Limit: 10}, nil)
		appended := map[string]shop.AuditEntry{}
		// Appended out of time order; b and c share a time, so the id
		// orders them.
		for _, e := range []shop.AuditEntry{auditEntry("b", 2*time.Hour), auditEntry("a", time.Hour),
			auditEntry("d", 3*time.Hour), auditEntry("c", 2*time.Hour)} {
			if e.ID == "a" {
				e.Before, e.Target = "", "new-product" // a creation: nothing before
			}
			if err := s.AppendAudit(t.Context(), &e); err != nil {
				t.Fatalf("AppendAudit(%s) = %v; want nil", e.ID, err)
			}
			appended[e.ID] = e
		}
		mustAuditLog(t, s, shop.AuditQuery{Limit: 10}, appended, "d", "c", "b", "a")
		mustAuditLog(t, s, shop.AuditQuery{Limit: 2}, appended, "d", "c")
		mustAuditLog(t, s, shop.AuditQuery{Limit: 2, BeforeAt: at(2 * time.Hour), BeforeID: "c"}, appended, "b", "a")
		mustAuditLog(t, s, shop.AuditQuery{Limit: 2, BeforeAt: at(time.Hour), BeforeID: "a"}, appended)
	})
	t.Run("AppendOnly", func(t *testing.T) {
		s := newStore(t)
		e := auditEntry("a", time.Hour)
		if err := s.AppendAudit(t.Context(), &e); err != nil {
			t.Fatalf("AppendAudit(a) = %v; want nil", err)
		}
		// The same entry again (a resent request): no error, no copy.
		again := e
		if err := s.AppendAudit(t.Context(), &again); err != nil {
			t.Errorf("AppendAudit(the same entry again) = %v; want nil", err)
		}
		// Another entry under its key: refused, the first one kept.
		other := e
		other.After = `{"price_cents":1}`
		if err := s.AppendAudit(t.Context(), &other); !errors.Is(err, shop.ErrConflict) {
			t.Errorf("AppendAudit(another entry with the same id and time) = %v; want ErrConflict", err)
		}
		mustAuditLog(t, s, shop.AuditQuery{Limit: 10}, map[string]shop.AuditEntry{"a": e}, "a")
	})
}
