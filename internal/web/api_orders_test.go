package web

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

func TestAPIPlaceOrder(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("buyer@example.com")

	t.Run("idempotency key required", func(t *testing.T) {
		e.putItem(token, "kettle", 1)
		res := e.do(apiReq{Method: "POST", Path: "/api/v1/orders", Token: token, Body: apiJSON(map[string]any{"shipping_address": apiAddress})})
		res.want(t, 400, "idempotency_key_required")
		for _, key := range []string{"short", "has space in it", "non-ascii-é-key", strings.Repeat("k", 129)} {
			e.placeOrder(token, key, apiAddress).want(t, 400, "invalid_idempotency_key")
		}
	})

	t.Run("empty cart", func(t *testing.T) {
		other := e.signUp("empty-cart@example.com")
		e.placeOrder(other, "empty-cart-key", apiAddress).want(t, 422, "cart_empty")
	})

	t.Run("address validation", func(t *testing.T) {
		res := e.placeOrder(token, "invalid-address-key", map[string]string{"full_name": "", "line1": "", "city": "", "postal_code": "!!", "country": "XX"})
		res.want(t, 422, "validation_failed")
		fields := res.fields(t)
		for _, f := range []string{"full_name", "line1", "city", "postal_code", "country"} {
			if len(fields["shipping_address."+f]) != 1 {
				t.Errorf("fields = %v; want shipping_address.%s named", fields, f)
			}
		}
		for _, c := range []struct{ body, field string }{
			{`{}`, "shipping_address"},
			{`{"shipping_address": null}`, "shipping_address"},
			{`{"shipping_address": "12 Main St"}`, "shipping_address"},
			{`{"shipping_address": {"full_name": "A", "line1": "B", "city": "C", "postal_code": "1", "country": "US", "zip": "1"}}`, "shipping_address.zip"},
			{`{"shipping_address": {"full_name": 1}}`, "shipping_address.full_name"},
			{`{"shipping_address": {}, "coupon": "FREE"}`, "coupon"},
		} {
			res := e.do(apiReq{Method: "POST", Path: "/api/v1/orders", Token: token, Header: map[string]string{"Idempotency-Key": "address-key-1"}, Body: c.body})
			res.want(t, 422, "validation_failed")
			if fields := res.fields(t); len(fields[c.field]) != 1 {
				t.Errorf("POST /orders %s: fields = %v; want %s named", c.body, fields, c.field)
			}
		}
	})

	// The cart holds one kettle (3900) from the first subtest; add a pan.
	e.putItem(token, "pan", 2)
	res := e.placeOrder(token, "order-key-0001", apiAddress)
	res.want(t, 201, "")
	var o orderJSON
	res.decode(t, &o)
	want := orderJSON{ID: o.ID, Status: "placed", CreatedAt: o.CreatedAt, Currency: "USD",
		Items:           []lineJSON{{"kettle", "Enamel Kettle", 3900, 1, 3900}, {"pan", "Cast Iron Pan", 2500, 2, 5000}},
		totalsJSON:      totalsJSON{ItemCount: 3, SubtotalCents: 8900, ShippingCents: 0, TotalCents: 8900},
		ShippingAddress: addressJSON{FullName: "Ada Lovelace", Line1: "12 St James's Square", City: "London", PostalCode: "SW1Y 4JH", Country: "GB"}}
	if !apiOrderEqual(o, want) {
		t.Errorf("POST /orders = %+v; want %+v", o, want)
	}
	if created, err := time.Parse(time.RFC3339, o.CreatedAt); err != nil || created.Location() != time.UTC {
		t.Errorf("created_at = %q; want RFC 3339 UTC", o.CreatedAt)
	}
	if got := res.Header.Get("Location"); got != "/api/v1/orders/"+o.ID {
		t.Errorf("Location = %q; want /api/v1/orders/%s", got, o.ID)
	}

	t.Run("stock taken and cart emptied", func(t *testing.T) {
		var p productJSON
		e.do(apiReq{Method: "GET", Path: "/api/v1/products/pan"}).decode(t, &p)
		if p.Stock != 0 {
			t.Errorf("pan stock after order = %d; want 0", p.Stock)
		}
		var c cartJSON
		e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: token}).decode(t, &c)
		if len(c.Items) != 0 {
			t.Errorf("cart after order = %+v; want empty", c)
		}
	})

	t.Run("same key and body answer the same order", func(t *testing.T) {
		// Even with something new in the cart: the retry is the old order.
		e.putItem(token, "trowel", 1)
		for range 2 {
			res := e.placeOrder(token, "order-key-0001", apiAddress)
			res.want(t, 200, "")
			var again orderJSON
			res.decode(t, &again)
			if !apiOrderEqual(again, o) {
				t.Errorf("replay = %+v; want %+v", again, o)
			}
		}
		var list struct{ Items []orderJSON }
		e.do(apiReq{Method: "GET", Path: "/api/v1/orders", Token: token}).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != o.ID {
			t.Errorf("GET /orders = %+v; want only %s", list.Items, o.ID)
		}
	})

	t.Run("same key other body", func(t *testing.T) {
		other := maps.Clone(apiAddress)
		other["city"] = "Paris"
		e.placeOrder(token, "order-key-0001", other).want(t, 422, "idempotency_key_reused")
	})

	t.Run("the same key of another user is another order", func(t *testing.T) {
		second := e.signUp("second-buyer@example.com")
		e.putItem(second, "trowel", 1)
		res := e.placeOrder(second, "order-key-0001", apiAddress)
		res.want(t, 201, "")
		var theirs orderJSON
		res.decode(t, &theirs)
		if theirs.ID == o.ID {
			t.Errorf("two users' orders with one key share id %s", o.ID)
		}
	})
}

func TestAPIPlaceOrderRefused(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("refused@example.com")
	e.putItem(token, "pan", 2)
	e.putItem(token, "kettle", 1)

	// Another buyer takes one pan first.
	rival := e.signUp("rival@example.com")
	e.putItem(rival, "pan", 1)
	e.placeOrder(rival, "rival-order-1", apiAddress).want(t, 201, "")

	res := e.placeOrder(token, "refused-order-1", apiAddress)
	res.want(t, 409, "insufficient_stock")
	var body struct{ Items []shortageJSON }
	res.decode(t, &body)
	if len(body.Items) != 1 || body.Items[0] != (shortageJSON{ProductID: "pan", Name: "Cast Iron Pan", Requested: 2, Available: 1}) {
		t.Errorf("items = %+v; want pan requested 2 available 1", body.Items)
	}
	var c cartJSON
	e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: token}).decode(t, &c)
	if c.ItemCount != 3 {
		t.Errorf("cart after refused order = %+v; want it unchanged", c)
	}
	var list struct{ Items []orderJSON }
	e.do(apiReq{Method: "GET", Path: "/api/v1/orders", Token: token}).decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("orders after refusal = %+v; want none", list.Items)
	}

	t.Run("price changed", func(t *testing.T) {
		e.putItem(token, "pan", 1)
		e.setProduct("kettle", func(p *shop.Product) { p.PriceCents = 4200 })
		res := e.placeOrder(token, "refused-order-2", apiAddress)
		res.want(t, 409, "price_changed")
		var body struct{ Items []priceChangeJSON }
		res.decode(t, &body)
		if len(body.Items) != 1 || body.Items[0] != (priceChangeJSON{ProductID: "kettle", Name: "Enamel Kettle", OldPriceCents: 3900, NewPriceCents: 4200}) {
			t.Errorf("items = %+v; want kettle 3900 -> 4200", body.Items)
		}
		// Putting the line again accepts the new price.
		e.putItem(token, "kettle", 1)
		res = e.placeOrder(token, "refused-order-2", apiAddress)
		res.want(t, 201, "")
		var o orderJSON
		res.decode(t, &o)
		if o.SubtotalCents != 4200+2500 || o.TotalCents != 4200+2500 {
			t.Errorf("subtotal %d total %d; want %d, free shipping", o.SubtotalCents, o.TotalCents, 4200+2500)
		}
	})
}

func TestAPIOrders(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("orders@example.com")
	var placed []orderJSON
	for i, key := range []string{"orders-key-1", "orders-key-2", "orders-key-3"} {
		e.putItem(token, "trowel", i+1)
		res := e.placeOrder(token, key, apiAddress)
		res.want(t, 201, "")
		var o orderJSON
		res.decode(t, &o)
		placed = append(placed, o)
	}

	res := e.do(apiReq{Method: "GET", Path: "/api/v1/orders", Token: token})
	res.want(t, 200, "")
	var list struct{ Items []orderJSON }
	res.decode(t, &list)
	if len(list.Items) != 3 {
		t.Fatalf("GET /orders = %d orders; want 3", len(list.Items))
	}
	for i, o := range list.Items {
		if !apiOrderEqual(o, placed[2-i]) {
			t.Errorf("GET /orders [%d] = %+v; want %+v (newest first)", i, o, placed[2-i])
		}
	}

	res = e.do(apiReq{Method: "GET", Path: "/api/v1/orders/" + placed[0].ID, Token: token})
	res.want(t, 200, "")
	var one orderJSON
	res.decode(t, &one)
	if !apiOrderEqual(one, placed[0]) {
		t.Errorf("GET /orders/%s = %+v; want %+v", placed[0].ID, one, placed[0])
	}
	if one.ShippingCents != 500 || one.TotalCents != 1500+500 {
		t.Errorf("order of 1500 cents: shipping %d total %d; want 500, 2000", one.ShippingCents, one.TotalCents)
	}

	t.Run("another user's order is not found", func(t *testing.T) {
		other := e.signUp("snoop@example.com")
		e.do(apiReq{Method: "GET", Path: "/api/v1/orders/" + placed[0].ID, Token: other}).want(t, 404, "not_found")
		var list struct{ Items []orderJSON }
		e.do(apiReq{Method: "GET", Path: "/api/v1/orders", Token: other}).decode(t, &list)
		if list.Items == nil || len(list.Items) != 0 {
			t.Errorf("another user's GET /orders = %+v; want an empty list", list.Items)
		}
	})

	t.Run("unknown order", func(t *testing.T) {
		for _, id := range []string{"onotanorder", "bad%20id"} {
			e.do(apiReq{Method: "GET", Path: "/api/v1/orders/" + id, Token: token}).want(t, 404, "not_found")
		}
	})
}

// TestAPIStoreFailures checks a store failure answers 503 with Retry-After
// when it is passing (the store is busy), else 500, never with its text.
func TestAPIStoreFailures(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		code   string
	}{
		{shop.ErrUnavailable, 503, "unavailable"},
		{fmt.Errorf("place order: %w", shop.ErrConflict), 503, "unavailable"},
		{errors.New("disk I/O error at /var/secret/path"), 500, "internal_error"},
	} {
		e := newEnv(t)
		token := e.signUp("busy@example.com")
		e.putItem(token, "kettle", 1)
		e.fail.failPlaceOrder(c.err, false, false)
		res := e.placeOrder(token, "busy-order-1", apiAddress)
		res.want(t, c.status, c.code)
		if c.status == 503 && res.Header.Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After")
		}
		if strings.Contains(string(res.Body), c.err.Error()) || strings.Contains(string(res.Body), "secret") {
			t.Errorf("%d body %s shows the internal error", c.status, res.Body)
		}
	}
}

func apiOrderEqual(a, b orderJSON) bool {
	return a.ID == b.ID && a.Status == b.Status && a.CreatedAt == b.CreatedAt && a.Currency == b.Currency &&
		slices.Equal(a.Items, b.Items) && a.ItemCount == b.ItemCount && a.SubtotalCents == b.SubtotalCents &&
		a.ShippingCents == b.ShippingCents && a.TotalCents == b.TotalCents && a.ShippingAddress == b.ShippingAddress
}
