package web

import (
	_ "embed"
	"net/http"
	"strings"
)

// apiRoute is one call of the JSON API: a mux pattern and its handler.
type apiRoute struct {
	pattern string
	handler http.HandlerFunc
}

// apiRouteTable lists the whole JSON API, one call per line. It is the
// single source of apiRoutes and of the test that holds openapi.json to it.
func (s *server) apiRouteTable() []apiRoute {
	return []apiRoute{
		{"POST /api/v1/users", s.handleAPIRegister},
		{"POST /api/v1/tokens", s.handleAPICreateToken},
		{"DELETE /api/v1/tokens/current", s.apiAuth(s.handleAPIDeleteToken)},
		{"GET /api/v1/me", s.apiAuth(s.handleAPIMe)},
		{"GET /api/v1/categories", s.handleAPICategories},
		// The product list is the same for every caller: kept by the
		// catalog's version in the page cache, public to CDNs (httpcache.go).
		{"GET /api/v1/products", s.publicPage(listingPolicy, http.HandlerFunc(s.handleAPIProducts)).ServeHTTP},
		{"GET /api/v1/products/{id}", s.handleAPIProduct},
		{"GET /api/v1/cart", s.apiAuth(s.handleAPICart)},
		{"PUT /api/v1/cart/items/{product_id}", s.apiAuth(s.handleAPICartSet)},
		{"DELETE /api/v1/cart/items/{product_id}", s.apiAuth(s.handleAPICartRemove)},
		{"POST /api/v1/orders", s.apiAuth(s.handleAPIPlaceOrder)},
		{"GET /api/v1/orders", s.apiAuth(s.handleAPIOrders)},
		{"GET /api/v1/orders/{id}", s.apiAuth(s.handleAPIOrder)},
		{"POST /api/v1/orders/{id}/cancel", s.apiAuth(s.handleAPICancelOrder)},
		{"GET /api/v1/admin/orders", s.apiStaffOnly(s.handleAPIAdminOrders)},
		{"GET /api/v1/admin/orders/{id}", s.apiStaffOnly(s.handleAPIAdminOrder)},
		{"POST /api/v1/admin/orders/{id}/status", s.apiStaffOnly(s.handleAPIAdminOrderStatus)},
		{"GET /api/v1/admin/audit", s.apiStaffOnly(s.handleAPIAdminAudit)},
		{"PUT /api/v1/admin/products/{id}/image", s.apiStaffOnly(s.handleAPIAdminPhoto)},
		{"GET /api/v1/admin/products", s.apiStaffOnly(s.handleAPIAdminProducts)},
		{"POST /api/v1/admin/products", s.apiStaffOnly(s.handleAPIAdminProductCreate)},
		{"PATCH /api/v1/admin/products/{id}", s.apiStaffOnly(s.handleAPIAdminProductEdit)},
		{"POST /api/v1/admin/products/{id}/stock", s.apiStaffOnly(s.handleAPIAdminProductStock)},
		{"POST /api/v1/admin/categories", s.apiStaffOnly(s.handleAPIAdminCategoryCreate)},
		{"PATCH /api/v1/admin/categories/{id}", s.apiStaffOnly(s.handleAPIAdminCategoryRename)},
		{"GET /api/v1/openapi.json", s.handleAPIOpenAPI},
	}
}

// apiMethods are the methods the API's catch-all answers in JSON. The
// catch-all is registered once per method rather than as a bare
// "/api/v1/", which would conflict with a page pattern such as "GET /".
var apiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// apiProbeMethods are the methods an Allow header may name.
var apiProbeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// apiRoutes registers the JSON API under /api/v1, and a JSON answer for every other /api/v1/ request: 404 for an unknown path,
// 405 with Allow for a known path asked with another method (the mux's own
// answers to those are plain text).
func (s *server) apiRoutes(mux *http.ServeMux) {
	known := http.NewServeMux() // the API alone, to ask which methods a path has
	for _, rt := range s.apiRouteTable() {
		mux.Handle(rt.pattern, rt.handler)
		known.Handle(rt.pattern, rt.handler)
	}
	notFound := s.hideStaffAPI(s.handleAPINoRoute(known)) // admin.go
	for _, m := range apiMethods {
		mux.Handle(m+" /api/v1/", notFound)
	}
	// Methods outside apiMethods (TRACE, PROPFIND, ...) match no pattern:
	// routeErrors sends those to notFound too, so they get JSON as well.
	s.apiNoRoute = notFound
}

// apiNoRouteMessage answers a request for an unknown API path.
const apiNoRouteMessage = "There is no such API call. The calls are listed in /api/v1/openapi.json."

// handleAPINoRoute answers a request no API route matched: 405 when the
// path has other methods, else 404.
func (s *server) handleAPINoRoute(known *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range apiProbeMethods {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
			if _, pattern := known.Handler(probe); pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			s.apiError(w, r, &requestError{problem{http.StatusNotFound, "not_found", apiNoRouteMessage}})
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.apiError(w, r, &requestError{problem{http.StatusMethodNotAllowed, "method_not_allowed",
			"This path does not accept " + r.Method + "; it accepts " + strings.Join(allow, ", ") + "."}})
	}
}

//go:embed openapi.json
var openAPIDocument []byte

// handleAPIOpenAPI serves GET /api/v1/openapi.json: the OpenAPI 3 document
// of the API.
func (s *server) handleAPIOpenAPI(w http.ResponseWriter, r *http.Request) {
	apiHeaders(w)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDocument) // a failed write means the client left
}
