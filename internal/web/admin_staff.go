package web

import (
	"errors"
	"html/template"
	"net/http"

	"storefront/internal/shop"
)

// The staff page: who is staff, adding a staff member, and resetting
// another's second factor. Both changes ask for the acting staff member's
// own password again, and their answer is the one page that shows the new
// secret: 200 with the page rather than 303, since a redirect would need
// the secret kept somewhere to show it after. The page is not cached
// (render), and the secret is never shown again.

// adminStaffView lists the staff.
type adminStaffView struct {
	adminView
	Staff []shop.User
	Me    string // the id of the staff member looking
}

// handleAdminStaff serves GET /admin/staff.
func (s *server) handleAdminStaff(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	members, err := s.shop.StaffMembers(r.Context())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_staff", &adminStaffView{adminView: newAdminView("Staff", "/admin/staff"),
		Staff: members, Me: staff.ID})
}

// adminStaffNewView is the form that adds a staff member.
type adminStaffNewView struct {
	adminView
	FormError       string
	Email           fieldView
	Name            fieldView
	Password        fieldView
	CurrentPassword fieldView
}

func newAdminStaffNewView(in shop.StaffInput, fields map[string]string) *adminStaffNewView {
	return &adminStaffNewView{adminView: newAdminView("Add a staff member", "/admin/staff"),
		Email: fieldView{Name: "email", Label: "Their email address", Type: "email", Value: in.Email, Required: true,
			Autocomplete: "off", Error: fields["email"]},
		Name: fieldView{Name: "name", Label: "Their name", Type: "text", Value: in.Name, Required: true,
			Autocomplete: "off", Error: fields["name"]},
		Password: fieldView{Name: "password", Label: "Their first password", Type: "password", Required: true,
			Autocomplete: "new-password", Error: fields["password"],
			Hint: "12 to 128 characters. Give it to them in person; they can change it on their account page."},
		CurrentPassword: currentPasswordField(fields),
	}
}

// currentPasswordField is the acting staff member's own password, asked
// again before a sensitive change.
func currentPasswordField(fields map[string]string) fieldView {
	return fieldView{Name: "current_password", Label: "Your password", Type: "password", Required: true,
		Autocomplete: "current-password", Error: fields["current_password"], Hint: "To confirm it is you who makes this change."}
}

// handleAdminStaffNewForm serves GET /admin/staff/new.
func (s *server) handleAdminStaffNewForm(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	s.render(w, r, http.StatusOK, "admin_staff_new", newAdminStaffNewView(shop.StaffInput{}, nil))
}

// handleAdminStaffNew serves POST /admin/staff/new (fields email, name,
// password, current_password): the new staff member's second factor
// secret, shown this once; or the form again with 422, 429 while the
// acting account is locked.
func (s *server) handleAdminStaffNew(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	in := shop.StaffInput{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Password: r.PostForm.Get("password")}
	member, key, err := s.shop.AddStaffMember(r.Context(), staff, r.PostForm.Get("current_password"), in)
	if errors.Is(err, shop.ErrEmailTaken) {
		err = &shop.ValidationError{Fields: map[string]string{"email": problemFor(err).Message}}
	}
	if err != nil {
		fields, status, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		v := newAdminStaffNewView(in, fields)
		v.FormError = problemFor(err).Message
		s.render(w, r, status, "admin_staff_new", v)
		return
	}
	s.showStaffSecret(w, r, "Staff member added", member, key)
}

// adminStaffResetView confirms the reset of a staff member's second factor.
type adminStaffResetView struct {
	adminView
	FormError       string
	Member          shop.User
	CurrentPassword fieldView
}

// handleAdminStaffResetForm serves GET /admin/staff/{id}/reset.
func (s *server) handleAdminStaffResetForm(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	member, err := s.staffMember(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_staff_reset", &adminStaffResetView{adminView: newAdminView("Reset second factor", "/admin/staff"),
		Member: *member, CurrentPassword: currentPasswordField(nil)})
}

// handleAdminStaffReset serves POST /admin/staff/{id}/reset (field
// current_password): the member's new second factor secret, shown this
// once (every session of theirs ended); or the form again with 422 (a
// wrong password, or one's own account), 429 while locked; 404 for an id
// that is no staff member.
func (s *server) handleAdminStaffReset(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	if !s.parseForm(w, r) {
		return
	}
	member, key, err := s.shop.ResetStaffSecondFactor(r.Context(), staff, r.PostForm.Get("current_password"), r.PathValue("id"))
	if err != nil {
		fields, status, ok := s.formRefusal(w, r, err)
		if !ok {
			return
		}
		target, err := s.staffMember(r)
		if err != nil {
			s.errorPage(w, r, err)
			return
		}
		v := &adminStaffResetView{adminView: newAdminView("Reset second factor", "/admin/staff"), Member: *target,
			CurrentPassword: currentPasswordField(fields), FormError: problemFor(err).Message}
		if fields["user"] != "" {
			v.FormError = fields["user"]
		}
		s.render(w, r, status, "admin_staff_reset", v)
		return
	}
	s.showStaffSecret(w, r, "Second factor reset", member, key)
}

// staffMember returns the staff member the path's {id} names, or
// ErrNotFound.
func (s *server) staffMember(r *http.Request) (*shop.User, error) {
	members, err := s.shop.StaffMembers(r.Context())
	if err != nil {
		return nil, err
	}
	for i := range members {
		if members[i].ID == r.PathValue("id") {
			return &members[i], nil
		}
	}
	return nil, shop.ErrNotFound
}

// adminStaffSecretView shows a new second factor secret, once.
type adminStaffSecretView struct {
	adminView
	Heading string
	Member  *shop.User
	Secret  string
	QRCode  template.HTML
}

// showStaffSecret answers a change that made member a new secret.
func (s *server) showStaffSecret(w http.ResponseWriter, r *http.Request, heading string, member *shop.User, key *shop.TOTPKey) {
	qr, err := qrSVG(key.URL, "QR code of the setup key of "+member.Name)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_staff_secret", &adminStaffSecretView{adminView: newAdminView(heading, "/admin/staff"),
		Heading: heading, Member: member, Secret: key.Secret, QRCode: qr})
}
