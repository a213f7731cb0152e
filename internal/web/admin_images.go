package web

import (
	"errors"
	"io"
	"net/http"

	"storefront/internal/shop"
)

// Staff upload a product's photo: the page GET/POST
// /admin/products/{id}/image (a multipart form, field "image") and the API
// call PUT /api/v1/admin/products/{id}/image (the raw image as the body,
// its type in Content-Type). imaging checks and re-encodes the upload
// before the service sees it; every refusal is a message for the field
// "image", and nothing is kept then.

// photoPageView is the page of a product's photo: the picture shoppers
// see now and the upload form.
type photoPageView struct {
	adminView
	Product  shop.Product
	Picture  pictureView
	HasPhoto bool
	Saved    bool
	Form     photoFormView
}

// photoFormView is the upload form: where it posts, and the message of
// its one field.
type photoFormView struct {
	Action string
	Error  string
}

func newPhotoPage(p *shop.Product, saved bool, fieldError string) *photoPageView {
	return &photoPageView{adminView: newAdminView("Photo of "+p.Name, "/admin/products"), Product: *p,
		Picture: pagePicture(*p), HasPhoto: !p.Photo.IsZero(), Saved: saved,
		Form: photoFormView{Action: photoPagePath(p.ID), Error: fieldError}}
}

// photoPagePath is the address of product id's photo page.
func photoPagePath(id string) string { return "/admin/products/" + id + "/image" }

// handleAdminPhoto serves GET /admin/products/{id}/image: the product's
// picture and the upload form; ?saved=1 after an upload says it worked.
func (s *server) handleAdminPhoto(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	p, err := s.staffProduct(r, staff, r.PathValue("id"))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_product_image", newPhotoPage(p, r.URL.Query().Get("saved") == "1", ""))
}

// staffProduct reads product id for the staff member's photo page (the
// product form's use case, which checks that the caller is staff).
func (s *server) staffProduct(r *http.Request, staff *shop.User, id string) (*shop.Product, error) {
	f, err := s.shop.StaffProductForm(r.Context(), staff, id)
	if err != nil {
		return nil, err
	}
	if f.Product == nil { // id "": the form of a new product, which has no photo page
		return nil, shop.ErrNotFound
	}
	return f.Product, nil
}

// handleAdminPhotoUpload serves POST /admin/products/{id}/image: the
// multipart form's photo becomes the product's, then 303 to its page. A
// refused file shows the form again (422) with the reason; nothing is
// kept.
func (s *server) handleAdminPhotoUpload(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	id := r.PathValue("id")
	data, declared, err := readPhotoForm(r)
	var upload shop.PhotoUpload
	if err == nil {
		upload, err = processPhoto(r.Context(), data, declared)
	}
	if err == nil {
		_, err = s.shop.SetProductPhoto(r.Context(), staff, id, upload)
	}
	if err == nil {
		http.Redirect(w, r, photoPagePath(id)+"?saved=1", http.StatusSeeOther)
		return
	}
	fields := fieldMessages(err)
	if fields == nil {
		s.errorPage(w, r, err)
		return
	}
	// The form again needs the product's name and picture.
	p, perr := s.staffProduct(r, staff, id)
	if perr != nil {
		s.errorPage(w, r, perr)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, "admin_product_image", newPhotoPage(p, false, fields["image"]))
}

// handleAPIAdminPhoto serves PUT /api/v1/admin/products/{id}/image: the
// body is the image, Content-Type its type (or application/octet-stream:
// the bytes decide). 200 with the product as staff see it (active, its
// stock); 422 validation_failed with fields.image for a refused file,
// nothing kept; 404 for a missing product.
func (s *server) handleAPIAdminPhoto(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	data, err := io.ReadAll(r.Body) // bounded by limitBody
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		err = photoFieldError(photoTooLargeMessage)
	case err != nil:
		err = errBadForm
	}
	var upload shop.PhotoUpload
	if err == nil {
		upload, err = processPhoto(r.Context(), data, r.Header.Get("Content-Type"))
	}
	var p *shop.Product
	if err == nil {
		p, err = s.shop.SetProductPhoto(r.Context(), staff, r.PathValue("id"), upload)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiWrite(w, r, http.StatusOK, newAdminProductJSON(p))
}
