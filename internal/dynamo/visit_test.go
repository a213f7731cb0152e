package dynamo

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/web"
)

// TestSessionCookieNamingAnotherUser: the ids in a session cookie only
// say what to read with the session. A shopper who puts another user's
// ids next to their own secret sees their own name and cart, never the
// other's; ids next to a secret that is no session's sign nobody in.
func TestSessionCookieNamingAnotherUser(t *testing.T) {
	s := newTestStore(t)
	svc := newService(s)
	mustSaveProducts(t, s, product("p1", 1500, 50))
	ada := mustRegister(t, svc, "ada@example.com")
	mallory := mustRegister(t, svc, "mallory@example.com")
	mustAddToCart(t, svc, shop.UserCartID(ada.ID), "p1", 7)
	mustAddToCart(t, svc, shop.UserCartID(mallory.ID), "p1", 2)
	signed, err := svc.StartSession(t.Context(), mallory, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(svc, slog.New(slog.DiscardHandler), web.Config{})
	adaIDs := "." + ada.ID + "." + shop.UserCartID(ada.ID)
	for _, c := range []struct {
		name, cookie, wantName, wantCount string
	}{
		{"own cookie", signed.Credential(), mallory.Name, "2"},
		{"own secret, another's ids", signed.Token + adaIDs, mallory.Name, "2"},
		{"own secret, another's user, own cart", signed.Token + "." + ada.ID + "." + shop.UserCartID(mallory.ID), mallory.Name, "2"},
		{"made-up secret, another's ids", strings.Repeat("A", 43) + adaIDs, "", "0"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/products", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: c.cookie})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("%s: GET /products = %d", c.name, w.Code)
		}
		if strings.Contains(body, ada.Name) {
			t.Errorf("%s: the page names %q", c.name, ada.Name)
		}
		if c.wantName != "" && !strings.Contains(body, `<span id="signed-in-name">`+c.wantName+`</span>`) {
			t.Errorf("%s: the page does not name %q", c.name, c.wantName)
		}
		if c.wantName == "" && strings.Contains(body, `id="signed-in-name"`) {
			t.Errorf("%s: the page names someone; want a guest's page", c.name)
		}
		if want := `<span id="cart-count">` + c.wantCount + `</span>`; !strings.Contains(body, want) {
			t.Errorf("%s: the page lacks %s", c.name, want)
		}
	}
}

// TestCheckoutPageCallsWithCookieIDs: the checkout page's POST with the
// session cookie the shop sets reads the session, user and cart in one
// call, then the products, and writes once: two reads, where a cookie of
// the secret alone takes three (TestCheckoutCallBudget).
func TestCheckoutPageCallsWithCookieIDs(t *testing.T) {
	counter := &callCounter{}
	s := newTestStoreWith(t, countingClient(t, counter))
	svc := newService(s)
	mustSaveProducts(t, s, product("p1", 1500, 50), product("p2", 2500, 50))
	u := mustRegister(t, svc, "ada@example.com")
	mustAddToCart(t, svc, shop.UserCartID(u.ID), "p1", 2)
	mustAddToCart(t, svc, shop.UserCartID(u.ID), "p2", 1)
	signed, err := svc.StartSession(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewServer(svc, slog.New(slog.DiscardHandler), web.Config{})
	form := url.Values{"full_name": {"Ada Lovelace"}, "address_line1": {"12 St James's Square"}, "city": {"London"},
		"postal_code": {"SW1Y 4JH"}, "country": {"GB"}, "checkout_key": {shop.NewCheckoutKey()}}
	r := httptest.NewRequest(http.MethodPost, "/checkout", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: "session", Value: signed.Credential()})
	before := orderCount(t, s)
	counter.reset()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	calls := counter.snapshot()
	if w.Code != http.StatusSeeOther || orderCount(t, s) != before+1 {
		t.Fatalf("POST /checkout = %d: %s; want 303 and an order", w.Code, w.Body)
	}
	if reads, writes := sumOf(calls, readOps), sumOf(calls, writeOps); reads != 2 || writes != 1 {
		t.Errorf("POST /checkout made %s; want 2 reads (BatchGetItem of session, user and cart; of the products) and 1 write", describeCalls(calls))
	}
}
