package shop

// The audit log (issue 10, item 7): every staff change is recorded, who,
// when, what, before and after, and the log is never edited.
//
// How to record a staff change (for every part of the staff side):
//
//	before := *p // a snapshot of what the change replaces (nil for a creation)
//	p, err := s.store.UpdateProduct(ctx, id, u)
//	if err != nil {
//		return nil, err
//	}
//	s.recordAudit(ctx, staff, AuditProductUpdate, id, before, p)
//
// Call recordAudit right after the store change succeeded, with the staff
// user who made it (their ID is the entry's actor), an action (one of the
// Audit... constants below; add yours there), the target's id, and the
// state before and after (any value: it is saved as JSON, cut to
// MaxAuditSnapshot bytes; a string is saved as it is; nil as "").
//
// Why after, not in the same unit of work: the store's units of work
// (UpdateProduct, AdjustStock, ChangeOrderStatus, ...) are each one SQLite
// transaction or one DynamoDB write, and folding an audit write into every
// one of them would change every store method's seam. Instead recordAudit
// cannot be skipped by the request: it writes with a context that the
// client's disconnect does not cancel (bounded by auditWriteTimeout), and
// when the write fails anyway it logs the whole entry at ERROR level
// ("audit entry not saved"), so the log holds it and an operator is paged.
// It returns nothing: the change is made, so the caller answers with its
// success; returning an error would invite a retry that applies a
// non-idempotent change (a stock delta) twice.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Audit actions: what kind of staff change an entry records.
const (
	AuditProductCreate   = "product.create"
	AuditProductUpdate   = "product.update"
	AuditStockAdjust     = "product.stock"
	AuditCategorySave    = "category.save"
	AuditCatalogImport   = "catalog.import"
	AuditProductImage    = "product.image"
	AuditOrderStatus     = "order.status"
	AuditStaffAdd        = "staff.add"
	AuditStaffTOTPReset  = "staff.totp_reset"
	AuditUserRoleChanged = "user.role"
)

// MaxAuditSnapshot bounds the Before and After of an entry, in bytes: a
// snapshot says what changed, it is no backup.
const MaxAuditSnapshot = 4096

// auditWriteTimeout bounds the audit write, which outlives its request's
// cancellation (recordAudit).
const auditWriteTimeout = 5 * time.Second

// AuditEntry is one staff change. Entries are only ever appended
// (Store.AppendAudit), never updated or deleted.
type AuditEntry struct {
	ID      string    // unique, random; orders entries of the same At
	At      time.Time // when the change was made
	ActorID string    // the staff user who made it
	Action  string    // one of the Audit... constants
	Target  string    // the id of what changed (product, order, user)
	Before  string    // a short snapshot (JSON or text) of the state before; "" for a creation
	After   string    // of the state after
}

// AuditQuery selects entries newest first: at most Limit of them, all older
// than the cursor (BeforeAt, BeforeID) when BeforeAt is set, in the order
// (At, ID) descending, so the page after one ends is asked for with its
// last entry's At and ID.
type AuditQuery struct {
	Limit    int // 1 to MaxAuditPage
	BeforeAt time.Time
	BeforeID string
}

// Audit page sizes.
const (
	DefaultAuditPage = 50
	MaxAuditPage     = 200
)

// After reports whether e comes after the cursor of q in the log's order
// (newest first), that is whether e is on a page asked for by q: stores
// without an index of their own (memstore) filter with it.
func (q AuditQuery) After(e AuditEntry) bool {
	if q.BeforeAt.IsZero() {
		return true
	}
	return e.At.Before(q.BeforeAt) || e.At.Equal(q.BeforeAt) && e.ID < q.BeforeID
}

// AuditNewestFirst orders entries as the log lists them: At descending,
// then ID descending. It is a cmp function for slices.SortFunc.
func AuditNewestFirst(a, b AuditEntry) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	switch {
	case a.ID > b.ID:
		return -1
	case a.ID < b.ID:
		return 1
	}
	return 0
}

// recordAudit appends the entry of a staff change made just now by actor;
// see the top of this file for how and why.
func (s *Service) recordAudit(ctx context.Context, actor *User, action, target string, before, after any) {
	e := &AuditEntry{ID: newID("a"), At: s.now(), Action: action, Target: target,
		Before: auditSnapshot(before), After: auditSnapshot(after)}
	if actor != nil {
		e.ActorID = actor.ID
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWriteTimeout)
	defer cancel()
	if err := s.store.AppendAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit entry not saved", "err", err, "audit_id", e.ID, "at", e.At,
			"actor", e.ActorID, "action", e.Action, "target", e.Target, "before", e.Before, "after", e.After)
	}
}

// auditSnapshot renders v for an entry: a string as it is, nil as "",
// anything else as JSON; cut to MaxAuditSnapshot bytes.
func auditSnapshot(v any) string {
	var text string
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		text = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			text = fmt.Sprintf("%+v", v)
		} else {
			text = string(b)
		}
	}
	if len(text) > MaxAuditSnapshot {
		text = truncateUTF8(text, MaxAuditSnapshot-len("…")) + "…"
	}
	return text
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // a continuation byte: back up to its start
		n--
	}
	return s[:n]
}

// AuditLog returns one page of the audit log, newest first, for staff
// (ErrNotFound for anyone else, as the staff area answers). A Limit of 0
// is DefaultAuditPage; one above MaxAuditPage is a *ValidationError
// (field "limit").
func (s *Service) AuditLog(ctx context.Context, staff *User, q AuditQuery) ([]AuditEntry, error) {
	if !staff.IsStaff() {
		return nil, ErrNotFound
	}
	if q.Limit == 0 {
		q.Limit = DefaultAuditPage
	}
	if q.Limit < 1 || q.Limit > MaxAuditPage {
		return nil, &ValidationError{Fields: map[string]string{"limit": fmt.Sprintf("Choose between 1 and %d entries.", MaxAuditPage)}}
	}
	return s.store.AuditLog(ctx, q)
}

// AuditCursor is the text of the cursor after e: the page after a page
// ending with e is asked for with it (ParseAuditQuery's before).
func AuditCursor(e AuditEntry) string { return timeCursor(e.At, e.ID) }

// ParseAuditQuery reads a page of the log as pages and the API ask for
// it: limit a count ("" is DefaultAuditPage), before an AuditCursor (""
// is the newest). A bad value is a *ValidationError (fields limit,
// before).
func ParseAuditQuery(limit, before string) (AuditQuery, error) {
	q := AuditQuery{Limit: DefaultAuditPage}
	fe := fieldErrors{}
	if limit != "" {
		n, ok := ParseCount(limit, MaxAuditPage)
		if !ok || n == 0 {
			fe.add("limit", fmt.Sprintf("Choose between 1 and %d entries.", MaxAuditPage))
		}
		q.Limit = n
	}
	if before != "" {
		var ok bool
		if q.BeforeAt, q.BeforeID, ok = parseTimeCursor(before); !ok {
			fe.add("before", "Use the cursor of the last entry shown.")
		}
	}
	return q, fe.err()
}
