package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"storefront/internal/shop"
)

// Password reset pages (CONTRACT.md, "Order processing and messages"):
// GET/POST /password/forgot asks for a link, GET/POST /password/reset
// (the link, ?token=...) sets the new password. The rules are the
// service's (shop/passwordreset.go).

// forgotView is the form asking for a reset link.
type forgotView struct {
	layoutView
	FormError string
	Notice    string
	Email     fieldView
}

func newForgotView(email string, fields map[string]string) *forgotView {
	return &forgotView{layoutView: layoutView{Title: "Forgot your password?"},
		Email: fieldView{Name: "email", Label: "Email address", Type: "email", Value: email, Error: fields["email"],
			Autocomplete: "email", Required: true}}
}

// resetView is the form of a reset link; Action keeps the token in the
// address the form posts to.
type resetView struct {
	layoutView
	FormError       string
	Action          string
	Password        fieldView
	ConfirmPassword fieldView
}

func newResetView(token string, fields map[string]string) *resetView {
	return &resetView{layoutView: layoutView{Title: "Choose a new password"},
		Action: "/password/reset?" + url.Values{"token": {token}}.Encode(),
		Password: fieldView{Name: "password", Label: "New password", Type: "password", Error: fields["password"],
			Hint: shop.PasswordHint, Autocomplete: "new-password", Required: true},
		ConfirmPassword: fieldView{Name: "confirm_password", Label: "Confirm new password", Type: "password",
			Error: fields["confirm_password"], Autocomplete: "new-password", Required: true}}
}

// resetSentNotice is the answer to every accepted request, whether or not
// the address has an account.
const resetSentNotice = "If an account uses that address, we have sent it a link to choose a new password. " +
	"It works once, for 30 minutes. No message? Check the spam folder, or ask again in a few minutes."

// handleForgotForm serves GET /password/forgot; after a request (?sent=1)
// it says the link is on its way.
func (s *server) handleForgotForm(w http.ResponseWriter, r *http.Request) {
	v := newForgotView("", nil)
	if r.URL.Query().Get("sent") == "1" {
		v.Notice = resetSentNotice
	}
	s.render(w, r, http.StatusOK, "password_forgot", v)
}

// handleForgot serves POST /password/forgot: 303 to the form saying the
// link is sent, the same whether or not the account exists; 422 for an
// address that cannot be one; 429 when the client address asked too often.
func (s *server) handleForgot(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email := r.PostForm.Get("email")
	err := s.shop.RequestPasswordReset(r.Context(), email)
	switch {
	case err == nil:
		seeOther(w, r, "/password/forgot?sent=1")
	case errors.Is(err, shop.ErrTooManyResetRequests):
		v := newForgotView(email, nil)
		v.FormError = "Too many password reset requests came from your network. Please try again in an hour."
		w.Header().Set("Retry-After", strconv.Itoa(int(shop.ResetWindow.Seconds())))
		s.render(w, r, http.StatusTooManyRequests, "password_forgot", v)
	case fieldMessages(err) != nil:
		v := newForgotView(email, fieldMessages(err))
		v.FormError = problemFor(err).Message
		s.render(w, r, http.StatusUnprocessableEntity, "password_forgot", v)
	default:
		s.errorPage(w, r, err)
	}
}

// handleResetForm serves GET /password/reset?token=...: the form, or a
// page saying the link no longer works.
func (s *server) handleResetForm(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	token := r.URL.Query().Get("token")
	if err := s.shop.CheckPasswordReset(r.Context(), token); err != nil {
		s.resetFailed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "password_reset", newResetView(token, nil))
}

// handleReset serves POST /password/reset?token=... (the token may come
// as a form field too): 303 to the sign-in page once the password is set;
// 422, the link still usable, for a refused password.
func (s *server) handleReset(w http.ResponseWriter, r *http.Request) {
	noReferrer(w)
	if !s.parseForm(w, r) {
		return
	}
	token := r.FormValue("token") // the form's field first, then the address's
	err := s.shop.ResetPassword(r.Context(), shop.ResetPasswordInput{Token: token,
		Password: r.PostForm.Get("password"), ConfirmPassword: r.PostForm.Get("confirm_password")})
	if fields := fieldMessages(err); fields != nil {
		v := newResetView(token, fields)
		v.FormError = problemFor(err).Message
		s.render(w, r, http.StatusUnprocessableEntity, "password_reset", v)
		return
	}
	if err != nil {
		s.resetFailed(w, r, err)
		return
	}
	seeOther(w, r, "/login?password_reset=1")
}

// resetFailed answers a dead link with a page offering a new one (400),
// and any other error with the error page.
func (s *server) resetFailed(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, shop.ErrResetLinkInvalid) {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusBadRequest, "message", &messageView{layoutView: layoutView{Title: "Link expired"},
		Heading: "This link no longer works",
		Message: "Password reset links work once, for 30 minutes, and only until the password changes. Ask for a new one.",
		Links:   []linkView{{URL: "/password/forgot", Text: "Ask for a new link"}, {URL: "/login", Text: "Sign in"}}})
}

// noReferrer keeps the reset link's token out of the Referer of anything
// the page loads or links to.
func noReferrer(w http.ResponseWriter) { w.Header().Set("Referrer-Policy", "no-referrer") }
