package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"storefront/internal/shop"
)

// Cart returns the cart with id, its lines in the order saved, and its
// version; a cart never saved (or deleted) is returned empty at version "",
// never shop.ErrNotFound.
func (s *Store) Cart(ctx context.Context, id string) (*shop.Cart, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT c.updated_at, c.version, l.product_id, l.quantity, l.price_cents
		FROM carts c LEFT JOIN cart_lines l ON l.cart_id = c.id
		WHERE c.id = ? ORDER BY l.position`, id)
	if err != nil {
		return nil, wrap("read cart", err)
	}
	defer rows.Close()
	c := &shop.Cart{ID: id, Lines: []shop.CartLine{}}
	for rows.Next() {
		var (
			productID           sql.NullString
			quantity, priceCent sql.NullInt64
		)
		if err := rows.Scan(msTime{&c.UpdatedAt}, &c.Version, &productID, &quantity, &priceCent); err != nil {
			return nil, wrap("read cart", err)
		}
		if productID.Valid {
			c.Lines = append(c.Lines, shop.CartLine{ProductID: productID.String, Quantity: int(quantity.Int64), SeenPriceCents: shop.Money(priceCent.Int64)})
		}
	}
	return c, wrap("read cart", rows.Err())
}

// SaveCart replaces the lines of a cart if it is still at c.Version, and
// sets c.Version to the new one; a cart with no lines is deleted. The
// version check and the write share one write-locking transaction, so they
// are atomic across processes too.
func (s *Store) SaveCart(ctx context.Context, c *shop.Cart) error {
	next := ""
	if len(c.Lines) > 0 {
		next = shop.NewCartVersion()
	}
	err := s.inTx(ctx, "save cart", func(ctx context.Context, tx *sql.Tx) error {
		if err := checkCartVersion(ctx, tx, c.ID, c.Version); err != nil {
			return err
		}
		if len(c.Lines) == 0 {
			_, err := tx.ExecContext(ctx, `DELETE FROM carts WHERE id = ?`, c.ID)
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO carts (id, updated_at, version) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, version = excluded.version`,
			c.ID, millis(c.UpdatedAt), next); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM cart_lines WHERE cart_id = ?`, c.ID); err != nil {
			return err
		}
		for i, l := range c.Lines {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO cart_lines (cart_id, position, product_id, quantity, price_cents) VALUES (?, ?, ?, ?, ?)`,
				c.ID, i, l.ProductID, l.Quantity, l.SeenPriceCents); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.Version = next
	return nil
}

// checkCartVersion returns shop.ErrConflict unless the cart id is stored at
// version want ("" when there is no such cart).
func checkCartVersion(ctx context.Context, tx *sql.Tx, id, want string) error {
	var stored string
	err := tx.QueryRowContext(ctx, `SELECT version FROM carts WHERE id = ?`, id).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if stored != want {
		return fmt.Errorf("sqlite: cart %s: version %q is no longer current: %w", id, want, shop.ErrConflict)
	}
	return nil
}

// PlaceOrder, in one transaction: saves o, checks that the cart is still at
// cart.Version, decrements the stock of every line on condition that
// shop.CanPlace holds, and deletes the cart. It returns
// shop.ErrOrderExists if an order with o.ID exists; else
// shop.ErrCartChanged when the cart's version differs; else a
// *shop.PlacementRefused with the refused lines' products; in each case
// changing nothing. shop.ErrConflict means another writer held the database too
// long. The transaction is over when PlaceOrder returns, committed or not,
// so a read of the order then tells its outcome.
func (s *Store) PlaceOrder(ctx context.Context, o *shop.Order, cart *shop.Cart) error {
	if cart == nil {
		cart = &shop.Cart{} // no cart: nothing to check or delete
	}
	return s.inTx(ctx, "place order", func(ctx context.Context, tx *sql.Tx) error {
		// The order first: a replay must change nothing, whatever the stock.
		n, err := affected(tx.ExecContext(ctx, `
			INSERT INTO orders (id, user_id, user_email, status, created_at, currency, item_count,
				subtotal_cents, shipping_cents, total_cents, ship_full_name, ship_line1, ship_line2,
				ship_city, ship_postal_code, ship_country)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`,
			o.ID, o.UserID, o.UserEmail, o.Status, millis(o.CreatedAt), o.Currency, o.ItemCount,
			o.SubtotalCents, o.ShippingCents, o.TotalCents, o.ShippingAddress.FullName, o.ShippingAddress.Line1,
			o.ShippingAddress.Line2, o.ShippingAddress.City, o.ShippingAddress.PostalCode, o.ShippingAddress.Country))
		if err != nil {
			return err
		}
		if n == 0 {
			return shop.ErrOrderExists
		}
		// The order must be the cart as it is now: a concurrent checkout
		// of the same cart, or a line added since it was read, changed the
		// version.
		if err := checkCartVersion(ctx, tx, cart.ID, cart.Version); errors.Is(err, shop.ErrConflict) {
			return fmt.Errorf("sqlite: place order %s: %w", o.ID, shop.ErrCartChanged)
		} else if err != nil {
			return err
		}
		var refused []shop.OrderLine
		for _, l := range o.Items {
			// The conditions are the whole check (shop.CanPlace); the
			// transaction holds the write lock, so nothing changes between
			// check and update.
			n, err := affected(tx.ExecContext(ctx, `
				UPDATE products SET stock = stock - ?1
				WHERE id = ?2 AND active = 1 AND price_cents = ?3 AND stock >= ?1`,
				l.Quantity, l.ProductID, l.UnitPriceCents))
			if err != nil {
				return err
			}
			if n == 0 {
				refused = append(refused, l)
			}
		}
		if len(refused) > 0 {
			return refusal(ctx, tx, refused) // rolls back
		}
		for i, l := range o.Items {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO order_items (order_id, position, product_id, name, unit_price_cents, quantity, line_total_cents)
				VALUES (?, ?, ?, ?, ?, ?, ?)`,
				o.ID, i, l.ProductID, l.Name, l.UnitPriceCents, l.Quantity, l.LineTotalCents); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM carts WHERE id = ?`, cart.ID)
		return err
	})
}

// refusal reports the refused lines' products as the transaction sees
// them (nil: no such product), for the service to judge.
func refusal(ctx context.Context, tx *sql.Tx, lines []shop.OrderLine) error {
	products := make(map[string]*shop.Product, len(lines))
	for _, l := range lines {
		p, err := scanProduct(tx.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, l.ProductID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			products[l.ProductID] = nil
		case err != nil:
			return err
		default:
			products[l.ProductID] = &p
		}
	}
	return &shop.PlacementRefused{Products: products}
}

const orderQuery = `
	SELECT o.id, o.user_id, o.user_email, o.status, o.created_at, o.currency, o.item_count,
		o.subtotal_cents, o.shipping_cents, o.total_cents, o.ship_full_name, o.ship_line1, o.ship_line2,
		o.ship_city, o.ship_postal_code, o.ship_country, o.updated_at, o.tracking_number,
		i.product_id, i.name, i.unit_price_cents, i.quantity, i.line_total_cents
	FROM orders o LEFT JOIN order_items i ON i.order_id = o.id`

// scanOrders reads the rows of orderQuery, ordered by order and then by
// item position, into orders.
func scanOrders(rows *sql.Rows, err error) ([]shop.Order, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	orders := []shop.Order{}
	for rows.Next() {
		var (
			o                       shop.Order
			a                       = &o.ShippingAddress
			productID, name         sql.NullString
			unit, quantity, lineSum sql.NullInt64
			updatedAt               sql.NullInt64
		)
		if err := rows.Scan(&o.ID, &o.UserID, &o.UserEmail, &o.Status, msTime{&o.CreatedAt}, &o.Currency, &o.ItemCount,
			&o.SubtotalCents, &o.ShippingCents, &o.TotalCents, &a.FullName, &a.Line1, &a.Line2,
			&a.City, &a.PostalCode, &a.Country, &updatedAt, &o.TrackingNumber,
			&productID, &name, &unit, &quantity, &lineSum); err != nil {
			return nil, err
		}
		if updatedAt.Valid {
			o.UpdatedAt = fromMillis(updatedAt.Int64)
		}
		if len(orders) == 0 || orders[len(orders)-1].ID != o.ID {
			orders = append(orders, o)
		}
		if productID.Valid {
			last := &orders[len(orders)-1]
			last.Items = append(last.Items, shop.OrderLine{ProductID: productID.String, Name: name.String,
				UnitPriceCents: shop.Money(unit.Int64), Quantity: int(quantity.Int64), LineTotalCents: shop.Money(lineSum.Int64)})
		}
	}
	return orders, rows.Err()
}

// Order returns the order with id, or shop.ErrNotFound.
func (s *Store) Order(ctx context.Context, id string) (*shop.Order, error) {
	orders, err := s.readOrders(ctx, "read order", orderByID, historyByID, id)
	if err != nil {
		return nil, err
	}
	if len(orders) == 0 {
		return nil, shop.ErrNotFound
	}
	return &orders[0], nil
}

// The selections of one order by id, for readOrders and ordersIn.
const (
	orderByID   = `o.id = ? ORDER BY i.position`
	historyByID = `order_id = ?`
)

// OrdersByUser returns the orders of userID, newest first (ties by id).
func (s *Store) OrdersByUser(ctx context.Context, userID string) ([]shop.Order, error) {
	return s.readOrders(ctx, "read orders", `o.user_id = ? ORDER BY o.created_at DESC, o.id, i.position`,
		`order_id IN (SELECT id FROM orders WHERE user_id = ?)`, userID)
}

// readOrders reads the orders that orderWhere selects with their status
// histories (historyWhere selects the same orders' changes), in one
// snapshot. Both are constants of this package over the one argument arg.
func (s *Store) readOrders(ctx context.Context, op, orderWhere, historyWhere string, arg any) ([]shop.Order, error) {
	var orders []shop.Order
	err := s.inReadTx(ctx, op, func(tx *sql.Tx) error {
		var err error
		orders, err = ordersIn(ctx, tx, orderWhere, historyWhere, arg)
		return err
	})
	if err != nil {
		return nil, err
	}
	return orders, nil
}

// ordersIn reads, in tx, the orders that orderWhere selects with their
// status histories (historyWhere selects the same orders' changes).
func ordersIn(ctx context.Context, tx *sql.Tx, orderWhere, historyWhere string, arg any) ([]shop.Order, error) {
	orders, err := scanOrders(tx.QueryContext(ctx, orderQuery+` WHERE `+orderWhere, arg)) // #nosec G202 -- orderWhere is a package constant; the id is bound
	if err != nil {
		return nil, err
	}
	histories, err := statusHistories(ctx, tx, historyWhere, arg)
	for i := range orders {
		orders[i].StatusHistory = histories[orders[i].ID]
	}
	return orders, err
}
