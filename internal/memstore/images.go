package memstore

import (
	"context"
	"slices"
	"sync"

	"storefront/internal/shop"
)

// SetProductPhoto sets the photo of product id under the lock, on
// condition that it exists (shop.ErrNotFound otherwise).
func (s *Store) SetProductPhoto(ctx context.Context, id string, photo shop.ProductPhoto) (*shop.Product, error) {
	if err := s.lock(ctx, "set product photo"); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	p, ok := s.products[id]
	if !ok {
		return nil, shop.ErrNotFound
	}
	p.Photo = photo
	s.putProduct(p)
	return &p, nil
}

// Images is a shop.ImageStore in memory, for tests and demos: the service
// is given it as shop.Config.Images.
type Images struct {
	mu    sync.Mutex
	files map[string]shop.ImageFile
}

var _ shop.ImageStore = (*Images)(nil)

// NewImages returns an empty image store.
func NewImages() *Images { return &Images{files: map[string]shop.ImageFile{}} }

// PutImage keeps a copy of data under name; a name kept already stays as it
// is, since a name is the hash of its bytes.
func (im *Images) PutImage(_ context.Context, name, contentType string, data []byte) error {
	im.mu.Lock()
	defer im.mu.Unlock()
	if _, ok := im.files[name]; !ok {
		im.files[name] = shop.ImageFile{Name: name, ContentType: contentType, Data: slices.Clone(data)}
	}
	return nil
}

// Image returns a copy of the file called name, or shop.ErrNotFound.
func (im *Images) Image(_ context.Context, name string) (*shop.ImageFile, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	f, ok := im.files[name]
	if !ok {
		return nil, shop.ErrNotFound
	}
	f.Data = slices.Clone(f.Data)
	return &f, nil
}
