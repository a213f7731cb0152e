package web

import (
	"net/http"

	"storefront/internal/shop"
)

// adminOrderJSON is an order as staff see it: the buyer's email too.
type adminOrderJSON struct {
	orderJSON
	UserEmail string `json:"user_email"`
}

func newAdminOrderJSON(o *shop.Order) adminOrderJSON {
	return adminOrderJSON{orderJSON: newOrderJSON(o), UserEmail: o.UserEmail}
}

// handleAPIAdminOrders serves GET /api/v1/admin/orders?status&email&from&to&limit&before:
// 200 {items: [order + user_email], next_before}, newest first; next_before,
// when set, asks (as before) for the page after this one; 422 for a bad
// filter.
func (s *server) handleAPIAdminOrders(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	q, err := apiQuery(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f := shop.OrderFilter{Status: q.Get("status"), Email: q.Get("email"), From: q.Get("from"), To: q.Get("to"), Before: q.Get("before")}
	if text := q.Get("limit"); text != "" {
		n, ok := shop.ParseCount(text, shop.MaxOrderList)
		if !ok || n == 0 {
			n = -1 // refused by the service, with its message
		}
		f.Limit = n
	}
	orders, next, err := s.shop.StaffOrderPage(r.Context(), staff, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Items      []adminOrderJSON `json:"items"`
		NextBefore string           `json:"next_before,omitempty"`
	}{Items: make([]adminOrderJSON, len(orders)), NextBefore: next}
	for i := range orders {
		out.Items[i] = newAdminOrderJSON(&orders[i])
	}
	s.apiWrite(w, r, http.StatusOK, out)
}

// handleAPIAdminOrder serves GET /api/v1/admin/orders/{id}: any buyer's
// order, with the buyer's email.
func (s *server) handleAPIAdminOrder(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	o, err := s.shop.StaffOrder(r.Context(), staff, r.PathValue("id"))
	s.apiAdminOrderAnswer(w, r, o, err)
}

// apiAdminOrderAnswer answers a staff call about one order: 200 the order
// with its buyer's email, or the error.
func (s *server) apiAdminOrderAnswer(w http.ResponseWriter, r *http.Request, o *shop.Order, err error) {
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newAdminOrderJSON(o))
}

// handleAPIAdminOrderStatus serves POST /api/v1/admin/orders/{id}/status
// {status, tracking_number}: 200 the order as changed; 422
// validation_failed; 409 invalid_transition when the order's status does
// not lead there (another change may have won); 404 for a missing order.
func (s *server) handleAPIAdminOrderStatus(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	var in struct {
		Status         string `json:"status"`
		TrackingNumber string `json:"tracking_number"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.shop.ChangeOrderStatus(r.Context(), staff, r.PathValue("id"),
		shop.StatusChangeInput{Status: in.Status, TrackingNumber: in.TrackingNumber})
	s.apiAdminOrderAnswer(w, r, o, err)
}

// auditEntryJSON is one entry of the audit log.
type auditEntryJSON struct {
	ID     string `json:"id"`
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Target string `json:"target"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// handleAPIAdminAudit serves GET /api/v1/admin/audit?limit&before: 200
// {items: [{id, at, actor, action, target, before, after}], next_before},
// newest first; next_before, when set, asks for the page after this one.
func (s *server) handleAPIAdminAudit(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	query, err := apiQuery(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	entries, next, err := s.auditPage(r.Context(), query, staff)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Items      []auditEntryJSON `json:"items"`
		NextBefore string           `json:"next_before,omitempty"`
	}{Items: make([]auditEntryJSON, len(entries)), NextBefore: next}
	for i, e := range entries {
		out.Items[i] = auditEntryJSON{ID: e.ID, At: e.At.UTC().Format(apiAuditTime), Actor: e.ActorID, Action: e.Action,
			Target: e.Target, Before: e.Before, After: e.After}
	}
	s.apiWrite(w, r, http.StatusOK, out)
}

// apiAuditTime keeps the entries' milliseconds: entries a moment apart
// stay apart.
const apiAuditTime = "2006-01-02T15:04:05.000Z07:00"
