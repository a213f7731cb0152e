package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"storefront/internal/shop"
)

// UpdateProduct sets the fields u names on product id in one UPDATE, on
// condition that it exists (shop.ErrNotFound otherwise), and returns the
// product as written. Stock is not among them, so a concurrent order's
// decrement stands.
func (s *Store) UpdateProduct(ctx context.Context, id string, u shop.ProductUpdate) (*shop.Product, error) {
	var set []string
	var args []any
	add := func(column string, v any) {
		set = append(set, column+" = ?")
		args = append(args, v)
	}
	if u.Name != nil {
		add("name", *u.Name)
	}
	if u.Description != nil {
		add("description", *u.Description)
	}
	if u.Category != nil {
		add("category", *u.Category)
	}
	if u.PriceCents != nil {
		add("price_cents", *u.PriceCents)
	}
	if u.Active != nil {
		add("active", *u.Active)
	}
	if len(set) == 0 {
		return s.Product(ctx, id)
	}
	// The column names are the constants above; only values are bound.
	query := `UPDATE products SET ` + strings.Join(set, ", ") + ` WHERE id = ? RETURNING ` + productColumns // #nosec G202 -- column names are constants; values are bound
	p, err := scanProduct(s.db.QueryRowContext(ctx, query, append(args, id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, wrap("update product", err)
	}
	return &p, nil
}

// AdjustStock adds delta to the stock of product id in one UPDATE on
// condition that the result is not negative and, for an addition, at most
// shop.MaxStock (a cancellation's restock may have passed it): atomic against
// concurrent orders, which decrement in their own write transactions. A
// refused adjustment reads the product in the same transaction to say why.
func (s *Store) AdjustStock(ctx context.Context, id string, delta int) (*shop.Product, error) {
	var adjusted shop.Product
	err := s.inTx(ctx, "adjust stock", func(ctx context.Context, tx *sql.Tx) error {
		p, err := scanProduct(tx.QueryRowContext(ctx,
			`UPDATE products SET stock = stock + ?1 WHERE id = ?2 AND stock + ?1 >= 0 AND (?1 <= 0 OR stock + ?1 <= ?3) RETURNING `+productColumns,
			delta, id, shop.MaxStock))
		if err == nil {
			adjusted = p
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		current, err := scanProduct(tx.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return shop.ErrNotFound
		}
		if err != nil {
			return err
		}
		if delta > 0 && current.Stock+delta > shop.MaxStock {
			return fmt.Errorf("sqlite: stock of %s is %d: %w", id, current.Stock, shop.ErrStockLimit)
		}
		return &shop.StockError{Items: []shop.Shortage{{ProductID: id, Name: current.Name, Requested: -delta, Available: current.Stock}}}
	})
	if err != nil {
		return nil, err
	}
	return &adjusted, nil
}
