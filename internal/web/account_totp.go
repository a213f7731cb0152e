package web

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"storefront/internal/shop"
)

// secondFactorView is the account's second factor page: enrolment (the
// secret as text and as a QR code, and the first code that confirms it)
// when the account has none, else the form that removes it.
type secondFactorView struct {
	layoutView
	FormError string
	Enabled   bool
	Staff     bool // staff keep theirs: no form to remove it
	Secret    string
	QRCode    template.HTML
	// SetupURL is the key as an otpauth: link, which a phone hands to its
	// authenticator app: the QR code cannot be scanned by the phone that
	// shows it.
	SetupURL        template.URL
	Code            fieldView
	CurrentPassword fieldView
}

func newSecondFactorView(u *shop.User, fields map[string]string) *secondFactorView {
	return &secondFactorView{layoutView: layoutView{Title: "Two-step sign-in"}, Enabled: u.TOTPSecret != "", Staff: u.IsStaff(),
		Code: fieldView{Name: "code", Label: "6-digit code", Type: "text", Autocomplete: "one-time-code", Required: true,
			Error: fields["code"], Hint: "The code your authenticator app shows now."},
		CurrentPassword: fieldView{Name: "current_password", Label: "Current password", Type: "password",
			Autocomplete: "current-password", Required: true, Error: fields["current_password"]}}
}

// withKey shows key on an enrolment page; a nil key is the error of
// making one.
func (v *secondFactorView) withKey(key *shop.TOTPKey, err error) error {
	if err != nil {
		return err
	}
	qr, err := qrSVG(key.URL, "QR code of the setup key for your authenticator app")
	v.Secret, v.QRCode = key.Secret, qr
	if strings.HasPrefix(key.URL, "otpauth://") { // the key's own URL: never a script
		v.SetupURL = template.URL(key.URL) // #nosec G203 -- built by the otp library from our secret
	}
	return err
}

// enrolmentKey is the key an enrolment page shows: the one posted back
// (secret) when reuse says it is valid, else a new one.
func (s *server) enrolmentKey(u *shop.User, secret string, reuse bool) (*shop.TOTPKey, error) {
	if reuse {
		return shop.SecondFactorKey(u, secret), nil
	}
	return s.shop.NewSecondFactor(u)
}

// handleSecondFactor serves GET /account/second-factor (signed in): a new
// secret to enrol, or the form to remove the one the account has.
func (s *server) handleSecondFactor(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/account/second-factor")
	if !ok {
		return
	}
	s.renderSecondFactor(w, r, vis.User, nil, "")
}

// renderSecondFactor answers with the second factor page of u: 200, or,
// when err refused its form, the form again with err's messages
// (formRefusal). An enrolment shows the key posted back (postedKey) unless
// it was refused, else a new one.
func (s *server) renderSecondFactor(w http.ResponseWriter, r *http.Request, u *shop.User, err error, postedKey string) {
	status, fields := http.StatusOK, map[string]string(nil)
	if err != nil {
		var ok bool
		if fields, status, ok = s.formRefusal(w, r, err); !ok {
			return
		}
	}
	v := newSecondFactorView(u, fields)
	if err != nil {
		v.FormError = problemFor(err).Message
		if fields["key"] != "" {
			v.FormError = fields["key"]
		}
	}
	if !v.Enabled {
		if err := v.withKey(s.enrolmentKey(u, postedKey, postedKey != "" && fields["key"] == "")); err != nil {
			s.errorPage(w, r, err)
			return
		}
	}
	s.render(w, r, status, "account_second_factor", v)
}

// handleSecondFactorEnable serves POST /account/second-factor (signed in;
// fields current_password, key and code): the secret shown (the setup key) becomes the
// account's second factor once a current code of it confirms it; 303 to
// the account page, or the page again with 422 (the same key, unless it
// was no valid one). The key travels in the form, being on the page
// anyway: nothing is stored before a code proves the app has it, and the
// cross-origin protection keeps other sites from posting a key of theirs.
func (s *server) handleSecondFactorEnable(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/account/second-factor")
	if !ok || !s.parseForm(w, r) {
		return
	}
	secret := r.PostForm.Get("key")
	err := s.shop.EnableSecondFactor(r.Context(), vis.User, r.PostForm.Get("current_password"), secret, r.PostForm.Get("code"))
	if err == nil {
		seeOther(w, r, "/account?updated=second-factor")
		return
	}
	s.renderSecondFactor(w, r, vis.User, err, secret)
}

// handleSecondFactorRemove serves POST /account/second-factor/remove
// (signed in; fields current_password and code): 303 to the account page,
// or the page again with 422, or 429 while the account is locked (a wrong
// password counts as a failed sign-in).
func (s *server) handleSecondFactorRemove(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/account/second-factor")
	if !ok || !s.parseForm(w, r) {
		return
	}
	err := s.shop.DisableSecondFactor(r.Context(), vis.User, r.PostForm.Get("current_password"), r.PostForm.Get("code"))
	if err == nil {
		seeOther(w, r, "/account?updated=second-factor-off")
		return
	}
	s.renderSecondFactor(w, r, vis.User, err, "")
}

// formRefusal sorts the error of a form's service call: field messages
// (422), or a throttled account (429, with Retry-After and no fields);
// any other error is answered here with its error page, and ok is false.
func (s *server) formRefusal(w http.ResponseWriter, r *http.Request, err error) (fields map[string]string, status int, ok bool) {
	if errors.Is(err, shop.ErrThrottled) {
		setRetryAfter(w, problemFor(err), err)
		return nil, http.StatusTooManyRequests, true
	}
	if fields = fieldMessages(err); fields == nil {
		s.errorPage(w, r, err)
		return nil, 0, false
	}
	return fields, http.StatusUnprocessableEntity, true
}
