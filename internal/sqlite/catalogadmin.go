package sqlite

import (
	"context"
	"database/sql"

	"storefront/internal/shop"
)

// CreateProduct inserts a new product; an existing id is
// shop.ErrProductExists, inserting nothing.
func (s *Store) CreateProduct(ctx context.Context, p *shop.Product) error {
	// DO NOTHING, not a unique-constraint error: the taken id is told by
	// no row changed, whatever the driver's error text.
	n, err := s.exec(ctx, "create product",
		`INSERT INTO products (`+productColumns+`) VALUES (`+productValues+`) ON CONFLICT (id) DO NOTHING`, productArgs(p)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return shop.ErrProductExists
	}
	return nil
}

// SaveProducts inserts or replaces every product in one transaction, with
// one prepared statement (SaveProduct's): an import batch is written whole
// or not at all.
func (s *Store) SaveProducts(ctx context.Context, products []shop.Product) error {
	return s.inTx(ctx, "save products", func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, upsertProduct)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range products {
			if _, err := stmt.ExecContext(ctx, productArgs(&products[i])...); err != nil {
				return err
			}
		}
		return nil
	})
}

// EachProduct calls each with every product in id order, reading them in
// pages by id, so no read transaction stays open while each runs (a
// catalog export written to a slow reader never holds back the
// checkpointer).
func (s *Store) EachProduct(ctx context.Context, each func(*shop.Product) error) error {
	const page = 500
	after := ""
	for {
		products, err := scanProducts(s.db.QueryContext(ctx, `SELECT `+productColumns+` FROM products
			WHERE id > ? ORDER BY id LIMIT ?`, after, page))
		if err != nil {
			return wrap("read products", err)
		}
		for i := range products {
			if err := each(&products[i]); err != nil {
				return err
			}
		}
		if len(products) < page {
			return nil
		}
		after = products[len(products)-1].ID
	}
}
