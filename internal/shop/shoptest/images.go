package shoptest

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"

	"storefront/internal/shop"
)

// Photo is a product photo reference as the service makes them.
var Photo = shop.ProductPhoto{Card: strings.Repeat("c", 32) + ".jpg", Page: strings.Repeat("d", 32) + ".png"}

func testSetProductPhoto(t *testing.T, newStore func(t *testing.T) shop.Store) {
	t.Run("SetAndReplace", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		MustSaveProduct(t, s, p)
		// A concurrent order's decrement after the upload began stands.
		if _, err := s.AdjustStock(t.Context(), "p1", -2); err != nil {
			t.Fatalf("AdjustStock(p1, -2) = %v; want nil", err)
		}
		want := *p
		want.Stock, want.Photo = 3, Photo
		got, err := s.SetProductPhoto(t.Context(), "p1", Photo)
		if err != nil {
			t.Fatalf("SetProductPhoto(p1) = %v; want nil", err)
		}
		checkProduct(t, "SetProductPhoto(p1)", got, &want)
		read, err := s.Product(t.Context(), "p1")
		if err != nil {
			t.Fatalf("Product(p1) = %v; want nil", err)
		}
		checkProduct(t, "Product(p1) after SetProductPhoto", read, &want)

		other := shop.ProductPhoto{Card: strings.Repeat("e", 32) + ".jpg", Page: strings.Repeat("f", 32) + ".jpg"}
		want.Photo = other
		got, err = s.SetProductPhoto(t.Context(), "p1", other)
		if err != nil {
			t.Fatalf("SetProductPhoto(p1, another) = %v; want nil", err)
		}
		checkProduct(t, "SetProductPhoto(p1, another)", got, &want)
		products, err := s.Products(t.Context(), []string{"p1"})
		if err != nil || len(products) != 1 {
			t.Fatalf("Products(p1) = %v, %v; want one product", products, err)
		}
		checkProduct(t, "Products(p1) after SetProductPhoto", &products[0], &want)
	})
	t.Run("SavedWithProduct", func(t *testing.T) {
		s := newStore(t)
		p := NewProduct("p1", 1000, 5)
		p.Photo = Photo
		MustSaveProduct(t, s, p)
		read, err := s.Product(t.Context(), "p1")
		if err != nil {
			t.Fatalf("Product(p1) = %v; want nil", err)
		}
		checkProduct(t, "Product(p1) saved with a photo", read, p)
	})
	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.SetProductPhoto(t.Context(), "nope", Photo); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("SetProductPhoto(missing) = %v; want ErrNotFound", err)
		}
		if n, err := s.CountProducts(t.Context()); err != nil || n != 0 {
			t.Errorf("CountProducts() after SetProductPhoto(missing) = %d, %v; want 0 (nothing created)", n, err)
		}
	})
}

// TestImageStore is the conformance suite of shop.ImageStore. newStore
// must return a fresh, empty store for each call.
func TestImageStore(t *testing.T, newStore func(t *testing.T) shop.ImageStore) {
	jpegName := strings.Repeat("a", 32) + ".jpg"
	pngName := strings.Repeat("b", 32) + ".png"
	// Every byte value, so a store that treats the data as text shows.
	data := make([]byte, 256*4)
	for i := range data {
		data[i] = byte(i)
	}
	t.Run("PutAndRead", func(t *testing.T) {
		s := newStore(t)
		if err := s.PutImage(t.Context(), jpegName, "image/jpeg", data); err != nil {
			t.Fatalf("PutImage(%s) = %v; want nil", jpegName, err)
		}
		if err := s.PutImage(t.Context(), pngName, "image/png", []byte("png bytes")); err != nil {
			t.Fatalf("PutImage(%s) = %v; want nil", pngName, err)
		}
		checkImage(t, s, jpegName, "image/jpeg", data)
		checkImage(t, s, pngName, "image/png", []byte("png bytes"))
	})
	t.Run("PutAgain", func(t *testing.T) {
		s := newStore(t)
		for range 2 {
			if err := s.PutImage(t.Context(), jpegName, "image/jpeg", data); err != nil {
				t.Fatalf("PutImage(%s) again = %v; want nil (names are content hashes)", jpegName, err)
			}
		}
		checkImage(t, s, jpegName, "image/jpeg", data)
	})
	t.Run("ConcurrentPuts", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() { errs <- s.PutImage(t.Context(), jpegName, "image/jpeg", data) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent PutImage(%s) = %v; want nil", jpegName, err)
			}
		}
		checkImage(t, s, jpegName, "image/jpeg", data)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Image(t.Context(), jpegName); !errors.Is(err, shop.ErrNotFound) {
			t.Errorf("Image(never saved) = %v; want ErrNotFound", err)
		}
	})
}

func checkImage(t *testing.T, s shop.ImageStore, name, contentType string, data []byte) {
	t.Helper()
	got, err := s.Image(t.Context(), name)
	if err != nil {
		t.Fatalf("Image(%s) = %v; want nil", name, err)
	}
	if got.Name != name || got.ContentType != contentType || !bytes.Equal(got.Data, data) {
		t.Errorf("Image(%s) = {%q, %q, %d bytes}; want {%q, %q, %d bytes}",
			name, got.Name, got.ContentType, len(got.Data), name, contentType, len(data))
	}
}
