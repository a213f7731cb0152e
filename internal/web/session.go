package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"storefront/internal/shop"
)

// Session cookies hold a random secret (and, as hints for reading, the ids
// of the session's user and cart); the session itself (user, cart,
// expiry) is kept by the service, so signing out revokes it for good.
// Over HTTPS the cookie is named with the __Host- prefix: browsers then
// accept it only when Secure, host-only and Path=/, so neither a subdomain
// nor a plain-HTTP page can plant or overwrite it.
const (
	sessionCookieSecure = "__Host-session"
	sessionCookiePlain  = "session"
	// cookieCheckName is a harmless cookie set with the sign-in and
	// registration forms: a form posted back without any cookie comes from
	// a browser that refuses them.
	cookieCheckName   = "cookie_check"
	cookieCheckMaxAge = time.Hour
)

// visitFrom returns the visit withSession loaded; a request it did not
// see is an anonymous visitor.
func visitFrom(ctx context.Context) *shop.Visit {
	if v, ok := ctx.Value(ctxKeyVisit).(*shop.Visit); ok {
		return v
	}
	return &shop.Visit{}
}

// sessionCookieName is the session cookie's name for the request's scheme.
func (s *server) sessionCookieName(r *http.Request) string {
	if s.isHTTPS(r) {
		return sessionCookieSecure
	}
	return sessionCookiePlain
}

// withSession loads the visit of the request's cookie (session and user,
// once: shop.StartVisit) into the context for a page handler. The cart
// summary is read only by a page that shows it (render's count, the cart
// and checkout pages: shop.Visit.Cart), once per request, so a POST that
// only redirects reads no cart. An unknown, expired or revoked cookie is
// cleared and the visitor is a guest; a store failure is an error page, so
// a guest cart is never silently replaced by a new one.
func (s *server) withSession(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if c, err := r.Cookie(s.sessionCookieName(r)); err == nil {
			token = c.Value
		}
		v, err := s.shop.StartVisit(r.Context(), token)
		switch {
		case errors.Is(err, shop.ErrUnauthorized):
			s.clearSessionCookie(w, r)
			v = &shop.Visit{}
		case err != nil:
			s.errorPage(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKeyVisit, v)))
	})
}

// setSessionCookie hands the browser the cookie of a new session: its
// secret and the ids of its user and cart, with which the next requests
// read it in one store call (shop.SignedIn.Credential). It lives as long
// as the session may.
func (s *server) setSessionCookie(w http.ResponseWriter, r *http.Request, in *shop.SignedIn) {
	maxAge := int(in.Session.ExpiresAt.Sub(in.Session.CreatedAt).Seconds())
	http.SetCookie(w, s.newCookie(r, s.sessionCookieName(r), in.Credential(), maxAge))
}

// clearSessionCookie tells the browser to forget its session cookie.
func (s *server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.newCookie(r, s.sessionCookieName(r), "", -1))
}

// setCookieCheck sets the test cookie that tells a cookie-refusing browser
// from one that simply has no session yet.
func (s *server) setCookieCheck(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.newCookie(r, cookieCheckName, "1", int(cookieCheckMaxAge.Seconds())))
}

// newCookie is every cookie the shop sets: host-only (no Domain), Path=/,
// HttpOnly (no script reads it), SameSite=Lax (other sites' forms do not
// carry it) and, over HTTPS, Secure. Over plain HTTP (local use) Secure
// is left out, since browsers would drop the cookie.
func (s *server) newCookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{ // #nosec G124 -- Secure is set whenever the request came over HTTPS
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.isHTTPS(r), SameSite: http.SameSiteLaxMode,
	}
}

// hasCookies reports whether the browser sent any cookie at all.
func hasCookies(r *http.Request) bool { return len(r.Cookies()) > 0 }

// requireUser returns the signed-in visitor, or sends a guest to the
// sign-in page (303) with the page to come back to, and reports false.
func (s *server) requireUser(w http.ResponseWriter, r *http.Request, next string) (*shop.Visit, bool) {
	v := visitFrom(r.Context())
	if v.User == nil {
		seeOther(w, r, withNext("/login", localNext(next)))
		return nil, false
	}
	return v, true
}

// seeOther answers 303 to path, a page of this site. Every caller passes a
// fixed path or one that passed shop.IsLocalPath; anything else goes to /,
// so no redirect ever leads to another site.
func seeOther(w http.ResponseWriter, r *http.Request, path string) {
	if !shop.IsLocalPath(path) {
		path = "/"
	}
	http.Redirect(w, r, path, http.StatusSeeOther) // #nosec G710 -- path is a local path, checked above
}
