package web

import (
	"errors"
	"net/http"

	"storefront/internal/shop"
)

// adminProcessingView lists the order events the processor gave up on,
// each with its error (for staff only) and a retry button.
type adminProcessingView struct {
	adminView
	DeadLetters []shop.DeadLetter
}

// handleAdminProcessing serves GET /admin/processing: the dead letters of
// order processing, oldest first.
func (s *server) handleAdminProcessing(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	letters, err := s.shop.DeadLetters(r.Context(), staff)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_processing", &adminProcessingView{
		adminView: newAdminView("Order processing", "/admin/processing"), DeadLetters: letters})
}

// handleAdminProcessingRetry serves POST /admin/processing/retry (fields
// order_id, event): the processor handles the event again (audited) and
// the list shows the outcome: the dead letter gone, or there with its new
// error.
func (s *server) handleAdminProcessingRetry(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	err := s.shop.RetryDeadLetter(r.Context(), staff, r.PostFormValue("order_id"), r.PostFormValue("event"))
	if errors.Is(err, shop.ErrNotFound) || errors.Is(err, shop.ErrNoReprocessor) {
		s.errorPage(w, r, err)
		return
	}
	seeOther(w, r, "/admin/processing")
}
