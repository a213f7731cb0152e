package web

import (
	"slices"
	"testing"
)

func TestAPICart(t *testing.T) {
	e := newEnv(t)
	token := e.signUp("cart@example.com")

	res := e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: token})
	res.want(t, 200, "")
	var c cartJSON
	res.decode(t, &c)
	if c.Items == nil || len(c.Items) != 0 || c.ItemCount != 0 || c.SubtotalCents != 0 || c.ShippingCents != 0 || c.TotalCents != 0 || c.Currency != "USD" {
		t.Errorf("empty cart = %+v; want no items, all zero, USD", c)
	}

	c = e.putItem(token, "pan", 1)
	want := cartJSON{Items: []lineJSON{{"pan", "Cast Iron Pan", 2500, 1, 2500}},
		totalsJSON: totalsJSON{ItemCount: 1, SubtotalCents: 2500, ShippingCents: 500, TotalCents: 3000}, Currency: "USD"}
	if !apiCartEqual(c, want) {
		t.Errorf("PUT pan 1 = %+v; want %+v", c, want)
	}

	// PUT sets the quantity rather than adding to it; 5000 cents and more
	// ship free.
	e.putItem(token, "kettle", 3)
	c = e.putItem(token, "kettle", 2)
	want = cartJSON{Items: []lineJSON{{"pan", "Cast Iron Pan", 2500, 1, 2500}, {"kettle", "Enamel Kettle", 3900, 2, 7800}},
		totalsJSON: totalsJSON{ItemCount: 3, SubtotalCents: 10300, ShippingCents: 0, TotalCents: 10300}, Currency: "USD"}
	if !apiCartEqual(c, want) {
		t.Errorf("PUT kettle 3 then 2 = %+v; want %+v", c, want)
	}
	res = e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: token})
	res.decode(t, &c)
	if !apiCartEqual(c, want) {
		t.Errorf("GET /cart = %+v; want %+v", c, want)
	}

	t.Run("quantity refused", func(t *testing.T) {
		for _, body := range []string{`{"quantity": 1.5}`, `{"quantity": 1e3}`, `{"quantity": 1E0}`, `{"quantity": true}`,
			`{"quantity": "1"}`, `{"quantity": -1}`, `{"quantity": 0}`, `{"quantity": 100}`, `{"quantity": 01}`,
			`{"quantity": null}`, `{"quantity": [1]}`, `{"quantity": {}}`, `{}`, `{"quantity": 99999999999999999999}`} {
			res := e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/trowel", Token: token, Body: body})
			if body == `{"quantity": 01}` {
				res.want(t, 400, "invalid_json") // not JSON at all
				continue
			}
			res.want(t, 422, "validation_failed")
			if fields := res.fields(t); len(fields["quantity"]) != 1 {
				t.Errorf("PUT %s: fields = %v; want quantity named", body, fields)
			}
		}
		res := e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: token})
		res.decode(t, &c)
		if !apiCartEqual(c, want) {
			t.Errorf("after refused PUTs, cart = %+v; want it unchanged", c)
		}
	})

	t.Run("whitespace around the number is fine", func(t *testing.T) {
		res := e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/kettle", Token: token, Body: "{\n \"quantity\" :\t2 \n}\n"})
		res.want(t, 200, "")
	})

	t.Run("unknown product", func(t *testing.T) {
		e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/nope", Token: token, Body: `{"quantity": 1}`}).want(t, 404, "not_found")
	})

	t.Run("withdrawn product", func(t *testing.T) {
		res := e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/old-hose", Token: token, Body: `{"quantity": 1}`})
		res.want(t, 422, "validation_failed")
		if fields := res.fields(t); len(fields["product_id"]) != 1 {
			t.Errorf("fields = %v; want product_id named", fields)
		}
	})

	t.Run("insufficient stock", func(t *testing.T) {
		for _, c := range []struct {
			id                  string
			quantity, available int
		}{{"pan", 3, 2}, {"lamp", 1, 0}} {
			res := e.do(apiReq{Method: "PUT", Path: "/api/v1/cart/items/" + c.id, Token: token, Body: apiJSON(map[string]int{"quantity": c.quantity})})
			res.want(t, 409, "insufficient_stock")
			var body struct{ Items []shortageJSON }
			res.decode(t, &body)
			if len(body.Items) != 1 || body.Items[0].ProductID != c.id || body.Items[0].Requested != c.quantity || body.Items[0].Available != c.available {
				t.Errorf("PUT %s %d: items = %+v; want requested %d available %d", c.id, c.quantity, body.Items, c.quantity, c.available)
			}
		}
	})

	t.Run("remove", func(t *testing.T) {
		res := e.do(apiReq{Method: "DELETE", Path: "/api/v1/cart/items/pan", Token: token})
		res.want(t, 200, "")
		res.decode(t, &c)
		if len(c.Items) != 1 || c.Items[0].ProductID != "kettle" || c.SubtotalCents != 7800 {
			t.Errorf("after DELETE pan, cart = %+v; want kettle only", c)
		}
		// Removing what is not there is fine.
		e.do(apiReq{Method: "DELETE", Path: "/api/v1/cart/items/pan", Token: token}).want(t, 200, "")
		e.do(apiReq{Method: "DELETE", Path: "/api/v1/cart/items/nope", Token: token}).want(t, 200, "")
	})

	t.Run("carts are per user", func(t *testing.T) {
		other := e.signUp("other-cart@example.com")
		res := e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: other})
		res.decode(t, &c)
		if len(c.Items) != 0 {
			t.Errorf("another user's cart = %+v; want empty", c)
		}
		// Every token of a user shares the user's cart.
		second := e.token("cart@example.com", testPassword)
		e.do(apiReq{Method: "GET", Path: "/api/v1/cart", Token: second}).decode(t, &c)
		if len(c.Items) != 1 {
			t.Errorf("cart through a second token = %+v; want the user's cart", c)
		}
	})
}

func apiCartEqual(a, b cartJSON) bool {
	return slices.Equal(a.Items, b.Items) && a.ItemCount == b.ItemCount && a.SubtotalCents == b.SubtotalCents &&
		a.ShippingCents == b.ShippingCents && a.TotalCents == b.TotalCents && a.Currency == b.Currency
}
