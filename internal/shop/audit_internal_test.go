package shop

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// auditRecorder is a Store that only appends audit entries (every other
// method is the nil interface's: a call panics), failing with err when set.
type auditRecorder struct {
	Store
	entries []AuditEntry
	ctxErr  error // the context's error when AppendAudit was called
	err     error
}

func (r *auditRecorder) AppendAudit(ctx context.Context, e *AuditEntry) error {
	r.ctxErr = ctx.Err()
	if r.err != nil {
		return r.err
	}
	r.entries = append(r.entries, *e)
	return nil
}

func newAuditService(store Store, log *bytes.Buffer) *Service {
	at := time.Date(2026, 5, 6, 7, 8, 9, 123_456_789, time.UTC)
	return NewService(store, Config{Now: func() time.Time { return at },
		Logger: slog.New(slog.NewTextHandler(log, nil)), PasswordParams: &PasswordParams{MemoryKiB: 64, Iterations: 1, Threads: 1}})
}

// TestRecordAudit: the entry holds the actor, action, target and JSON
// snapshots, at the service's clock; it is written even when the request's
// context is already cancelled (the change it records is made).
func TestRecordAudit(t *testing.T) {
	store := &auditRecorder{}
	var log bytes.Buffer
	svc := newAuditService(store, &log)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the client went away right after the change
	before := Product{ID: "p1", Name: "Lamp", PriceCents: 1250}
	after := before
	after.PriceCents = 1300
	svc.recordAudit(ctx, &User{ID: "staff-1"}, AuditProductUpdate, "p1", before, &after)
	if len(store.entries) != 1 {
		t.Fatalf("recordAudit appended %d entries; want 1", len(store.entries))
	}
	if store.ctxErr != nil {
		t.Errorf("AppendAudit ran with a done context (%v); want one the request's cancellation does not reach", store.ctxErr)
	}
	e := store.entries[0]
	if e.ID == "" || !e.At.Equal(svc.now()) || e.ActorID != "staff-1" || e.Action != AuditProductUpdate || e.Target != "p1" {
		t.Errorf("entry = %+v; want a new id, at %v, actor staff-1, action %s, target p1", e, svc.now(), AuditProductUpdate)
	}
	if !strings.Contains(e.Before, `"PriceCents":1250`) || !strings.Contains(e.After, `"PriceCents":1300`) {
		t.Errorf("entry before %q, after %q; want JSON snapshots with the old and new price", e.Before, e.After)
	}
	if log.Len() != 0 {
		t.Errorf("log = %q; want nothing for a saved entry", log.String())
	}
}

// TestRecordAuditFailureLogsTheEntry: an entry the store refuses is logged
// whole at ERROR, so the log holds it.
func TestRecordAuditFailureLogsTheEntry(t *testing.T) {
	store := &auditRecorder{err: errors.New("store down")}
	var log bytes.Buffer
	svc := newAuditService(store, &log)
	svc.recordAudit(t.Context(), &User{ID: "staff-1"}, AuditOrderStatus, "o1", "placed", "accepted")
	got := log.String()
	for _, want := range []string{"level=ERROR", `msg="audit entry not saved"`, "actor=staff-1", "action=order.status",
		"target=o1", "before=placed", "after=accepted", `err="store down"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log = %q; want it to hold %s", got, want)
		}
	}
}

func TestAuditSnapshot(t *testing.T) {
	long := strings.Repeat("é", MaxAuditSnapshot) // two bytes each
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"text as it is", "placed", "placed"},
		{"JSON", map[string]int{"delta": -3}, `{"delta":-3}`},
	} {
		if got := auditSnapshot(tc.in); got != tc.want {
			t.Errorf("auditSnapshot(%s) = %q; want %q", tc.name, got, tc.want)
		}
	}
	got := auditSnapshot(long)
	if len(got) > MaxAuditSnapshot || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("auditSnapshot(%d bytes) = %d bytes, valid UTF-8 %v; want at most %d, valid, ending in …",
			len(long), len(got), utf8.ValidString(got), MaxAuditSnapshot)
	}
}
