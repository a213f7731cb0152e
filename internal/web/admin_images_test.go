package web

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"storefront/internal/imaging"
	"storefront/internal/shop"
)

// postPhoto posts the upload form of product id with one file part (none
// when data is nil), as a browser does.
func (c *pageClient) postPhoto(id, fileName, contentType string, data []byte) *pageResp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if data != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="image"; filename="`+fileName+`"`)
		h.Set("Content-Type", contentType)
		part, err := mw.CreatePart(h)
		if err != nil {
			c.t.Fatal(err)
		}
		part.Write(data)
	}
	mw.Close()
	r, err := http.NewRequest(http.MethodPost, c.env.srv.URL+photoPagePath(id), &body)
	if err != nil {
		c.t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("Origin", c.origin)
	return c.do(r)
}

// pngClaiming is a PNG whose header claims w×h pixels and holds none: a
// decompression bomb's first bytes.
func pngClaiming(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := func(kind string, data []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		out = append(append(out, kind...), data...)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	return append(out, chunk("IEND", nil)...)
}

// photoRefusals are uploads the shop refuses, each with a part of the
// message the field "image" shows.
func photoRefusals(t *testing.T) []struct {
	name, fileName, contentType string
	data                        []byte
	want                        string
} {
	photo := testPhotoPNG(t, 40, 30)
	oversized := append(bytes.Clone(photo), make([]byte, imaging.MaxUploadBytes)...)
	return []struct {
		name, fileName, contentType string
		data                        []byte
		want                        string
	}{
		{"too large", "big.png", "image/png", oversized, "at most 5 MB"},
		{"not an image", "notes.png", "image/png", []byte("just some text, no picture"), "not a photo"},
		{"unsupported type", "anim.gif", "image/gif", []byte("GIF89a......"), "JPEG, PNG or WebP"},
		{"too many pixels", "bomb.png", "image/png", pngClaiming(8000, 8000), "40 megapixels"},
		{"type mismatch", "photo.jpg", "image/jpeg", photo, "holds a PNG"},
	}
}

// photoAudit returns the audit log's product.image entries, newest first.
func (e *testEnv) photoAudit() []shop.AuditEntry {
	e.tb.Helper()
	entries, err := e.store.AuditLog(e.tb.Context(), shop.AuditQuery{Limit: shop.MaxAuditPage})
	if err != nil {
		e.tb.Fatalf("AuditLog() = %v", err)
	}
	var photos []shop.AuditEntry
	for _, entry := range entries {
		if entry.Action == shop.AuditProductImage {
			photos = append(photos, entry)
		}
	}
	return photos
}

func TestAdminPhotoUpload(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("staff@example.com")
	page := st.Page.get(photoPagePath("kettle")).wantStatus(http.StatusOK).
		wantContains(`enctype="multipart/form-data"`, `<img src="/images/products/kettle.svg"`, "No photo yet")
	if input := page.tag("image"); !strings.Contains(input, `type="file"`) || !strings.Contains(input, `aria-describedby="image-hint"`) {
		t.Errorf("the file input = %s; want a file input described by its hint", input)
	}

	res := st.Page.postPhoto("kettle", "kettle.png", "image/png", testPhotoPNG(t, 1600, 1200))
	res.wantRedirect(photoPagePath("kettle") + "?saved=1")
	p, err := e.store.Product(t.Context(), "kettle")
	if err != nil || p.Photo.IsZero() {
		t.Fatalf("kettle after the upload = %+v, %v; want a photo", p, err)
	}
	st.Page.follow(res).wantStatus(http.StatusOK).wantContains("The photo was saved",
		`<img src="`+photoURL(p.Photo.Card)+`" srcset="`+photoURL(p.Photo.Card)+` 1x, `+photoURL(p.Photo.Page)+` 2x"`)
	for _, name := range []string{p.Photo.Card, p.Photo.Page} {
		e.client().get(photoURL(name)).wantStatus(http.StatusOK)
	}
	// Re-encoded to the fixed sizes: the page size of a 1600×1200 upload
	// is 1200×900.
	if f, err := e.store.Image(t.Context(), p.Photo.Page); err != nil || !bytes.HasPrefix(f.Data, []byte("\xff\xd8\xff")) {
		t.Errorf("stored page size = %v; want a JPEG", err)
	}

	entries := e.photoAudit()
	if len(entries) != 1 || entries[0].Target != "kettle" || entries[0].ActorID != st.User.ID ||
		entries[0].Before != "" || !strings.Contains(entries[0].After, p.Photo.Page) {
		t.Errorf("audit log after the upload = %+v; want one product.image entry by the staff member", entries)
	}

	// Another photo replaces it; the audit entry says which it replaced.
	st.Page.postPhoto("kettle", "kettle.png", "image/png", testPhotoPNG(t, 640, 480)).wantRedirect(photoPagePath("kettle") + "?saved=1")
	again, err := e.store.Product(t.Context(), "kettle")
	if err != nil || again.Photo == p.Photo || again.Photo.IsZero() {
		t.Fatalf("kettle after a second upload = %+v, %v; want another photo", again, err)
	}
	if entries := e.photoAudit(); len(entries) != 2 || !strings.Contains(entries[0].Before, p.Photo.Page) ||
		!strings.Contains(entries[0].After, again.Photo.Page) {
		t.Errorf("audit log after a second upload = %+v; want the newest entry from the first photo to the second", entries)
	}
}

// TestAdminPhotoRefused: every refusal shows the form again with the
// reason at the field, and changes nothing.
func TestAdminPhotoRefused(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("staff@example.com")
	cases := append(photoRefusals(t), struct {
		name, fileName, contentType string
		data                        []byte
		want                        string
	}{"no file", "", "", nil, "Choose a photo"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := st.Page.postPhoto("kettle", tc.fileName, tc.contentType, tc.data).wantStatus(http.StatusUnprocessableEntity)
			res.wantFieldError("image", tc.want)
			res.wantContains(`role="alert"`, "The photo was not saved")
			if p, err := e.store.Product(t.Context(), "kettle"); err != nil || !p.Photo.IsZero() {
				t.Errorf("kettle after a refused upload = %+v, %v; want no photo", p, err)
			}
		})
	}
	if entries := e.photoAudit(); len(entries) != 0 {
		t.Errorf("audit log after refused uploads = %+v; want no product.image entry", entries)
	}
	st.Page.postPhoto("no-such-product", "p.png", "image/png", testPhotoPNG(t, 40, 30)).wantStatus(http.StatusNotFound)
	st.Page.postPhoto("no-such-product", "notes.png", "image/png", []byte("not a photo")).wantStatus(http.StatusNotFound)
	st.Page.get(photoPagePath("no-such-product")).wantStatus(http.StatusNotFound)
}

func TestAPIAdminPhoto(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("staff@example.com")
	res := e.do(apiReq{Method: "PUT", Path: "/api/v1/admin/products/mug/image", Token: st.Token,
		ContentType: "image/png", Body: string(testPhotoPNG(t, 800, 600))})
	res.want(t, http.StatusOK, "")
	var got adminProductJSON
	res.decode(t, &got)
	p, err := e.store.Product(t.Context(), "mug")
	if err != nil || p.Photo.IsZero() || got.ImageURL != photoURL(p.Photo.Page) || !got.Active {
		t.Fatalf("PUT image: image_url %q, stored %+v, %v; want the stored page size", got.ImageURL, p, err)
	}

	for _, tc := range photoRefusals(t) {
		res := e.do(apiReq{Method: "PUT", Path: "/api/v1/admin/products/kettle/image", Token: st.Token,
			ContentType: tc.contentType, Body: string(tc.data)})
		res.want(t, http.StatusUnprocessableEntity, "validation_failed")
		if msg := strings.Join(res.fields(t)["image"], " "); !strings.Contains(msg, tc.want) {
			t.Errorf("PUT %s: fields.image = %q; want it to contain %q", tc.name, msg, tc.want)
		}
	}
	if p, err := e.store.Product(t.Context(), "kettle"); err != nil || !p.Photo.IsZero() {
		t.Errorf("kettle after refused uploads = %+v, %v; want no photo", p, err)
	}

	// A body announced over the upload limit is refused before it is read.
	huge := string(make([]byte, photoUploadMaxBody+1))
	e.do(apiReq{Method: "PUT", Path: "/api/v1/admin/products/kettle/image", Token: st.Token,
		ContentType: "image/png", Body: huge}).want(t, http.StatusRequestEntityTooLarge, "body_too_large")
	// Everyone but staff: 404, as for every staff call.
	customer := e.signUp("shopper@example.com")
	e.do(apiReq{Method: "PUT", Path: "/api/v1/admin/products/kettle/image", Token: customer,
		ContentType: "image/png", Body: string(testPhotoPNG(t, 40, 30))}).want(t, http.StatusNotFound, "not_found")
}
