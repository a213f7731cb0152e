package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCatalogSearchTextNotUTF8: a search text that is not UTF-8 (q=%ff)
// reaches the page as the service made it, U+FFFD for the bad byte, in the
// title and the meta description, never the raw byte.
func TestCatalogSearchTextNotUTF8(t *testing.T) {
	e := newEnv(t)
	res := e.client().get("/products?q=%ff").wantStatus(http.StatusOK)
	if !utf8.ValidString(res.Body) {
		t.Errorf("GET /products?q=%%ff: the page is not valid UTF-8 (the raw byte is in it)")
	}
	for _, pattern := range []string{`<title>[^<]*</title>`, `<meta name="description"[^>]*>`, `<input[^>]*name="q"[^>]*>`} {
		got := regexp.MustCompile(pattern).FindString(res.Body)
		if !utf8.ValidString(got) || !strings.Contains(got, "\uFFFD") {
			t.Errorf("GET /products?q=%%ff: %q; want valid UTF-8 with U+FFFD for the bad byte", got)
		}
	}
}
