package web

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"html/template"
	"net/http"
	"strconv"

	"github.com/klauspost/compress/flate"

	"storefront/internal/shop"
)

// A catalog page with a session (a signed-in shopper's, or a guest's with
// a cart) differs from everyone else's only in the layout's "personal"
// part: the cart count, the account links, whom it is signed in as. The
// rest, the same for every visitor of an address while the catalog is
// unchanged, is kept by the catalog's version as the two pieces around
// that part (a framedPage, in the server's pageCache of framed pages, beside the page
// cache and a quarter of its size), plain and compressed; a request
// renders its personal part alone and sends the three pieces, without
// running the catalog handler (framedCatalog).
//
// The compressed answer is stitched, never compressed per request: a gzip
// member whose deflate stream is the first piece's blocks (compressed
// once, ended by a sync flush, which leaves the stream at a byte
// boundary), then the personal part as one stored block (uncompressed,
// a few hundred bytes), then the second piece's blocks (compressed once,
// the last one final). Each piece was compressed on its own, so no block
// refers back into another piece's bytes, and a stream of whole blocks,
// each starting on a byte boundary, is valid deflate (RFC 1951) for every
// decoder. The gzip trailer's CRC-32 and length are those of the whole
// page's bytes (RFC 1952).

// personalMarker stands where the personal part goes when a page is
// rendered to be cut into a framedPage: a comment no content can make
// (the templates escape "<" in every text, attribute and script).
const personalMarker = "<!--storefront:personal-->"

// framedPage is a page cut around its personal part: before and after
// it, plain and as deflate blocks (before ends in a sync flush, after in
// the final block), with the CRC-32 of before.
type framedPage struct {
	key             string
	before, after   []byte
	beforeZ, afterZ []byte
	beforeCRC       uint32
}

// size is what the page holds in memory, roughly.
func (p *framedPage) cacheKey() string { return p.key }

func (p *framedPage) size() int64 {
	return int64(len(p.key)+len(p.before)+len(p.after)+len(p.beforeZ)+len(p.afterZ)) + 200
}

// gzipHeader is a gzip member's header: deflate, no flags, no time,
// unknown system (as Go's gzip writer writes it).
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// maxStoredBlock is the most one stored deflate block holds.
const maxStoredBlock = 65535

// framedCatalog serves a catalog page with a session from its kept
// framedPage when there is one, rendering only the personal part: h, the
// catalog handler, which reads the catalog for the page, does not run.
// Without one, h renders the page, and render keeps it
// (serveSignedInCatalog). It runs within withSession, for the visit.
func (s *server) framedCatalog(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if key, ok := s.framedKey(r); ok {
			if fp := s.framed.get(key); fp != nil {
				l := &layoutView{}
				vis := visitFrom(r.Context())
				l.User, l.CartCount = vis.User, vis.CartCount()
				l.Staff = shop.StaffOf(vis.Session, vis.User) != nil
				if s.writeFramed(w, r, fp, l) {
					return
				}
			}
			// The page rendered now is kept under the version read before
			// the catalog: a version read after it could be newer than
			// what the page shows, and would keep that old page for it.
			r = r.WithContext(context.WithValue(r.Context(), framedKeyOfRequest{}, key))
		}
		h(w, r)
	}
}

// framedKeyOfRequest is the context key of the framedKey that
// framedCatalog read for a request it passed on to render the page.
type framedKeyOfRequest struct{}

// framedKey is the key of r's framedPage: for a GET of a catalog page
// that is not a guest's public request, by the catalog's version; false
// when there is none (no version known, no cache, a key too long).
func (s *server) framedKey(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet || s.framed == nil || s.catalogVersion == nil {
		return "", false
	}
	if pr, _ := r.Context().Value(publicRequestKey{}).(*publicRequest); pr != nil {
		return "", false // a guest's public page: publicPage and renderPublic keep it whole
	}
	version := s.catalogVersion(r.Context())
	if version == 0 {
		return "", false
	}
	return s.pageKey(r, "catalog-framed", strconv.FormatUint(version, 10))
}

// serveSignedInCatalog answers, for render, a 200 catalog page of a
// request framedCatalog found a key for: it cuts the page rendered with t and
// v into a framedPage, keeps it, and serves it with v's personal part. It
// reports false, having written nothing, for any other page or request,
// or when the page cannot be framed (render then renders it whole).
func (s *server) serveSignedInCatalog(w http.ResponseWriter, r *http.Request, status int, page string, t *template.Template, v pageView) bool {
	if page != "catalog" || status != http.StatusOK {
		return false
	}
	key, ok := r.Context().Value(framedKeyOfRequest{}).(string)
	if !ok {
		return false
	}
	fp := newFramedPage(key, t, v)
	if fp == nil {
		return false
	}
	s.framed.put(fp)
	return s.writeFramed(w, r, fp, v.layout())
}

// newFramedPage renders the layout of v with the marker for its personal
// part, and cuts and compresses it; nil when that fails (no marker, or
// more than one).
func newFramedPage(key string, t *template.Template, v pageView) *framedPage {
	l := v.layout()
	saved := l.Personal
	l.Personal = personalMarker
	var buf bytes.Buffer
	err := t.ExecuteTemplate(&buf, "layout", v)
	l.Personal = saved
	if err != nil || bytes.Count(buf.Bytes(), []byte(personalMarker)) != 1 {
		return nil
	}
	before, after, _ := bytes.Cut(buf.Bytes(), []byte(personalMarker))
	return &framedPage{key: key, before: before, after: after,
		beforeZ: deflateBlocks(before, false), afterZ: deflateBlocks(after, true), beforeCRC: crc32.ChecksumIEEE(before)}
}

// deflateBlocks compresses b at compressLevel into deflate blocks that
// end on a byte boundary: with a sync flush, or with the final block.
func deflateBlocks(b []byte, final bool) []byte {
	var out bytes.Buffer
	zw, _ := flate.NewWriter(&out, compressLevel) // a valid constant level
	_, _ = zw.Write(b)                            // writing to a bytes.Buffer cannot fail
	if final {
		_ = zw.Close()
	} else {
		_ = zw.Flush()
	}
	return out.Bytes()
}

// writeFramed answers r with fp around l's personal part: gzip stitched
// from the kept blocks for a client that accepts it, else plain; not
// stored by any cache, as every personal page. It reports false, having
// written nothing, when the personal part does not render (or is longer
// than a stored block holds).
func (s *server) writeFramed(w http.ResponseWriter, r *http.Request, fp *framedPage, l *layoutView) bool {
	var buf bytes.Buffer
	if err := s.pages["catalog"].ExecuteTemplate(&buf, "personal", l); err != nil || buf.Len() > maxStoredBlock {
		return false
	}
	personal := buf.Bytes()
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	addVary(h, "Accept-Encoding")
	if !acceptsGzip(r) {
		h.Set("Content-Length", strconv.Itoa(len(fp.before)+len(personal)+len(fp.after)))
		w.WriteHeader(http.StatusOK)
		for _, b := range [][]byte{fp.before, personal, fp.after} {
			if _, err := w.Write(b); err != nil {
				break // the client left
			}
		}
		return true
	}
	body := stitchGzip(fp, personal)
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) // a failed write means the client left
	return true
}

// stitchGzip is the gzip member of fp's page around personal (at most
// maxStoredBlock bytes).
func stitchGzip(fp *framedPage, personal []byte) []byte {
	n := len(gzipHeader) + len(fp.beforeZ) + 5 + len(personal) + len(fp.afterZ) + 8
	out := make([]byte, 0, n)
	out = append(out, gzipHeader...)
	out = append(out, fp.beforeZ...)
	// A stored block, not final: its 3 header bits padded to a byte, then
	// its length and the length's complement, little-endian.
	size := uint16(len(personal)) // #nosec G115 -- writeFramed sends at most maxStoredBlock (65535) bytes here
	out = append(out, 0)
	out = binary.LittleEndian.AppendUint16(out, size)
	out = binary.LittleEndian.AppendUint16(out, ^size)
	out = append(out, personal...)
	out = append(out, fp.afterZ...)
	crc := crc32.Update(fp.beforeCRC, crc32.IEEETable, personal)
	crc = crc32.Update(crc, crc32.IEEETable, fp.after)
	out = binary.LittleEndian.AppendUint32(out, crc)
	return binary.LittleEndian.AppendUint32(out, uint32(len(fp.before)+len(personal)+len(fp.after))) // #nosec G115 -- ISIZE is the length modulo 2^32
}
