package web

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"storefront/internal/shop"
)

// HTTP caching of the pages that are the same for every visitor without a
// session (docs/operations.md, "HTTP caching").
//
// A request is a guest's when it is a GET or HEAD without the session
// cookie. Only the routes wrapped in publicPage (the catalog, its
// categories, searches and pages, and product pages) may answer a guest
// publicly, and only with a 200 page rendered for a visit with neither
// session nor user and no cookie set: such a page carries nothing
// personal (no name, a cart count of 0, no flash message, and no CSRF
// token, as the shop's cross-site protection is by Origin and
// Sec-Fetch-Site, crossOrigin). Every other answer, and every answer to a
// request with the session cookie, stays Cache-Control: no-store.
//
// A public page has a weak ETag (a hash of its uncompressed bytes, so the
// gzip and the plain form share it) and answers If-None-Match with 304.
// Browsers revalidate it on every use (max-age=0), so a guest who signs in
// or fills a cart never sees the guest page again from their cache; shared
// caches (a CDN) may keep a listing for listingSharedMaxAge seconds and
// must revalidate a product page every time (no-cache), because a product
// page's price and availability are read from the store on every request.
// Vary names Cookie, for shared caches that key on it, and
// Accept-Encoding.
//
// The page cache keeps rendered public pages, plain and gzipped, in memory,
// bounded by bytes and entries (least recently used out first), keyed by
// the page's address (scheme, host, path, and its query re-encoded in one
// order) and a version of what it shows:
//   - a listing by the catalog's version (Config.CatalogVersion), read
//     before the handler runs: a hit answers without reading the catalog;
//   - a product page by the version of the product the handler has just
//     read, strongly (shop.Service.VersionedProduct), and its category's
//     name (productpage.go): a hit serves the page before any view is
//     built; where the store gives no version (DynamoDB), by a hash of its
//     whole view, so a hit saves only the rendering and compression. Either
//     way the product is read on every request, and a page is only served
//     for an equal product.

// listingSharedMaxAge is how long a shared cache may keep a listing, in
// seconds: it adds to the catalog read model's lag (at most 2 s).
const listingSharedMaxAge = 2

// Defaults of the page cache's bounds (Config.PageCacheBytes).
const (
	DefaultPageCacheBytes = 32 << 20
	pageCacheMaxEntries   = 8192
	// maxPageKeyBytes bounds a key (host, path and query are the client's
	// to choose): a longer address is answered, never kept.
	maxPageKeyBytes = 1024
)

// cachePolicy is how a public route's pages are cached.
type cachePolicy struct {
	kind         string // names the route's pages in cache keys
	cacheControl string
	// cacheControlHeader is cacheControl as a header value of its own
	// length and capacity, shared by every answer (servePage).
	cacheControlHeader []string
	// byCatalogVersion keys pages by the catalog's version, looked up
	// before the handler runs; otherwise a view that is viewKeyed is keyed
	// by its own content, at render.
	byCatalogVersion bool
}

var (
	listingPolicy = newCachePolicy("listing", true,
		"public, max-age=0, s-maxage="+strconv.Itoa(listingSharedMaxAge)+", must-revalidate")
	productPolicy = newCachePolicy("product", false, "public, no-cache")
	// gzipEncodingHeader is the Content-Encoding of a gzipped cached page.
	gzipEncodingHeader = []string{"gzip"}
)

func newCachePolicy(kind string, byCatalogVersion bool, cacheControl string) *cachePolicy {
	return &cachePolicy{kind: kind, byCatalogVersion: byCatalogVersion, cacheControl: cacheControl,
		cacheControlHeader: []string{cacheControl}}
}

// viewKeyed is a page view whose own content versions its page: keyed by
// a hash of the view, a cached page is only ever served for an equal view.
type viewKeyed interface {
	pageView
	keyedByView()
}

// keyedByView: a product page's view holds the product just read from the
// store, and everything else the page shows.
func (*productView) keyedByView() {}

// publicRequest is what publicPage tells render about a guest's request.
type publicRequest struct {
	policy *cachePolicy
	key    string // set when publicPage looked the page up (the catalog's or the product's version)
	// product and version are a product page's strong read, made by
	// publicPage to look its page up (productpage.go); nil when not made.
	product *shop.Product
	version uint64
}

type publicRequestKey struct{}

// publicPage lets h answer a guest's GET or HEAD publicly with policy
// (render, renderPublic), serving listings from the page cache by the
// catalog's version when it has them. Requests with the session cookie
// pass straight to h.
func (s *server) publicPage(policy *cachePolicy, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.guestRequest(r) {
			h.ServeHTTP(w, r)
			return
		}
		pr := &publicRequest{policy: policy}
		if policy == productPolicy && s.cachedProductPage(w, r, pr) {
			return
		}
		if key, ok := s.listingKey(r, policy); ok {
			if p := s.pageCache.get(key); p != nil {
				servePage(w, r, p, policy)
				return
			}
			pr.key = key
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), publicRequestKey{}, pr)))
	})
}

// listingKey is the page cache's key of r's page under policy when the
// policy keys by the catalog's version and that version is known (not 0,
// which a catalog without a change feed answers).
func (s *server) listingKey(r *http.Request, policy *cachePolicy) (string, bool) {
	if !policy.byCatalogVersion || s.catalogVersion == nil || s.pageCache == nil {
		return "", false
	}
	v := s.catalogVersion(r.Context())
	if v == 0 {
		return "", false
	}
	return s.pageKey(r, policy.kind, strconv.FormatUint(v, 10))
}

// guestRequest reports whether r is a GET or HEAD without the session
// cookie withSession would read, and without credentials of the API (an
// answer to a bearer token is personal, whatever it holds).
func (s *server) guestRequest(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.Header.Get("Authorization") != "" {
		return false
	}
	_, err := r.Cookie(s.sessionCookieName(r))
	return err != nil
}

// renderPublic answers, for render, a page that is the same for every
// guest: from the page cache, or rendered with t, kept and served. It
// reports false, having written nothing, when the page is not public (not
// a publicPage route, not a guest's visit, not a 200, a cookie being set)
// or the template fails (render then shows the failure).
func (s *server) renderPublic(w http.ResponseWriter, r *http.Request, status int, t *template.Template, v pageView) bool {
	pr := publicAnswer(w, r)
	if pr == nil || status != http.StatusOK {
		return false
	}
	key := pr.key
	if vk, ok := v.(viewKeyed); ok && key == "" && s.pageCache != nil {
		key, _ = s.pageKey(r, pr.policy.kind, viewVersion(vk))
	}
	if key != "" {
		if p := s.pageCache.get(key); p != nil {
			servePage(w, r, p, pr.policy)
			return true
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return false
	}
	p := newCachedPage(key, "text/html; charset=utf-8", buf.Bytes(), key != "")
	if key != "" {
		s.pageCache.put(p)
	}
	servePage(w, r, p, pr.policy)
	return true
}

// publicAnswer returns what publicPage said of r when r's page may be
// answered publicly (a guest's request on a publicPage route, in a visit
// with neither session nor user, no cookie being set), else nil.
func publicAnswer(w http.ResponseWriter, r *http.Request) *publicRequest {
	pr, _ := r.Context().Value(publicRequestKey{}).(*publicRequest)
	if pr == nil {
		return nil
	}
	if vis := visitFrom(r.Context()); vis.Session != nil || vis.User != nil {
		return nil
	}
	if len(w.Header().Values("Set-Cookie")) > 0 {
		return nil
	}
	return pr
}

// viewVersion is a hash of everything v holds but the request id, which
// the layout carries for error pages only. Two views with the same
// version render the same page. A pointer inside v (other than at its
// top) prints as its address, so a view holding one never matches
// another: it is rendered each time, never served wrong.
func viewVersion(v pageView) string {
	if cv, ok := v.(contentVersioned); ok {
		sum := sha256.Sum256([]byte(cv.contentVersion()))
		return hex.EncodeToString(sum[:16])
	}
	l := v.layout()
	id := l.RequestID
	l.RequestID = ""
	h := sha256.New()
	fmt.Fprintf(h, "%#v", v)
	l.RequestID = id
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// pageKey is the cache key of r's page of kind at version: scheme, host,
// path and the query re-encoded with its parameters in one order (pages
// read only parsed query values), so equal addresses share a key. It
// reports false for a query that does not parse or a key over
// maxPageKeyBytes.
func (s *server) pageKey(r *http.Request, kind, version string) (string, bool) {
	query := ""
	if r.URL.RawQuery != "" {
		values, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return "", false
		}
		query = values.Encode()
	}
	scheme := "http"
	if s.isHTTPS(r) {
		scheme = "https"
	}
	path := r.URL.EscapedPath()
	n := len(kind) + len(version) + len(scheme) + len(r.Host) + len(path) + len(query) + 6
	if n > maxPageKeyBytes {
		return "", false
	}
	var b strings.Builder
	b.Grow(n)
	for _, part := range []string{kind, " ", version, " ", scheme, "://", r.Host, path, "?", query} {
		b.WriteString(part)
	}
	return b.String(), true
}

// cachedPage is a rendered public page: immutable once made, so readers
// share it without a lock.
type cachedPage struct {
	key         string
	etag        string // weak: a hash of body
	contentType string
	body        []byte
	gzip        []byte // body gzipped; nil when small or not kept
	// headers are the values servePage sets, made once: each slice has
	// its length as capacity, so an Add to a header given one copies it
	// and never writes into what other answers share.
	headers pageHeaders
}

// pageHeaders are a cached page's header values.
type pageHeaders struct {
	etag, contentType, plainLength, gzipLength []string
}

// newCachedPage makes the page of body; with compressed, its gzip too
// (when body is worth compressing), made once for every later answer.
func newCachedPage(key, contentType string, body []byte, compressed bool) *cachedPage {
	p := &cachedPage{key: key, etag: weakETag(body), contentType: contentType, body: body}
	if compressed && len(body) >= compressMinSize {
		if gz := gzipBytes(body); len(gz) < len(body) {
			p.gzip = gz
		}
	}
	p.headers = pageHeaders{etag: []string{p.etag}, contentType: []string{contentType},
		plainLength: []string{strconv.Itoa(len(body))}, gzipLength: []string{strconv.Itoa(len(p.gzip))}}
	return p
}

// size is what the page holds in memory, roughly.
func (p *cachedPage) cacheKey() string { return p.key }

func (p *cachedPage) size() int64 {
	return int64(len(p.key)+len(p.etag)+len(p.contentType)+len(p.body)+len(p.gzip)) + 200
}

// weakETag is the weak entity tag of a representation's bytes: weak, so
// it stays valid for the gzipped form of the same bytes.
func weakETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// servePage answers r with p under policy: 304 when r's If-None-Match
// names p's ETag, else p's bytes, gzipped for a client that accepts it
// (the compress middleware passes them through), without a body for HEAD.
// The header values are the page's and the policy's own (pageHeaders),
// set by their canonical names, as Header.Set would.
func servePage(w http.ResponseWriter, r *http.Request, p *cachedPage, policy *cachePolicy) {
	h := w.Header()
	h["Cache-Control"] = policy.cacheControlHeader
	h["Etag"] = p.headers.etag
	addVary(h, "Accept-Encoding")
	addVary(h, "Cookie")
	if etagMatches(r.Header.Get("If-None-Match"), p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, length := p.body, p.headers.plainLength
	h["Content-Type"] = p.headers.contentType
	if p.gzip != nil && acceptsGzip(r) {
		h["Content-Encoding"] = gzipEncodingHeader
		body, length = p.gzip, p.headers.gzipLength
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a failed write means the client left
	}
}

// addVary adds name to the Vary header unless it is there already, in
// its last line (one line for caches that read only one).
func addVary(h http.Header, name string) {
	vary := h["Vary"]
	for _, v := range vary {
		for v != "" {
			var token string
			token, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(token), name) {
				return
			}
		}
	}
	if len(vary) == 0 {
		h["Vary"] = []string{name}
		return
	}
	vary[len(vary)-1] += ", " + name
}

// cacheable is what a pageCache keeps: something of a size under a key.
type cacheable interface {
	cacheKey() string
	size() int64
}

// pageCache keeps pages (*cachedPage, *framedPage) by key, at most
// maxBytes (their size) and maxEntries of them, dropping the least
// recently used first. Pages of an older version are never asked for
// again and age out the same way.
type pageCache[P cacheable] struct {
	maxBytes   int64
	maxEntries int

	mu    sync.Mutex
	bytes int64
	order *list.List // of P, the most recently used first
	byKey map[string]*list.Element

	hits, misses atomic.Int64
}

func newPageCache[P cacheable](maxBytes int64, maxEntries int) *pageCache[P] {
	return &pageCache[P]{maxBytes: maxBytes, maxEntries: maxEntries, order: list.New(), byKey: make(map[string]*list.Element)}
}

// get returns the page kept under key, or the zero P (nil).
func (c *pageCache[P]) get(key string) P {
	c.mu.Lock()
	el, ok := c.byKey[key]
	if ok {
		c.order.MoveToFront(el)
	}
	c.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		var none P
		return none
	}
	c.hits.Add(1)
	return el.Value.(P)
}

// put keeps p, replacing a page under the same key. A page larger than an
// eighth of the budget is not kept: one page never empties the cache.
func (c *pageCache[P]) put(p P) {
	size := p.size()
	if size > c.maxBytes/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[p.cacheKey()]; ok {
		c.remove(el)
	}
	c.byKey[p.cacheKey()] = c.order.PushFront(p)
	c.bytes += size
	for c.bytes > c.maxBytes || c.order.Len() > c.maxEntries {
		c.remove(c.order.Back())
	}
}

// remove drops el; c.mu is held.
func (c *pageCache[P]) remove(el *list.Element) {
	p := c.order.Remove(el).(P)
	delete(c.byKey, p.cacheKey())
	c.bytes -= p.size()
}

// stats returns how many pages and bytes c holds.
func (c *pageCache[P]) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}

// contentVersioned is a view that names what its page shows in a string,
// more cheaply than printing the whole view (viewVersion): two views with
// the same content version render the same page.
type contentVersioned interface {
	contentVersion() string
}

// contentVersion of a product page: the product as read from the store
// and what the layout around it says (title, description, canonical
// address, breadcrumbs, the search box), from which the page, its
// structured data included, is rendered; the quantity field and a form
// error only on a refused add (not 200, never cached) differ otherwise.
func (v *productView) contentVersion() string {
	p := v.Product.Product
	l := &v.layoutView
	parts := []string{p.ID, p.Name, p.Description, p.Category, strconv.FormatInt(int64(p.PriceCents), 10),
		strconv.Itoa(p.Stock), strconv.FormatBool(p.Active), p.CreatedAt.UTC().Format(time.RFC3339Nano), p.Photo.Card, p.Photo.Page,
		v.FormError, v.Quantity.Value, l.Title, l.Description, l.Canonical, l.SearchQuery, strconv.FormatBool(l.SearchForm),
		strconv.FormatBool(l.CatalogFilters), l.StyleURL, l.ScriptURL, l.IconURL, l.AddedID, strconv.Itoa(l.CartCount),
		strconv.FormatBool(l.User != nil), strconv.FormatBool(l.Staff)}
	for _, c := range l.Breadcrumbs {
		parts = append(parts, c.Text, c.URL)
	}
	return strings.Join(parts, "\x00")
}
