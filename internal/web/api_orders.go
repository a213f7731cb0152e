package web

import (
	"encoding/json"
	"net/http"

	"storefront/internal/shop"
)

// addressJSON is a shipping address; line2 may be "".
type addressJSON struct {
	FullName   string `json:"full_name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// orderJSON is a placed order as the API shows it: not the buyer's id or
// email, which the client knows.
type orderJSON struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	CreatedAt string     `json:"created_at"`
	Currency  string     `json:"currency"`
	Items     []lineJSON `json:"items"`
	totalsJSON
	ShippingAddress addressJSON `json:"shipping_address"`
	// StatusHistory is every status of the order, oldest first, starting
	// with placed; TrackingNumber is set once it shipped.
	StatusHistory  []statusJSON `json:"status_history"`
	TrackingNumber string       `json:"tracking_number,omitempty"`
}

// statusJSON is one status of an order and when it began.
type statusJSON struct {
	Status string `json:"status"`
	At     string `json:"at"`
}

func newOrderJSON(o *shop.Order) orderJSON {
	a := o.ShippingAddress
	out := orderJSON{ID: o.ID, Status: o.Status, CreatedAt: apiTime(o.CreatedAt), Currency: o.Currency,
		Items: make([]lineJSON, len(o.Items)), totalsJSON: newTotalsJSON(o.Totals),
		ShippingAddress: addressJSON{FullName: a.FullName, Line1: a.Line1, Line2: a.Line2, City: a.City,
			PostalCode: a.PostalCode, Country: a.Country}}
	for i, l := range o.Items {
		out.Items[i] = newLineJSON(l)
	}
	for _, c := range o.History() {
		out.StatusHistory = append(out.StatusHistory, statusJSON{Status: c.Status, At: apiTime(c.At)})
	}
	out.TrackingNumber = o.TrackingNumber
	return out
}

// handleAPIPlaceOrder serves POST /api/v1/orders {shipping_address} with
// header Idempotency-Key: 201 the new order; 200 the same order when the
// same key and address come again (a retry), never a second order. When
// the store's answer was lost and the order could not be read back, 503
// outcome_unknown with Retry-After: the order may exist, and the same key
// again answers with it (or places it), never a second.
func (s *server) handleAPIPlaceOrder(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		s.apiError(w, r, errAPIKeyRequired)
		return
	}
	var in struct {
		// Decoded in a second step, so its unknown fields are named by
		// their JSON path.
		ShippingAddress json.RawMessage `json:"shipping_address"`
	}
	if err := apiDecode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	var addr addressJSON
	if len(in.ShippingAddress) == 0 || string(in.ShippingAddress) == "null" {
		s.apiError(w, r, &shop.ValidationError{Fields: map[string]string{"shipping_address": "Enter the shipping address."}})
		return
	}
	if err := apiUnmarshal(in.ShippingAddress, &addr, "shipping_address."); err != nil {
		if err == errAPINotObject {
			err = &shop.ValidationError{Fields: map[string]string{"shipping_address": apiTypeMessage("struct")}}
		}
		s.apiError(w, r, err)
		return
	}
	o, replay, err := s.shop.PlaceOrder(r.Context(), shop.PlaceOrderInput{User: u, CartID: sess.CartID, Key: key,
		Address: shop.Address{FullName: addr.FullName, Line1: addr.Line1, Line2: addr.Line2, City: addr.City,
			PostalCode: addr.PostalCode, Country: addr.Country}})
	if fieldMessages(err)["checkout_key"] != "" {
		// The service checks the key (shop.IsCheckoutKey); its field is
		// the API's header.
		err = errAPIKeyInvalid
	}
	if err != nil {
		s.apiError(w, r, apiPrefixFields(err, "shipping_address."))
		return
	}
	status := http.StatusCreated
	if replay {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/orders/"+o.ID)
	s.apiWrite(w, r, status, newOrderJSON(o))
}

// handleAPIOrders serves GET /api/v1/orders: the user's orders, newest first.
func (s *server) handleAPIOrders(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	orders, err := s.shop.Orders(r.Context(), u)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Items []orderJSON `json:"items"`
	}{Items: make([]orderJSON, len(orders))}
	for i := range orders {
		out.Items[i] = newOrderJSON(&orders[i])
	}
	s.apiWrite(w, r, http.StatusOK, out)
}

// handleAPIOrder serves GET /api/v1/orders/{id}: 404 for anyone but the
// order's owner.
func (s *server) handleAPIOrder(w http.ResponseWriter, r *http.Request, sess *shop.Session, u *shop.User) {
	o, err := s.shop.Order(r.Context(), u, r.PathValue("id"))
	s.apiOrderAnswer(w, r, o, err)
}

// apiOrderAnswer answers a call about one of the user's orders: 200 the
// order, or the error.
func (s *server) apiOrderAnswer(w http.ResponseWriter, r *http.Request, o *shop.Order, err error) {
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newOrderJSON(o))
}
