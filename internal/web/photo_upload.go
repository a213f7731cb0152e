package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"storefront/internal/imaging"
	"storefront/internal/shop"
)

// Reading a photo upload, for the staff page and the API call that take
// one (admin_images.go): the body's bound, the multipart form's file, and
// imaging's refusals as the message of the field "image".

// photoUploadMaxBody bounds the body of a photo upload (limitBody): the
// photo's own limit and room for the multipart form around it.
const photoUploadMaxBody = imaging.MaxUploadBytes + 64<<10

// bodyLimit is the most a request's body may hold: photo uploads and the
// catalog upload their own, every other request maxBodyBytes.
func bodyLimit(r *http.Request) int64 {
	if isPhotoUpload(r) {
		return photoUploadMaxBody
	}
	if r.Method == http.MethodPost && r.URL.Path == catalogUploadPath { // admin_catalog_import.go
		return catalogUploadMaxBody
	}
	return maxBodyBytes
}

// isPhotoUpload reports whether r is one of the photo upload routes.
func isPhotoUpload(r *http.Request) bool {
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v1")
	if ok && r.Method != http.MethodPut || !ok && r.Method != http.MethodPost {
		return false
	}
	id, ok := strings.CutPrefix(path, "/admin/products/")
	if !ok {
		return false
	}
	id, ok = strings.CutSuffix(id, "/image")
	return ok && shop.IsID(id)
}

// Messages of the refusals the adapter finds before imaging sees a file.
const (
	photoMissingMessage  = "Choose a photo to upload: a JPEG, PNG or WebP file of at most 5 MB."
	photoTooLargeMessage = "The photo is larger than 5 MB; upload one of at most 5 MB."
)

// photoFieldError is a refusal of the upload, as the message of the
// field "image" that the page and the API show.
func photoFieldError(message string) error {
	return &shop.ValidationError{Fields: map[string]string{"image": message}}
}

// photoWork admits one photo at a time to decoding: a photo within the
// limits may still take up to imaging.MaxDecodedBytes while it is read,
// and a few uploads at once must not take a multiple of that.
var photoWork = make(chan struct{}, 1)

// processPhoto checks and encodes an upload (imaging.Process) into what
// the service keeps; a refused upload is the field message imaging gives.
// It waits for the photo before it, until ctx ends (shop.ErrUnavailable).
func processPhoto(ctx context.Context, data []byte, declaredType string) (shop.PhotoUpload, error) {
	select {
	case photoWork <- struct{}{}:
		defer func() { <-photoWork }()
	case <-ctx.Done():
		return shop.PhotoUpload{}, fmt.Errorf("photo upload: waiting for another photo's: %w: %w", shop.ErrUnavailable, ctx.Err())
	}
	photos, err := imaging.Process(data, declaredType)
	var refused *imaging.Error
	if errors.As(err, &refused) {
		return shop.PhotoUpload{}, photoFieldError(refused.Message)
	}
	if err != nil {
		return shop.PhotoUpload{}, err
	}
	file := func(im imaging.Image) shop.ImageFile {
		return shop.ImageFile{Name: im.FileName(), ContentType: im.ContentType, Data: im.Data}
	}
	return shop.PhotoUpload{Card: file(photos.Card), Page: file(photos.Page)}, nil
}

// readPhotoForm reads the file of the form field "image" and what the
// browser says it is: the part's type, or its file name when the type
// says nothing.
func readPhotoForm(r *http.Request) ([]byte, string, error) {
	// The body is bounded (limitBody), so the whole form fits in memory.
	err := r.ParseMultipartForm(photoUploadMaxBody)
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, "", photoFieldError(photoTooLargeMessage)
	case err != nil:
		return nil, "", errBadForm
	}
	file, header, err := r.FormFile("image")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", photoFieldError(photoMissingMessage)
	}
	if err != nil {
		return nil, "", errBadForm
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return nil, "", errBadForm
	}
	if len(data) == 0 { // no file chosen: browsers send an empty part
		return nil, "", photoFieldError(photoMissingMessage)
	}
	declared := header.Header.Get("Content-Type")
	if declared == "" || strings.HasPrefix(declared, "application/octet-stream") {
		declared = header.Filename
	}
	return data, declared, nil
}
