package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// NeedsPriceConfirmation reports whether checkout waits for the shopper to
// confirm this line: its price changed since they added it, or its product
// is withdrawn (confirming removes it).
func (l CartViewLine) NeedsPriceConfirmation() bool { return l.PriceChanged() || l.Withdrawn }

// StockShort reports whether stock no longer covers the line (sold or
// taken back since it was added): the checkout would refuse it.
func (l CartViewLine) StockShort() bool { return !l.Withdrawn && l.Available < l.Quantity }

// NeedsPriceConfirmation reports whether any line of the cart does.
func (c *CartView) NeedsPriceConfirmation() bool {
	for _, l := range c.Lines {
		if l.NeedsPriceConfirmation() {
			return true
		}
	}
	return false
}

// CartAdd is the outcome of AddToVisitorCart. Guest is the session started
// for a guest who had none (its cart holds the product; the browser must
// get its token even when the add was refused, as the session exists).
// Product is, after a refused quantity or short stock, the product to
// show again with the message.
type CartAdd struct {
	Guest   *SignedIn
	Product *Product
}

// AddToVisitorCart adds quantity (the text of a form field, 1 to
// MaxLineQuantity) of a product to the visitor's cart, starting a guest
// session to hold it when the visitor has none. Errors as AddToCart: a
// *ValidationError (key quantity or product_id) or a *StockError come
// with CartAdd.Product set; ErrNotFound for an unknown product.
func (s *Service) AddToVisitorCart(ctx context.Context, v *Visit, productID, quantity string) (*CartAdd, error) {
	out := &CartAdd{}
	qty, err := ParseQuantity(quantity, false)
	if err == nil {
		cartID := v.CartID()
		if v.Session == nil {
			if out.Guest, err = s.StartGuestSession(ctx); err != nil {
				return nil, err
			}
			cartID = out.Guest.Session.CartID
		}
		_, err = s.AddToCart(ctx, cartID, productID, qty)
	}
	if err == nil {
		return out, nil
	}
	var verr *ValidationError
	var serr *StockError
	if !errors.As(err, &verr) && !errors.As(err, &serr) {
		return out, err
	}
	p, perr := s.Product(ctx, productID)
	if perr != nil {
		return out, perr
	}
	out.Product = p
	return out, err
}

// Message tells a shopper that stock cannot cover a line.
func (sh Shortage) Message() string {
	if sh.Available == 0 {
		return fmt.Sprintf("%s is out of stock.", sh.Name)
	}
	return fmt.Sprintf("%s: only %d left in stock, not enough for %d.", sh.Name, sh.Available, sh.Requested)
}

// Message tells every short line, in one text.
func (e *StockError) Message() string {
	msgs := make([]string, len(e.Items))
	for i, sh := range e.Items {
		msgs[i] = sh.Message()
	}
	return strings.Join(msgs, " ")
}

// Message tells a shopper that a price changed since they added the
// product, or that it is no longer sold.
func (pc PriceChange) Message() string {
	if pc.Withdrawn {
		name := pc.Name
		if name == "" {
			name = "A product in your cart"
		}
		return fmt.Sprintf("%s is no longer sold; confirming removes it from your cart.", name)
	}
	return fmt.Sprintf("%s now costs %s (it was %s when you added it).", pc.Name, pc.NewPriceCents, pc.OldPriceCents)
}
