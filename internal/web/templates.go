package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
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
	tag, ok := staticTags()["ui/static/"+name]
	if !ok {
		panic("no static file " + name) // embedded at build time
	}
	return "/static/" + name + "?v=" + tag.version
}

// staticVersion names the content b of a static file in its address.
func staticVersion(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// render writes page with view v and status. The layout's user comes from
// the visit withSession loaded, its cart count from the visit's one cart
// read (shop.Visit.CartCount). The page is rendered into a buffer first,
// so a template failure is a clean 500 page, never half a page. Pages are
// personal (the header names the user and counts their cart), so they are
// never cached, but for the guests' catalog and product pages
// (renderPublic, httpcache.go).
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, v pageView) {
	l := v.layout()
	vis := visitFrom(r.Context())
	l.User, l.CartCount = vis.User, vis.CartCount()
	l.Staff = shop.StaffOf(vis.Session, vis.User) != nil
	l.StyleURL, l.ScriptURL, l.IconURL = s.styleURL, s.scriptURL, s.iconURL
	l.RequestID = w.Header().Get("X-Request-Id")
	s.frame(w, r, l, status, page) // seo.go: search box, description, canonical address
	t, ok := s.pages[page]
	if !ok {
		s.renderFailed(w, r, fmt.Errorf("no page template %q", page))
		return
	}
	if s.serveSignedInCatalog(w, r, status, page, t, v) {
		return // a catalog page with a session: its personal part in the kept rest (signedinpage.go)
	}
	if s.renderPublic(w, r, status, t, v) {
		return // a guest's public page, from the page cache or kept there (httpcache.go)
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
