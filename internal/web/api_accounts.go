package web

import (
	"net/http"

	"storefront/internal/shop"
)

// userJSON is a user as the API shows it: never the password hash.
type userJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func newUserJSON(u *shop.User) userJSON { return userJSON{ID: u.ID, Email: u.Email, Name: u.Name} }

// tokenJSON is a new bearer token; only its hash is kept by the shop.
type tokenJSON struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

// handleAPIRegister serves POST /api/v1/users: 201 the new user.
func (s *server) handleAPIRegister(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	// The API has no confirmation field: a program does not mistype.
	u, err := s.shop.Register(r.Context(), shop.RegisterInput{Email: in.Email, Name: in.Name,
		Password: in.Password, ConfirmPassword: in.Password})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusCreated, newUserJSON(u))
}

// handleAPICreateToken serves POST /api/v1/tokens: 201 a bearer token for
// an email and password, and the current code (otp) of an account with a
// second factor.
func (s *server) handleAPICreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		OTP      string `json:"otp"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	signed, err := s.shop.CreateToken(r.Context(), in.Email, in.Password, in.OTP, clientAddr(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusCreated, tokenJSON{Token: signed.Credential(), ExpiresAt: apiTime(signed.Session.ExpiresAt)})
}

// handleAPIDeleteToken serves DELETE /api/v1/tokens/current: 204, the
// token of the request is revoked.
func (s *server) handleAPIDeleteToken(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	if err := apiNoBody(w, r); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.shop.EndSession(r.Context(), sess); err != nil {
		s.apiError(w, r, err)
		return
	}
	apiNoContent(w)
}

// handleAPIMe serves GET /api/v1/me: the token's user.
func (s *server) handleAPIMe(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	s.apiWrite(w, r, http.StatusOK, newUserJSON(u))
}
