package shop

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
)

// CartView is a cart priced with the catalog's current prices.
type CartView struct {
	ID    string
	Lines []CartViewLine
	Totals
	// Version is the Cart's: a checkout page sends it back, so the order
	// is the cart the page showed (PlaceOrderInput.CartVersion).
	Version string
}

// CartViewLine is a priced cart line with what the shopper needs to know:
// whether the price changed since they added it (SeenPriceCents), whether the
// product is withdrawn, and how many are left.
type CartViewLine struct {
	OrderLine
	SeenPriceCents Money
	Available      int
	Withdrawn      bool
}

// PriceChanged reports whether the line's price differs from the one the
// shopper saw when adding it.
func (l CartViewLine) PriceChanged() bool { return l.SeenPriceCents != l.UnitPriceCents }

// Cart returns the cart cartID priced at current prices. Lines of products
// that no longer exist are dropped from the view.
func (s *Service) Cart(ctx context.Context, cartID string) (*CartView, error) {
	c, err := s.store.Cart(ctx, cartID)
	if err != nil {
		return nil, err
	}
	return s.price(ctx, c)
}

// price reads the products of c's lines and prices it at their prices.
func (s *Service) price(ctx context.Context, c *Cart) (*CartView, error) {
	products, err := s.productsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	return priceWith(c, products), nil
}

// priceWith prices c at the prices of products, which holds every
// product of c's lines that exists.
func priceWith(c *Cart, products map[string]Product) *CartView {
	v := &CartView{ID: c.ID, Lines: []CartViewLine{}, Version: c.Version}
	lines := make([]OrderLine, 0, len(c.Lines))
	for _, l := range c.Lines {
		p, ok := products[l.ProductID]
		if !ok {
			continue
		}
		line := NewOrderLine(p.ID, p.Name, p.PriceCents, l.Quantity)
		lines = append(lines, line)
		v.Lines = append(v.Lines, CartViewLine{OrderLine: line,
			SeenPriceCents: l.SeenPriceCents, Available: max(p.Stock, 0), Withdrawn: !p.Active})
	}
	v.Totals = TotalsOf(lines)
	return v
}

// productsOf reads the products of c's lines strongly, in one call.
func (s *Service) productsOf(ctx context.Context, c *Cart) (map[string]Product, error) {
	products := map[string]Product{}
	return products, s.readProducts(ctx, products, c)
}

// readProducts adds to known the products of c's lines, and of the
// products ids, that it does not hold yet, read strongly in one call; a
// product that does not exist stays missing.
func (s *Service) readProducts(ctx context.Context, known map[string]Product, c *Cart, ids ...string) error {
	for _, l := range c.Lines {
		ids = append(ids, l.ProductID)
	}
	var missing []string
	for _, id := range ids {
		if _, ok := known[id]; !ok && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	list, err := s.store.Products(ctx, missing)
	if err != nil {
		return err
	}
	for _, p := range list {
		known[p.ID] = p
	}
	return nil
}

// AddToCart adds quantity of a product to the cart, on top of what the line
// holds. Errors: ErrNotFound for an unknown product; a *ValidationError
// (key quantity or product_id) for a quantity outside 1 to 99 in all, a
// withdrawn product or a full cart; a *StockError when stock cannot cover
// the new quantity.
func (s *Service) AddToCart(ctx context.Context, cartID, productID string, quantity int) (*CartView, error) {
	return s.changeLine(ctx, cartID, productID, func(current int) int { return current + quantity }, quantity)
}

// SetCartQuantity sets the quantity of a line; 0 removes it. Errors as
// AddToCart. u is the signed-in user whose session this request read (nil
// for a guest): the cart read with it, if any, is the change's first
// guess of the cart, as at checkout (sessionCart).
func (s *Service) SetCartQuantity(ctx context.Context, u *User, cartID, productID string, quantity int) (*CartView, error) {
	if quantity == 0 {
		return s.RemoveFromCart(ctx, cartID, productID)
	}
	return s.changeLineFrom(ctx, u.takeSessionCart(cartID), cartID, productID, func(int) int { return quantity }, quantity)
}

// RemoveFromCart removes a line; removing a line that is not there is no
// error.
func (s *Service) RemoveFromCart(ctx context.Context, cartID, productID string) (*CartView, error) {
	c, err := s.updateCart(ctx, cartID, func(c *Cart) (bool, error) {
		lines := c.Lines[:0:0]
		for _, l := range c.Lines {
			if l.ProductID != productID {
				lines = append(lines, l)
			}
		}
		changed := len(lines) != len(c.Lines)
		c.Lines = lines
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	return s.price(ctx, c)
}

// ConfirmCartPrices accepts the current prices of every line: checkout
// stops while a line's price differs from the one the shopper saw.
func (s *Service) ConfirmCartPrices(ctx context.Context, cartID string) (*CartView, error) {
	c, err := s.updateCart(ctx, cartID, func(c *Cart) (bool, error) {
		products, err := s.productsOf(ctx, c)
		if err != nil {
			return false, err
		}
		lines := c.Lines[:0:0]
		for _, l := range c.Lines {
			p, ok := products[l.ProductID]
			if !ok || !p.Active {
				continue // withdrawn: confirming removes it
			}
			l.SeenPriceCents = p.PriceCents
			lines = append(lines, l)
		}
		c.Lines = lines
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return s.price(ctx, c)
}

func (s *Service) changeLine(ctx context.Context, cartID, productID string, next func(current int) int, asked int) (*CartView, error) {
	return s.changeLineFrom(ctx, nil, cartID, productID, next, asked)
}

// changeLineFrom is changeLine starting from first, the cart as this
// request read it moments ago (nil: read it).
func (s *Service) changeLineFrom(ctx context.Context, first *Cart, cartID, productID string, next func(current int) int, asked int) (*CartView, error) {
	if asked < 1 || asked > MaxLineQuantity {
		return nil, &ValidationError{Fields: map[string]string{"quantity": quantityMessage}}
	}
	if !IsID(productID) {
		return nil, ErrNotFound
	}
	// One read of the products, the cart's and this one, serves the
	// checks below and the answer's prices.
	products := map[string]Product{}
	c, err := s.updateCartFrom(ctx, first, cartID, func(c *Cart) (bool, error) {
		if err := s.readProducts(ctx, products, c, productID); err != nil {
			return false, err
		}
		p, ok := products[productID]
		if !ok {
			return false, ErrNotFound
		}
		if !p.Active {
			return false, &ValidationError{Fields: map[string]string{"product_id": "This product is no longer sold."}}
		}
		line, exists := c.Line(productID)
		qty := next(line.Quantity)
		if qty > MaxLineQuantity {
			return false, &ValidationError{Fields: map[string]string{"quantity": fmt.Sprintf(
				"You can buy at most %d of one product; your cart already holds %d.", MaxLineQuantity, line.Quantity)}}
		}
		if qty > p.Stock {
			return false, &StockError{Items: []Shortage{{ProductID: p.ID, Name: p.Name, Requested: qty, Available: max(p.Stock, 0)}}}
		}
		if !exists && len(c.Lines) >= MaxCartLines {
			return false, &ValidationError{Fields: map[string]string{"product_id": cartLinesMessage}}
		}
		// Writing a line records the price the shopper sees now.
		line = CartLine{ProductID: p.ID, Quantity: qty, SeenPriceCents: p.PriceCents}
		if exists {
			for i := range c.Lines {
				if c.Lines[i].ProductID == productID {
					c.Lines[i] = line
				}
			}
		} else {
			c.Lines = append(c.Lines, line)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.readProducts(ctx, products, c); err != nil {
		return nil, err
	}
	return priceWith(c, products), nil
}

// cartSaveRounds bounds the read-change-save rounds of one cart change
// that keeps losing to concurrent saves of the same cart.
const cartSaveRounds = 8

// updateCart reads the cart, lets change edit it and saves it over the
// version read (Store.SaveCart compare-and-set). When a concurrent save (or
// a checkout placing the cart) won, it reads the cart again and applies
// the change to what is there now, so no concurrent change is lost; after
// cartSaveRounds such rounds it gives up with ErrConflict, nothing saved.
// change reports whether there is anything to save; its error ends the
// update, nothing saved.
func (s *Service) updateCart(ctx context.Context, cartID string, change func(c *Cart) (bool, error)) (*Cart, error) {
	return s.updateCartFrom(ctx, nil, cartID, change)
}

// updateCartFrom is updateCart whose first round starts from first, the
// cart as this request read it moments ago (nil: read it). That is as good
// as a read now: the save is a compare-and-set on its version, and a cart
// changed meanwhile makes the next round read it again.
func (s *Service) updateCartFrom(ctx context.Context, first *Cart, cartID string, change func(c *Cart) (bool, error)) (*Cart, error) {
	for round := 1; ; round++ {
		var c *Cart
		if round == 1 && first != nil && first.ID == cartID {
			// A copy: change edits it, and first may be shown as it was.
			copied := *first
			copied.Lines = slices.Clone(first.Lines)
			c = &copied
		} else {
			var err error
			if c, err = s.store.Cart(ctx, cartID); err != nil {
				return nil, err
			}
		}
		save, err := change(c)
		if err != nil {
			return nil, err
		}
		if !save {
			return c, nil
		}
		c.UpdatedAt = s.now()
		err = s.store.SaveCart(ctx, c)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, ErrConflict) || round >= cartSaveRounds {
			return nil, err
		}
	}
}

// CartShortfall is a product of a guest's cart that did not all go into
// the account's cart at sign-in: Added of Wanted. A cart holds at most
// MaxCartLines products, MaxLineQuantity of each and no more than the
// stock; a withdrawn product is not added.
type CartShortfall struct {
	ProductID     string
	Wanted, Added int
}

// mergeCart adds the lines of cart from into cart into (quantities added,
// capped by stock, 99 a line and 50 lines) and empties cart from, and
// returns what did not fit. The lines are taken out of cart from before
// they are added (takeLines, a compare-and-set on its version): of two
// sign-ins of one browser at once (a double click) only one takes them,
// so they are never added twice. Lines another tab adds meanwhile are
// taken in the next round, until the cart is found empty. Should adding
// fail, the lines taken are put back.
func (s *Service) mergeCart(ctx context.Context, from, into string) ([]CartShortfall, error) {
	var shortfall []CartShortfall
	for round := 1; round <= cartSaveRounds; round++ {
		taken, err := s.takeLines(ctx, from)
		if err != nil || len(taken) == 0 {
			return shortfall, err
		}
		short, err := s.addLines(ctx, into, &Cart{ID: from, Lines: taken})
		if err != nil {
			s.putBack(ctx, from, taken)
			return nil, err
		}
		shortfall = append(shortfall, short...)
	}
	return shortfall, nil // a tab adding without end: what it added last stays in its cart
}

// takeLines empties cart id and returns the lines it held.
func (s *Service) takeLines(ctx context.Context, id string) ([]CartLine, error) {
	var taken []CartLine
	_, err := s.updateCart(ctx, id, func(c *Cart) (bool, error) {
		taken = slices.Clone(c.Lines)
		if len(taken) == 0 {
			return false, nil // nothing to empty
		}
		c.Lines = nil
		return true, nil
	})
	return taken, err
}

// putBack returns lines taken out of cart id by a merge that failed, for
// products the cart has not gained since. A failure is only logged: the
// sign-in fails anyway, and the guest cart is the shopper's to fill again.
func (s *Service) putBack(ctx context.Context, id string, lines []CartLine) {
	_, err := s.updateCart(ctx, id, func(c *Cart) (bool, error) {
		for _, l := range lines {
			if !slices.ContainsFunc(c.Lines, func(have CartLine) bool { return have.ProductID == l.ProductID }) {
				c.Lines = append(c.Lines, l)
			}
		}
		return true, nil
	})
	if err != nil {
		s.log.WarnContext(ctx, "putting back a guest cart's lines failed", "cart_id", id, "err", err)
	}
}

// addLines adds the lines of from to cart into, as mergeCart does, and
// returns what did not fit.
func (s *Service) addLines(ctx context.Context, into string, from *Cart) ([]CartShortfall, error) {
	products, err := s.productsOf(ctx, from)
	if err != nil {
		return nil, err
	}
	var shortfall []CartShortfall
	_, err = s.updateCart(ctx, into, func(c *Cart) (bool, error) {
		shortfall = shortfall[:0] // of this round, the one saved
		for _, g := range from.Lines {
			if added := addLine(c, g, products); added < g.Quantity {
				shortfall = append(shortfall, CartShortfall{ProductID: g.ProductID, Wanted: g.Quantity, Added: added})
			}
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return shortfall, nil
}

// addLine adds as much of line g to c as fits, and returns how much that is.
func addLine(c *Cart, g CartLine, products map[string]Product) int {
	p, ok := products[g.ProductID]
	if !ok || !p.Active {
		return 0
	}
	for i := range c.Lines {
		if l := &c.Lines[i]; l.ProductID == g.ProductID {
			before := l.Quantity
			l.Quantity = min(l.Quantity+g.Quantity, MaxLineQuantity, max(p.Stock, l.Quantity))
			return l.Quantity - before
		}
	}
	if len(c.Lines) >= MaxCartLines {
		return 0
	}
	q := min(g.Quantity, MaxLineQuantity, p.Stock)
	if q <= 0 {
		return 0
	}
	c.Lines = append(c.Lines, CartLine{ProductID: g.ProductID, Quantity: q, SeenPriceCents: g.SeenPriceCents})
	return q
}

// NewCartVersion returns a new cart version for a store to save a cart at:
// 96 random bits, so a version never repeats, not even for a cart deleted
// and saved again (a save read before the deletion cannot pass).
func NewCartVersion() string {
	b := make([]byte, 12)
	rand.Read(b) // never fails (crypto/rand documents it)
	return lowerBase32(b)
}
