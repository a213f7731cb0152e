package web

import (
	"net/http"
	"net/url"
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
		if msg, _ := res.byID("quantity-error"); !strings.Contains(msg, "1 to 99") {
			t.Errorf("quantity %q: #quantity-error = %q", q, msg)
		}
		if tag := res.tag("quantity-mug"); !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, `aria-describedby="quantity-error"`) {
			t.Errorf("quantity %q: input = %s; want aria-invalid and aria-describedby", q, tag)
		}
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
