package web

import (
	"net/http"
	"net/url"

	"storefront/internal/shop"
)

// The staff's orders (issue 10, item 6): the list filtered by status,
// customer email and days, newest first; one order with its buyer, address
// and history, and a button per status the lifecycle allows next (shipped
// asks for the tracking number). Every change goes through
// shop.Service.ChangeOrderStatus, which records it in the audit log.

// adminOrdersView is the filtered list of orders.
type adminOrdersView struct {
	adminView
	Status    selectView
	Email     fieldView
	From, To  fieldView
	FormError string
	Orders    []shop.Order
	Filtered  bool // a filter is set: "no orders match" rather than "no orders yet"
	// OlderURL is the page of the orders after these, with the same
	// filter; "" when this page is the last.
	OlderURL string
}

// handleAdminOrders serves GET /admin/orders?status&email&from&to&before:
// the orders the filter selects, newest first, a page at a time (before:
// the cursor of the last order of the page before); a bad filter is shown
// again with its messages (422).
func (s *server) handleAdminOrders(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	q := r.URL.Query()
	f := shop.OrderFilter{Status: q.Get("status"), Email: q.Get("email"), From: q.Get("from"), To: q.Get("to"), Before: q.Get("before")}
	orders, next, err := s.shop.StaffOrderPage(r.Context(), staff, f)
	msgs := fieldMessages(err)
	if err != nil && msgs == nil {
		s.errorPage(w, r, err)
		return
	}
	v := &adminOrdersView{adminView: newAdminView("Orders", "/admin/orders"), Orders: orders,
		Filtered: f != shop.OrderFilter{},
		Status:   selectView{Name: "status", Label: "Status", Value: f.Status, Error: msgs["status"], Options: statusOptions("Any status")},
		Email:    fieldView{Name: "email", Label: "Customer email", Type: "email", Value: f.Email, Error: msgs["email"]},
		From:     fieldView{Name: "from", Label: "Placed from", Type: "date", Value: f.From, Error: msgs["from"]},
		To:       fieldView{Name: "to", Label: "Placed until", Type: "date", Value: f.To, Error: msgs["to"]},
	}
	status := http.StatusOK
	if err != nil {
		status, v.FormError = http.StatusUnprocessableEntity, problemFor(err).Message
		if m := msgs["before"]; m != "" {
			v.FormError = m
		}
	}
	if next != "" {
		older := url.Values{}
		for name, value := range map[string]string{"status": f.Status, "email": f.Email, "from": f.From, "to": f.To, "before": next} {
			if value != "" {
				older.Set(name, value)
			}
		}
		v.OlderURL = "/admin/orders?" + older.Encode()
	}
	s.render(w, r, status, "admin_orders", v)
}

// statusOptions are the order statuses as select options, after a first
// option for none (empty: no option for none).
func statusOptions(none string) []optionView {
	var opts []optionView
	if none != "" {
		opts = append(opts, optionView{Value: "", Label: none})
	}
	for _, st := range shop.OrderStatuses() {
		opts = append(opts, optionView{Value: st, Label: st})
	}
	return opts
}

// adminOrderView is one order for staff, with the changes it allows.
type adminOrderView struct {
	adminView
	Order     *shop.Order
	LineTable lineTableView
	History   historyView
	Next      []string  // the statuses it may move to, but shipped
	CanShip   bool      // shipped is next: its form asks for Tracking
	Tracking  fieldView // tracking_number
	FormError string
}

// newAdminOrderView is the page of o; err, when set, is the refused change
// to show (a field message, or an alert for a transition refused).
func newAdminOrderView(o *shop.Order, err error, tracking string) *adminOrderView {
	v := &adminOrderView{adminView: newAdminView("Order "+o.ID, "/admin/orders"), Order: o, LineTable: newOrderLineTable(o),
		History: historyView{Changes: o.History(), ShowActors: true},
		Tracking: fieldView{Name: "tracking_number", Label: "Tracking number", Type: "text", Value: tracking, Required: true,
			Error: fieldMessages(err)["tracking_number"]}}
	if err != nil {
		v.FormError = problemFor(err).Message
		if msg := fieldMessages(err)["status"]; msg != "" {
			v.FormError = msg
		}
	}
	for _, next := range shop.NextStatuses(o.Status) {
		if next == shop.OrderStatusShipped {
			v.CanShip = true
			continue
		}
		v.Next = append(v.Next, next)
	}
	return v
}

// handleAdminOrder serves GET /admin/orders/{id}: any buyer's order.
func (s *server) handleAdminOrder(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	o, err := s.shop.StaffOrder(r.Context(), staff, r.PathValue("id"))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_order", newAdminOrderView(o, nil, ""))
}

// handleAdminOrderStatus serves POST /admin/orders/{id}/status (fields
// status, tracking_number): 303 back to the order once changed. A refused
// change shows the order again as it is now, with the message: 422 for bad
// input, 409 when the order's status does not allow it (another change may
// have won); reading the order again is the one extra call, on refusal only.
func (s *server) handleAdminOrderStatus(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	in := shop.StatusChangeInput{Status: r.PostFormValue("status"), TrackingNumber: r.PostFormValue("tracking_number")}
	_, err := s.shop.ChangeOrderStatus(r.Context(), staff, id, in)
	if err == nil {
		seeOther(w, r, "/admin/orders/"+url.PathEscape(id))
		return
	}
	p := problemFor(err)
	if p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusConflict {
		s.errorPage(w, r, err)
		return
	}
	o, rerr := s.shop.StaffOrder(r.Context(), staff, id)
	if rerr != nil {
		s.errorPage(w, r, rerr)
		return
	}
	s.render(w, r, p.Status, "admin_order", newAdminOrderView(o, err, in.TrackingNumber))
}

// recentOrdersShown is how many orders the dashboard lists.
const recentOrdersShown = 5
