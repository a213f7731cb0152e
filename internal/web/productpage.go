package web

import (
	"net/http"
	"strconv"

	"storefront/internal/shop"
)

// cachedProductPage answers a guest's product page from the page cache
// when the page of this version of p (shop.Service.VersionedProduct) is
// kept there, and reports true. Otherwise it names the key the page is to
// be kept under (render, renderPublic) and reports false, having written
// nothing.
//
// The key is the product's version, which changes with any field of the
// product, and the name of its category, which the page shows and which
// the catalog read model answers (a rename may lag by 2 seconds, like the
// listings); everything else a guest's product page shows is the same for
// every guest of one address (pageKey). A hit costs no rendering and no
// hashing of the view: the product page's cost is then the strong read.
func (s *server) cachedProductPage(w http.ResponseWriter, r *http.Request, p *shop.Product, version uint64) bool {
	if version == 0 || s.pageCache == nil {
		return false
	}
	pr := publicAnswer(w, r)
	if pr == nil {
		return false
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
