package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"storefront/internal/shop"
)

// registerView is the registration form.
type registerView struct {
	layoutView
	FormError       string
	Next            string
	LoginURL        string
	Email           fieldView
	Name            fieldView
	Password        fieldView
	ConfirmPassword fieldView
}

func newRegisterView(in shop.RegisterInput, next string, fields map[string]string) *registerView {
	return &registerView{
		layoutView: layoutView{Title: "Create an account"}, Next: next, LoginURL: withNext("/login", next),
		Email: fieldView{Name: "email", Label: "Email address", Type: "email", Value: in.Email, Error: fields["email"],
			Autocomplete: "email", Required: true},
		Name: fieldView{Name: "name", Label: "Your name", Type: "text", Value: in.Name, Error: fields["name"],
			Autocomplete: "name", Required: true},
		Password: fieldView{Name: "password", Label: "Password", Type: "password", Error: fields["password"],
			Hint:         shop.PasswordHint,
			Autocomplete: "new-password", Required: true},
		ConfirmPassword: fieldView{Name: "confirm_password", Label: "Confirm password", Type: "password",
			Error: fields["confirm_password"], Autocomplete: "new-password", Required: true},
	}
}

// loginView is the sign-in form.
type loginView struct {
	layoutView
	FormError   string
	Notice      string
	Next        string
	RegisterURL string
	Email       fieldView
	Password    fieldView
}

func newLoginView(email, next string) *loginView {
	return &loginView{
		layoutView: layoutView{Title: "Sign in"}, Next: next, RegisterURL: withNext("/register", next),
		Email: fieldView{Name: "email", Label: "Email address", Type: "email", Value: email,
			Autocomplete: "email", Required: true},
		Password: fieldView{Name: "password", Label: "Password", Type: "password",
			Autocomplete: "current-password", Required: true},
	}
}

// missingFields marks the email and password fields left empty, and
// reports whether one was.
func (v *loginView) missingFields(password string) bool {
	if strings.TrimSpace(v.Email.Value) == "" {
		v.Email.Error = "Enter your email address."
	}
	if password == "" {
		v.Password.Error = "Enter your password."
	}
	return v.Email.Error != "" || v.Password.Error != ""
}

// accountView is the account page: the name form and the password form.
type accountView struct {
	layoutView
	Notice            string
	Email             string
	NameFormError     string
	PasswordFormError string
	Name              fieldView
	CurrentPassword   fieldView
	NewPassword       fieldView
	ConfirmPassword   fieldView
}

func newAccountView(u *shop.User, name string, fields map[string]string) *accountView {
	return &accountView{
		layoutView: layoutView{Title: "Your account"}, Email: u.Email,
		Name: fieldView{Name: "name", Label: "Your name", Type: "text", Value: name, Error: fields["name"],
			Autocomplete: "name", Required: true},
		CurrentPassword: fieldView{Name: "current_password", Label: "Current password", Type: "password",
			Error: fields["current_password"], Autocomplete: "current-password", Required: true},
		NewPassword: fieldView{Name: "new_password", Label: "New password", Type: "password",
			Error: fields["new_password"], Hint: shop.PasswordHint,
			Autocomplete: "new-password", Required: true},
		ConfirmPassword: fieldView{Name: "confirm_password", Label: "Confirm new password", Type: "password",
			Error: fields["confirm_password"], Autocomplete: "new-password", Required: true},
	}
}

// handleRegisterForm serves GET /register.
func (s *server) handleRegisterForm(w http.ResponseWriter, r *http.Request) {
	s.setCookieCheck(w, r)
	next := localNext(r.URL.Query().Get("next"))
	s.render(w, r, http.StatusOK, "register", newRegisterView(shop.RegisterInput{}, next, nil))
}

// handleRegister serves POST /register: it creates the account and signs
// the user in (303 to next, or /); invalid fields or a taken email show the
// form again with 422.
func (s *server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := shop.RegisterInput{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"),
		Password: r.PostForm.Get("password"), ConfirmPassword: r.PostForm.Get("confirm_password")}
	next := localNext(r.PostForm.Get("next"))
	// The service counts registrations per client address, which the
	// middleware put in the request's context.
	signed, err := s.shop.SignUp(r.Context(), in, visitFrom(r.Context()))
	if err != nil {
		if errors.Is(err, shop.ErrTooManyRegistrations) {
			// The form again, values kept, for when the limit is over.
			v := newRegisterView(in, next, nil)
			v.FormError = problemFor(err).Message
			setRetryAfter(w, problemFor(err), err)
			s.setCookieCheck(w, r)
			s.render(w, r, http.StatusTooManyRequests, "register", v)
			return
		}
		fields := fieldMessages(err)
		if errors.Is(err, shop.ErrEmailTaken) {
			// Shown at the field like any other problem with the form.
			fields = map[string]string{"email": problemFor(err).Message}
		}
		if fields == nil {
			s.errorPage(w, r, err)
			return
		}
		v := newRegisterView(in, next, fields)
		v.FormError = problemFor(&shop.ValidationError{}).Message
		s.setCookieCheck(w, r)
		s.render(w, r, http.StatusUnprocessableEntity, "register", v)
		return
	}
	s.signedIn(w, r, signed, next, "registered")
}

// handleLoginForm serves GET /login. After a sign-in that arrived without
// any cookie it is asked with cookies=1: if the new session cookie came
// back it goes on to next, else the browser refuses cookies and is told so.
func (s *server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	next := localNext(q.Get("next"))
	v := newLoginView("", next)
	if q.Get("password_reset") == "1" { // after /password/reset
		v.Notice = "Your password was changed and every session of your account ended. Sign in with the new password."
	}
	status := http.StatusOK
	if q.Get("cookies") == "1" {
		if visitFrom(r.Context()).User != nil {
			seeOther(w, r, orHome(next))
			return
		}
		status = http.StatusBadRequest
		v.FormError = problemFor(errCookiesRequired).Message
		if q.Get("registered") == "1" {
			v.Notice = "Your account was created. Once cookies are allowed, sign in with it."
		}
	}
	s.setCookieCheck(w, r)
	s.render(w, r, status, "login", v)
}

// handleLogin serves POST /login: it signs the user in with a new session
// (the guest cart merges into theirs) and answers 303 to next when it is a
// local path, else to /. A wrong password and an unknown email get the same
// 401 form; a throttled account or address gets 429.
func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email := r.PostForm.Get("email")
	next := localNext(r.PostForm.Get("next"))
	if v := newLoginView(email, next); v.missingFields(r.PostForm.Get("password")) {
		// An empty field is the form's to say, at the field: nothing is
		// asked of the store, and no failure is counted.
		v.FormError = problemFor(&shop.ValidationError{}).Message
		s.setCookieCheck(w, r)
		s.render(w, r, http.StatusUnprocessableEntity, "login", v)
		return
	}
	signed, err := s.shop.LogIn(r.Context(), email, r.PostForm.Get("password"), clientAddr(r), visitFrom(r.Context()))
	if err != nil {
		if !errors.Is(err, shop.ErrInvalidCredentials) && !errors.Is(err, shop.ErrThrottled) {
			s.errorPage(w, r, err)
			return
		}
		p := problemFor(err)
		setRetryAfter(w, p, err)
		v := newLoginView(email, next)
		v.FormError = p.Message
		s.setCookieCheck(w, r)
		s.render(w, r, p.Status, "login", v)
		return
	}
	s.signedIn(w, r, signed, next, "")
}

// signedIn finishes a sign-in or registration: the browser gets the new
// session's cookie and the answer is 303 to next (to /login/code first
// for a password step that awaits its second factor's code). A request that carried no cookie at all
// may come from a browser that refuses them: it goes by the sign-in page,
// which tells such a browser so, and sends any other on to next.
//
// When the cart merge left products out, the next cart or checkout page
// names them (flashNotMerged), so the shopper learns it before ordering.
func (s *server) signedIn(w http.ResponseWriter, r *http.Request, signed *shop.SignedIn, next, via string) {
	s.setSessionCookie(w, r, signed)
	if shop.AwaitsCode(signed.Session) {
		// The password was right; the session grants nothing until the
		// second factor's code passes (login_code.go).
		seeOther(w, r, withNext("/login/code", next))
		return
	}
	if len(signed.CartShortfall) > 0 {
		s.flashNotMerged(w, r, signed.CartShortfall)
	}
	if !hasCookies(r) {
		q := url.Values{"cookies": {"1"}}
		if next != "" {
			q.Set("next", next)
		}
		if via != "" {
			q.Set(via, "1")
		}
		seeOther(w, r, "/login?"+q.Encode())
		return
	}
	seeOther(w, r, orHome(next))
}

// handleLogout serves POST /logout: the session ends on the server (its
// cookie is useless from now on), the cookie is cleared, 303 to /.
func (s *server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if sess := visitFrom(r.Context()).Session; sess != nil {
		if err := s.shop.EndSession(r.Context(), sess); err != nil {
			s.errorPage(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w, r)
	seeOther(w, r, "/")
}

// handleAccount serves GET /account (signed in): the forms to change the
// name and the password.
func (s *server) handleAccount(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/account")
	if !ok {
		return
	}
	v := newAccountView(vis.User, vis.User.Name, nil)
	switch r.URL.Query().Get("updated") {
	case "name":
		v.Notice = "Your name is saved."
	case "password":
		v.Notice = "Your password is changed. You were signed out everywhere else."
	case "second-factor":
		v.Notice = "Two-step sign-in is on: signing in now asks for a code of your authenticator app."
	case "second-factor-off":
		v.Notice = "Two-step sign-in is off."
	}
	s.render(w, r, http.StatusOK, "account", v)
}

// handleAccountName serves POST /account/name (signed in): 303 back to the
// account page, or the page again with 422.
func (s *server) handleAccountName(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/account")
	if !ok || !s.parseForm(w, r) {
		return
	}
	name := r.PostForm.Get("name")
	if _, err := s.shop.UpdateName(r.Context(), vis.User, name); err != nil {
		fields := fieldMessages(err)
		if fields == nil {
			s.errorPage(w, r, err)
			return
		}
		v := newAccountView(vis.User, name, fields)
		v.NameFormError = problemFor(err).Message
		s.render(w, r, http.StatusUnprocessableEntity, "account", v)
		return
	}
	seeOther(w, r, "/account?updated=name")
}

// handleAccountPassword serves POST /account/password (signed in): the
// password changes, every other session ends and this one is renewed (a new
// cookie replaces the old); 303 back to the account page, or the page again
// with 422, or with 429 while the account is locked (wrong current
// passwords count as failed sign-ins).
func (s *server) handleAccountPassword(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/account")
	if !ok || !s.parseForm(w, r) {
		return
	}
	in := shop.ChangePasswordInput{CurrentPassword: r.PostForm.Get("current_password"),
		NewPassword: r.PostForm.Get("new_password"), ConfirmPassword: r.PostForm.Get("confirm_password")}
	signed, err := s.shop.ChangePassword(r.Context(), vis.User, vis.Session, in)
	if err != nil {
		fields := fieldMessages(err)
		status := http.StatusUnprocessableEntity
		if errors.Is(err, shop.ErrThrottled) {
			status = http.StatusTooManyRequests
			setRetryAfter(w, problemFor(err), err)
		} else if fields == nil {
			s.errorPage(w, r, err)
			return
		}
		v := newAccountView(vis.User, vis.User.Name, fields)
		v.PasswordFormError = problemFor(err).Message
		s.render(w, r, status, "account", v)
		return
	}
	s.setSessionCookie(w, r, signed)
	seeOther(w, r, "/account?updated=password")
}

// localNext returns next when it is a path on this site, else "": a
// sign-in never sends anyone to another site.
func localNext(next string) string {
	if shop.IsLocalPath(next) {
		return next
	}
	return ""
}

// orHome returns next, or / when there is none.
func orHome(next string) string {
	if next == "" {
		return "/"
	}
	return next
}

// withNext returns page with next, a local path, as its query:
// "/login?next=/checkout" (slashes kept readable, the rest escaped).
func withNext(page, next string) string {
	if next == "" || next == "/" {
		return page
	}
	return page + "?next=" + strings.ReplaceAll(url.QueryEscape(next), "%2F", "/")
}

// parseForm reads a posted form into r.PostForm. A body over the limit is
// a 413 page, an unreadable one a 400 page; it then reports false.
func (s *server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			err = errBadForm
		}
		s.errorPage(w, r, err)
		return false
	}
	return true
}
