package dynamo

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/web"
)

// TestCatalogPageCallBudget: with the catalog read model warm, a catalog
// page, a search, a category's page 2 and the API's product list read no
// product or category from DynamoDB (no Scan, no Query): a guest's makes
// no call at all; a signed-in shopper's reads the session, the user and
// the cart in one BatchGetItem (the cookie names the user and cart next to
// the session's secret), for the header's name and count. A cookie of the
// secret alone, as set before, still signs in, in two calls: the session,
// then the user and the cart.
func TestCatalogPageCallBudget(t *testing.T) {
	counter := &callCounter{}
	s := newTestStoreWith(t, countingClient(t, counter))
	svc := newService(s)
	if err := s.SaveCategory(t.Context(), &shop.Category{ID: "kitchen", Name: "Kitchen"}); err != nil {
		t.Fatal(err)
	}
	var products []*shop.Product
	for i := 1; i <= shop.DefaultPerPage+1; i++ { // two pages
		products = append(products, product(fmt.Sprintf("p%d", i), 1500, 50))
	}
	mustSaveProducts(t, s, products...)
	u := mustRegister(t, svc, "ada@example.com")
	mustAddToCart(t, svc, shop.UserCartID(u.ID), "p1", 2)
	stop, err := svc.FollowCatalog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	signed, err := svc.StartSession(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(svc, slog.New(slog.DiscardHandler), web.Config{})
	for _, who := range []struct {
		name   string
		cookie *http.Cookie
		want   map[string]int
	}{
		{"guest", nil, map[string]int{}},
		{"signed in", &http.Cookie{Name: "session", Value: signed.Credential()}, map[string]int{"BatchGetItem": 1}},
		{"signed in, old cookie", &http.Cookie{Name: "session", Value: signed.Token}, map[string]int{"GetItem": 1, "BatchGetItem": 1}},
	} {
		for _, target := range []string{"/products", "/products?q=product", "/products?category=kitchen&page=2&sort=price_desc", "/api/v1/products?per_page=2"} {
			r := httptest.NewRequest(http.MethodGet, target, nil)
			if who.cookie != nil {
				r.AddCookie(who.cookie)
			}
			want := who.want
			if target[:5] == "/api/" {
				want = map[string]int{} // the API's list needs no session
				r = httptest.NewRequest(http.MethodGet, target, nil)
			}
			counter.reset()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			calls := counter.snapshot()
			if w.Code != http.StatusOK {
				t.Fatalf("%s GET %s = %d", who.name, target, w.Code)
			}
			if who.cookie != nil && want["BatchGetItem"] > 0 && !strings.Contains(w.Body.String(), `<span id="signed-in-name">`+u.Name+`</span>`) {
				t.Errorf("%s GET %s does not name the shopper", who.name, target)
			}
			for op, n := range calls {
				if n != want[op] {
					t.Errorf("%s GET %s made DynamoDB calls %s; want %v", who.name, target, describeCalls(calls), want)
					break
				}
			}
			if sumOf(calls, readOps) != sumOf(want, readOps) {
				t.Errorf("%s GET %s made DynamoDB calls %s; want %v", who.name, target, describeCalls(calls), want)
			}
		}
	}
}
