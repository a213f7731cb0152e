package web

import (
	"errors"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"storefront/internal/shop"
)

// The catalog file on the staff's product list (issue 10, item 5): the
// upload of a catalog CSV file, as "storefront catalog import" takes it,
// with the problems of a refused file listed by line on the page; and the
// catalog as a file to download, as "storefront catalog export" writes it.

// catalogUploadMaxBody bounds the body of a catalog upload (bodyLimit):
// 20 MB, about 100,000 products with descriptions of a sentence or two;
// larger catalogs go through the command.
const catalogUploadMaxBody = 20 << 20

// catalogUploadPath is where the upload form posts.
const catalogUploadPath = "/admin/products/import"

// catalogFileField is the upload form's file input, with its message.
func catalogFileField(message string) fieldView {
	return fieldView{Name: "file", Label: "Catalog file (CSV)", Type: "file", Error: message, Required: true,
		Hint: "The header line " + csvHeaderText + ", then one product per line. Products are created or " +
			"updated by id; a file with any bad line changes nothing. At most 20 MB."}
}

var csvHeaderText = strings.Join(shop.CatalogCSVHeader, ",")

// importAnswerMargin is the time left after an import's writes to answer.
const importAnswerMargin = 10 * time.Second

// Messages of the refusals the adapter finds before the service sees a file.
const (
	catalogFileMissingMessage  = "Choose a catalog file (CSV) to upload."
	catalogFileTooLargeMessage = "The file is larger than 20 MB; import it with the storefront catalog import command."
)

// handleAdminCatalogImport serves POST /admin/products/import (multipart,
// field file): it imports the file, then 303 to the product list saying
// what it did. A refused file shows the list again (422) with every
// problem by line; nothing is changed then.
func (s *server) handleAdminCatalogImport(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	// The import's writes outlive the request's deadline (up to
	// shop.ImportWriteTimeout); the answer saying what they did must too.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(shop.ImportWriteTimeout + importAnswerMargin))
	file, err := catalogUpload(r)
	var report *shop.ImportReport
	if err == nil {
		defer file.Close()
		report, err = s.shop.ImportCatalog(r.Context(), staff, file)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/products?created="+strconv.Itoa(report.Created)+
			"&updated="+strconv.Itoa(report.Updated), http.StatusSeeOther)
		return
	}
	var cerr *shop.CSVError
	message := fieldMessages(err)["file"]
	switch {
	case errors.As(err, &cerr):
		message = "The file was not imported: " + strconv.Itoa(len(cerr.Rows)) + " problems, listed below by line. " +
			"Correct them and upload the file again."
	case message == "":
		s.errorPage(w, r, err)
		return
	}
	req := shop.CatalogRequest{PerPage: adminPerPage}
	c, lerr := s.shop.StaffCatalog(r.Context(), staff, req)
	if lerr != nil {
		s.errorPage(w, r, lerr)
		return
	}
	v := newAdminProductsView(req, c, nil, "")
	v.Import.File = catalogFileField(message)
	if cerr != nil {
		v.Import.Problems = cerr.Rows
	}
	s.render(w, r, http.StatusUnprocessableEntity, "admin_products", v)
}

// catalogUpload returns the uploaded file of the form's field file; a
// missing or too large one is a *shop.ValidationError of field file.
func catalogUpload(r *http.Request) (multipart.File, error) {
	// Up to 1 MB of the file stays in memory, the rest goes to a
	// temporary file, which the server removes when the handler returns.
	err := r.ParseMultipartForm(1 << 20)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &shop.ValidationError{Fields: map[string]string{"file": catalogFileTooLargeMessage}}
	case err != nil:
		return nil, errBadForm
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return nil, &shop.ValidationError{Fields: map[string]string{"file": catalogFileMissingMessage}}
	}
	return file, nil
}

// handleAdminCatalogExport serves GET /admin/products/export: the whole
// catalog as a CSV file to download, as "storefront catalog export"
// writes it.
func (s *server) handleAdminCatalogExport(w http.ResponseWriter, r *http.Request, staff *shop.User) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="catalog.csv"`)
	h.Set("Cache-Control", "no-store")
	out := &countingWriter{w: w}
	err := s.shop.ExportCatalog(r.Context(), staff, out)
	switch {
	case err != nil && out.n == 0:
		h.Del("Content-Disposition")
		s.errorPage(w, r, err)
	case err != nil:
		// Part of the file is sent with its 200: the failure can only
		// cut it short, and the log says why.
		s.log.ErrorContext(r.Context(), "catalog export failed", "request_id", h.Get("X-Request-Id"), "err", err)
	}
}

// countingWriter counts what is written through it: an export that fails
// before its first byte still gets an error page.
type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
