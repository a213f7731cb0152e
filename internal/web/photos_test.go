package web

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"storefront/internal/shop"
)

// testPhotoPNG is an opaque PNG of w×h pixels, a gradient so the encoders
// have something to encode.
func testPhotoPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withPhoto gives product id a photo through the service, as an upload
// would, and returns the product as written.
func (e *testEnv) withPhoto(id string) *shop.Product {
	e.tb.Helper()
	upload, err := processPhoto(e.tb.Context(), testPhotoPNG(e.tb, 800, 600), "image/png")
	if err != nil {
		e.tb.Fatalf("processPhoto() = %v", err)
	}
	staff := &shop.User{ID: "staff-photos", Role: shop.RoleStaff}
	p, err := e.svc.SetProductPhoto(e.tb.Context(), staff, id, upload)
	if err != nil {
		e.tb.Fatalf("SetProductPhoto(%s) = %v", id, err)
	}
	return p
}

func TestPhotoServed(t *testing.T) {
	e := newEnv(t)
	p := e.withPhoto("kettle")
	stored, err := e.store.Image(t.Context(), p.Photo.Card)
	if err != nil {
		t.Fatalf("Image(card) = %v", err)
	}
	res := e.client().get(photoURL(p.Photo.Card)).wantStatus(http.StatusOK)
	hash := strings.TrimSuffix(p.Photo.Card, ".jpg")
	for name, want := range map[string]string{
		"Content-Type":           "image/jpeg",
		"Cache-Control":          "public, max-age=31536000, immutable",
		"ETag":                   `"` + hash + `"`,
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(name); got != want {
			t.Errorf("GET %s: %s = %q; want %q", photoURL(p.Photo.Card), name, got, want)
		}
	}
	if res.Body != string(stored.Data) {
		t.Errorf("GET %s: body of %d bytes; want the stored %d bytes", photoURL(p.Photo.Card), len(res.Body), len(stored.Data))
	}

	// A browser that has the address revalidates without a download.
	r, _ := http.NewRequest(http.MethodGet, e.srv.URL+photoURL(p.Photo.Card), nil)
	r.Header.Set("If-None-Match", `W/"other", "`+hash+`"`)
	if res := e.client().do(r); res.Status != http.StatusNotModified || res.Body != "" {
		t.Errorf("GET with If-None-Match = %d, %d bytes; want 304, no body", res.Status, len(res.Body))
	}
}

func TestPhotoNotFound(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{
		"/images/" + strings.Repeat("0", 32) + ".jpg", // well-formed, never stored
		"/images/" + strings.Repeat("0", 32) + ".svg", // no type the shop makes
		"/images/" + strings.Repeat("G", 32) + ".jpg", // not a hash
		"/images/kettle.jpg",
	} {
		e.client().get(path).wantStatus(http.StatusNotFound)
	}
	// "If-None-Match: *" asks whether a photo exists: 304 only for one that does.
	p := e.withPhoto("kettle")
	for path, want := range map[string]int{
		"/images/" + strings.Repeat("0", 32) + ".jpg": http.StatusNotFound,
		photoURL(p.Photo.Card):                        http.StatusNotModified,
	} {
		r, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		r.Header.Set("If-None-Match", "*")
		if res := e.client().do(r); res.Status != want {
			t.Errorf("GET %s with If-None-Match: * = %d; want %d", path, res.Status, want)
		}
	}
}

// TestPhotoOnPages: a product with a photo shows it on its card (card
// size), its page (card size, page size for high-density screens) and in
// the API (page size); one without keeps its generated picture.
func TestPhotoOnPages(t *testing.T) {
	e := newEnv(t)
	p := e.withPhoto("kettle")
	c := e.client()
	c.get("/products?category=kitchen").wantStatus(http.StatusOK).
		wantContains(`<img src="`+photoURL(p.Photo.Card)+`"`, `<img src="/images/products/mug.svg"`)
	c.get("/products/kettle").wantStatus(http.StatusOK).
		wantContains(`<img src="` + photoURL(p.Photo.Card) + `" srcset="` + photoURL(p.Photo.Card) + ` 1x, ` + photoURL(p.Photo.Page) + ` 2x"`)
	c.get("/products/mug").wantStatus(http.StatusOK).
		wantContains(`<img src="/images/products/mug.svg" alt=`).wantNotContains("srcset")

	var got productJSON
	e.do(apiReq{Method: "GET", Path: "/api/v1/products/kettle"}).decode(t, &got)
	if got.ImageURL != photoURL(p.Photo.Page) {
		t.Errorf("GET /api/v1/products/kettle image_url = %q; want %q", got.ImageURL, photoURL(p.Photo.Page))
	}
	e.do(apiReq{Method: "GET", Path: "/api/v1/products/mug"}).decode(t, &got)
	if got.ImageURL != "/images/products/mug.svg" {
		t.Errorf("GET /api/v1/products/mug image_url = %q; want the generated picture", got.ImageURL)
	}
}

// TestPhotosAreDecodedOneAtATime: an upload waits while another photo is
// being decoded (each may take imaging.MaxDecodedBytes), and one that
// waits past its request's deadline is ErrUnavailable (503), not decoded.
func TestPhotosAreDecodedOneAtATime(t *testing.T) {
	photoWork <- struct{}{} // another upload is being decoded
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := processPhoto(ctx, testPhotoPNG(t, 80, 60), "image/png")
	<-photoWork
	if !errors.Is(err, shop.ErrUnavailable) {
		t.Errorf("processPhoto() while another photo is decoded, past the deadline = %v; want ErrUnavailable", err)
	}
	if _, err := processPhoto(t.Context(), testPhotoPNG(t, 80, 60), "image/png"); err != nil {
		t.Errorf("processPhoto() once the other is done = %v; want nil", err)
	}
}
