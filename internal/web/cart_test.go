package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// cartLine returns the markup of the cart line of productID, or "".
func cartLine(r *pageResp, productID string) string {
	start := strings.Index(r.Body, `data-product-id="`+productID+`"`)
	if start < 0 {
		return ""
	}
	line := r.Body[start:]
	return line[:strings.Index(line, "</li>")]
}

func TestCart(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.get("/cart").wantStatus(http.StatusOK).wantContains("Your cart is empty")

	c.addToCart("kettle", 1)
	if c.cookie(sessionCookiePlain) == "" {
		t.Fatal("the first add set no session cookie")
	}
	c.addToCart("kettle", 2)
	c.addToCart("mug", 1)
	res := c.get("/cart").wantStatus(http.StatusOK)
	kettle := cartLine(res, "kettle")
	for _, want := range []string{"Enamel Kettle", "$39.00", `value="3"`, "$117.00", `<label for="quantity-kettle">`, ">Update<", ">Remove<"} {
		if !strings.Contains(kettle, want) {
			t.Errorf("kettle line lacks %q:\n%s", want, kettle)
		}
	}
	res.wantText("cart-subtotal", "$129.50")
	res.wantText("cart-shipping", "$0.00")
	res.wantText("cart-total", "$129.50")
	res.wantText("cart-count", "4")
	res.wantContains(`href="/checkout"`)

	c.post("/cart/items/kettle", url.Values{"quantity": {"1"}}).wantRedirect("/cart")
	res = c.get("/cart")
	res.wantText("cart-subtotal", "$51.50")
	c.post("/cart/items/kettle", url.Values{"quantity": {"0"}}).wantRedirect("/cart")
	res = c.get("/cart")
	if cartLine(res, "kettle") != "" {
		t.Error("quantity 0 did not remove the line")
	}
	res.wantText("cart-subtotal", "$12.50")
	res.wantText("cart-shipping", "$5.00")
	res.wantText("cart-total", "$17.50")
}

func TestCartRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.addToCart("mug", 1)

	for _, q := range []string{"abc", "-1", "1.5", "100", ""} {
		res := c.post("/cart/items/mug", url.Values{"quantity": {q}}).wantStatus(http.StatusUnprocessableEntity)
		// 0 is allowed here (it removes the line), so the message says so.
		if msg, _ := res.byID("quantity-error"); !strings.Contains(msg, "from 0 to 99") {
			t.Errorf("quantity %q: #quantity-error = %q", q, msg)
		}
		if tag := res.tag("quantity-mug"); !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, `aria-describedby="quantity-error"`) {
			t.Errorf("quantity %q: input = %s; want aria-invalid and aria-describedby", q, tag)
		}
		// Also at the top of the page, focused and announced, leading to the line.
		res.wantContains(`class="error-summary" role="alert"`, `autofocus`, `<a href="#quantity-mug">Stoneware Mug: `)
	}
	res := c.post("/cart/items/mug", url.Values{"quantity": {"3"}}).wantStatus(http.StatusConflict)
	res.wantContains("Stoneware Mug: only 2 left in stock")
	if line := cartLine(res, "mug"); !strings.Contains(line, `value="3"`) {
		t.Errorf("the refused quantity is not kept:\n%s", line)
	}
	res.wantText("cart-count", "1")

	// Adding: the product page again, with the reason.
	res = c.post("/cart/items", url.Values{"product_id": {"mug"}, "quantity": {"0"}}).wantStatus(http.StatusUnprocessableEntity)
	res.wantFieldError("quantity", "1 to 99")
	res.wantContains("<h1>Stoneware Mug</h1>")
	res = c.post("/cart/items", url.Values{"product_id": {"mug"}, "quantity": {"2"}}).wantStatus(http.StatusConflict)
	res.wantFieldError("quantity", "only 2 left in stock")
	c.post("/cart/items", url.Values{"product_id": {"lamp"}, "quantity": {"1"}}).wantStatus(http.StatusConflict).wantContains("Reading Lamp is out of stock.")
	c.post("/cart/items", url.Values{"product_id": {"nope"}, "quantity": {"1"}}).wantStatus(http.StatusNotFound)
	c.post("/cart/items/nope", url.Values{"quantity": {"1"}}).wantStatus(http.StatusNotFound)
}

// TestCartAddWithoutProduct: an add-to-cart form that names no product is
// a refused form (422, saying product_id is missing), not a missing page;
// the cart is unchanged.
// TestGuestCartLimit: a client address that starts guest carts past the
// limit (each add to cart without a session cookie starts one) is answered
// 429 with the wait and what to do, and no session is stored; a browser
// that kept its cookie, and another address, go on.
func TestGuestCartLimit(t *testing.T) {
	e := newEnv(t, withGuestCartLimit(3), withConfig(Config{TrustProxy: true}))
	add := url.Values{"product_id": {"kettle"}, "quantity": {"1"}}
	kept := e.client()
	kept.post("/cart/items", add).wantStatus(http.StatusSeeOther)
	for range 2 {
		e.cookielessClient().post("/cart/items", add).wantStatus(http.StatusSeeOther)
	}
	res := e.cookielessClient().post("/cart/items", add)
	res.wantStatus(http.StatusTooManyRequests)
	res.wantContains("Too many new carts were started from your network")
	if got := res.Header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After = %q; want 3600 (the hour of the limit)", got)
	}
	if cookies := res.Header.Values("Set-Cookie"); len(cookies) != 0 {
		t.Errorf("refused add set cookies %q; want no session", cookies)
	}
	kept.post("/cart/items", add).wantStatus(http.StatusSeeOther)
	kept.get("/cart").wantContains(`data-product-id="kettle"`)
	r, err := http.NewRequest(http.MethodPost, e.srv.URL+"/cart/items", strings.NewReader(add.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", e.srv.URL)
	r.Header.Set("X-Forwarded-For", "198.51.100.20")
	e.cookielessClient().do(r).wantStatus(http.StatusSeeOther)
}

func TestCartAddWithoutProduct(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.addToCart("mug", 1)
	for name, form := range map[string]url.Values{
		"no product_id":    {"quantity": {"1"}},
		"empty product_id": {"product_id": {""}, "quantity": {"1"}},
		"blank product_id": {"product_id": {"  "}, "quantity": {"1"}},
	} {
		res := c.post("/cart/items", form).wantStatus(http.StatusUnprocessableEntity)
		if msg, _ := res.byID("message"); !strings.Contains(msg, "product_id is missing") {
			t.Errorf("%s: #message = %q; want it to say product_id is missing", name, msg)
		}
		res.wantNotContains("We could not find that page")
	}
	c.get("/cart").wantText("cart-count", "1")
}

func TestCartPriceChange(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.addToCart("kettle", 1)
	e.setProduct("kettle", func(p *shop.Product) { p.PriceCents = 4500 })
	res := c.get("/cart").wantStatus(http.StatusOK)
	if line := cartLine(res, "kettle"); !strings.Contains(line, "The price changed from $39.00 to $45.00") {
		t.Errorf("no price-change note:\n%s", line)
	}
	res.wantContains(`action="/cart/confirm-prices"`)
	c.post("/cart/confirm-prices", url.Values{"next": {"/cart"}}).wantRedirect("/cart")
	c.get("/cart").wantNotContains("The price changed", `action="/cart/confirm-prices"`)
	c.post("/cart/confirm-prices", url.Values{"next": {"//evil.example"}}).wantRedirect("/checkout")
}

// TestClientCannotSetPricesOrReachOthersCarts: prices, totals and whose
// cart it is are never taken from the client. Extra form fields are
// ignored, unknown JSON fields refused; the order is priced from the
// catalog; another user's cart and orders stay out of reach on every route
// (404 or their own, empty, resources) (ASVS V4.1.2, V4.2.1, V11.1.5).
func TestClientCannotSetPricesOrReachOthersCarts(t *testing.T) {
	e := newEnv(t)
	e.register("owner@example.com")
	ownerToken := e.token("owner@example.com", testPassword)
	ownerOrder := e.orderOne(ownerToken, "trowel", "owner-order-1")
	e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/pan", token: ownerToken, json: `{"quantity": 2}`})
	owner, err := e.store.UserByEmail(t.Context(), "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ownerCart := shop.UserCartID(owner.ID)
	ownerState := func() string {
		c, _ := e.svc.Cart(t.Context(), ownerCart)
		orders, _ := e.svc.Orders(t.Context(), owner)
		return fmt.Sprintf("%+v %d", c.Lines, len(orders))
	}
	before := ownerState()

	cookie := e.register("mallory@example.com")
	token := e.token("mallory@example.com", testPassword)
	forged := url.Values{"product_id": {"kettle"}, "quantity": {"1"}, "price_cents": {"1"}, "unit_price_cents": {"1"},
		"total_cents": {"1"}, "cart_id": {ownerCart}, "user_id": {owner.ID}}
	if w := e.send(rawReq{method: "POST", target: "/cart/items", cookie: cookie, form: forged}); w.Code != http.StatusSeeOther {
		t.Fatalf("POST /cart/items = %d", w.Code)
	}
	for _, body := range []string{`{"quantity": 1, "price_cents": 1}`, `{"quantity": 1, "cart_id": "` + ownerCart + `"}`,
		`{"quantity": 1, "user_id": "` + owner.ID + `"}`} {
		w := e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/kettle", token: token, json: body})
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "not accepted") {
			t.Errorf("PUT %s = %d %s; want 422 naming the unknown field", body, w.Code, w.Body)
		}
	}
	w := e.send(rawReq{method: "POST", target: "/api/v1/orders", token: token, header: map[string]string{"Idempotency-Key": "mallory-1"},
		json: `{"shipping_address": ` + apiJSON(apiAddress) + `, "total_cents": 1}`})
	if w.Code != http.StatusUnprocessableEntity {
		t.Errorf("POST /orders with total_cents = %d; want 422", w.Code)
	}
	page := e.send(rawReq{method: "GET", target: "/checkout", cookie: cookie})
	key := regexp.MustCompile(`name="checkout_key" value="([^"]+)"`).FindStringSubmatch(page.Body.String())
	if key == nil {
		t.Fatalf("no checkout key\n%s", page.Body)
	}
	checkout := testAddress()
	checkout.Set("checkout_key", key[1])
	checkout.Set("total_cents", "1")
	checkout.Set("shipping_cents", "0")
	w = e.send(rawReq{method: "POST", target: "/checkout", cookie: cookie, form: checkout})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /checkout = %d %s", w.Code, w.Body)
	}
	mallory, _ := e.store.UserByEmail(t.Context(), "mallory@example.com")
	orders, _ := e.svc.Orders(t.Context(), mallory)
	if len(orders) != 1 || orders[0].TotalCents != 3900+500 || orders[0].Items[0].UnitPriceCents != 3900 {
		t.Errorf("mallory's orders = %+v; want one kettle at the catalog's 3900 plus 500 shipping", orders)
	}

	for _, rq := range []rawReq{
		{method: "GET", target: "/orders/" + ownerOrder, cookie: cookie},
		{method: "GET", target: "/orders/" + ownerOrder},
		{method: "GET", target: "/api/v1/orders/" + ownerOrder, token: token},
	} {
		if w := e.send(rq); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "Lovelace") {
			t.Errorf("%s %s as another user = %d; want 404 without its content", rq.method, rq.target, w.Code)
		}
	}
	for _, rq := range []rawReq{
		{method: "GET", target: "/orders", cookie: cookie},
		{method: "GET", target: "/api/v1/orders", token: token},
		{method: "GET", target: "/cart", cookie: cookie},
		{method: "GET", target: "/api/v1/cart", token: token},
	} {
		if w := e.send(rq); w.Code != http.StatusOK || strings.Contains(w.Body.String(), ownerOrder) || strings.Contains(w.Body.String(), "Cast Iron Pan") {
			t.Errorf("%s %s shows the owner's order or cart (%d)", rq.method, rq.target, w.Code)
		}
	}
	e.send(rawReq{method: "DELETE", target: "/api/v1/cart/items/pan", token: token})
	e.send(rawReq{method: "POST", target: "/cart/items/pan", cookie: cookie, form: url.Values{"quantity": {"0"}, "cart_id": {ownerCart}}})
	e.send(rawReq{method: "POST", target: "/cart/confirm-prices", cookie: cookie, form: url.Values{"cart_id": {ownerCart}}})
	if after := ownerState(); after != before {
		t.Errorf("another user's requests changed the owner's cart or orders: %s -> %s", before, after)
	}
}

// TestRepeatedParametersTakeTheFirst: a parameter sent twice (HTTP
// parameter pollution) is read once, the first value, by every parser
// (ASVS V5.1.1).
func TestRepeatedParametersTakeTheFirst(t *testing.T) {
	e := newEnv(t)
	cookie := e.register("hpp@example.com")
	w := e.send(rawReq{method: "POST", target: "/cart/items?quantity=50", cookie: cookie,
		form: url.Values{"product_id": {"kettle", "pan"}, "quantity": {"1", "99"}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /cart/items = %d %s", w.Code, w.Body)
	}
	owner, _ := e.store.UserByEmail(t.Context(), "hpp@example.com")
	c, _ := e.svc.Cart(t.Context(), shop.UserCartID(owner.ID))
	if len(c.Lines) != 1 || c.Lines[0].ProductID != "kettle" || c.Lines[0].Quantity != 1 {
		t.Errorf("cart = %+v; want 1 kettle, the first values", c.Lines)
	}
	w = e.send(rawReq{method: "GET", target: "/api/v1/products?per_page=1&per_page=100&page=2&page=1"})
	var page productPageJSON
	if json.Unmarshal(w.Body.Bytes(), &page) != nil || page.PerPage != 1 || page.Page != 2 {
		t.Errorf("GET /api/v1/products with repeated parameters: %s; want per_page 1, page 2", w.Body)
	}
}

// TestCartUnreadable: the visit's cart is read once per request, before
// the page; when it cannot be read, the pages that show the cart answer
// 503 (never an empty cart the shopper might believe), and every other
// page is shown without a count.
func TestCartUnreadable(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	c.register("ada@example.com", "Ada")
	c.addToCart("kettle", 2)
	c.get("/products").wantText("cart-count", "2")

	e.fail.failCart(shop.ErrUnavailable)
	for _, path := range []string{"/cart", "/checkout"} {
		res := c.get(path).wantStatus(http.StatusServiceUnavailable)
		res.wantNotContains("Your cart is empty")
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s: 503 without Retry-After", path)
		}
	}
	c.get("/products").wantStatus(http.StatusOK).wantText("cart-count", "0")

	e.fail.failCart(nil)
	c.get("/cart").wantStatus(http.StatusOK).wantText("cart-subtotal", "$78.00")
}
