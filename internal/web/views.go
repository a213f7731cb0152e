package web

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"storefront/internal/shop"
)

// The view types are all that templates see: typed, so a misspelt field
// fails the template test instead of printing nothing.

// pageView is a page's view; every one embeds layoutView.
type pageView interface{ layout() *layoutView }

// layoutView is what the layout shows around every page. render fills all
// but Title.
type layoutView struct {
	// Personal is the layout's "personal" part rendered already, or a
	// marker where it goes (signedinpage.go); empty, the layout renders
	// it.
	Personal  template.HTML
	Title     string
	User      *shop.User // nil for a guest
	Staff     bool       // User is staff who passed the second factor: the staff area's link
	CartCount int
	RequestID string
	StyleURL  string
	ScriptURL string // the one script: pageshow.js
	IconURL   string

	// Description is the page's meta description; render fills in its
	// page's default (seo.go) when the handler set none.
	Description string
	// Canonical is the page's one address, absolute; render sets it to
	// the request's path for a 200 page whose handler set none. Pages
	// that are not 200 have none.
	Canonical string
	// Breadcrumbs is the trail to the page, the page itself last.
	Breadcrumbs []crumbView
	// StructuredData is the page's schema.org data, written as JSON-LD
	// (a data block, which the Content-Security-Policy does not execute).
	StructuredData []any
	// SearchForm shows the shop's search box in the header (not in the
	// staff area, which has its own); SearchQuery is its value, the
	// catalog's search text.
	SearchForm  bool
	SearchQuery string
	// CatalogFilters is set on the catalog page, whose category and sort
	// controls belong to the header's search form (form="site-search").
	CatalogFilters bool
	// AddedID is, on the cart page, the product just added (takeAdded).
	AddedID string
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

// InputMode is the input's inputmode: the keyboard a phone shows. Numbers
// and one-time codes get digits; email and search inputs bring their own.
func (f fieldView) InputMode() string {
	if f.Type == "number" || f.Autocomplete == "one-time-code" {
		return "numeric"
	}
	return ""
}

// Verbatim reports whether the input takes text that must not be
// capitalised or spell-checked: addresses, codes, passwords, ids.
func (f fieldView) Verbatim() bool {
	switch f.Type {
	case "email", "password":
		return true
	}
	return f.Autocomplete == "one-time-code" || f.Name == "id" || f.Name == "tracking_number"
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

// selectAutocomplete is the autocomplete of the selects that fill in
// something the browser knows: the checkout's country.
var selectAutocomplete = map[string]string{"country": "shipping country"}

// RequiredAttr reports whether the select carries the required
// attribute: only when its first option is the empty "choose" one, as
// HTML asks (with a real first option there is always a value).
func (f selectView) RequiredAttr() bool {
	return f.Required && len(f.Options) > 0 && f.Options[0].Value == ""
}

// Autocomplete is the select's autocomplete attribute, "" for none.
func (f selectView) Autocomplete() string { return selectAutocomplete[f.Name] }

// errorSummaryView is the summary at the top of a form that was refused:
// what went wrong, and a link to each field with a message (GOV.UK's error
// summary). It receives the focus when the page loads.
type errorSummaryView struct {
	ID      string // the prefix of its ids, on a page of several forms
	Message string
	Links   []linkView
}

// errorSummaryIn is errorSummary for one of several forms on a page: its
// ids start with id ("password-error-summary-title").
func errorSummaryIn(id, message string, fields ...any) *errorSummaryView {
	v := errorSummary(message, fields...)
	if v != nil {
		v.ID = id + "-"
	}
	return v
}

// errorSummary is the summary of a refused form: its message (a form
// error, or "" for the usual one when fields have messages) and a link
// "#NAME" per fieldView or selectView among fields with a message, in the
// order of the form. Nil when there is nothing to show.
func errorSummary(message string, fields ...any) *errorSummaryView {
	v := &errorSummaryView{Message: message}
	for _, f := range fields {
		switch f := f.(type) {
		case fieldView:
			if f.Error != "" {
				v.Links = append(v.Links, linkView{URL: "#" + f.Name, Text: f.Error})
			}
		case selectView:
			if f.Error != "" {
				v.Links = append(v.Links, linkView{URL: "#" + f.Name, Text: f.Error})
			}
		}
	}
	if v.Message == "" && len(v.Links) == 0 {
		return nil
	}
	return v
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
		case l.StockShort() && l.Available == 0:
			row.Note = "(out of stock now)"
		case l.StockShort():
			row.Note = "(only " + strconv.Itoa(l.Available) + " left now)"
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

// progressStepView is one step of an order's status timeline: done (with
// its time), the current one, or still to come.
type progressStepView struct {
	Status  string
	Label   string
	State   string // "done", "current" or "todo"
	At      time.Time
	Note    string // the tracking number of the shipped step
	Current bool
}

// orderProgress is the timeline of an order's way: placed, accepted,
// shipped (with its tracking number), delivered, each done with its time,
// the order's status current, the rest to come. A cancelled order shows
// the steps it reached, then its cancellation.
func orderProgress(o *shop.Order) []progressStepView {
	reached := map[string]time.Time{}
	for _, c := range o.History() {
		reached[c.Status] = c.At
	}
	labels := map[string]string{shop.OrderStatusPlaced: "Placed", shop.OrderStatusAccepted: "Accepted",
		shop.OrderStatusShipped: "Shipped", shop.OrderStatusDelivered: "Delivered", shop.OrderStatusCancelled: "Cancelled"}
	way := []string{shop.OrderStatusPlaced, shop.OrderStatusAccepted, shop.OrderStatusShipped, shop.OrderStatusDelivered}
	var steps []progressStepView
	for _, st := range way {
		at, done := reached[st]
		if o.Status == shop.OrderStatusCancelled && !done {
			break
		}
		step := progressStepView{Status: st, Label: labels[st], State: "todo"}
		if done {
			step.State, step.At = "done", at
		}
		if st == o.Status {
			step.State, step.Current = "current", true
		}
		if st == shop.OrderStatusShipped && done {
			step.Note = o.TrackingNumber
		}
		steps = append(steps, step)
	}
	if o.Status == shop.OrderStatusCancelled {
		steps = append(steps, progressStepView{Status: o.Status, Label: labels[o.Status], State: "current",
			At: reached[o.Status], Current: true})
	}
	return steps
}

// FiltersOpen reports whether the catalog's "Filter and sort" disclosure
// starts open: folded (a phone's first screen shows products, and a
// <details> opens without script) unless a category or sort is in use or
// the filters were refused, so the shopper sees them.
func (v *catalogView) FiltersOpen() bool {
	return v.Category != "" || (v.Sort != "" && v.Sort != shop.SortName) || v.Error != ""
}

// FilterSummary names the filters in use, for the disclosure's summary:
// "Kitchen, price: low to high"; "" for none.
func (v *catalogView) FilterSummary() string {
	var parts []string
	for _, c := range v.CategoryOptions {
		if c.Value != "" && c.Value == v.Category {
			parts = append(parts, strings.TrimSpace(strings.Split(c.Label, " (")[0]))
		}
	}
	for _, o := range v.SortOptions {
		if o.Value != "" && o.Value != shop.SortName && o.Value == v.Sort {
			parts = append(parts, strings.ToLower(o.Label))
		}
	}
	return strings.Join(parts, ", ")
}

// The templates' functions for the views above (templateFuncs is parsed
// with every page at start, after this).
func init() {
	templateFuncs["errorSummary"] = errorSummary
	templateFuncs["errorSummaryIn"] = errorSummaryIn
	templateFuncs["orderProgress"] = orderProgress
}

// addedCookie carries, from adding a product to the cart page it leads
// to, which product was added: the page confirms it by name, once (the
// page clears it). It lives a minute and holds only a product id.
const addedCookie = "added"

// flashAdded remembers that the product with id was just added to the
// cart, for the cart page's confirmation.
func (s *server) flashAdded(w http.ResponseWriter, r *http.Request, id string) {
	if shop.IsID(id) {
		http.SetCookie(w, s.newCookie(r, addedCookie, id, 60))
	}
}

// takeAdded returns the product id flashAdded remembered, if any, and
// forgets it, so a reload shows no confirmation.
func (s *server) takeAdded(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(addedCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, s.newCookie(r, addedCookie, "", -1))
	if !shop.IsID(c.Value) {
		return ""
	}
	return c.Value
}

// notMergedCookie carries, from a sign-in to the cart or checkout page
// that comes next, the products of the guest's cart that did not all go
// into the account's cart (shop.CartShortfall): the page names them, once.
// It lives ten minutes and holds at most maxNotMerged product ids.
const notMergedCookie = "not_merged"

// maxNotMerged bounds the products notMergedCookie names.
const maxNotMerged = 10

// flashNotMerged remembers the products a sign-in's cart merge left out,
// for the next cart or checkout page.
func (s *server) flashNotMerged(w http.ResponseWriter, r *http.Request, shortfall []shop.CartShortfall) {
	ids := make([]string, 0, min(len(shortfall), maxNotMerged))
	for _, sf := range shortfall[:min(len(shortfall), maxNotMerged)] {
		ids = append(ids, sf.ProductID)
	}
	http.SetCookie(w, s.newCookie(r, notMergedCookie, strings.Join(ids, "."), 600))
}

// takeNotMerged returns the names of the products flashNotMerged
// remembered, as the shop has them, and forgets them, so a reload shows no
// notice. Ids that are no id, or of no product, are left out.
func (s *server) takeNotMerged(w http.ResponseWriter, r *http.Request) []string {
	c, err := r.Cookie(notMergedCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, s.newCookie(r, notMergedCookie, "", -1))
	ids := strings.Split(c.Value, ".") // ids hold no dot (shop.IsID)
	var names []string
	for _, id := range ids[:min(len(ids), maxNotMerged)] {
		if !shop.IsID(id) {
			continue
		}
		if p, err := s.shop.Product(r.Context(), id); err == nil {
			names = append(names, p.Name)
		}
	}
	return names
}

// Added is the cart line just added (takeAdded), for the confirmation at
// the top of the cart page; nil when none.
func (v *cartView) Added() *cartLineView {
	for i := range v.Lines {
		if v.Lines[i].ProductID == v.AddedID {
			return &v.Lines[i]
		}
	}
	return nil
}

// FreeShippingToGo is how much more the cart needs for free shipping; 0
// when it has it (or is empty).
func (v *cartView) FreeShippingToGo() shop.Money {
	if len(v.Lines) == 0 || v.Cart == nil || v.Cart.Totals.SubtotalCents >= v.FreeShipping {
		return 0
	}
	return v.FreeShipping - v.Cart.Totals.SubtotalCents
}
