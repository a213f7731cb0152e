package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The OpenAPI conformance check: openapi.json documents exactly the calls
// the router serves, and every answer the API tests see (through
// apiEnv.do) matches the documented schema of its call and status.

const apiBase = "/api/v1"

var (
	apiSpecOnce sync.Once
	apiSpecDoc  map[string]any
	apiSpecErr  error
)

// apiSpec returns openapi.json, parsed once.
func apiSpec() (map[string]any, error) {
	apiSpecOnce.Do(func() {
		dec := json.NewDecoder(bytes.NewReader(openAPIDocument))
		dec.UseNumber()
		apiSpecErr = dec.Decode(&apiSpecDoc)
	})
	return apiSpecDoc, apiSpecErr
}

// apiObj returns v as a JSON object, or nil.
func apiObj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// apiResolve follows a local "$ref" ("#/components/...") to its target.
func apiResolve(spec, node map[string]any) (map[string]any, error) {
	for range 10 {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node, nil
		}
		target := any(spec)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			target = apiObj(target)[part]
		}
		if node = apiObj(target); node == nil {
			return nil, fmt.Errorf("unresolved $ref %q", ref)
		}
	}
	return nil, fmt.Errorf("$ref chain too long")
}

// apiOperation finds the documented operation of a request path (query
// and all) and method: the path template ("/products/{id}") and the
// operation object, or nil.
func apiOperation(spec map[string]any, method, path string) (string, map[string]any) {
	path, _, _ = strings.Cut(path, "?")
	rel, ok := strings.CutPrefix(path, apiBase)
	if !ok {
		return "", nil
	}
	segs := strings.Split(rel, "/")
	for tmpl, item := range apiObj(spec["paths"]) {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		match := true
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				match = match && segs[i] != ""
			} else {
				match = match && ts == segs[i]
			}
		}
		if match {
			m := strings.ToLower(method)
			if m == "head" {
				m = "get"
			}
			return tmpl, apiObj(apiObj(item)[m])
		}
	}
	return "", nil
}

// apiCheckResponse returns what makes res differ from openapi.json for the
// call method path: an undocumented status, a missing documented header, a
// body not matching the schema.
func apiCheckResponse(method, path string, res *apiResp) []string {
	spec, err := apiSpec()
	if err != nil {
		return []string{"openapi.json: " + err.Error()}
	}
	_, op := apiOperation(spec, method, path)
	if op == nil {
		// The router's own answers to unknown paths and methods: the
		// document describes them in prose, with the Error schema.
		if res.Status != http.StatusNotFound && res.Status != http.StatusMethodNotAllowed {
			return []string{fmt.Sprintf("no documented operation for %s %s", method, path)}
		}
		return apiValidate(spec, map[string]any{"$ref": "#/components/schemas/Error"}, apiParseBody(res.Body), "body")
	}
	responses := apiObj(op["responses"])
	resp := apiObj(responses[strconv.Itoa(res.Status)])
	if resp == nil {
		resp = apiObj(responses["default"])
	}
	if resp == nil {
		return []string{fmt.Sprintf("status %d is not documented", res.Status)}
	}
	if resp, err = apiResolve(spec, resp); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for name := range apiObj(resp["headers"]) {
		if res.Header.Get(name) == "" {
			problems = append(problems, "documented header "+name+" is missing")
		}
	}
	content := apiObj(resp["content"])
	if content == nil {
		if len(res.Body) != 0 {
			problems = append(problems, "a body where none is documented")
		}
		return problems
	}
	media := apiObj(content["application/json"])
	if media == nil {
		return append(problems, "no application/json content documented")
	}
	return append(problems, apiValidate(spec, apiObj(media["schema"]), apiParseBody(res.Body), "body")...)
}

// apiInvalidJSON stands for a body that is not JSON at all.
type apiInvalidJSON struct{ err error }

func apiParseBody(body []byte) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return apiInvalidJSON{err}
	}
	return v
}

// apiValidate checks v against schema, supporting the subset of JSON
// Schema openapi.json uses: $ref, type, properties, required,
// additionalProperties (false or a schema), items, enum, minimum, maximum,
// minLength, maxLength, maxItems and format date-time.
func apiValidate(spec, schema map[string]any, v any, at string) []string {
	schema, err := apiResolve(spec, schema)
	if err != nil {
		return []string{at + ": " + err.Error()}
	}
	if bad, ok := v.(apiInvalidJSON); ok {
		return []string{at + ": not JSON: " + bad.err.Error()}
	}
	var problems []string
	fail := func(format string, args ...any) {
		problems = append(problems, at+": "+fmt.Sprintf(format, args...))
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		fail("%v is not one of %v", v, enum)
	}
	num := func(key string) (float64, bool) {
		n, ok := schema[key].(json.Number)
		if !ok {
			return 0, false
		}
		f, err := n.Float64()
		return f, err == nil
	}
	switch typ, _ := schema["type"].(string); typ {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("%T is not an object", v)
			return problems
		}
		props := apiObj(schema["properties"])
		required, _ := schema["required"].([]any)
		for _, name := range required {
			if _, ok := obj[name.(string)]; !ok {
				fail("required property %q is missing", name)
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if ps := apiObj(props[k]); ps != nil {
				problems = append(problems, apiValidate(spec, ps, obj[k], at+"."+k)...)
				continue
			}
			switch extra := schema["additionalProperties"].(type) {
			case bool:
				if !extra {
					fail("property %q is not documented", k)
				}
			case map[string]any:
				problems = append(problems, apiValidate(spec, extra, obj[k], at+"."+k)...)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("%T is not an array", v)
			return problems
		}
		if n, ok := num("maxItems"); ok && float64(len(arr)) > n {
			fail("%d items; at most %v", len(arr), n)
		}
		for i, item := range arr {
			problems = append(problems, apiValidate(spec, apiObj(schema["items"]), item, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			fail("%T is not a string", v)
			return problems
		}
		if n, ok := num("minLength"); ok && float64(len([]rune(s))) < n {
			fail("%q shorter than %v", s, n)
		}
		if n, ok := num("maxLength"); ok && float64(len([]rune(s))) > n {
			fail("%q longer than %v", s, n)
		}
		if schema["format"] == "date-time" {
			if t, err := time.Parse(time.RFC3339, s); err != nil || t.Location() != time.UTC {
				fail("%q is not an RFC 3339 time in UTC", s)
			}
		}
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			fail("%T is not a number", v)
			return problems
		}
		if _, err := n.Int64(); typ == "integer" && err != nil {
			fail("%s is not an integer", n)
		}
		f, _ := n.Float64()
		if min, ok := num("minimum"); ok && f < min {
			fail("%s is below the minimum %v", n, min)
		}
		if max, ok := num("maximum"); ok && f > max {
			fail("%s is above the maximum %v", n, max)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("%T is not a boolean", v)
		}
	case "":
	default:
		fail("the checker does not know type %q", typ)
	}
	return problems
}

// TestAPIOpenAPIRoutes holds openapi.json to the router: every call the
// router serves is documented, and every documented call is routed.
func TestAPIOpenAPIRoutes(t *testing.T) {
	spec, err := apiSpec()
	if err != nil {
		t.Fatalf("parse openapi.json: %v", err)
	}
	if v, _ := spec["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Errorf("openapi = %q; want 3.x", v)
	}
	var documented []string
	for path, item := range apiObj(spec["paths"]) {
		for method := range apiObj(item) {
			documented = append(documented, strings.ToUpper(method)+" "+apiBase+path)
		}
	}
	var routed []string
	for _, rt := range (&server{}).apiRouteTable() {
		routed = append(routed, rt.pattern)
	}
	slices.Sort(documented)
	slices.Sort(routed)
	for _, p := range routed {
		if !slices.Contains(documented, p) {
			t.Errorf("route %q is not documented in openapi.json", p)
		}
	}
	for _, p := range documented {
		if !slices.Contains(routed, p) {
			t.Errorf("openapi.json documents %q, which is not routed", p)
		}
	}

	// Every documented call reaches a handler of its own through the real
	// server, not the API's catch-all; the staff area's calls asked by
	// staff, as everyone else gets the catch-all's 404 there.
	e := newEnv(t)
	staff := e.newStaffClients("openapi-staff@example.com")
	for _, p := range documented {
		method, path, _ := strings.Cut(p, " ")
		path = strings.NewReplacer("{id}", "x", "{product_id}", "x").Replace(path)
		token := ""
		if isStaffAPIPath(path) {
			token = staff.Token
		}
		res := e.do(apiReq{Method: method, Path: path, Token: token})
		var body apiErrorJSON
		json.Unmarshal(res.Body, &body)
		if res.Status == http.StatusMethodNotAllowed || body.Message == apiNoRouteMessage {
			t.Errorf("%s %s = %d %s; want it routed", method, path, res.Status, res.Body)
		}
	}
}

// TestAPIOpenAPIDocument checks the document's own consistency: every
// $ref resolves, every operation documents a success, operations that
// take a token say so, and the schemas use only what the checker knows.
func TestAPIOpenAPIDocument(t *testing.T) {
	spec, err := apiSpec()
	if err != nil {
		t.Fatalf("parse openapi.json: %v", err)
	}
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := apiResolve(spec, v); err != nil {
					t.Errorf("%s: %v", at, err)
				}
				if len(v) != 1 {
					t.Errorf("%s: $ref %s has siblings, which OpenAPI 3.0 ignores", at, ref)
				}
			}
			for k, child := range v {
				walk(child, at+"/"+k)
			}
		case []any:
			for i, child := range v {
				walk(child, fmt.Sprintf("%s/%d", at, i))
			}
		}
	}
	walk(spec, "#")

	scheme := apiObj(apiObj(apiObj(spec["components"])["securitySchemes"])["bearerAuth"])
	if scheme["type"] != "http" || scheme["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearerAuth = %v; want http bearer", scheme)
	}
	for path, item := range apiObj(spec["paths"]) {
		for method, op := range apiObj(item) {
			op := apiObj(op)
			responses := apiObj(op["responses"])
			hasSuccess := false
			for status := range responses {
				hasSuccess = hasSuccess || strings.HasPrefix(status, "2")
			}
			if !hasSuccess {
				t.Errorf("%s %s documents no success", method, path)
			}
			_, secured := op["security"]
			_, has401 := responses["401"]
			if isStaffAPIPath(apiBase + path) {
				// The staff area answers 404, never 401, to anyone
				// but staff (admin.go): it does not tell it exists.
				if _, has404 := responses["404"]; !secured || has401 || !has404 {
					t.Errorf("%s %s: security %v, 401 %v, 404 %v; want a token, 404 and no 401", method, path, secured, has401, has404)
				}
			} else if secured != has401 && path != "/tokens" {
				t.Errorf("%s %s: security %v but 401 documented %v", method, path, secured, has401)
			}
		}
	}
}

// TestAPIOpenAPIServed checks GET /api/v1/openapi.json answers the
// embedded document.
func TestAPIOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	res := e.do(apiReq{Method: "GET", Path: "/api/v1/openapi.json"})
	res.want(t, 200, "")
	if !bytes.Equal(res.Body, openAPIDocument) {
		t.Errorf("GET /api/v1/openapi.json does not answer the embedded document")
	}
}
