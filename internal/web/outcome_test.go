package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"storefront/internal/shop"
)

var errAnswerLost = fmt.Errorf("place order: connection reset after sending: %w", shop.ErrUnavailable)

// The page never says "nothing was ordered" when an order may exist: it
// says the order may have been placed, keeps the checkout key (so the same
// form again finds out) and links to the orders; 503 with Retry-After.
func TestCheckoutOutcomeUnknownPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	form := c.checkoutForm()
	form.Set("address_line2", "Flat 3")

	e.fail.failPlaceOrder(errAnswerLost, true, true)
	res := c.post("/checkout", form).wantStatus(http.StatusServiceUnavailable)
	res.wantContains("may have been", "Place order", `href="/orders"`, `action="/checkout"`).
		wantNotContains("Nothing was ordered", "nothing was charged", "Nothing was changed", "connection reset")
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 page without Retry-After")
	}
	if got := res.hiddenValue("checkout_key"); got != form.Get("checkout_key") {
		t.Errorf("checkout_key = %q; want the same, so submitting again resolves the outcome", got)
	}
	if got := res.inputValue("address_line2"); got != "Flat 3" {
		t.Errorf("address_line2 = %q; want it kept, so the same form is submitted again", got)
	}

	// The store is back: the same form again answers with the one order.
	e.fail.failPlaceOrder(nil, false, false)
	res = c.post("/checkout", form)
	if res.Status != http.StatusSeeOther || !orderPath.MatchString(res.Header.Get("Location")) {
		t.Fatalf("the same form again: %d\n%s", res.Status, res.Body)
	}
	orders, err := e.store.OrdersByUser(t.Context(), orderOwner(t, e, res.Header.Get("Location")))
	if err != nil || len(orders) != 1 {
		t.Errorf("orders after resolving = %d, %v; want exactly 1", len(orders), err)
	}
}

// When the answer is lost but the order can be read back, the shopper is
// simply shown the order.
func TestCheckoutAnswerLostButOrderReadBack(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	e.fail.failPlaceOrder(errAnswerLost, true, false)
	res := c.post("/checkout", c.checkoutForm())
	if res.Status != http.StatusSeeOther || !orderPath.MatchString(res.Header.Get("Location")) {
		t.Fatalf("checkout whose answer was lost: %d; want 303 to the order\n%s", res.Status, res.Body)
	}
}

// orderOwner returns the user id of the order at path /orders/{id}.
func orderOwner(t *testing.T, e *testEnv, path string) string {
	t.Helper()
	o, err := e.store.Order(t.Context(), strings.TrimPrefix(path, "/orders/"))
	if err != nil {
		t.Fatalf("Order(%s) = %v", path, err)
	}
	return o.UserID
}

// The API answers 503 outcome_unknown with Retry-After, and the same
// Idempotency-Key then answers with the one order.
func TestAPIPlaceOrderOutcomeUnknown(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("ada@example.com")
	e.putItem(token, "kettle", 1)

	e.fail.failPlaceOrder(errAnswerLost, true, true)
	res := e.placeOrder(token, "lost-answer-1", apiAddress)
	res.want(t, http.StatusServiceUnavailable, "outcome_unknown")
	if res.Header.Get("Retry-After") == "" {
		t.Error("503 outcome_unknown without Retry-After")
	}
	if body := string(res.Body); strings.Contains(body, "Nothing was") || strings.Contains(body, "connection reset") {
		t.Errorf("outcome_unknown body %s; want no claim that nothing was ordered, and no internal text", body)
	}

	e.fail.failPlaceOrder(nil, false, false)
	again := e.placeOrder(token, "lost-answer-1", apiAddress)
	again.want(t, http.StatusOK, "") // placed by the first request: a replay
	var o orderJSON
	again.decode(t, &o)
	list := e.do(apiReq{Method: "GET", Path: "/api/v1/orders", Token: token})
	list.want(t, http.StatusOK, "")
	var orders struct{ Items []orderJSON }
	list.decode(t, &orders)
	if len(orders.Items) != 1 || orders.Items[0].ID != o.ID {
		t.Errorf("orders after resolving = %+v; want exactly the one order %s", orders.Items, o.ID)
	}
}

// Every 503, of pages and of the API, says when to try again.
func TestEvery503HasRetryAfter(t *testing.T) {
	for _, err := range []error{shop.ErrUnavailable, shop.ErrConflict, shop.ErrOutcomeUnknown, shop.ErrCartChanged} {
		if p := problemFor(err); p.Status != http.StatusServiceUnavailable {
			t.Errorf("problemFor(%v).Status = %d; want 503", err, p.Status)
		}
		// The checkout page.
		e := newEnv(t)
		c := e.client()
		c.register("ada@example.com", "Ada")
		c.addToCart("kettle", 1)
		e.fail.failPlaceOrder(err, false, false)
		res := c.post("/checkout", c.checkoutForm()).wantStatus(http.StatusServiceUnavailable)
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("checkout page 503 for %v without Retry-After", err)
		}
		// The API.
		a := newEnv(t)
		token := a.signUp("ada@example.com")
		a.putItem(token, "kettle", 1)
		a.fail.failPlaceOrder(err, false, false)
		if res := a.placeOrder(token, "retry-after-1", apiAddress); res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("API POST /orders for %v = %d, Retry-After %q; want 503 with Retry-After", err, res.Status, res.Header.Get("Retry-After"))
		}
	}
	// An error page (not the checkout form), and the readiness check.
	e := newEnv(t)
	e.fail.failPing(shop.ErrUnavailable)
	res := e.client().get("/readyz").wantStatus(http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") == "" {
		t.Error("GET /readyz 503 without Retry-After")
	}
}
