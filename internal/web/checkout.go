package web

import (
	"errors"
	"net/http"

	"storefront/internal/shop"
)

// checkoutView is the checkout page: the cart summary and the address
// form, with the one-time checkout key that makes submitting it twice
// place one order.
type checkoutView struct {
	layoutView
	Cart      *shop.CartView // nil when it could not be loaded
	LineTable *lineTableView // Cart's lines, nil with it
	// NotMerged names the products of the guest's cart that did not all
	// go into the account's cart at sign-in (takeNotMerged).
	NotMerged   []string
	FormError   string
	Problems    []string // the short or repriced products, after a refusal
	PriceChange bool     // offers "Confirm new prices"
	// OutcomeUnknown: the order may have been placed; the form keeps its
	// checkout key, so submitting it again finds out and never orders twice.
	OutcomeUnknown bool
	CheckoutKey    string
	FullName       fieldView
	Line1          fieldView
	Line2          fieldView
	City           fieldView
	PostalCode     fieldView
	Country        selectView
}

// addressFormFields maps the domain's address keys to the form's field
// names, where they differ.
var addressFormFields = map[string]string{"line1": "address_line1", "line2": "address_line2"}

// countryOptions are the country select's options, "choose" first.
var countryOptions = func() []optionView {
	opts := []optionView{{"", "Choose a country"}}
	for _, c := range shop.Countries {
		opts = append(opts, optionView{c.Code, c.Name})
	}
	return opts
}()

func newCheckoutView(c *shop.CartView, a shop.Address, key string, domainFields map[string]string) *checkoutView {
	fields := make(map[string]string, len(domainFields))
	for k, msg := range domainFields {
		if name, ok := addressFormFields[k]; ok {
			k = name
		}
		fields[k] = msg
	}
	v := &checkoutView{
		layoutView: layoutView{Title: "Checkout"}, Cart: c, CheckoutKey: key,
		FullName: fieldView{Name: "full_name", Label: "Full name", Type: "text", Value: a.FullName,
			Error: fields["full_name"], Autocomplete: "shipping name", Required: true},
		Line1: fieldView{Name: "address_line1", Label: "Street address", Type: "text", Value: a.Line1,
			Error: fields["address_line1"], Autocomplete: "shipping address-line1", Required: true},
		Line2: fieldView{Name: "address_line2", Label: "Apartment, suite, etc.", Type: "text", Value: a.Line2,
			Error: fields["address_line2"], Autocomplete: "shipping address-line2"},
		City: fieldView{Name: "city", Label: "City", Type: "text", Value: a.City,
			Error: fields["city"], Autocomplete: "shipping address-level2", Required: true},
		PostalCode: fieldView{Name: "postal_code", Label: "Postal code", Type: "text", Value: a.PostalCode,
			Error: fields["postal_code"], Autocomplete: "shipping postal-code", Required: true},
		Country: selectView{Name: "country", Label: "Country", Value: a.Country, Error: fields["country"],
			Required: true, Options: countryOptions},
	}
	if c != nil {
		v.LineTable = newCartLineTable(c)
	}
	return v
}

// handleCheckoutForm serves GET /checkout (signed in, else 303 to
// /login?next=/checkout): the cart summary and the address form with a new
// checkout key.
func (s *server) handleCheckoutForm(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/checkout")
	if !ok {
		return
	}
	c, err := vis.Cart() // a signed-in visit has a cart, or an error
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	v := newCheckoutView(c, shop.Address{FullName: vis.User.Name}, shop.NewCheckoutKey(), nil)
	v.NotMerged = s.takeNotMerged(w, r)
	v.PriceChange = c.NeedsPriceConfirmation()
	s.render(w, r, http.StatusOK, "checkout", v)
}

// handleCheckout serves POST /checkout (signed in): it places the cart as
// an order and answers 303 to /orders/{id}. The form's checkout key makes
// it idempotent: posting the same form again answers with the same order.
// Refusals show the page again: 422 for the address, 409 naming short or
// repriced products (nothing changed, the cart kept), 503 when the store
// was unavailable and nothing was ordered, or when whether the order was
// placed could not be learned (same values, same key: submitting again
// finds out, and never places a second order).
func (s *server) handleCheckout(w http.ResponseWriter, r *http.Request) {
	vis, ok := s.requireUser(w, r, "/checkout")
	if !ok || !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	addr := shop.Address{FullName: f.Get("full_name"), Line1: f.Get("address_line1"), Line2: f.Get("address_line2"),
		City: f.Get("city"), PostalCode: f.Get("postal_code"), Country: f.Get("country")}
	key := f.Get("checkout_key")
	if f.Get("confirm_prices") != "" {
		s.checkoutConfirmPrices(w, r, vis, addr, key)
		return
	}
	o, _, err := s.shop.PlaceOrder(r.Context(), shop.PlaceOrderInput{User: vis.User, CartID: vis.CartID(), Key: key, Address: addr,
		CartVersion: f.Get("cart_version")})
	if err != nil {
		s.checkoutFailed(w, r, vis, addr, key, err)
		return
	}
	seeOther(w, r, "/orders/"+o.ID)
}

// checkoutConfirmPrices answers the checkout form's "Confirm new prices":
// the cart takes the current prices (withdrawn products leave it) and the
// form is shown again with the address typed and the same checkout key
// (nothing was ordered with it), so the shopper reviews the new total and
// places the order without typing the address again.
func (s *server) checkoutConfirmPrices(w http.ResponseWriter, r *http.Request, vis *shop.Visit, addr shop.Address, key string) {
	c, err := s.shop.ConfirmCartPrices(r.Context(), vis.CartID())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if !shop.IsCheckoutKey(key) {
		key = shop.NewCheckoutKey()
	}
	v := newCheckoutView(c, addr, key, nil)
	v.PriceChange = c.NeedsPriceConfirmation()
	s.render(w, r, http.StatusOK, "checkout", v)
}

// What the checkout form says above a refusal. Each tells whether anything
// was ordered only as far as the service knows it: after
// shop.ErrOutcomeUnknown never "nothing was ordered".
const (
	checkoutShortMessage = "Some products do not have enough stock left. Nothing was ordered and your cart is kept: " +
		"change the quantities in your cart, then check out again."
	checkoutPriceMessage = "Some prices changed since you added the products, or a product is no longer sold. " +
		"Nothing was ordered: check the notes below, then confirm the new prices to check out."
	checkoutPriceAndStockMessage = "Some prices changed since you added the products, or a product is no longer sold, " +
		"and some products do not have enough stock left. Nothing was ordered: check the notes below, confirm the new prices " +
		"and change the quantities in your cart, then check out again."
	checkoutChangedMessage = "Your cart changed since this page was shown (in another tab or window, perhaps). " +
		"Nothing was ordered: check the order below, then place it again."
	checkoutUnknownMessage = "We could not confirm whether your order was placed: it may have been. " +
		"Press “Place order” again in a moment to find out: this form can place your order only once, so it is never ordered twice. " +
		"You can also look in your orders."
	checkoutUnavailableMessage = "We could not place your order right now. Nothing was ordered and nothing was charged; " +
		"your cart is kept. Please try again."
)

// checkoutFailed answers a refused checkout: a page of its own when there
// is nothing to order or the form was used, else the form again with the
// address kept, the cart as it was (nothing changed) and what to do.
func (s *server) checkoutFailed(w http.ResponseWriter, r *http.Request, vis *shop.Visit, addr shop.Address, key string, err error) {
	orders := linkView{URL: "/orders", Text: "Your orders"}
	switch {
	case errors.Is(err, shop.ErrCartEmpty):
		s.render(w, r, problemFor(err).Status, "message", &messageView{layoutView: layoutView{Title: "Your cart is empty"},
			Heading: "Your cart is empty", Message: "There is nothing to order.",
			Details: []string{"If you just placed an order, you can find it in your orders."},
			Links:   []linkView{orders, {URL: "/products", Text: "Browse products"}}})
		return
	case errors.Is(err, shop.ErrIdempotencyKeyReused):
		s.render(w, r, problemFor(err).Status, "message", &messageView{layoutView: layoutView{Title: "Checkout form already used"},
			Heading: "This checkout form was already used", Message: "This checkout form was already used to place an order.",
			Details: []string{"Your orders show what was ordered. To order again, start a new checkout."},
			Links:   []linkView{orders, {URL: "/checkout", Text: "Start a new checkout"}}})
		return
	}
	p := problemFor(err)
	fields := fieldMessages(err)
	var serr *shop.StockError
	var perr *shop.PriceError
	isStock, isPrice := errors.As(err, &serr), errors.As(err, &perr)
	unknown := errors.Is(err, shop.ErrOutcomeUnknown)
	changed := errors.Is(err, shop.ErrCartNotAsShown)
	if fields == nil && !isStock && !isPrice && !changed && p.Status != http.StatusServiceUnavailable {
		s.errorPage(w, r, err)
		return
	}
	var c *shop.CartView
	if !unknown { // the cart may be placed or not: its summary would mislead
		// The cart as it was before this refused checkout, which changed
		// nothing; nil (no summary, the form still kept) when it could not
		// be loaded.
		c, _ = vis.Cart()
	}
	if fields["checkout_key"] != "" {
		key = shop.NewCheckoutKey() // a malformed or expired form: this page is a new checkout
	}
	v := newCheckoutView(c, addr, key, fields)
	v.FormError = p.Message
	switch {
	case fields["checkout_key"] != "":
		v.FormError = fields["checkout_key"]
	case isStock:
		v.FormError = checkoutShortMessage
		for _, sh := range serr.Items {
			v.Problems = append(v.Problems, sh.Message())
		}
	case changed:
		v.FormError = checkoutChangedMessage
		v.PriceChange = c != nil && c.NeedsPriceConfirmation()
	case isPrice:
		v.FormError = checkoutPriceMessage
		if len(perr.Shortages) > 0 {
			v.FormError = checkoutPriceAndStockMessage
		}
		v.PriceChange = true
		for _, pc := range perr.Items {
			v.Problems = append(v.Problems, pc.Message())
		}
		for _, sh := range perr.Shortages {
			v.Problems = append(v.Problems, sh.Message())
		}
	case unknown:
		s.log.ErrorContext(r.Context(), "checkout outcome unknown", "request_id", requestIDFrom(r.Context()), "err", err)
		setRetryAfter(w, p, err)
		v.OutcomeUnknown = true
		v.FormError = checkoutUnknownMessage
	case p.Status == http.StatusServiceUnavailable:
		s.log.ErrorContext(r.Context(), "checkout unavailable", "request_id", requestIDFrom(r.Context()), "err", err)
		setRetryAfter(w, p, err)
		v.FormError = checkoutUnavailableMessage
	}
	s.render(w, r, p.Status, "checkout", v)
}
