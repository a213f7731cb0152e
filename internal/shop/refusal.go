package shop

import "fmt"

// PlacementRefused is returned by Store.PlaceOrder, changing nothing, when
// the condition of one or more lines failed (CanPlace). It reports what
// the transaction saw and leaves the meaning to the service (RefusalOf).
type PlacementRefused struct {
	// Products holds, by product id, the state of at least every refused
	// line's product as the transaction saw it; nil for a product that
	// does not exist. A store may report other lines' products too.
	Products map[string]*Product
}

func (e *PlacementRefused) Error() string {
	return fmt.Sprintf("placement refused: the condition of %d product(s) failed", len(e.Products))
}

// CanPlace is the condition a store checks on each line when it places an
// order, in the same transaction as the stock decrement: the product
// exists, is active, is still priced at the line's unit price and has the
// line's quantity in stock.
func CanPlace(l OrderLine, p *Product) bool {
	return p != nil && p.Active && p.PriceCents == l.UnitPriceCents && p.Stock >= l.Quantity
}

// RefusalOf returns why lines cannot be placed from the products' state
// (by id; a product absent or nil does not exist), or nil when they can:
// a *PriceError naming every missing, withdrawn or repriced product, else
// a *StockError naming every short line. A price error wins over short
// stock, since the shopper confirms the new prices (ConfirmCartPrices)
// before anything else, and carries the short lines too (Shortages), so
// that the shopper learns both at once. The checkout's own check and its
// reading of a store's PlacementRefused both use it, so the two can never
// disagree.
func RefusalOf(lines []OrderLine, products map[string]*Product) error {
	var changes []PriceChange
	var shortages []Shortage
	for _, l := range lines {
		p := products[l.ProductID]
		switch {
		case p == nil:
			changes = append(changes, PriceChange{ProductID: l.ProductID, Name: l.Name, OldPriceCents: l.UnitPriceCents, Withdrawn: true})
		case !p.Active:
			changes = append(changes, PriceChange{ProductID: p.ID, Name: p.Name, OldPriceCents: l.UnitPriceCents, Withdrawn: true})
		case p.PriceCents != l.UnitPriceCents:
			changes = append(changes, PriceChange{ProductID: p.ID, Name: p.Name, OldPriceCents: l.UnitPriceCents, NewPriceCents: p.PriceCents})
		}
		if p != nil && p.Active && p.Stock < l.Quantity {
			shortages = append(shortages, Shortage{ProductID: p.ID, Name: p.Name, Requested: l.Quantity, Available: max(p.Stock, 0)})
		}
	}
	if len(changes) > 0 {
		return &PriceError{Items: changes, Shortages: shortages}
	}
	if len(shortages) > 0 {
		return &StockError{Items: shortages}
	}
	return nil
}

// Refusal is what the refused placement of lines means for the shopper:
// RefusalOf over the lines whose products the store reported. Should the
// reported state allow every line (it changed back before the store read
// it), the answer is ErrConflict: nothing was ordered, and trying again
// may work.
func (e *PlacementRefused) Refusal(lines []OrderLine) error {
	var reported []OrderLine
	for _, l := range lines {
		if _, ok := e.Products[l.ProductID]; ok {
			reported = append(reported, l)
		}
	}
	if err := RefusalOf(reported, e.Products); err != nil {
		return err
	}
	return fmt.Errorf("%w: the store refused lines that can be placed now", ErrConflict)
}
