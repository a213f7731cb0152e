package web

import (
	"errors"
	"strings"

	"storefront/internal/shop"
)

// The view types are all that templates see: typed, so a misspelt field
// fails the template test instead of printing nothing.

// pageView is a page's view; every one embeds layoutView.
type pageView interface{ layout() *layoutView }

// layoutView is what the layout shows around every page. render fills all
// but Title.
type layoutView struct {
	Title     string
	User      *shop.User // nil for a guest
	Staff     bool       // User is staff who passed the second factor: the staff area's link
	CartCount int
	RequestID string
	StyleURL  string
	ScriptURL string // the one script: pageshow.js
	IconURL   string
}

func (v *layoutView) layout() *layoutView { return v }

// linkView is a link: address and text.
type linkView struct{ URL, Text string }

// fieldView is one labelled form input. Its message, if any, is in the
// element with id NAME-error, which the input names in aria-describedby.
type fieldView struct {
	Name         string
	Label        string
	Type         string // text, email, password, number, search
	Value        string // never set for passwords
	Error        string
	Hint         string
	Autocomplete string
	Required     bool
	Min, Max     string // number inputs
}

// Described is the input's aria-describedby: its hint and its message.
func (f fieldView) Described() string {
	var ids []string
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	if f.Hint != "" {
		ids = append(ids, f.Name+"-hint")
	}
	return strings.Join(ids, " ")
}

// selectView is one labelled <select>, with its message as fieldView has.
type selectView struct {
	Name     string
	Label    string
	Value    string
	Error    string
	Required bool
	Options  []optionView
}

// Described is the select's aria-describedby.
func (f selectView) Described() string {
	if f.Error != "" {
		return f.Name + "-error"
	}
	return ""
}

// optionView is one <option>.
type optionView struct{ Value, Label string }

// messageView is a page that tells one thing and offers ways on: error
// pages, and outcomes such as "your cart is empty".
type messageView struct {
	layoutView
	Heading       string
	Message       string
	Details       []string
	Links         []linkView
	ShowRequestID bool
}

// fieldMessages returns the field messages of a *shop.ValidationError, or
// nil for an error of another kind.
func fieldMessages(err error) map[string]string {
	var verr *shop.ValidationError
	if errors.As(err, &verr) {
		return verr.Fields
	}
	return nil
}

// productImageURL is the address of a product's picture (productSVG).
func productImageURL(id string) string { return "/images/products/" + id + ".svg" }

// productURL is the address of a product's page.
func productURL(id string) string { return "/products/" + id }

// totalsView is the totals block of a cart, a checkout or an order;
// IDPrefix names its elements (#cart-subtotal, #order-total).
type totalsView struct {
	IDPrefix string
	shop.Totals
}

// lineTableView is the table of a checkout's or an order's lines, with
// their totals.
type lineTableView struct {
	Caption string
	Lines   []lineRowView
	Totals  totalsView
}

// lineRowView is one row of a line table; Note, if any, follows the
// product's name (a withdrawn product, a changed price).
type lineRowView struct {
	shop.OrderLine
	Note string
}

// newCartTotals is the totals block of a cart.
func newCartTotals(idPrefix string, c *shop.CartView) totalsView {
	return totalsView{IDPrefix: idPrefix, Totals: c.Totals}
}

// newCartLineTable is the line table of a cart about to be ordered, each
// line noting what the shopper must confirm.
func newCartLineTable(c *shop.CartView) *lineTableView {
	t := &lineTableView{Caption: "Products in your order", Totals: newCartTotals("checkout", c)}
	for _, l := range c.Lines {
		row := lineRowView{OrderLine: l.OrderLine}
		switch {
		case l.Withdrawn:
			row.Note = "(no longer sold)"
		case l.PriceChanged():
			row.Note = "(was " + l.SeenPriceCents.String() + ")"
		}
		t.Lines = append(t.Lines, row)
	}
	return t
}

// newOrderLineTable is the line table of a placed order.
func newOrderLineTable(o *shop.Order) lineTableView {
	t := lineTableView{Caption: "Products in this order",
		Totals: totalsView{IDPrefix: "order", Totals: o.Totals}}
	for _, l := range o.Items {
		t.Lines = append(t.Lines, lineRowView{OrderLine: l})
	}
	return t
}
