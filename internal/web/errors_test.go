package web

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// errSecret is an internal error whose text must never reach a person.
var errSecret = errors.New("disk I/O error at /var/secret/storefront.db")

// TestErrorsHideInternalDetail: an internal failure answers a generic page
// or API error with the request id, never the error's text, which is
// logged with that id (ASVS V7.4.1).
func TestErrorsHideInternalDetail(t *testing.T) {
	e := newEnv(t)
	e.fail.failCategories(errSecret)
	for _, target := range []string{"/products", "/api/v1/categories"} {
		w := e.send(rawReq{method: "GET", target: target})
		id := w.Header().Get("X-Request-Id")
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || id == "" || !strings.Contains(body, id) {
			t.Errorf("GET %s = %d, request id %q; want 500 showing the request id\n%s", target, w.Code, id, body)
		}
		for _, detail := range []string{"disk", "/var/secret", "storefront.db", "goroutine", ".go:"} {
			if strings.Contains(body, detail) {
				t.Errorf("GET %s shows %q", target, detail)
			}
		}
		if !regexp.MustCompile(`"request_id":"` + id + `"[^\n]*/var/secret|/var/secret[^\n]*"request_id":"` + id + `"`).MatchString(e.logs.String()) {
			t.Errorf("GET %s: the error is not logged with request id %s:\n%s", target, id, e.logs.String())
		}
	}
}
