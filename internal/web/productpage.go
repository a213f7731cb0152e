package web

import (
	"net/http"
	"strconv"

	"storefront/internal/shop"
)

// cachedProductPage answers a guest's product page (publicPage) from the
// page cache when the page of the product's current version is kept
// there, and reports true. Otherwise it leaves in pr the product it read
// (strongly, shop.Service.VersionedProduct), for handleProduct, and the
// key its page is to be kept under (render, renderPublic), and reports
// false, having written nothing. A failed read is left to handleProduct,
// which reads again and answers the error.
//
// The key is the product's version, which changes with any field of the
// product, and the name of its category, which the page shows and which
// the catalog read model answers (a rename may lag by 2 seconds, like the
// listings); everything else a guest's product page shows is the same for
// every guest of one address (pageKey). A hit costs no session, no
// rendering and no hashing of the view: the product page's cost is then
// the strong read.
func (s *server) cachedProductPage(w http.ResponseWriter, r *http.Request, pr *publicRequest) bool {
	if s.pageCache == nil {
		return false
	}
	p, version, err := s.shop.VersionedProduct(r.Context(), r.PathValue("id"))
	if err != nil {
		return false
	}
	pr.product, pr.version = p, version
	if version == 0 {
		return false // keyed by its view at render (viewVersion)
	}
	key, ok := s.pageKey(r, pr.policy.kind, strconv.FormatUint(version, 10)+" "+s.shop.CategoryName(r.Context(), p.Category))
	if !ok {
		return false
	}
	if page := s.pageCache.get(key); page != nil {
		servePage(w, r, page, pr.policy)
		return true
	}
	pr.key = key
	return false
}

// productOf returns the product of r's page: the one publicPage read for
// it, or read now (strongly).
func (s *server) productOf(r *http.Request) (*shop.Product, error) {
	if pr, _ := r.Context().Value(publicRequestKey{}).(*publicRequest); pr != nil && pr.product != nil {
		return pr.product, nil
	}
	return s.shop.Product(r.Context(), r.PathValue("id"))
}
