package web

// The staff area: HTML under /admin, JSON under /api/v1/admin.
//
// For anyone but a signed-in staff member whose session or token passed the
// second factor (shop.StaffOf), every path of it answers 404, the normal
// not-found page or the API's 404 not_found, so the area does not even
// show that it exists. How to add to it:
//
//   - A page: register it in routes.go, in the staff area's section, as
//     mux.Handle("GET /admin/things", s.staffOnly(s.handleAdminThings)),
//     where handleAdminThings is a staffPageHandler: it receives the staff
//     member (*shop.User) who asks. Render with s.render as every page;
//     the view embeds adminView (the staff area's navigation) instead of
//     layoutView. Add the page's link to adminNav below.
//   - An API call: add it to apiRouteTable in api_routes.go as
//     {"GET /api/v1/admin/things", s.apiStaffOnly(s.handleAPIAdminThings)},
//     a staffAPIHandler, which receives the staff member too.
//   - A section of the dashboard (GET /admin): a field of adminDashboardView
//     filled in handleAdminDashboard, and a block in admin.html.
//
// Route patterns under /admin or /api/v1/admin registered without the gate
// fail admin_routes_test.go, which asks every one of them as a guest, a
// customer and a staff member without the second factor. Tests sign in as
// staff with newStaffClients (staff_env_test.go).

import (
	"errors"
	"net/http"
	"strings"

	"storefront/internal/shop"
)

// staffPageHandler is a page of the staff area; staff is who asks.
type staffPageHandler func(w http.ResponseWriter, r *http.Request, staff *shop.User)

// staffAPIHandler is an API call of the staff area; staff is who asks.
type staffAPIHandler func(w http.ResponseWriter, r *http.Request, staff *shop.User)

// staffOnly serves h to staff who passed the second factor, and the
// not-found page to everyone else (withSession loads the visit first).
func (s *server) staffOnly(h staffPageHandler) http.Handler {
	return s.withSession(func(w http.ResponseWriter, r *http.Request) {
		v := visitFrom(r.Context())
		staff := shop.StaffOf(v.Session, v.User)
		if staff == nil {
			s.errorPage(w, r, errNoRoute)
			return
		}
		h(w, r, staff)
	})
}

// apiStaffOnly serves h to a bearer token of staff who passed the second
// factor, and 404 not_found to everything else: no token, a bad one or a
// customer's alike, never 401, which would tell the call exists.
func (s *server) apiStaffOnly(h staffAPIHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		staff, err := s.apiStaff(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		h(w, r, staff)
	}
}

// apiStaff returns the staff member of the request's bearer token, or the
// API's no-route error (a store failure stays what it is).
func (s *server) apiStaff(r *http.Request) (*shop.User, error) {
	noRoute := &requestError{problem{http.StatusNotFound, "not_found", apiNoRouteMessage}}
	token, ok := apiBearerToken(r)
	if !ok {
		return nil, noRoute
	}
	sess, u, err := s.shop.TokenUser(r.Context(), token)
	switch {
	case errors.Is(err, shop.ErrUnauthorized):
		return nil, noRoute
	case err != nil:
		return nil, err
	}
	if staff := shop.StaffOf(sess, u); staff != nil {
		return staff, nil
	}
	return nil, noRoute
}

// isStaffAPIPath reports whether path is under /api/v1/admin.
func isStaffAPIPath(path string) bool {
	return path == "/api/v1/admin" || strings.HasPrefix(path, "/api/v1/admin/")
}

// hideStaffAPI wraps the API's no-route answer (405 with Allow for a known
// path): under /api/v1/admin only staff get it, everyone else 404, so a
// wrong method does not reveal a staff call either.
func (s *server) hideStaffAPI(noRoute http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStaffAPIPath(r.URL.Path) {
			if _, err := s.apiStaff(r); err != nil {
				s.apiError(w, r, err)
				return
			}
		}
		noRoute.ServeHTTP(w, r)
	})
}

// handleAdminNoRoute answers a staff member's request for a path of the
// staff area that has no page (or not with that method): the not-found
// page. Registered for every method, it keeps the mux from answering 405,
// which would tell anyone that the path exists.
func (s *server) handleAdminNoRoute(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	s.errorPage(w, r, errNoRoute)
}

// adminNav is the staff area's navigation, in order; add a page's link
// here.
var adminNav = []linkView{
	{URL: "/admin", Text: "Dashboard"},
	{URL: "/admin/products", Text: "Products"},
	{URL: "/admin/categories", Text: "Categories"},
	{URL: "/admin/orders", Text: "Orders"},
	{URL: "/admin/audit", Text: "Audit log"},
	{URL: "/admin/processing", Text: "Processing"},
	{URL: "/admin/staff", Text: "Staff"},
}

// adminView is what every page of the staff area shows around its content:
// the layout and the staff area's navigation, with Current the address of
// the page shown (aria-current).
type adminView struct {
	layoutView
	Nav     []linkView
	Current string
}

// newAdminView is the frame of the staff page at path, titled title.
func newAdminView(title, path string) adminView {
	return adminView{layoutView: layoutView{Title: title}, Nav: adminNav, Current: path}
}

// adminDashboardView is the dashboard. Parts of the staff area add their
// sections as fields here.
type adminDashboardView struct {
	adminView
	Staff *shop.User
	// The sections: products low in stock (admin_products.go), the
	// newest orders (admin_orders.go).
	shop.StaffDashboard
}

// handleAdminDashboard serves GET /admin: the staff area's start page.
func (s *server) handleAdminDashboard(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	d, err := s.shop.Dashboard(r.Context(), staff, recentOrdersShown)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin", &adminDashboardView{adminView: newAdminView("Staff area", "/admin"), Staff: staff,
		StaffDashboard: *d})
}
