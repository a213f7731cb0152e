package web

import (
	"net/http"
	"net/url"
)

// routes registers every page of the shop, one per line; the JSON API is in
// api_routes.go. Page handlers run withSession, which loads the visitor's
// session and user. Requests no route matches get routeErrors' 404 or 405
// page.
func (s *server) routes(mux *http.ServeMux) {
	page := s.withSession

	// Guests' catalog and product pages are public: cacheable, and kept
	// rendered (httpcache.go); catalog pages with a session are kept
	// around their personal part (signedinpage.go).
	mux.Handle("GET /{$}", s.publicPage(listingPolicy, page(s.framedCatalog(s.handleCatalog))))
	mux.Handle("GET /products", s.publicPage(listingPolicy, page(s.framedCatalog(s.handleCatalog))))
	mux.Handle("GET /products/{id}", s.publicPage(productPolicy, page(s.handleProduct)))

	mux.Handle("GET /cart", page(s.handleCart))
	mux.Handle("POST /cart/items", page(s.handleCartAdd))
	mux.Handle("POST /cart/items/{product_id}", page(s.handleCartSet))
	mux.Handle("POST /cart/confirm-prices", page(s.handleCartConfirmPrices))

	mux.Handle("GET /register", page(s.handleRegisterForm))
	mux.Handle("POST /register", page(s.handleRegister))
	mux.Handle("GET /login", page(s.handleLoginForm))
	mux.Handle("POST /login", page(s.handleLogin))
	mux.Handle("GET /login/code", page(s.handleLoginCodeForm))
	mux.Handle("POST /login/code", page(s.handleLoginCode))
	mux.Handle("POST /logout", page(s.handleLogout))
	mux.Handle("GET /password/forgot", page(s.handleForgotForm))
	mux.Handle("POST /password/forgot", page(s.handleForgot))
	mux.Handle("GET /password/reset", page(s.handleResetForm))
	mux.Handle("POST /password/reset", page(s.handleReset))
	mux.Handle("GET /account", page(s.handleAccount))
	mux.Handle("POST /account/name", page(s.handleAccountName))
	mux.Handle("POST /account/password", page(s.handleAccountPassword))
	mux.Handle("GET /account/second-factor", page(s.handleSecondFactor))
	mux.Handle("POST /account/second-factor", page(s.handleSecondFactorEnable))
	mux.Handle("POST /account/second-factor/remove", page(s.handleSecondFactorRemove))

	mux.Handle("GET /checkout", page(s.handleCheckoutForm))
	mux.Handle("POST /checkout", page(s.handleCheckout))
	mux.Handle("GET /orders", page(s.handleOrders))
	mux.Handle("GET /orders/{id}", page(s.handleOrder))
	mux.Handle("POST /orders/{id}/cancel", page(s.handleOrderCancel))

	// The addresses forms post to, asked for with GET (the address bar or
	// the history after a refused form was shown there): the page the form
	// is on, rather than a dead end.
	mux.Handle("GET /cart/items", formPageOf("/cart"))
	mux.Handle("GET /cart/items/{product_id}", formPageOf("/cart"))
	mux.Handle("GET /cart/confirm-prices", formPageOf("/cart"))
	mux.Handle("GET /account/name", formPageOf("/account"))
	mux.Handle("GET /account/password", formPageOf("/account"))
	mux.Handle("GET /account/second-factor/remove", formPageOf("/account/second-factor"))
	mux.Handle("GET /logout", formPageOf("/"))
	mux.HandleFunc("GET /orders/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		seeOther(w, r, "/orders/"+url.PathEscape(r.PathValue("id")))
	})

	// The staff area (admin.go): every route under /admin goes through
	// staffOnly; the two catch-alls answer 404 for every other path and
	// method there, never 405.
	mux.Handle("GET /admin", s.staffOnly(s.handleAdminDashboard))
	mux.Handle("GET /admin/staff", s.staffOnly(s.handleAdminStaff))
	mux.Handle("GET /admin/staff/new", s.staffOnly(s.handleAdminStaffNewForm))
	mux.Handle("POST /admin/staff/new", s.staffOnly(s.handleAdminStaffNew))
	mux.Handle("GET /admin/staff/{id}/reset", s.staffOnly(s.handleAdminStaffResetForm))
	mux.Handle("POST /admin/staff/{id}/reset", s.staffOnly(s.handleAdminStaffReset))
	mux.Handle("GET /admin/products", s.staffOnly(s.handleAdminProducts))
	mux.Handle("GET /admin/products/new", s.staffOnly(s.handleAdminProductNew))
	mux.Handle("POST /admin/products", s.staffOnly(s.handleAdminProductCreate))
	mux.Handle("GET /admin/products/{id}", s.staffOnly(s.handleAdminProduct))
	mux.Handle("POST /admin/products/{id}", s.staffOnly(s.handleAdminProductEdit))
	mux.Handle("POST /admin/products/{id}/stock", s.staffOnly(s.handleAdminProductStock))
	mux.Handle("POST /admin/products/import", s.staffOnly(s.handleAdminCatalogImport))
	mux.Handle("GET /admin/products/export", s.staffOnly(s.handleAdminCatalogExport))
	mux.Handle("GET /admin/categories", s.staffOnly(s.handleAdminCategories))
	mux.Handle("POST /admin/categories", s.staffOnly(s.handleAdminCategoryCreate))
	mux.Handle("GET /admin/categories/{id}", s.staffOnly(s.handleAdminCategory))
	mux.Handle("POST /admin/categories/{id}", s.staffOnly(s.handleAdminCategoryRename))
	mux.Handle("GET /admin/orders", s.staffOnly(s.handleAdminOrders))
	mux.Handle("GET /admin/orders/{id}", s.staffOnly(s.handleAdminOrder))
	mux.Handle("POST /admin/orders/{id}/status", s.staffOnly(s.handleAdminOrderStatus))
	mux.Handle("GET /admin/audit", s.staffOnly(s.handleAdminAudit))
	mux.Handle("GET /admin/processing", s.staffOnly(s.handleAdminProcessing))
	mux.Handle("POST /admin/processing/retry", s.staffOnly(s.handleAdminProcessingRetry))
	mux.Handle("GET /admin/products/{id}/image", s.staffOnly(s.handleAdminPhoto))
	mux.Handle("POST /admin/products/{id}/image", s.staffOnly(s.handleAdminPhotoUpload))
	mux.Handle("/admin", s.staffOnly(s.handleAdminNoRoute))
	mux.Handle("/admin/", s.staffOnly(s.handleAdminNoRoute))

	mux.HandleFunc("GET /static/", s.handleStatic)
	mux.HandleFunc("GET /favicon.ico", s.handleFavicon)
	mux.HandleFunc("GET /images/products/{file}", s.handleProductImage)
	mux.HandleFunc("GET /images/{file}", s.handlePhoto)
	mux.HandleFunc("GET /robots.txt", s.handleRobots)
	mux.HandleFunc("GET /sitemap.xml", s.handleSitemapIndex)
	mux.HandleFunc("GET /sitemaps/{file}", s.handleSitemapFile)
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /readyz", s.handleReady)
}

// formPageOf answers 303 to the page a form is on.
func formPageOf(path string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seeOther(w, r, path) })
}
