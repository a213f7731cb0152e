package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"storefront/internal/shop"
)

// The SQLite store keeps product photos in the database itself (table
// images), so the shop's one file holds everything.
var _ shop.ImageStore = (*Store)(nil)

// SetProductPhoto sets the photo columns of product id in one UPDATE, on
// condition that it exists (shop.ErrNotFound otherwise).
func (s *Store) SetProductPhoto(ctx context.Context, id string, photo shop.ProductPhoto) (*shop.Product, error) {
	p, err := scanProduct(s.db.QueryRowContext(ctx,
		`UPDATE products SET photo_card = ?, photo_page = ? WHERE id = ? RETURNING `+productColumns, photo.Card, photo.Page, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, wrap("set product photo", err)
	}
	return &p, nil
}

// PutImage saves an image file; a name saved already is left as it is,
// since a name is the hash of its bytes.
func (s *Store) PutImage(ctx context.Context, name, contentType string, data []byte) error {
	_, err := s.exec(ctx, "put image",
		`INSERT INTO images (name, content_type, data) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, contentType, data)
	return err
}

// Image returns the image file called name, or shop.ErrNotFound.
func (s *Store) Image(ctx context.Context, name string) (*shop.ImageFile, error) {
	im := shop.ImageFile{Name: name}
	err := s.db.QueryRowContext(ctx, `SELECT content_type, data FROM images WHERE name = ?`, name).Scan(&im.ContentType, &im.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shop.ErrNotFound
	}
	if err != nil {
		return nil, wrap("read image", err)
	}
	return &im, nil
}
