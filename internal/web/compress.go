package web

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// Responses are compressed with gzip (klauspost/compress's gzhttp) when the
// client accepts it: pages, the stylesheet and script, SVG pictures, JSON
// and CSV. Photos (JPEG, PNG) are compressed already and never touched,
// and bodies under compressMinSize are sent as they are: they fit one
// packet either way. Every response says Vary: Accept-Encoding, so caches
// keep the two forms apart. A response whose handler already set
// Content-Encoding (the page cache's stored gzip, httpcache.go) passes
// through unchanged.

// compressLevel is gzip's level: the fastest (BenchmarkCompressCatalogPage
// measured level 1 against 5 and 9 on the catalog page; level 1 leaves it
// a little larger and takes a fraction of the time, and hot pages come
// compressed from the page cache anyway).
const compressLevel = gzip.BestSpeed

// compressMinSize is the smallest body worth compressing: smaller ones fit
// one packet as they are.
const compressMinSize = 1024

// compressibleTypes are the media types compressed; any parameter
// (charset) matches.
var compressibleTypes = []string{
	"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml",
	"application/json", "application/problem+json", "text/plain", "text/csv", "application/xml", "text/xml",
}

// compress is the gzip middleware (NewServer).
func (s *server) compress(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.EnableZstd(false),
		gzhttp.CompressionLevel(compressLevel),
		gzhttp.MinSize(compressMinSize),
		gzhttp.ContentTypes(compressibleTypes),
	)
	if err != nil {
		panic(err) // constant options: a programming error every test run catches
	}
	return wrap(next)
}

// headAsGet answers a HEAD request as its GET with the body left out, so
// that HEAD's header fields are GET's (RFC 9110, 9.3.2): the compressor
// decides on the body it sees written, and handlers write none for HEAD,
// so a HEAD got the uncompressed length and no Content-Encoding where its
// GET is compressed.
func (s *server) headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		next.ServeHTTP(bodyDiscarder{w}, get)
	})
}

// bodyDiscarder is a ResponseWriter whose body goes nowhere: HEAD's.
type bodyDiscarder struct{ http.ResponseWriter }

func (d bodyDiscarder) Write(b []byte) (int, error) { return len(b), nil }

// Unwrap lets http.ResponseController reach the connection's writer.
func (d bodyDiscarder) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// gzipWriters reuses gzip writers (their state is large) for the page
// cache's stored gzip.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, compressLevel) // a valid constant level
	return w
}}

// gzipBytes returns b compressed at compressLevel.
func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b)/3 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&out)
	_, _ = zw.Write(b) // writing to a bytes.Buffer cannot fail
	_ = zw.Close()
	gzipWriters.Put(zw)
	return out.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip:
// named, or "*", with a non-zero quality.
func acceptsGzip(r *http.Request) bool {
	star := false
	for _, header := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(header, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			allowed := qualityAllows(params)
			if coding == "gzip" {
				return allowed
			}
			star = allowed
		}
	}
	return star
}

// qualityAllows reports whether the parameters of an Accept-Encoding entry
// ("q=0.5") leave its quality above zero.
func qualityAllows(params string) bool {
	for _, p := range strings.Split(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		return err == nil && q > 0
	}
	return true
}
