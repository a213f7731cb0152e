package web

// The generated-input test: from openapi.json, for every operation, it
// builds a valid request, then malformed and boundary variants of each
// part the document describes (body properties, path, query and header
// parameters, the body as a whole, its media type, the bearer token), sends
// them all through the real server and holds every answer to the document:
// no 5xx, only documented statuses, the documented schema and error shape.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// genCase is one generated request.
type genCase struct {
	name   string
	path   string // the path with its query
	body   []byte // nil: none
	ctype  string // "": application/json when there is a body; "-": none
	header map[string]string
	auth   *string // nil: the valid bearer token
	// refuse says the request is invalid by the document: it must get a 4xx.
	refuse bool
	// ok says the request is valid: it must succeed (2xx).
	ok bool
}

// apiGen generates the cases of one operation.
type apiGen struct {
	spec         map[string]any
	method, tmpl string
	op           map[string]any
	pathValues   map[string]string
	// hint returns the valid value of a string property by name, or "".
	hint func(name string) string
}

func (g *apiGen) resolve(node any) map[string]any {
	m, err := apiResolve(g.spec, apiObj(node))
	if err != nil {
		panic(err)
	}
	return m
}

// example returns a valid value of schema, for the property name.
func (g *apiGen) example(schema map[string]any, name string) any {
	schema = g.resolve(schema)
	if ex, ok := schema["example"]; ok {
		return ex
	}
	if enum, ok := schema["enum"].([]any); ok {
		return enum[0]
	}
	switch schema["type"] {
	case "object":
		obj := map[string]any{}
		for prop, ps := range apiObj(schema["properties"]) {
			obj[prop] = g.example(apiObj(ps), prop)
		}
		return obj
	case "integer", "number":
		if min, ok := schema["minimum"].(json.Number); ok {
			return min
		}
		return json.Number("1")
	case "boolean":
		return true
	case "array":
		return []any{}
	}
	if v := g.hint(name); v != "" || name == "line2" {
		return v
	}
	return "Generated value"
}

// props lists every property of an object schema, nested ones as paths.
func (g *apiGen) props(schema map[string]any, at []string) [][]string {
	schema = g.resolve(schema)
	var out [][]string
	for _, prop := range slices.Sorted(maps.Keys(apiObj(schema["properties"]))) {
		p := append(slices.Clone(at), prop)
		out = append(out, p)
		if ps := g.resolve(apiObj(schema["properties"])[prop]); ps["type"] == "object" {
			out = append(out, g.props(ps, p)...)
		}
	}
	return out
}

// schemaAt returns the schema of the property at path p, and whether the
// property is required by its object.
func (g *apiGen) schemaAt(schema map[string]any, p []string) (map[string]any, bool) {
	schema = g.resolve(schema)
	required := false
	for _, name := range p {
		req, _ := schema["required"].([]any)
		required = slices.Contains(req, any(name))
		schema = g.resolve(apiObj(schema["properties"])[name])
	}
	return schema, required
}

// deepCopy copies a JSON value made of maps, slices and scalars.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = deepCopy(x)
		}
		return s
	}
	return v
}

// with returns a copy of body with the value at path p replaced by v, or
// removed when del.
func with(body any, p []string, v any, del bool) any {
	out := deepCopy(body)
	m := out.(map[string]any)
	for _, name := range p[:len(p)-1] {
		m = m[name].(map[string]any)
	}
	if del {
		delete(m, p[len(p)-1])
	} else {
		m[p[len(p)-1]] = v
	}
	return out
}

// invalidUTF8 stands for a string holding bytes that are not UTF-8, which
// json.Marshal cannot write: marshal replaces it afterwards.
const invalidUTF8 = "INVALID-UTF8-PLACEHOLDER"

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bytes.ReplaceAll(b, []byte(invalidUTF8), []byte("\xff\xfe\xfd"))
}

// wrongValues are values of every JSON type but the schema's, and the
// boundaries of its own type; refuse says the document forbids the value.
func wrongValues(schema map[string]any) (values []any, names []string, refuse []bool) {
	add := func(name string, v any, r bool) {
		values, names, refuse = append(values, v), append(names, name), append(refuse, r)
	}
	typ, _ := schema["type"].(string)
	for _, alt := range []struct {
		typ string
		v   any
	}{{"string", "x"}, {"integer", json.Number("7")}, {"boolean", true}, {"array", []any{"x"}}, {"object", map[string]any{"x": 1}}} {
		if alt.typ != typ {
			add("type "+alt.typ, alt.v, true)
		}
	}
	add("type number 1.5", json.Number("1.5"), true)
	switch typ {
	case "string":
		add("empty", "", false)
		add("huge", strings.Repeat("x", 100_000), schema["maxLength"] != nil)
		add("control characters", "a\u0000b\u001bc\u202e", false)
		add("invalid UTF-8", invalidUTF8, false)
		add("full-width digits", "１２３", false)
		add("markup", `<script>alert(1)</script>' OR 1=1 --`, false)
		if n, ok := schema["maxLength"].(json.Number); ok {
			max, _ := n.Int64()
			add("maxLength+1", strings.Repeat("é", int(max)+1), true)
			add("maxLength", strings.Repeat("x", int(max)), false)
		}
		if n, ok := schema["minLength"].(json.Number); ok {
			min, _ := n.Int64()
			add("minLength-1", strings.Repeat("x", int(min)-1), true)
		}
	case "integer":
		// 0 and -1 are refused below the minimum, or where none is
		// documented (a count); a stock delta may be -1, a price 0.
		min, hasMin := schema["minimum"].(json.Number)
		for _, n := range []string{"0", "-1", "1e3", "1E0", "-0", "99999999999999999999999999", "1e309", "9223372036854775808"} {
			refused := true
			if v, err := strconv.ParseInt(n, 10, 64); err == nil && (n == "0" || n == "-1") && hasMin {
				least, _ := min.Int64()
				refused = v < least
			}
			add("number "+n, json.Number(n), refused)
		}
		if n, ok := schema["maximum"].(json.Number); ok {
			max, _ := n.Int64()
			add("maximum+1", json.Number(strconv.FormatInt(max+1, 10)), true)
			add("maximum", n, false)
		}
		if hasMin {
			least, _ := min.Int64()
			add("minimum-1", json.Number(strconv.FormatInt(least-1, 10)), true)
		}
		add("string of digits", "1", true)
	}
	return values, names, refuse
}

// target returns the request path with path values and query.
func (g *apiGen) target(values map[string]string, query string) string {
	path := apiBase + g.tmpl
	for name, v := range values {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
	}
	if query != "" {
		path += "?" + query
	}
	return path
}

// cases generates the requests of the operation.
func (g *apiGen) cases() []genCase {
	base := genCase{name: "valid", path: g.target(g.pathValues, ""), ok: true}
	var bodySchema map[string]any
	var validBody any
	if rb := apiObj(g.op["requestBody"]); rb != nil {
		bodySchema = apiObj(apiObj(apiObj(g.resolve(rb)["content"])["application/json"])["schema"])
		validBody = g.example(bodySchema, "")
		base.body = marshal(validBody)
	}
	headers := map[string]string{}
	var params []map[string]any
	declared, _ := g.op["parameters"].([]any)
	for _, p := range declared {
		p := g.resolve(p)
		params = append(params, p)
		if p["in"] == "header" && p["required"] == true {
			headers[p["name"].(string)] = "generated-key-0001"
		}
	}
	base.header = headers
	cases := []genCase{base}
	variant := func(name string, refuse bool, change func(c *genCase)) {
		c := base
		c.name, c.ok, c.refuse = name, false, refuse
		c.header = maps.Clone(base.header)
		change(&c)
		cases = append(cases, c)
	}

	// The body: each property, then the body as a whole and its media type.
	if validBody != nil {
		for _, p := range g.props(bodySchema, nil) {
			schema, required := g.schemaAt(bodySchema, p)
			at := strings.Join(p, ".")
			variant(at+" missing", required, func(c *genCase) { c.body = marshal(with(validBody, p, nil, true)) })
			variant(at+" null", required, func(c *genCase) { c.body = marshal(with(validBody, p, nil, false)) })
			values, names, refuse := wrongValues(schema)
			for i, v := range values {
				variant(at+" "+names[i], refuse[i], func(c *genCase) { c.body = marshal(with(validBody, p, v, false)) })
			}
			parent := p[:len(p)-1]
			variant(at+" unknown sibling", true, func(c *genCase) {
				c.body = marshal(with(validBody, append(slices.Clone(parent), "unknown_property"), 1, false))
			})
		}
		deep := func(open, close string, n int) []byte {
			return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
		}
		valid := base.body
		for name, body := range map[string][]byte{
			"empty":                   {},
			"whitespace":              []byte(" \n\t "),
			"null":                    []byte("null"),
			"array":                   []byte("[]"),
			"string":                  []byte(`"x"`),
			"number":                  []byte("1"),
			"true":                    []byte("true"),
			"truncated":               valid[:len(valid)-1],
			"trailing garbage":        append(slices.Clone(valid), 'x'),
			"two objects":             append(slices.Clone(valid), valid...),
			"byte order mark":         append([]byte("\xef\xbb\xbf"), valid...),
			"invalid UTF-8 outside":   append([]byte("\xff"), valid...),
			"UTF-16":                  utf16(valid),
			"nested arrays 100000":    deep("[", "]", 100_000),
			"nested objects 20000":    []byte(`{"a":` + string(deep(`{"a":`, "}", 20_000)) + "}"),
			"nested in property 5000": []byte(`{"` + g.props(bodySchema, nil)[0][0] + `":` + string(deep("[", "]", 5000)) + "}"),
			"duplicate keys":          append(append([]byte("{"), valid[1:len(valid)-1]...), append([]byte(","), valid[1:]...)...),
			"long key":                []byte(`{"` + strings.Repeat("k", 100_000) + `": 1}`),
			"over 1 MiB":              append(slices.Clone(valid[:len(valid)-1]), append(bytes.Repeat([]byte(" "), apiMaxBody), '}')...),
		} {
			refuse := name != "duplicate keys"
			variant("body "+name, refuse, func(c *genCase) { c.body = body })
		}
		// Exactly at the limit is still accepted.
		atLimit := append(slices.Clone(valid[:len(valid)-1]), append(bytes.Repeat([]byte(" "), apiMaxBody-len(valid)), '}')...)
		variant("body of exactly 1 MiB", false, func(c *genCase) { c.body = atLimit })
		for _, ct := range []string{"-", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
			"application/json; charset=latin1", "application/json; foo=bar", "application/jsonx", "text/json", "application/json;;", "*/*"} {
			variant("Content-Type "+ct, true, func(c *genCase) { c.ctype = ct })
		}
		variant("Content-Type with charset=utf-8", false, func(c *genCase) { c.ctype = "application/json; charset=utf-8" })
	} else {
		// Calls without a body ignore one, but not one over 1 MiB.
		variant("unexpected body", false, func(c *genCase) { c.body, c.ctype = []byte("{not json"), "text/plain" })
		variant("unexpected body over 1 MiB", true, func(c *genCase) { c.body = bytes.Repeat([]byte(" "), apiMaxBody+1) })
	}

	// Parameters.
	for _, p := range params {
		name, schema := p["name"].(string), g.resolve(p["schema"])
		switch p["in"] {
		case "path":
			for _, v := range []string{"", "x", strings.Repeat("x", 65), strings.Repeat("x", 5000), "a b", "a/b", "\x00", "é", "<script>", "'", "%", "1;2"} {
				if v == "" && !strings.HasSuffix(g.tmpl, "{"+name+"}") {
					continue // an empty inner segment is a path the mux cleans (a redirect), not a call
				}
				values := maps.Clone(g.pathValues)
				values[name] = v
				variant("path "+name+" "+strconv.Quote(v), false, func(c *genCase) { c.path = g.target(values, "") })
			}
		case "query":
			bad := []string{"", "x", "-1", "0", "1.5", "1e3", " 1", "１", "١", "99999999999999999999", "true", "%00", "%ff", strings.Repeat("x", 101)}
			if n, ok := schema["maximum"].(json.Number); ok {
				max, _ := n.Int64()
				bad = append(bad, strconv.FormatInt(max+1, 10), n.String())
			}
			for _, v := range bad {
				query := url.Values{name: {v}}.Encode()
				if strings.HasPrefix(v, "%") {
					query = name + "=" + v // an escape as sent, valid or not
				}
				variant("query "+name+" "+strconv.Quote(v), queryRefused(schema, v), func(c *genCase) { c.path = g.target(g.pathValues, query) })
			}
			variant("query "+name+" twice", false, func(c *genCase) { c.path = g.target(g.pathValues, name+"=1&"+name+"=2") })
		case "header":
			for _, v := range []string{"", "1234567", strings.Repeat("k", 129), "key 0001", "ключ-00001", "key-0001\x7f", "key-0001\x00"} {
				variant("header "+name+" "+strconv.Quote(v), true, func(c *genCase) {
					if v == "" {
						delete(c.header, name)
					} else {
						c.header[name] = v
					}
				})
			}
			variant("header "+name+" 128 characters", false, func(c *genCase) { c.header[name] = strings.Repeat("k", 128) })
		}
	}

	// The bearer token.
	if _, secured := g.op["security"]; secured {
		for _, auth := range []string{"", "Bearer", "Bearer ", "Bearer not-a-token", "Basic Z2VuOnBhc3N3b3Jk", "Token x",
			"Bearer " + strings.Repeat("a", 10_000)} {
			variant("Authorization "+strconv.Quote(auth[:min(len(auth), 30)]), true, func(c *genCase) { c.auth = &auth })
		}
	}
	return cases
}

// queryRefused reports whether the document forbids v, as sent, for a
// query parameter of schema ("" is the parameter left out).
func queryRefused(schema map[string]any, v string) bool {
	bound := func(key string, def int64) int64 {
		if n, ok := schema[key].(json.Number); ok {
			i, _ := n.Int64()
			return i
		}
		return def
	}
	switch {
	case v == "":
		return false
	case schema["type"] == "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		return err != nil || n < bound("minimum", -1<<63) || n > bound("maximum", 1<<63-1)
	case schema["enum"] != nil:
		return !slices.Contains(schema["enum"].([]any), any(v))
	}
	return int64(len([]rune(v))) > bound("maxLength", 1<<62)
}

// utf16 returns b, ASCII, as UTF-16 little-endian with a byte order mark.
func utf16(b []byte) []byte {
	out := []byte{0xff, 0xfe}
	for _, c := range b {
		out = append(out, c, 0)
	}
	return out
}

// TestAPIGeneratedInputs runs the generated requests of every operation of
// openapi.json against the real server over a temporary SQLite store, with
// a valid bearer token where one is needed (ASVS V5.1.x, V13.2.2, V13.2.5,
// V14.5.1).
func TestAPIGeneratedInputs(t *testing.T) {
	e := newEnv(t)
	e.register("gen@example.com")
	e.register("gen-tokens@example.com")
	token := e.token("gen@example.com", testPassword)
	orderID := e.orderOne(token, "trowel", "gen-order-0")
	// The staff area's calls are asked by staff (everyone else gets 404);
	// the valid cancellation needs a placed order, and the valid status
	// change (to shipped, the first status documented) an accepted one.
	staff := e.newStaffClients("gen-staff@example.com")
	toCancel := e.orderOne(token, "trowel", "gen-order-cancel")
	toShip := e.orderOne(token, "trowel", "gen-order-ship")
	if _, err := e.svc.ChangeOrderStatus(t.Context(), staff.User, toShip, shop.StatusChangeInput{Status: shop.OrderStatusAccepted}); err != nil {
		t.Fatalf("ChangeOrderStatus(%s -> accepted) = %v", toShip, err)
	}
	spec, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	users := 0
	total := 0
	for _, tmpl := range slices.Sorted(maps.Keys(apiObj(spec["paths"]))) {
		item := apiObj(apiObj(spec["paths"])[tmpl])
		if tmpl == "/admin/products/{id}/image" {
			continue // its body is an image, not JSON: admin_images_test.go tries its refusals
		}
		for _, method := range slices.Sorted(maps.Keys(item)) {
			method, op := strings.ToUpper(method), apiObj(item[method])
			g := &apiGen{spec: spec, method: method, tmpl: tmpl, op: op,
				pathValues: map[string]string{"id": "kettle", "product_id": "kettle"},
				hint: func(name string) string {
					switch {
					case name == "email" && tmpl == "/tokens":
						return "gen-tokens@example.com"
					case name == "email":
						users++
						return fmt.Sprintf("gen-user-%d@example.com", users)
					case name == "password":
						return testPassword
					case name == "country":
						return "GB"
					case name == "postal_code":
						return "SW1A 1AA"
					case name == "category":
						return "kitchen"
					case name == "id" && (tmpl == "/admin/products" || tmpl == "/admin/categories"):
						users++ // a new id for every created product or category
						return fmt.Sprintf("gen-%d", users)
					}
					return ""
				}}
			switch tmpl {
			case "/orders/{id}", "/admin/orders/{id}":
				g.pathValues["id"] = orderID
			case "/orders/{id}/cancel":
				g.pathValues["id"] = toCancel
			case "/admin/orders/{id}/status":
				g.pathValues["id"] = toShip
			case "/admin/categories/{id}":
				g.pathValues["id"] = "kitchen"
			}
			for i, c := range g.cases() {
				total++
				t.Run(method+" "+tmpl+" "+c.name, func(t *testing.T) {
					if method == "POST" && tmpl == "/orders" {
						// A cart to order, and a key of its own for each case.
						e.send(rawReq{method: "PUT", target: "/api/v1/cart/items/trowel", token: token, json: `{"quantity": 1}`})
						if c.header["Idempotency-Key"] == "generated-key-0001" {
							c.header["Idempotency-Key"] = fmt.Sprintf("generated-key-%04d", i)
						}
					}
					auth := "Bearer " + token
					if isStaffAPIPath(apiBase + tmpl) {
						auth = "Bearer " + staff.Token
					}
					if method == "DELETE" && tmpl == "/tokens/current" {
						auth = "Bearer " + e.token("gen@example.com", testPassword) // the case revokes it
					}
					if c.auth != nil {
						auth = *c.auth
					}
					var body *bytes.Reader
					if c.body != nil {
						body = bytes.NewReader(c.body)
					} else {
						body = bytes.NewReader(nil)
					}
					r := httptest.NewRequest(method, "/", body)
					r.URL, _ = url.ParseRequestURI(c.path)
					r.RequestURI = c.path
					r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", i%250+1) // sign-in throttling counts addresses
					switch {
					case c.ctype == "-":
					case c.ctype != "":
						r.Header.Set("Content-Type", c.ctype)
					case c.body != nil:
						r.Header.Set("Content-Type", "application/json")
					}
					if auth != "" {
						r.Header.Set("Authorization", auth)
					}
					for k, v := range c.header {
						r.Header.Set(k, v)
					}
					w := httptest.NewRecorder()
					e.h.ServeHTTP(w, r)
					checkAPIAnswer(t, method, c.path, w, len(c.body) > apiMaxBody)
					switch {
					case c.ok && w.Code/100 != 2:
						t.Errorf("a valid request = %d; want success\n%.300s", w.Code, w.Body)
					case c.refuse && (w.Code < 400 || w.Code >= 500):
						t.Errorf("an invalid request = %d; want it refused with a 4xx\n%.300s", w.Code, w.Body)
					}
				})
			}
		}
	}
	if total < 500 {
		t.Errorf("generated %d requests; the generator is out of date", total)
	}
}
