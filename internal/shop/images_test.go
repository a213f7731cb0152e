package shop_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"storefront/internal/memstore"
	"storefront/internal/shop"
)

// failingImages is an image store whose PutImage fails from the n-th call.
type failingImages struct {
	shop.ImageStore
	failFrom, calls int
}

func (f *failingImages) PutImage(ctx context.Context, name, contentType string, data []byte) error {
	f.calls++
	if f.calls >= f.failFrom {
		return shop.ErrUnavailable
	}
	return f.ImageStore.PutImage(ctx, name, contentType, data)
}

// photoStaff is the staff member who uploads in these tests.
var photoStaff = &shop.User{ID: "staff-1", Role: shop.RoleStaff}

func testUpload(cardHash, pageHash string) shop.PhotoUpload {
	return shop.PhotoUpload{
		Card: shop.ImageFile{Name: strings.Repeat(cardHash, 32) + ".jpg", ContentType: "image/jpeg", Data: []byte("card " + cardHash)},
		Page: shop.ImageFile{Name: strings.Repeat(pageHash, 32) + ".png", ContentType: "image/png", Data: []byte("page " + pageHash)},
	}
}

func TestSetProductPhoto(t *testing.T) {
	f := newFixture(t)
	images := memstore.NewImages()
	svc := shop.NewService(f.store, shop.Config{Images: images, PasswordParams: &cheapHashing, Now: f.clock.Now})
	ctx := t.Context()

	for _, upload := range []shop.PhotoUpload{testUpload("a", "b"), testUpload("c", "d")} {
		p, err := svc.SetProductPhoto(ctx, photoStaff, "kettle", upload)
		want := shop.ProductPhoto{Card: upload.Card.Name, Page: upload.Page.Name}
		if err != nil || p.Photo != want {
			t.Fatalf("SetProductPhoto(kettle) = %+v, %v; want photo %+v", p, err, want)
		}
		for _, file := range []shop.ImageFile{upload.Card, upload.Page} {
			got, err := svc.ProductImage(ctx, file.Name)
			if err != nil || string(got.Data) != string(file.Data) || got.ContentType != file.ContentType {
				t.Errorf("ProductImage(%s) = %+v, %v; want the file kept", file.Name, got, err)
			}
		}
	}
	if p, _ := f.store.Product(ctx, "kettle"); p.Stock != 10 || p.PriceCents != 3900 {
		t.Errorf("kettle after photos = %+v; want stock and price untouched", p)
	}
}

// TestSetProductPhotoRefused: what the service refuses changes nothing, and
// keeps no file.
func TestSetProductPhotoRefused(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	badName := testUpload("a", "b")
	badName.Page.Name = "../../etc/passwd"
	for _, tc := range []struct {
		name   string
		staff  *shop.User
		images shop.ImageStore
		id     string
		upload shop.PhotoUpload
		want   func(error) bool
	}{
		{"not staff", &shop.User{ID: "u1", Role: shop.RoleCustomer}, memstore.NewImages(), "kettle", testUpload("a", "b"),
			func(err error) bool { return errors.Is(err, shop.ErrNotFound) }},
		{"nobody", nil, memstore.NewImages(), "kettle", testUpload("a", "b"), func(err error) bool { return errors.Is(err, shop.ErrNotFound) }},
		{"missing product", photoStaff, memstore.NewImages(), "nope", testUpload("a", "b"), func(err error) bool { return errors.Is(err, shop.ErrNotFound) }},
		{"malformed id", photoStaff, memstore.NewImages(), "../kettle", testUpload("a", "b"), func(err error) bool { return errors.Is(err, shop.ErrNotFound) }},
		{"file not named as the shop names them", photoStaff, memstore.NewImages(), "kettle", badName, func(err error) bool {
			var verr *shop.ValidationError
			return errors.As(err, &verr) && verr.Fields["image"] != ""
		}},
		{"second file not kept", photoStaff, &failingImages{ImageStore: memstore.NewImages(), failFrom: 2}, "kettle", testUpload("a", "b"),
			func(err error) bool { return errors.Is(err, shop.ErrUnavailable) }},
		{"no image store", photoStaff, nil, "kettle", testUpload("a", "b"), func(err error) bool { return err != nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := shop.NewService(f.store, shop.Config{Images: tc.images, PasswordParams: &cheapHashing, Now: f.clock.Now})
			if _, err := svc.SetProductPhoto(ctx, tc.staff, tc.id, tc.upload); !tc.want(err) {
				t.Errorf("SetProductPhoto = %v; want the refusal", err)
			}
			if p, err := f.store.Product(ctx, "kettle"); err != nil || !p.Photo.IsZero() {
				t.Errorf("kettle = %+v, %v; want no photo", p, err)
			}
			if tc.images != nil && tc.name != "second file not kept" {
				if _, err := tc.images.Image(ctx, tc.upload.Card.Name); !errors.Is(err, shop.ErrNotFound) {
					t.Errorf("Image(card) after the refusal = %v; want ErrNotFound (nothing kept)", err)
				}
			}
		})
	}
}

func TestIsImageName(t *testing.T) {
	hash := "0123456789abcdef0123456789abcdef"
	for name, want := range map[string]bool{
		hash + ".jpg": true, hash + ".png": true,
		hash + ".svg": false, hash + ".JPG": false, hash[1:] + ".jpg": false, hash + "0.jpg": false,
		strings.ToUpper(hash) + ".jpg": false, "../" + hash[3:] + ".jpg": false, "": false, ".jpg": false,
	} {
		if got := shop.IsImageName(name); got != want {
			t.Errorf("IsImageName(%q) = %v; want %v", name, got, want)
		}
	}
}
