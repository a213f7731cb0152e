package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"storefront/internal/shop"
)

// ui holds the page templates and the stylesheet, compiled into the binary.
//
//go:embed ui/templates/*.html ui/static/*.css ui/static/*.js ui/static/*.svg
var ui embed.FS

// Template files: layout.html wraps every page, files starting with "_"
// hold shared pieces (form fields), and every other file is one page,
// named after it.
const (
	templateDir  = "ui/templates"
	layoutFile   = templateDir + "/layout.html"
	partialFiles = templateDir + "/_*.html"
)

var templateFuncs = template.FuncMap{
	// date shows a time to people, in UTC like every stored time.
	"date": func(t time.Time) string { return t.UTC().Format("January 2, 2006, 15:04 UTC") },
	// isoTime is a machine-readable time for <time datetime>.
	"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	// countryName names an ISO 3166 alpha-2 code, or shows the code.
	"countryName": func(code string) string {
		if name := shop.CountryName(code); name != "" {
			return name
		}
		return code
	},
}

// parsePages parses every page with the layout and the shared pieces, once,
// at start.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(ui, templateDir+"/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, file := range files {
		base := strings.TrimPrefix(file, templateDir+"/")
		if file == layoutFile || strings.HasPrefix(base, "_") {
			continue
		}
		name := strings.TrimSuffix(base, ".html")
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(ui, layoutFile, partialFiles, file)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// staticURL is the address of the static file name with a version taken
// from its content: the file can be cached for a year because a new
// version has a new address.
func staticURL(name string) string {
	b, err := ui.ReadFile("ui/static/" + name)
	if err != nil {
		panic(err) // embedded at build time
	}
	sum := sha256.Sum256(b)
	return "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
}

// render writes page with view v and status. The page is rendered into a
// buffer first, so a template failure is a clean 500 page, never half a page.
// Pages are personal (the header names the user and counts their cart), so
// they are never cached.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, v pageView) {
	l := v.layout()
	vis := visitorFrom(r.Context())
	l.User = vis.user
	l.StyleURL, l.ScriptURL, l.IconURL = s.styleURL, s.scriptURL, s.iconURL
	l.RequestID = w.Header().Get("X-Request-Id")
	if !l.cartCounted && vis.session != nil {
		// The header's cart count is a nicety: a failure to count shows
		// none rather than failing the page.
		if c, err := s.shop.Cart(r.Context(), vis.session.CartID); err == nil {
			l.CartCount = c.ItemCount
		}
	}
	t, ok := s.pages[page]
	if !ok {
		s.renderFailed(w, r, fmt.Errorf("no page template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.renderFailed(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		// Every 503 page says when to try again, whichever handler
		// rendered it.
		h.Set("Retry-After", retryAfterSeconds)
	}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderFailed answers a page that could not be rendered with a fixed 500
// page that needs no template.
func (s *server) renderFailed(w http.ResponseWriter, r *http.Request, err error) {
	id := w.Header().Get("X-Request-Id")
	s.log.ErrorContext(r.Context(), "page failed", "request_id", id, "path", r.URL.Path, "err", err)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something went wrong | Storefront</title><link rel="stylesheet" href="%s"></head>
<body><main id="main"><h1>Something went wrong</h1><p>Something went wrong on our side. Please try again.</p>
<p>Reference: <code>%s</code></p><p><a href="/">Back to the shop</a></p></main></body></html>
`, html.EscapeString(s.styleURL), html.EscapeString(id))
}

// errorPage answers err with the page of its kind (problemFor decides the
// status and the message). Server-side failures are logged with the
// request id, which the page shows; the person never sees internal detail.
func (s *server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	if clientGone(r, p) {
		s.log.InfoContext(r.Context(), "client went away", "request_id", w.Header().Get("X-Request-Id"), "path", r.URL.Path)
	} else if p.Status >= http.StatusInternalServerError {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", w.Header().Get("X-Request-Id"),
			"method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err)
	}
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "2")
	}
	heading := errorHeading(p.Status)
	s.render(w, r, p.Status, "message", &messageView{
		layoutView: layoutView{Title: heading}, Heading: heading, Message: p.Message, ShowRequestID: true,
		Links: []linkView{{URL: "/", Text: "Back to the shop"}},
	})
}

// errorHeading is the headline of an error page.
func errorHeading(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "We could not understand that request"
	case http.StatusUnauthorized:
		return "Please sign in"
	case http.StatusForbidden:
		return "Request refused"
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusMethodNotAllowed:
		return "Not available this way"
	case http.StatusConflict:
		return "That could not be done"
	case http.StatusRequestEntityTooLarge:
		return "Too much data"
	case http.StatusUnprocessableEntity:
		return "Please check what you entered"
	case http.StatusTooManyRequests:
		return "Too many attempts"
	case http.StatusServiceUnavailable:
		return "Please try again"
	}
	return "Something went wrong"
}
