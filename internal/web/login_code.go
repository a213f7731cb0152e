package web

import (
	"errors"
	"net/http"

	"storefront/internal/shop"
)

// loginCodeView is the second step of signing in to an account with a
// second factor: the code of the authenticator app.
type loginCodeView struct {
	layoutView
	FormError string
	Next      string
	Code      fieldView
}

// codeProblem is the message at the code field of a refused code.
const codeProblem = "This code is not right, or was used already. Enter the 6-digit code your authenticator app shows now."

func newLoginCodeView(next, problem string) *loginCodeView {
	return &loginCodeView{layoutView: layoutView{Title: "Enter your code"}, Next: next,
		Code: fieldView{Name: "code", Label: "6-digit code", Type: "text", Error: problem, Required: true,
			Autocomplete: "one-time-code", Hint: "From the authenticator app you set up for this account."}}
}

// handleLoginCodeForm serves GET /login/code: the code form, for a browser
// whose password step awaits it; any other goes to the sign-in page.
func (s *server) handleLoginCodeForm(w http.ResponseWriter, r *http.Request) {
	next := localNext(r.URL.Query().Get("next"))
	if !shop.AwaitsCode(visitFrom(r.Context()).Session) {
		seeOther(w, r, withNext("/login", next))
		return
	}
	s.render(w, r, http.StatusOK, "login_code", newLoginCodeView(next, ""))
}

// handleLoginCode serves POST /login/code (field code): a right code
// finishes the sign-in (303 to next, as POST /login does); a wrong,
// missing or used one is the form again with 401 (429 while throttled),
// counted as a failed sign-in. Without a pending password step it is 303
// to the sign-in page.
func (s *server) handleLoginCode(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	next := localNext(r.PostForm.Get("next"))
	signed, err := s.shop.CompleteSignIn(r.Context(), visitFrom(r.Context()).Session, r.PostForm.Get("code"), clientAddr(r))
	switch {
	case errors.Is(err, shop.ErrUnauthorized):
		seeOther(w, r, withNext("/login", next))
		return
	case errors.Is(err, shop.ErrInvalidCredentials), errors.Is(err, shop.ErrThrottled):
		p := problemFor(err)
		setRetryAfter(w, p, err)
		v := newLoginCodeView(next, codeProblem)
		if errors.Is(err, shop.ErrThrottled) {
			v.Code.Error = p.Message
		}
		v.FormError = v.Code.Error
		s.render(w, r, p.Status, "login_code", v)
		return
	case err != nil:
		s.errorPage(w, r, err)
		return
	}
	s.signedIn(w, r, signed, next, "")
}
