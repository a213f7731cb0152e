package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"storefront/internal/shop"
)

const productColumns = `id, name, description, category, price_cents, stock, active, created_at, photo_card, photo_page`

// productValues are the placeholders of productColumns, productArgs their
// values: every statement that writes a whole product uses the three.
const productValues = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?`

func productArgs(p *shop.Product) []any {
	return []any{p.ID, p.Name, p.Description, p.Category, p.PriceCents, p.Stock, p.Active, millis(p.CreatedAt),
		p.Photo.Card, p.Photo.Page}
}

// upsertProduct inserts a product or replaces every column of the one
// with its id (SaveProduct, SaveProducts).
const upsertProduct = `
	INSERT INTO products (` + productColumns + `) VALUES (` + productValues + `)
	ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
		category = excluded.category, price_cents = excluded.price_cents, stock = excluded.stock,
		active = excluded.active, created_at = excluded.created_at,
		photo_card = excluded.photo_card, photo_page = excluded.photo_page`

type scanner interface{ Scan(dest ...any) error }

func scanProduct(row scanner) (shop.Product, error) {
	var p shop.Product
	err := row.Scan(&p.ID, &p.Name, &p.Description, &p.Category, &p.PriceCents, &p.Stock, &p.Active, msTime{&p.CreatedAt},
		&p.Photo.Card, &p.Photo.Page)
	return p, err
}

func scanProducts(rows *sql.Rows, err error) ([]shop.Product, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	products := []shop.Product{}
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		products = append(products, p)
	}
	return products, rows.Err()
}

// SaveProduct inserts or replaces a product.
func (s *Store) SaveProduct(ctx context.Context, p *shop.Product) error {
	_, err := s.exec(ctx, "save product", upsertProduct, productArgs(p)...)
	return err
}

// Product returns the product with id, or shop.ErrNotFound.
func (s *Store) Product(ctx context.Context, id string) (*shop.Product, error) {
	p, err := scanProduct(s.db.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, wrap("read product", err)
	}
	return &p, nil
}

// Products returns the products with the given ids that exist, in no
// particular order.
func (s *Store) Products(ctx context.Context, ids []string) ([]shop.Product, error) {
	if len(ids) == 0 {
		return []shop.Product{}, nil
	}
	// A cart holds at most shop.MaxCartLines ids, far below SQLite's limit
	// of bound parameters.
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	placeholders := strings.Repeat(", ?", len(ids))[2:]
	products, err := scanProducts(s.db.QueryContext(ctx,
		`SELECT `+productColumns+` FROM products WHERE id IN (`+placeholders+`)`, args...))
	return products, wrap("read products", err)
}

// CountProducts returns how many products exist, active or not.
func (s *Store) CountProducts(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM products`).Scan(&n)
	return n, wrap("count products", err)
}

// HasProducts reports whether any product exists, active or not: one row
// looked up, however large the catalog.
func (s *Store) HasProducts(ctx context.Context) (bool, error) {
	var has bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM products)`).Scan(&has)
	return has, wrap("look for a product", err)
}

// Categories returns the categories ordered by name (ties by id), each
// counting its active products.
func (s *Store) Categories(ctx context.Context) ([]shop.Category, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, name FROM categories ORDER BY name, id`)
	if err != nil {
		return nil, wrap("read categories", err)
	}
	defer rows.Close()
	categories := []shop.Category{}
	for rows.Next() {
		var c shop.Category
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, wrap("read categories", err)
		}
		categories = append(categories, c)
	}
	return categories, wrap("read categories", rows.Err())
}

// SaveCategory inserts or replaces a category; ProductCount is not stored.
func (s *Store) SaveCategory(ctx context.Context, c *shop.Category) error {
	_, err := s.exec(ctx, "save category", `
		INSERT INTO categories (id, name) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name`, c.ID, c.Name)
	return err
}
