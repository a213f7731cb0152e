package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"storefront/internal/shop"
)

// cartView is the cart page.
type cartView struct {
	layoutView
	Cart *shop.CartView
	// Lines are the cart's lines with what the forms show: the quantity
	// entered and its message, after a refused change.
	Lines []cartLineView
	// CookiesNeeded is set when a guest just added a product but the
	// browser did not send back the cart's cookie.
	CookiesNeeded bool
	// NotMerged names the products of the guest's cart that did not all
	// go into the account's cart at sign-in (shop.CartShortfall).
	NotMerged []string
	FormError string
	// LineError, after a refused change of a line, says so at the top of
	// the page (focused, announced, linking to the line's field), where a
	// phone shows it: the line may be far down the page.
	LineError *errorSummaryView
	// PricesChanged is set when a line's price changed since it was added
	// or its product is withdrawn: checkout waits for a confirmation.
	PricesChanged bool
	FreeShipping  shop.Money
	Totals        totalsView
}

// cartLineView is a line of the cart page.
type cartLineView struct {
	shop.CartViewLine
	URL      string
	Quantity string
	Error    string
}

// lineProblem is a refused change of one line: its product, the quantity
// entered and the message.
type lineProblem struct {
	productID string
	quantity  string
	message   string
}

// handleCart serves GET /cart. A guest without a session has an empty
// cart; if they come straight from adding a product (added=1), their
// browser refused the cart's cookie, and the page says so.
func (s *server) handleCart(w http.ResponseWriter, r *http.Request) {
	s.renderCart(w, r, http.StatusOK, lineProblem{})
}

// renderCart renders the cart page with status and, after a refused
// change, the problem shown at its line.
func (s *server) renderCart(w http.ResponseWriter, r *http.Request, status int, lp lineProblem) {
	vis := visitFrom(r.Context())
	v := &cartView{layoutView: layoutView{Title: "Your cart"}, Cart: &shop.CartView{}, FreeShipping: shop.FreeShippingThreshold}
	c, err := vis.Cart()
	switch {
	case vis.Session == nil:
		v.CookiesNeeded = r.URL.Query().Get("added") == "1"
	case err != nil:
		s.errorPage(w, r, err)
		return
	default:
		v.Cart = c
	}
	v.NotMerged = s.takeNotMerged(w, r)
	v.PricesChanged = v.Cart.NeedsPriceConfirmation()
	v.Totals = newCartTotals("cart", v.Cart)
	placed := lp.message == ""
	for _, l := range v.Cart.Lines {
		lv := cartLineView{CartViewLine: l, URL: productURL(l.ProductID), Quantity: strconv.Itoa(l.Quantity)}
		if l.ProductID == lp.productID && lp.message != "" {
			lv.Quantity, lv.Error, placed = lp.quantity, lp.message, true
			v.LineError = &errorSummaryView{Links: []linkView{{URL: "#quantity-" + l.ProductID, Text: l.Name + ": " + lp.message}}}
		}
		v.Lines = append(v.Lines, lv)
	}
	if !placed {
		v.FormError = lp.message
	}
	s.render(w, r, status, "cart", v)
}

// handleCartAdd serves POST /cart/items (product_id, quantity): it adds to
// the cart, 303 to /cart. A guest's session, which holds their cart, starts
// here. A refused quantity shows the product page again: 422, or 409 when
// stock is short. A form without a product_id is 422 with its message (a
// product_id naming no product is 404).
func (s *server) handleCartAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if strings.TrimSpace(r.PostForm.Get("product_id")) == "" {
		s.render(w, r, http.StatusUnprocessableEntity, "message", noProductView())
		return
	}
	quantity := r.PostForm.Get("quantity")
	added, err := s.shop.AddToVisitorCart(r.Context(), visitFrom(r.Context()), r.PostForm.Get("product_id"), quantity)
	target := "/cart"
	if added != nil && added.Guest != nil {
		// The session exists now, whether or not the add was refused.
		s.setSessionCookie(w, r, added.Guest)
		target = "/cart?added=1" // lets the cart page tell a cookie-refusing browser why it is empty
	}
	if err == nil {
		s.flashAdded(w, r, r.PostForm.Get("product_id")) // views.go: the cart page's confirmation
		seeOther(w, r, target)
		return
	}
	if added == nil || added.Product == nil {
		s.errorPage(w, r, err)
		return
	}
	v := newProductView(added.Product, quantity)
	var serr *shop.StockError
	if errors.As(err, &serr) {
		v.Quantity.Error = serr.Message()
	} else {
		fields := fieldMessages(err)
		v.Quantity.Error, v.FormError = fields["quantity"], fields["product_id"]
	}
	s.render(w, r, problemFor(err).Status, "product", v)
}

// noProductMessage is the message of field product_id when an add-to-cart
// form sent none: there is no product page to show it on.
const noProductMessage = "Choose a product to add: the form did not say which one (product_id is missing)."

// noProductView is the page of an add-to-cart form without a product_id.
func noProductView() *messageView {
	heading := errorHeading(http.StatusUnprocessableEntity)
	return &messageView{layoutView: layoutView{Title: heading}, Heading: heading, Message: noProductMessage,
		Details: []string{"Open the product's page and use its Add to cart button."},
		Links:   []linkView{{URL: "/products", Text: "Browse all products"}, {URL: "/cart", Text: "Your cart"}}}
}

// handleCartSet serves POST /cart/items/{product_id} (quantity): it sets a
// line's quantity, 0 removing it, 303 to /cart. A refused quantity shows
// the cart again with the message at the line: 422, or 409 when stock is
// short.
func (s *server) handleCartSet(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	productID, raw := r.PathValue("product_id"), r.PostForm.Get("quantity")
	qty, err := shop.ParseQuantity(raw, true)
	if err == nil {
		sess := visitFrom(r.Context()).Session
		if sess == nil {
			seeOther(w, r, "/cart") // no cart, nothing to change
			return
		}
		_, err = s.shop.SetCartQuantity(r.Context(), visitFrom(r.Context()).User, sess.CartID, productID, qty)
	}
	if err != nil {
		var serr *shop.StockError
		switch {
		case errors.As(err, &serr):
			s.renderCart(w, r, http.StatusConflict, lineProblem{productID, raw, serr.Message()})
		case fieldMessages(err) != nil:
			s.renderCart(w, r, http.StatusUnprocessableEntity, lineProblem{productID, raw, fieldSummary(fieldMessages(err))})
		default:
			s.errorPage(w, r, err)
		}
		return
	}
	seeOther(w, r, "/cart")
}

// handleCartConfirmPrices serves POST /cart/confirm-prices: the shopper
// accepts the current prices (withdrawn products leave the cart), 303 to
// next (a local path) or /checkout.
func (s *server) handleCartConfirmPrices(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	next := localNext(r.PostForm.Get("next"))
	if next == "" {
		next = "/checkout"
	}
	if sess := visitFrom(r.Context()).Session; sess != nil {
		if _, err := s.shop.ConfirmCartPrices(r.Context(), sess.CartID); err != nil {
			s.errorPage(w, r, err)
			return
		}
	}
	seeOther(w, r, next)
}
