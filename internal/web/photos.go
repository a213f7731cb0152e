package web

import (
	"net/http"
	"strconv"
	"strings"

	"storefront/internal/shop"
)

// Product photos are served from content-hashed addresses
// (/images/HASH.jpg): the bytes at an address never change, so browsers and
// caches keep them for a year without asking again, and a new photo gets a
// new address. Products without a photo show their generated picture
// (productSVG) instead.

// photoURL is the address of a photo file.
func photoURL(name string) string { return "/images/" + name }

// pictureView is where a product's picture is: its photo's card or page
// size, or the generated picture; SrcSet offers the larger photo to
// high-density screens. Width and Height are the frame the picture fills,
// 4:3 like both.
type pictureView struct {
	ImageURL string
	SrcSet   string
	Width    int
	Height   int
}

// cardPicture is the picture of a product card: the card size, which is
// already twice the card's width.
func cardPicture(p shop.Product) pictureView {
	v := pictureView{ImageURL: productImageURL(p.ID), Width: productImageWidth, Height: productImageHeight}
	if !p.Photo.IsZero() {
		v.ImageURL = photoURL(p.Photo.Card)
	}
	return v
}

// pagePicture is the picture of a product page: the card size for ordinary
// screens, the page size for high-density ones.
func pagePicture(p shop.Product) pictureView {
	v := cardPicture(p)
	if !p.Photo.IsZero() {
		v.SrcSet = photoURL(p.Photo.Card) + " 1x, " + photoURL(p.Photo.Page) + " 2x"
	}
	return v
}

// productPictureURL is the address the API gives as a product's image_url:
// its photo at page size, or the generated picture.
func productPictureURL(p *shop.Product) string {
	if !p.Photo.IsZero() {
		return photoURL(p.Photo.Page)
	}
	return productImageURL(p.ID)
}

// photoContentTypes are the types of the photo files the shop makes, by
// the extension of their names.
var photoContentTypes = map[string]string{".jpg": "image/jpeg", ".png": "image/png"}

// handlePhoto serves GET /images/{file}: a product photo by its
// content-hashed name. Photos are as public as the products they show.
// The name is the hash of the bytes, so it is the ETag, and a browser that
// has any version of the address has this one (304 without a store read).
func (s *server) handlePhoto(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !shop.IsImageName(name) {
		s.errorPage(w, r, shop.ErrNotFound)
		return
	}
	etag := `"` + strings.TrimSuffix(strings.TrimSuffix(name, ".jpg"), ".png") + `"`
	h := w.Header()
	notModified := func() {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		w.WriteHeader(http.StatusNotModified)
	}
	// A client naming the photo's hash has this very photo: no store read.
	// "*" asks whether the photo exists at all, which only the store tells.
	ifNoneMatch := r.Header.Get("If-None-Match")
	if !strings.Contains(ifNoneMatch, "*") && etagMatches(ifNoneMatch, etag) {
		notModified()
		return
	}
	f, err := s.shop.ProductImage(r.Context(), name)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if etagMatches(ifNoneMatch, etag) {
		notModified()
		return
	}
	// The type follows from the name, which the shop chose, never from
	// what a store returns; nosniff (securityHeaders) keeps browsers to it.
	h.Set("Content-Type", photoContentTypes[name[strings.LastIndexByte(name, '.'):]])
	h.Set("Content-Length", strconv.Itoa(len(f.Data)))
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.Data) // a failed write means the client left
	}
}

// etagMatches reports whether an If-None-Match header names etag (or is
// "*"), weak or strong alike (RFC 9110, 13.1.2: the weak comparison).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	etag = strings.TrimPrefix(etag, "W/")
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == etag || candidate == "*" {
			return true
		}
	}
	return false
}
