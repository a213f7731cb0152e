package web

import (
	"net/http"

	"storefront/internal/shop"
)

// handleOrderCancel serves POST /orders/{id}/cancel: the buyer cancels
// their own order while it is placed, and gets 303 to the order's page,
// which shows it cancelled. Another's order, or a guest, gets 404 as on
// the order page; an order no longer placed gets 409 with a link back to it.
func (s *server) handleOrderCancel(w http.ResponseWriter, r *http.Request) {
	vis := visitFrom(r.Context())
	if vis.User == nil {
		s.errorPage(w, r, shop.ErrNotFound)
		return
	}
	o, err := s.shop.CancelOwnOrder(r.Context(), vis.User, r.PathValue("id"))
	if p := problemFor(err); err != nil && p.Status == http.StatusConflict {
		heading := errorHeading(p.Status)
		s.render(w, r, p.Status, "message", &messageView{layoutView: layoutView{Title: heading}, Heading: heading,
			Message: "This order can no longer be cancelled: it is being prepared or on its way already.",
			Links:   []linkView{{URL: "/orders/" + r.PathValue("id"), Text: "Back to the order"}}})
		return
	}
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	seeOther(w, r, "/orders/"+o.ID)
}

// handleAPICancelOrder serves POST /api/v1/orders/{id}/cancel (the buyer's
// token): 200 the order, cancelled; 409 invalid_transition once it is no
// longer placed; 404 for anyone but its buyer.
func (s *server) handleAPICancelOrder(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	if err := apiNoBody(w, r); err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.shop.CancelOwnOrder(r.Context(), u, r.PathValue("id"))
	s.apiOrderAnswer(w, r, o, err)
}
