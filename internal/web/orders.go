package web

import (
	"net/http"

	"storefront/internal/shop"
)

// ordersView is the list of the user's orders, newest first.
type ordersView struct {
	layoutView
	Orders []shop.Order
}

// orderView is one order; CanCancel offers its buyer the cancel button.
type orderView struct {
	layoutView
	Order     *shop.Order
	LineTable lineTableView
	History   historyView
	CanCancel bool
}

// historyView is an order's statuses, oldest first from its placement;
// ShowActors names who made each change (the staff's page).
type historyView struct {
	Changes    []shop.StatusChange
	ShowActors bool
}

// handleOrders serves GET /orders (signed in): the user's orders, newest
// first.
func (s *server) handleOrders(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/orders")
	if !ok {
		return
	}
	orders, err := s.shop.Orders(r.Context(), vis.User)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "orders", &ordersView{layoutView: layoutView{Title: "Your orders"}, Orders: orders})
}

// handleOrder serves GET /orders/{id}: one of the signed-in user's orders.
// Anyone else, a guest too, gets 404 as for a missing order, so no one
// learns which orders exist; a guest's page offers to sign in, for an
// owner whose session ended.
func (s *server) handleOrder(w http.ResponseWriter, r *http.Request) {
	vis := visitFrom(r.Context())
	if vis.User == nil {
		p := problemFor(shop.ErrNotFound)
		heading := errorHeading(p.Status)
		s.render(w, r, p.Status, "message", &messageView{layoutView: layoutView{Title: heading}, Heading: heading,
			Message: p.Message, Details: []string{"If you are looking for one of your orders, sign in to see it."},
			Links: []linkView{{URL: withNext("/login", localNext(r.URL.Path)), Text: "Sign in"}, {URL: "/", Text: "Back to the shop"}}})
		return
	}
	o, err := s.shop.Order(r.Context(), vis.User, r.PathValue("id"))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "order", &orderView{layoutView: layoutView{Title: "Order " + o.ID}, Order: o,
		LineTable: newOrderLineTable(o), History: historyView{Changes: o.History()}, CanCancel: shop.BuyerCanCancel(o)})
}
