package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// checkoutForm GETs the checkout page and returns its form filled with a
// valid address and the page's hidden fields (its checkout key and the
// version of the cart it shows).
func (c *pageClient) checkoutForm() url.Values {
	c.t.Helper()
	page := c.get("/checkout").wantStatus(http.StatusOK)
	form := testAddress()
	form.Set("checkout_key", page.hiddenValue("checkout_key"))
	form.Set("cart_version", page.hiddenValue("cart_version"))
	return form
}

// placeWith posts form to /checkout and checks that it placed an order:
// 303 to /orders/{id}.
func (c *pageClient) placeWith(form url.Values) *pageResp {
	c.t.Helper()
	res := c.post("/checkout", form)
	if res.Status != http.StatusSeeOther || !orderPath.MatchString(res.Header.Get("Location")) {
		c.t.Fatalf("POST /checkout = %d to %q; want 303 to /orders/{id}\n%s", res.Status, res.Header.Get("Location"), res.Body)
	}
	return res
}

// TestCheckoutCartChangedInAnotherTab: a checkout form posted after the
// cart changed (a product added in another tab) orders nothing unseen:
// 409, the page again with the cart as it is now, the address kept and
// what happened; placing it from that page orders what it shows, and the
// first form posted again answers with that order.
func TestCheckoutCartChangedInAnotherTab(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	form := c.checkoutForm()
	if form.Get("cart_version") == "" {
		t.Fatal("the checkout page has no cart_version")
	}
	c.addToCart("trowel", 1) // the other tab
	res := c.post("/checkout", form).wantStatus(http.StatusConflict)
	res.wantContains("Your cart changed since this page was shown")
	res.wantText("checkout-total", "$54.00")
	if got := res.inputValue("city"); got != "London" {
		t.Errorf("city = %q; want it kept", got)
	}
	if orders, err := e.store.OrdersByUser(t.Context(), mustUserID(t, e, "ada@example.com")); err != nil || len(orders) != 0 {
		t.Fatalf("orders after the refusal = %d, %v; want none", len(orders), err)
	}
	again := testAddress()
	again.Set("checkout_key", res.hiddenValue("checkout_key"))
	again.Set("cart_version", res.hiddenValue("cart_version"))
	placed := c.post("/checkout", again).wantStatus(http.StatusSeeOther)
	order := c.get(placed.Header.Get("Location")).wantStatus(http.StatusOK)
	order.wantText("order-total", "$54.00")
	c.post("/checkout", form).wantRedirect(placed.Header.Get("Location"))
}

var orderPath = regexp.MustCompile(`^/orders/[a-z0-9]+$`)

func TestCheckoutRequiresSignIn(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.addToCart("kettle", 1)
	c.get("/checkout").wantRedirect("/login?next=/checkout")
	c.post("/checkout", testAddress()).wantRedirect("/login?next=/checkout")
	c.get("/orders").wantRedirect("/login?next=/orders")
	c.get("/orders/o123").wantStatus(http.StatusNotFound).wantContains(`href="/login?next=/orders/o123"`)
}

func TestCheckout(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	c.addToCart("mug", 2)

	page := c.get("/checkout").wantStatus(http.StatusOK)
	page.wantText("checkout-subtotal", "$64.00")
	page.wantText("checkout-shipping", "$0.00")
	page.wantText("checkout-total", "$64.00")
	page.wantContains(`<select id="country" name="country" autocomplete="shipping country" required>`, `<option value="" selected>Choose a country</option>`,
		`<option value="GB">United Kingdom</option>`, `<label for="address_line1">`, `autocomplete="shipping postal-code"`)
	if got := page.inputValue("full_name"); got != "Ada" {
		t.Errorf("full_name = %q; want the user's name", got)
	}
	key := page.hiddenValue("checkout_key")
	if again := c.get("/checkout").hiddenValue("checkout_key"); again == key {
		t.Error("two checkout pages got the same key")
	}

	// Invalid address: 422, messages at the form's fields, values kept.
	bad := url.Values{"full_name": {"Ada"}, "address_line1": {""}, "city": {"London"}, "postal_code": {"??"}, "country": {"XX"}, "checkout_key": {key}}
	res := c.post("/checkout", bad).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("address_line1", "street address")
	res.wantFieldError("postal_code", "postal code")
	res.wantFieldError("country", "Choose a country")
	if got := res.inputValue("city"); got != "London" {
		t.Errorf("city = %q; want it kept", got)
	}
	if got := res.hiddenValue("checkout_key"); got != key {
		t.Errorf("checkout_key = %q; want the same %q", got, key)
	}

	form := testAddress()
	form.Set("checkout_key", key)
	res = c.post("/checkout", form)
	loc := res.Header.Get("Location")
	if res.Status != http.StatusSeeOther || !orderPath.MatchString(loc) {
		t.Fatalf("checkout: %d to %q; want 303 to /orders/{id}\n%s", res.Status, loc, res.Body)
	}
	order := c.follow(res).wantStatus(http.StatusOK)
	order.wantText("order-id", strings.TrimPrefix(loc, "/orders/"))
	order.wantText("order-total", "$64.00")
	order.wantContains("Stoneware Mug", "United Kingdom", "SW1Y 4JH")
	c.get("/cart").wantContains("Your cart is empty").wantText("cart-count", "0")

	// The same form again: the same order, never a second one.
	c.post("/checkout", form).wantRedirect(loc)
	orders, err := e.svc.Orders(t.Context(), &shop.User{ID: mustUserID(t, e, "ada@example.com")})
	if err != nil || len(orders) != 1 {
		t.Fatalf("Orders = %d orders, %v; want 1", len(orders), err)
	}
	p, _ := e.store.Product(t.Context(), "mug")
	if p.Stock != 0 {
		t.Errorf("mug stock = %d; want 0", p.Stock)
	}

	list := c.get("/orders").wantStatus(http.StatusOK)
	list.wantContains(`href="`+loc+`"`, "$64.00")

	// The same key with another address was used already.
	other := testAddress()
	other.Set("city", "Paris")
	other.Set("checkout_key", key)
	c.post("/checkout", other).wantStatus(http.StatusUnprocessableEntity).wantContains("already used to place an order", `href="/orders"`)

	// A new checkout with an empty cart.
	fresh := testAddress()
	fresh.Set("checkout_key", shop.NewCheckoutKey())
	c.post("/checkout", fresh).wantStatus(http.StatusUnprocessableEntity).
		wantContains("Your cart is empty", "If you just placed an order", `href="/orders"`)

	// Nobody else sees the order.
	stranger := e.client()
	stranger.register("bo@example.com", "Bo")
	stranger.get(loc).wantStatus(http.StatusNotFound)
	e.client().get(loc).wantStatus(http.StatusNotFound)
	stranger.get("/orders").wantContains("not placed any orders")
	c.get("/orders/onothere").wantStatus(http.StatusNotFound)
}

func mustUserID(t *testing.T, e *testEnv, email string) string {
	t.Helper()
	u, err := e.store.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatalf("UserByEmail(%s) = %v", email, err)
	}
	return u.ID
}

func TestCheckoutStockShort(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("mug", 2)
	c.addToCart("kettle", 1)
	form := c.checkoutForm()
	e.setProduct("mug", func(p *shop.Product) { p.Stock = 1 })

	res := c.post("/checkout", form).wantStatus(http.StatusConflict)
	res.wantContains("Stoneware Mug: only 1 left in stock, not enough for 2.")
	if got := res.hiddenValue("checkout_key"); got != form.Get("checkout_key") {
		t.Errorf("checkout_key changed to %q", got)
	}
	if got := res.inputValue("city"); got != "London" {
		t.Errorf("city = %q; want it kept", got)
	}
	c.get("/cart").wantText("cart-count", "3")
	if p, _ := e.store.Product(t.Context(), "kettle"); p.Stock != 10 {
		t.Errorf("kettle stock = %d; want 10, unchanged", p.Stock)
	}
}

func TestCheckoutPriceChanged(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	form := c.checkoutForm()
	e.setProduct("kettle", func(p *shop.Product) { p.PriceCents = 4200 })

	res := c.post("/checkout", form).wantStatus(http.StatusConflict)
	res.wantContains("Enamel Kettle now costs $42.00 (it was $39.00", `name="confirm_prices"`, "Confirm new prices",
		"Nothing was ordered: check the notes below, then confirm the new prices")
	res.wantNotContains("put the others again") // the API's words, not the page's
	// The cart page's confirmation, which leads back to the checkout, works too.
	c.post("/cart/confirm-prices", url.Values{"next": {"/checkout"}}).wantRedirect("/checkout")
	res = c.placeWith(c.checkoutForm())
	c.follow(res).wantText("order-total", "$47.00")
}

// TestCheckoutPriceChangedAndStockShort: a price change and short stock
// at once are told at once, not one refusal after the other.
func TestCheckoutPriceChangedAndStockShort(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	c.addToCart("mug", 2)
	form := c.checkoutForm()
	e.setProduct("kettle", func(p *shop.Product) { p.PriceCents = 4200 })
	e.setProduct("mug", func(p *shop.Product) { p.Stock = 1 })
	res := c.post("/checkout", form).wantStatus(http.StatusConflict)
	res.wantContains("Enamel Kettle now costs $42.00", "Stoneware Mug: only 1 left in stock, not enough for 2.",
		"confirm the new prices and change the quantities in your cart")
}

// TestCheckoutConfirmPricesKeepsAddress: "Confirm new prices" on the
// checkout page sends the checkout form, so the page comes back with the
// new prices, the address typed and the same checkout key, and placing it
// orders at the confirmed price.
func TestCheckoutConfirmPricesKeepsAddress(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	form := c.checkoutForm()
	form.Set("address_line2", "Flat 3")
	e.setProduct("kettle", func(p *shop.Product) { p.PriceCents = 4200 })
	refused := c.post("/checkout", form).wantStatus(http.StatusConflict)
	// "Place order" stays the form's default button (Enter in a field):
	// the first submit button inside it, none outside it.
	formHTML := refused.Body[strings.Index(refused.Body, `<form method="post" action="/checkout"`):]
	formHTML = formHTML[:strings.Index(formHTML, "</form>")]
	if first := regexp.MustCompile(`<button[^>]*type="submit"[^>]*>[^<]*`).FindString(formHTML); !strings.HasSuffix(first, ">Place order") {
		t.Errorf("the checkout form's first submit button is %q; want Place order", first)
	}
	if strings.Contains(refused.Body, `form="checkout-form"`) {
		t.Error("a button outside the checkout form submits it (it would come first, as its default)")
	}

	form.Set("confirm_prices", "1")
	res := c.post("/checkout", form).wantStatus(http.StatusOK)
	res.wantNotContains("prices-changed", "now costs")
	res.wantText("checkout-total", "$47.00")
	for id, want := range map[string]string{"city": "London", "address_line2": "Flat 3"} {
		if got := res.inputValue(id); got != want {
			t.Errorf("%s = %q after confirming; want %q, kept", id, got, want)
		}
	}
	if got := res.hiddenValue("checkout_key"); got != form.Get("checkout_key") {
		t.Errorf("checkout_key = %q; want the form's %q", got, form.Get("checkout_key"))
	}
	if orders, err := e.store.OrdersByUser(t.Context(), mustUserID(t, e, "ada@example.com")); err != nil || len(orders) != 0 {
		t.Fatalf("after confirming the prices the orders are %v, %v; want none", orders, err)
	}

	form.Del("confirm_prices")
	form.Set("cart_version", res.hiddenValue("cart_version"))
	res = c.placeWith(form)
	c.follow(res).wantText("order-total", "$47.00")
}

func TestCheckoutUnavailable(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 1)
	form := c.checkoutForm()
	form.Set("address_line2", "Flat 3")

	e.fail.failPlaceOrder(shop.ErrUnavailable, false, false)
	res := c.post("/checkout", form).wantStatus(http.StatusServiceUnavailable)
	res.wantContains("We could not place your order right now", "Nothing was ordered", "your cart is kept")
	wantSameCheckoutForm(t, res, form)

	e.fail.failPlaceOrder(nil, false, false)
	c.placeWith(form)
}

func TestCheckoutEmptyCartPage(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.get("/checkout").wantStatus(http.StatusOK).wantContains("Your cart is empty", `href="/orders"`).wantNotContains(`action="/checkout"`)
	form := testAddress()
	form.Set("checkout_key", "short")
	c.post("/checkout", form).wantStatus(http.StatusUnprocessableEntity).wantContains("This checkout form has expired")
}

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
	wantSameCheckoutForm(t, res, form)

	// The store is back: the same form again answers with the one order.
	e.fail.failPlaceOrder(nil, false, false)
	res = c.placeWith(form)
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
	c.placeWith(c.checkoutForm()) // the order, found by reading it back
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

// wantSameCheckoutForm checks that a checkout page shown again after a
// refusal holds the same form: its checkout key, so submitting it again
// resolves the outcome and never orders twice, and the address entered.
func wantSameCheckoutForm(t *testing.T, res *pageResp, form url.Values) {
	t.Helper()
	if got := res.hiddenValue("checkout_key"); got != form.Get("checkout_key") {
		t.Errorf("checkout_key = %q; want the same, so submitting again resolves the outcome", got)
	}
	if got := res.inputValue("address_line2"); got != form.Get("address_line2") {
		t.Errorf("address_line2 = %q; want %q kept, so the same form is submitted again", got, form.Get("address_line2"))
	}
}

// TestCartAndCheckoutNoteStockRunOut: a line whose stock ran out since it
// was added (or no longer covers its quantity) says so on the cart and
// checkout pages, before the checkout refuses it.
func TestCartAndCheckoutNoteStockRunOut(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 3)
	c.addToCart("mug", 1)
	c.addToCart("trowel", 1)
	e.setProduct("kettle", func(p *shop.Product) { p.Stock = 2 })
	e.setProduct("mug", func(p *shop.Product) { p.Stock = 0 })
	cart := c.get("/cart").wantStatus(http.StatusOK)
	cart.wantContains("Only 2 left in stock now: lower the quantity to check out.", "Out of stock now: remove it to check out.")
	if n := strings.Count(cart.Body, "left in stock now") + strings.Count(cart.Body, "Out of stock now"); n != 2 {
		t.Errorf("the cart notes %d lines; want 2 (the trowel is in stock)", n)
	}
	c.get("/checkout").wantStatus(http.StatusOK).wantContains(
		`Enamel Kettle <span class="note">(only 2 left now)</span>`, `Stoneware Mug <span class="note">(out of stock now)</span>`)
}
