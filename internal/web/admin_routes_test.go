package web

// The staff area's gate, over every route it has (issue 10, item 8).

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// staffAreaPatterns match the mux patterns of the staff area in Go
// source: any string "METHOD /admin..." or "METHOD /api/v1/admin...", and
// method-less ones given to mux.Handle.
var staffAreaPatterns = []*regexp.Regexp{
	regexp.MustCompile(`"((?:GET|HEAD|POST|PUT|PATCH|DELETE) /(?:api/v1/)?admin(?:/[^"]*)?)"`),
	regexp.MustCompile(`mux\.Handle(?:Func)?\("(/(?:api/v1/)?admin(?:/[^"]*)?)"`),
}

// staffAreaRoutes returns every staff area pattern registered in package
// web, read from the source of its route registrations (routes.go,
// api_routes.go and any other non-test file), so that a route added
// anywhere is checked here without editing the test.
func staffAreaRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range staffAreaPatterns {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				patterns = append(patterns, m[1])
			}
		}
	}
	slices.Sort(patterns)
	patterns = slices.Compact(patterns)
	if !slices.Contains(patterns, "GET /admin") || len(patterns) < 3 {
		t.Fatalf("found staff area patterns %v; the pattern reader is out of date", patterns)
	}
	return patterns
}

// staffAreaRequests turns patterns into requests: path values filled in,
// method-less patterns asked with every method, plus paths no route has
// and a method no route takes.
func staffAreaRequests(patterns []string) []string {
	wildcard := regexp.MustCompile(`\{[^}]*\}`)
	reqs := []string{"GET /admin/no-such-page", "DELETE /admin", "GET /api/v1/admin", "GET /api/v1/admin/no-such-call",
		"TRACE /api/v1/admin/products", "PROPFIND /admin"}
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "", p
		}
		path = wildcard.ReplaceAllString(strings.TrimSuffix(path, "{$}"), "x1")
		if method == "" {
			for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
				reqs = append(reqs, m+" "+path+"x1")
			}
			continue
		}
		reqs = append(reqs, method+" "+path)
	}
	return reqs
}

// TestStaffAreaIsNotFoundToOthers asks every route of the staff area as a
// guest, a customer (cookie and token), and a staff member who typed the
// right password but no code yet: each answer is the plain 404 of a path
// that does not exist (the not-found page, or the API's not_found), so
// the area neither works for them nor shows that it exists.
func TestStaffAreaIsNotFoundToOthers(t *testing.T) {
	e := newEnv(t)
	customerCookie := e.register("customer@example.com")
	customerToken := e.token("customer@example.com", testPassword)
	e.addStaff("pending@example.com")
	login := e.send(rawReq{method: "POST", target: "/login",
		form: url.Values{"email": {"pending@example.com"}, "password": {testPassword}}})
	pendingCookie := cookieValue(login, sessionCookiePlain)
	if login.Code != http.StatusSeeOther || pendingCookie == "" || !strings.HasPrefix(login.Header().Get("Location"), "/login/code") {
		t.Fatalf("staff password step = %d to %q; want 303 to /login/code with a session", login.Code, login.Header().Get("Location"))
	}
	// Without its code, a staff member gets no token either.
	e.do(apiReq{Method: "POST", Path: "/api/v1/tokens",
		Body: apiJSON(map[string]string{"email": "pending@example.com", "password": testPassword})}).want(t, 401, "invalid_credentials")

	who := []struct {
		name          string
		cookie, token string
	}{
		{"guest", "", ""},
		{"customer", customerCookie, customerToken},
		{"staff without code", pendingCookie, pendingCookie},
	}
	form := url.Values{"name": {"x"}, "password": {testPassword}, "code": {"123456"}}
	before := e.snapshot()
	for _, req := range staffAreaRequests(staffAreaRoutes(t)) {
		method, path, _ := strings.Cut(req, " ")
		for _, w := range who {
			rq := rawReq{method: method, target: path, cookie: w.cookie, token: w.token}
			if strings.HasPrefix(path, "/api/") {
				rq.json = `{"status": "cancelled", "delta": 5, "name": "x"}`
			} else if method != "GET" {
				rq.form = form
			}
			res := e.send(rq)
			if res.Code != http.StatusNotFound {
				t.Errorf("%s %s as %s = %d; want 404", method, path, w.name, res.Code)
				continue
			}
			body := res.Body.String()
			if strings.HasPrefix(path, "/api/") && !strings.Contains(body, `"error":"not_found"`) && method != "HEAD" {
				t.Errorf("%s %s as %s: body %s; want the API's not_found", method, path, w.name, body)
			}
			if !strings.HasPrefix(path, "/api/") && method != "HEAD" && !strings.Contains(body, "Page not found") {
				t.Errorf("%s %s as %s: body is not the not-found page:\n%s", method, path, w.name, body)
			}
			if allow := res.Header().Get("Allow"); allow != "" {
				t.Errorf("%s %s as %s: Allow %q tells the path exists", method, path, w.name, allow)
			}
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("requests refused with 404 changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestStaffAreaWritesRefuseCrossSite sends every state-changing route of
// the staff area as staff (cookie and token) from a foreign Origin: each is
// 403, as the shopper's are.
func TestStaffAreaWritesRefuseCrossSite(t *testing.T) {
	e := newEnv(t)
	st := e.newStaffClients("sam@example.com")
	cookie := st.Page.cookie(sessionCookiePlain)
	before := e.snapshot()
	writes := 0
	for _, req := range staffAreaRequests(staffAreaRoutes(t)) {
		method, path, _ := strings.Cut(req, " ")
		if method == "GET" || method == "HEAD" || method == "TRACE" || method == "PROPFIND" {
			continue
		}
		writes++
		rq := rawReq{method: method, target: path, cookie: cookie, token: st.Token,
			header: map[string]string{"Origin": "https://evil.example"}}
		if strings.HasPrefix(path, "/api/") {
			rq.json = `{"status": "cancelled", "delta": 5}`
		} else {
			rq.form = url.Values{"password": {testPassword}}
		}
		if res := e.send(rq); res.Code != http.StatusForbidden {
			t.Errorf("%s %s as staff from a foreign Origin = %d; want 403", method, path, res.Code)
		}
	}
	if writes == 0 {
		t.Error("no state-changing staff route was checked")
	}
	if after := e.snapshot(); after != before {
		t.Errorf("refused cross-site requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
