package web

import (
	"errors"
	"fmt"
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
	CartCount int
	RequestID string
	StyleURL  string
	ScriptURL string // the one script: pageshow.js
	IconURL   string
	// cartCounted is set by pages that loaded the cart themselves.
	cartCounted bool
}

func (v *layoutView) layout() *layoutView { return v }

// countCart sets the header's cart count from a cart the page loaded.
func (v *layoutView) countCart(c *shop.CartView) {
	if c != nil {
		v.CartCount, v.cartCounted = c.ItemCount, true
	}
}

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

// shortageMessage tells a shopper that stock cannot cover a line.
func shortageMessage(sh shop.Shortage) string {
	if sh.Available == 0 {
		return fmt.Sprintf("%s is out of stock.", sh.Name)
	}
	return fmt.Sprintf("%s: only %d left in stock, not enough for %d.", sh.Name, sh.Available, sh.Requested)
}

// priceChangeMessage tells a shopper that a price changed since they added
// the product, or that it is no longer sold.
func priceChangeMessage(pc shop.PriceChange) string {
	if pc.Withdrawn {
		name := pc.Name
		if name == "" {
			name = "A product in your cart"
		}
		return fmt.Sprintf("%s is no longer sold; confirming removes it from your cart.", name)
	}
	return fmt.Sprintf("%s now costs %s (it was %s when you added it).", pc.Name, pc.NewCents, pc.OldCents)
}
