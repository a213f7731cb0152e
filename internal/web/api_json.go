package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"storefront/internal/shop"
)

// apiMaxBody bounds a JSON request body, as the middleware bounds every
// body; repeated here so the API's 413 does not depend on the middleware.
const apiMaxBody = 1 << 20

// apiHeaders sets the headers of every API answer: JSON, and never cached
// (answers carry a user's cart, orders and tokens).
func apiHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
}

// apiWrite answers with status and v encoded as JSON.
func (s *server) apiWrite(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	apiHeaders(w)
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // a failed write means the client left
}

// apiNoContent answers 204 with the API's headers.
func apiNoContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// apiRequestID returns the request id the middleware gave the request: from
// its context, or from the response header when answering outside it (a
// panic recovered before the id entered the context); "" without one.
func apiRequestID(w http.ResponseWriter, r *http.Request) string {
	if id := requestIDFrom(r.Context()); id != "" {
		return id
	}
	return w.Header().Get("X-Request-Id")
}

// apiQuery returns the parameters of r's query string, or a
// *shop.ValidationError naming the parameter whose percent-encoding is
// broken ("per_page=%"), which url.Values would leave out without a word
// (so the call answered as if it had not been sent); "query" stands for a
// parameter whose name is broken or no plain name, or a ";" separator.
func apiQuery(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err == nil {
		return v, nil
	}
	field, message := "query", "Separate the parameters with &."
	for _, pair := range strings.Split(r.URL.RawQuery, "&") {
		key, value, _ := strings.Cut(pair, "=")
		name, keyErr := url.QueryUnescape(key)
		if _, valueErr := url.QueryUnescape(value); keyErr == nil && valueErr == nil {
			continue
		}
		message = "This parameter is not valid URL encoding: a % begins two hexadecimal digits (%25 is a % itself)."
		if keyErr == nil && isParameterName(name) {
			field = name
		}
		break
	}
	return nil, &shop.ValidationError{Fields: map[string]string{field: message}}
}

// isParameterName reports whether name is short lower-case letters and
// underscores, as the API's parameters are, and so safe to name back.
func isParameterName(name string) bool {
	return name != "" && len(name) <= 32 && !strings.ContainsFunc(name, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' })
}

// apiDecode reads the JSON object of r's body into dst. It refuses a body
// that is not application/json (415), larger than 1 MiB (413), not exactly
// one JSON object (400), or holding an unknown field or a value of the wrong
// type (422, a *shop.ValidationError naming the field).
func apiDecode(w http.ResponseWriter, r *http.Request, dst any) error {
	if !apiIsJSON(r.Header.Get("Content-Type")) {
		return errAPIMediaType
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, apiMaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooBig
		}
		return errAPISyntax // the client hung up or sent a broken body
	}
	return apiUnmarshal(data, dst, "")
}

// apiNoBody checks the body of a call that takes none: empty (or
// whitespace), or an empty JSON object. Anything else is refused as
// apiDecode refuses a body, so a field sent where none is accepted is a
// 422 naming it, never ignored.
func apiNoBody(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, apiMaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooBig
		}
		return errAPISyntax
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if !apiIsJSON(r.Header.Get("Content-Type")) {
		return errAPIMediaType
	}
	return apiUnmarshal(data, &struct{}{}, "")
}

// apiIsJSON reports whether a Content-Type is JSON in UTF-8:
// application/json with no parameter but charset=utf-8.
func apiIsJSON(contentType string) bool {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "application/json" {
		return false
	}
	for name, value := range params {
		if name != "charset" || !strings.EqualFold(value, "utf-8") {
			return false
		}
	}
	return true
}

// apiUnmarshal decodes data, one JSON object, into dst strictly: unknown
// fields, fields named in another letter case than dst's ("QUANTITY" for
// "quantity"), fields given twice (at any depth), strings of invalid
// UTF-8 and wrong types are a *shop.ValidationError keyed by the field's
// JSON path, prefix first (for objects decoded in steps).
//
// encoding/json alone would take the last of two equal names, match names
// in any letter case and replace invalid UTF-8 with U+FFFD, so a body could
// mean one thing to the shop and another to a proxy or log reader that
// takes the first name, or hide bytes the shop never stored as sent.
func apiUnmarshal(data []byte, dst any, prefix string) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return errAPIEmptyBody
	}
	if trimmed[0] != '{' {
		return errAPINotObject
	}
	if err := apiCheckSyntax(data, prefix); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		if _, err := dec.Token(); err != io.EOF {
			return errAPITrailing
		}
		return apiCheckNameCase(data, reflect.TypeOf(dst), prefix)
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return errAPISyntax
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return errAPINotObject
		}
		return &shop.ValidationError{Fields: map[string]string{prefix + typeErr.Field: apiTypeMessage(typeErr.Type.Kind().String())}}
	}
	// encoding/json reports an unknown field only in its error text.
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, uerr := strconv.Unquote(rest)
		if uerr != nil {
			name = rest
		}
		return &shop.ValidationError{Fields: map[string]string{prefix + name: "This field is not accepted here."}}
	}
	return err
}

// apiCheckSyntax reads data with the strict JSON tokenizer of the Go
// team's encoding/json/v2 (github.com/go-json-experiment/json/jsontext),
// which refuses duplicate names and invalid UTF-8 (lone surrogate escapes
// too) by default, and names where. Those are a *shop.ValidationError;
// any other syntax error is left to encoding/json, which answers it as
// before.
func apiCheckSyntax(data []byte, prefix string) error {
	err := jsontextScan(data)
	var serr *jsontext.SyntacticError
	if err == nil || !errors.As(err, &serr) {
		return nil
	}
	field := apiPointerPath(serr.JSONPointer, prefix)
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		return &shop.ValidationError{Fields: map[string]string{field: "This field is given more than once."}}
	case jsontextScan(data, jsontext.AllowInvalidUTF8(true)) == nil:
		// Valid once invalid UTF-8 is allowed: that was the problem.
		return &shop.ValidationError{Fields: map[string]string{field: "Must be text in valid UTF-8."}}
	}
	return nil
}

// jsontextScan reads every token of data, returning the first error.
func jsontextScan(data []byte, opts ...jsontext.Options) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data), opts...)
	for {
		if _, err := dec.ReadToken(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// apiPointerPath turns a JSON Pointer ("/shipping_address/city") into the
// field path of the API's errors ("shipping_address.city"), after prefix.
// The empty pointer, the object itself (a name that is not UTF-8 is
// reported there), is "body".
func apiPointerPath(p jsontext.Pointer, prefix string) string {
	if p == "" {
		return prefix + "body"
	}
	return prefix + strings.Join(slices.Collect(p.Tokens()), ".")
}

// apiCheckNameCase refuses a field of data whose name matches a field of
// t only in another letter case, at any depth of t's structs (fields of
// type json.RawMessage are checked when they are decoded in turn).
// encoding/json has already decoded data into t, so data is valid JSON.
func apiCheckNameCase(data []byte, t reflect.Type, prefix string) error {
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return nil // cannot happen: the same data was just decoded
	}
	if path, want := apiNameCaseProblem(tree, t, prefix); path != "" {
		return &shop.ValidationError{Fields: map[string]string{path: "This field is not accepted here: field names are case-sensitive (" + want + ")."}}
	}
	return nil
}

// apiNameCaseProblem walks the decoded value v along the Go type t and
// returns the path of the first name (in sorted order) that matches a
// field of a struct only case-insensitively, and that field's name.
func apiNameCaseProblem(v any, t reflect.Type, path string) (bad, want string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return "", ""
		}
		fields := apiJSONFields(t)
		for _, name := range slices.Sorted(maps.Keys(obj)) {
			ft, known := fields[name]
			if !known {
				for field := range fields {
					if strings.EqualFold(field, name) {
						return path + name, field
					}
				}
				continue // unknown: encoding/json refused it already
			}
			if bad, want := apiNameCaseProblem(obj[name], ft, path+name+"."); bad != "" {
				return bad, want
			}
		}
	case reflect.Map:
		if obj, ok := v.(map[string]any); ok {
			for _, name := range slices.Sorted(maps.Keys(obj)) {
				if bad, want := apiNameCaseProblem(obj[name], t.Elem(), path+name+"."); bad != "" {
					return bad, want
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if arr, ok := v.([]any); ok {
			for i, elem := range arr {
				if bad, want := apiNameCaseProblem(elem, t.Elem(), path+strconv.Itoa(i)+"."); bad != "" {
					return bad, want
				}
			}
		}
	}
	return "", ""
}

// apiJSONFields returns the JSON names of the exported fields of struct
// type t, as encoding/json names them, with their types.
func apiJSONFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}

// apiTypeMessage tells which JSON type a field takes, by its Go kind.
func apiTypeMessage(kind string) string {
	switch kind {
	case "string":
		return "Must be a string."
	case "struct", "map":
		return "Must be a JSON object."
	case "slice", "array":
		return "Must be a JSON array."
	case "bool":
		return "Must be true or false."
	}
	return "Must be a number."
}

// apiPrefixFields returns err with the field keys of a *shop.ValidationError
// prefixed, mapping the domain's keys to JSON paths; other errors as they are.
func apiPrefixFields(err error, prefix string) error {
	var verr *shop.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	fields := make(map[string]string, len(verr.Fields))
	for k, v := range verr.Fields {
		fields[prefix+k] = v
	}
	return &shop.ValidationError{Fields: fields}
}

// apiTime formats a time of the API: RFC 3339 in UTC.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
