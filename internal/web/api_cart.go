package web

import (
	"encoding/json"
	"net/http"

	"storefront/internal/shop"
)

// lineJSON is a priced line of a cart or an order.
type lineJSON struct {
	ProductID      string `json:"product_id"`
	Name           string `json:"name"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	Quantity       int    `json:"quantity"`
	LineTotalCents int64  `json:"line_total_cents"`
}

func newLineJSON(l shop.OrderLine) lineJSON {
	return lineJSON{ProductID: l.ProductID, Name: l.Name, UnitPriceCents: int64(l.UnitPriceCents),
		Quantity: l.Quantity, LineTotalCents: int64(l.LineTotalCents)}
}

// totalsJSON are the totals of a cart or an order (shop.Totals), in the
// JSON object that holds them.
type totalsJSON struct {
	ItemCount     int   `json:"item_count"`
	SubtotalCents int64 `json:"subtotal_cents"`
	ShippingCents int64 `json:"shipping_cents"`
	TotalCents    int64 `json:"total_cents"`
}

func newTotalsJSON(t shop.Totals) totalsJSON {
	return totalsJSON{ItemCount: t.ItemCount, SubtotalCents: int64(t.SubtotalCents), ShippingCents: int64(t.ShippingCents),
		TotalCents: int64(t.TotalCents)}
}

// cartJSON is a cart at current prices; shipping and total are what an
// order placed now would cost.
type cartJSON struct {
	Items []lineJSON `json:"items"`
	totalsJSON
	Currency string `json:"currency"`
}

func newCartJSON(c *shop.CartView) cartJSON {
	out := cartJSON{Items: make([]lineJSON, len(c.Lines)), totalsJSON: newTotalsJSON(c.Totals), Currency: shop.Currency}
	for i, l := range c.Lines {
		out.Items[i] = newLineJSON(l.OrderLine)
	}
	return out
}

// handleAPICart serves GET /api/v1/cart: the token's user's cart.
func (s *server) handleAPICart(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	c, err := s.shop.Cart(r.Context(), sess.CartID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newCartJSON(c))
}

// handleAPICartSet serves PUT /api/v1/cart/items/{product_id} {quantity}:
// sets the line's quantity, 1 to 99, and answers the cart.
func (s *server) handleAPICartSet(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	var in struct {
		// Quantity is kept as its JSON text, so that the one rule for
		// counts (shop.ParseQuantity) refuses "1", 1.5, 1e3, true and -1.
		Quantity json.RawMessage `json:"quantity"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := shop.ParseQuantity(string(in.Quantity), false)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.shop.SetCartQuantity(r.Context(), u, sess.CartID, r.PathValue("product_id"), n)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newCartJSON(c))
}

// handleAPICartRemove serves DELETE /api/v1/cart/items/{product_id}:
// removes the line (absent is fine) and answers the cart.
func (s *server) handleAPICartRemove(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	if err := apiNoBody(w, r); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.shop.RemoveFromCart(r.Context(), sess.CartID, r.PathValue("product_id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newCartJSON(c))
}
