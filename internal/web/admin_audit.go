package web

import (
	"context"
	"net/http"
	"net/url"

	"storefront/internal/shop"
)

// adminAuditView is one page of the audit log, newest first; OlderURL
// links the next page when this one is full.
type adminAuditView struct {
	adminView
	Entries  []shop.AuditEntry
	OlderURL string
}

// handleAdminAudit serves GET /admin/audit?limit&before: the audit log,
// newest first, a page at a time; it only reads, as nothing may edit it.
func (s *server) handleAdminAudit(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	entries, next, err := s.auditPage(r.Context(), r.URL.Query(), staff)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	v := &adminAuditView{adminView: newAdminView("Audit log", "/admin/audit"), Entries: entries}
	if next != "" {
		v.OlderURL = "/admin/audit?before=" + url.QueryEscape(next)
	}
	s.render(w, r, http.StatusOK, "admin_audit", v)
}

// auditPage reads the page of the log that the query's limit and before
// ask for, and the cursor of the page after it ("" when this one is the
// last).
func (s *server) auditPage(ctx context.Context, query url.Values, staff *shop.User) ([]shop.AuditEntry, string, error) {
	q, err := shop.ParseAuditQuery(query.Get("limit"), query.Get("before"))
	if err != nil {
		return nil, "", err
	}
	entries, err := s.shop.AuditLog(ctx, staff, q)
	if err != nil || len(entries) < q.Limit {
		return entries, "", err
	}
	return entries, shop.AuditCursor(entries[len(entries)-1]), nil
}
