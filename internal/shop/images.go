package shop

import (
	"context"
	"errors"
	"strings"
)

// ProductPhoto names a product's uploaded photo by the content-hashed file
// names of its sizes ("3f2a….jpg", see IsImageName): Card for product
// cards, Page for the product page. The zero value means the product has
// no photo and shows its generated picture.
type ProductPhoto struct {
	Card string
	Page string
}

// IsZero reports whether there is no photo.
func (p ProductPhoto) IsZero() bool { return p == ProductPhoto{} }

// ImageFile is one encoded size of a photo: its content-hashed file name,
// media type and bytes.
type ImageFile struct {
	Name        string
	ContentType string
	Data        []byte
}

// PhotoUpload is a photo checked and encoded at every size (package
// imaging does that, outside the domain), ready to be kept.
type PhotoUpload struct {
	Card ImageFile
	Page ImageFile
}

// ImageStore keeps image files by name. Names are content hashes, so the
// bytes under a name never change: keeping a name again is no error and
// readers may cache what they read for good. SQLite and memstore keep
// images themselves; on DynamoDB they live in an S3 bucket.
type ImageStore interface {
	// PutImage saves data of contentType under name; saving a name that
	// exists is no error (the bytes are the same). ErrUnavailable when the
	// store cannot be reached.
	PutImage(ctx context.Context, name, contentType string, data []byte) error
	// Image returns the image saved under name, or ErrNotFound.
	Image(ctx context.Context, name string) (*ImageFile, error)
}

// errNoImageStore is a wiring mistake: the service was built over a store
// that keeps no images, without Config.Images.
var errNoImageStore = errors.New("shop: no image store configured")

// imageHashLen is the length of the hex content hash in an image name.
const imageHashLen = 32

// IsImageName reports whether name is a content-hashed image file name as
// the shop makes them: 32 lower-case hex digits and ".jpg" or ".png".
// Anything else is never looked up.
func IsImageName(name string) bool {
	hash, ok := strings.CutSuffix(name, ".jpg")
	if !ok {
		hash, ok = strings.CutSuffix(name, ".png")
	}
	if !ok || len(hash) != imageHashLen {
		return false
	}
	for i := 0; i < len(hash); i++ {
		if c := hash[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// imageStore returns where the service keeps images: Config.Images, or
// else the Store when it keeps them too.
func (s *Service) imageStore() (ImageStore, error) {
	if s.cfg.Images != nil {
		return s.cfg.Images, nil
	}
	if images, ok := s.store.(ImageStore); ok {
		return images, nil
	}
	return nil, errNoImageStore
}

// SetProductPhoto, by staff, keeps the photo's files and then makes them
// product id's photo (recorded in the audit log), replacing any earlier one (whose files stay: other pages may still
// show them from a cache, and their names may be shared). It returns the
// product as written; ErrNotFound, keeping nothing, for a missing product;
// a *ValidationError (field "image") for files not named as the shop names
// them. Anyone but staff gets ErrNotFound, as the staff area answers. A
// failure after the files were kept leaves the product as it was;
// the files alone are never shown.
func (s *Service) SetProductPhoto(ctx context.Context, staff *User, id string, upload PhotoUpload) (*Product, error) {
	if !staff.IsStaff() || !IsID(id) {
		return nil, ErrNotFound
	}
	for _, f := range []ImageFile{upload.Card, upload.Page} {
		if !IsImageName(f.Name) || len(f.Data) == 0 || !strings.HasPrefix(f.ContentType, "image/") {
			return nil, &ValidationError{Fields: map[string]string{"image": "The photo could not be processed; upload it again."}}
		}
	}
	images, err := s.imageStore()
	if err != nil {
		return nil, err
	}
	before, err := s.store.Product(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, f := range []ImageFile{upload.Card, upload.Page} {
		if err := images.PutImage(ctx, f.Name, f.ContentType, f.Data); err != nil {
			return nil, err
		}
	}
	photo := ProductPhoto{Card: upload.Card.Name, Page: upload.Page.Name}
	p, err := s.store.SetProductPhoto(ctx, id, photo)
	if err != nil {
		return nil, err
	}
	s.catalogChanged(ctx)
	var replaced any // the audit's "before": nothing when the product showed its generated picture
	if !before.Photo.IsZero() {
		replaced = before.Photo
	}
	s.recordAudit(ctx, staff, AuditProductImage, id, replaced, photo)
	return p, nil
}

// ProductImage returns the image file called name, or ErrNotFound (also
// for a name the shop never makes). Images are public, like the products
// they show.
func (s *Service) ProductImage(ctx context.Context, name string) (*ImageFile, error) {
	if !IsImageName(name) {
		return nil, ErrNotFound
	}
	images, err := s.imageStore()
	if err != nil {
		return nil, err
	}
	return images.Image(ctx, name)
}
