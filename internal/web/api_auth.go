package web

import (
	"errors"
	"net/http"
	"strings"

	"storefront/internal/shop"
)

// apiAuthHandler is a handler of a call that needs a bearer token.
type apiAuthHandler func(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User)

// apiAuth authenticates the bearer token of a request for h: a missing,
// unknown, revoked or expired token is 401 with WWW-Authenticate.
func (s *server) apiAuth(h apiAuthHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := apiBearerToken(r)
		if !ok {
			s.apiError(w, r, shop.ErrUnauthorized)
			return
		}
		sess, u, err := s.shop.TokenUser(r.Context(), token)
		if err != nil {
			if errors.Is(err, shop.ErrUnauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="storefront", error="invalid_token"`)
			}
			s.apiError(w, r, err)
			return
		}
		h(w, r, sess, u)
	}
}

// apiBearerToken returns the token of "Authorization: Bearer TOKEN" (the
// scheme in any letter case, RFC 7235).
func apiBearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}
