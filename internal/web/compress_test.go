package web

// Compression: negotiated by Accept-Encoding for pages, CSS, SVG and
// JSON; skipped for photos, tiny bodies and clients that refuse it; every
// other header kept; HEAD and flushing streams still work.

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gunzip returns b decompressed, failing the test when it is not gzip.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip.NewReader = %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip = %v", err)
	}
	return out
}

func TestCompressionNegotiated(t *testing.T) {
	for _, cached := range []bool{true, false} {
		cfg := Config{}
		if !cached {
			cfg.PageCacheBytes = -1
		}
		ce := newCacheEnv(t, cfg)
		photo := ce.withPhoto("mug")
		user := ce.register("zip@example.com")
		for _, c := range []struct {
			name, path, cookie string
			contentType        string
			compressed         bool
		}{
			{"guest catalog page", "/", "", "text/html", true},
			{"guest product page", "/products/kettle", "", "text/html", true},
			{"signed-in catalog page", "/products?q=notebook", user, "text/html", true},
			{"stylesheet", staticURL("style.css"), "", "text/css", true},
			{"generated picture", productImageURL("kettle"), "", "image/svg+xml", true},
			{"JSON", "/api/v1/products?per_page=20", "", "application/json", true},
			{"photo", photoURL(photo.Photo.Card), "", "image/jpeg", false},
			{"tiny body", "/healthz", "", "text/plain", false},
		} {
			plain := serveTo(ce.h, http.MethodGet, c.path, c.cookie)
			zipped := serveTo(ce.h, http.MethodGet, c.path, c.cookie, "Accept-Encoding", "gzip, deflate, br")
			refused := serveTo(ce.h, http.MethodGet, c.path, c.cookie, "Accept-Encoding", "gzip;q=0, identity")
			for _, w := range []*httptest.ResponseRecorder{plain, zipped, refused} {
				if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), c.contentType) {
					t.Fatalf("%s: GET %s = %d %q; want 200 %s", c.name, c.path, w.Code, w.Header().Get("Content-Type"), c.contentType)
				}
				if !hasVary(w.Header(), "Accept-Encoding") {
					t.Errorf("%s: Vary %q; want Accept-Encoding", c.name, w.Header().Values("Vary"))
				}
				if w.Header().Get("Content-Security-Policy") != contentSecurityPolicy || w.Header().Get("X-Content-Type-Options") != "nosniff" ||
					w.Header().Get("X-Request-Id") == "" || w.Header().Get("Cache-Control") == "" {
					t.Errorf("%s: a security or caching header went missing: %v", c.name, w.Header())
				}
			}
			if plain.Header().Get("Content-Encoding") != "" || refused.Header().Get("Content-Encoding") != "" {
				t.Errorf("%s: compressed for a client that did not accept it", c.name)
			}
			got := zipped.Body.Bytes()
			if !c.compressed {
				if ce := zipped.Header().Get("Content-Encoding"); ce != "" || !bytes.Equal(got, plain.Body.Bytes()) {
					t.Errorf("%s: Content-Encoding %q; want none, the bytes as they are", c.name, ce)
				}
				continue
			}
			if ce := zipped.Header().Get("Content-Encoding"); ce != "gzip" {
				t.Errorf("%s (page cache %v): Content-Encoding %q; want gzip", c.name, cached, ce)
				continue
			}
			if cl := zipped.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(got)) {
				t.Errorf("%s: Content-Length %s for %d bytes", c.name, cl, len(got))
			}
			if c.cookie == "" && c.contentType == "text/html" && zipped.Header().Get("ETag") != plain.Header().Get("ETag") {
				t.Errorf("%s: the gzip's ETag %q differs from the plain one's %q; want one weak ETag", c.name,
					zipped.Header().Get("ETag"), plain.Header().Get("ETag"))
			}
			unzipped := gunzip(t, got)
			if c.cookie == "" && !bytes.Equal(unzipped, plain.Body.Bytes()) {
				t.Errorf("%s: the gzip holds other bytes than the plain answer", c.name)
			}
			if len(got) >= len(unzipped) {
				t.Errorf("%s: %d bytes gzipped for %d; want fewer", c.name, len(got), len(unzipped))
			}
		}
	}
}

// TestCompressionHead: HEAD answers with the headers of GET, compressed or
// not (its Content-Encoding and Content-Length too), and no body.
func TestCompressionHead(t *testing.T) {
	ce := newCacheEnv(t, Config{})
	for _, path := range []string{"/", "/products/kettle", staticURL("style.css"), "/static/style.css", "/products?q=nothing-matches",
		"/images/products/kettle.svg", "/api/v1/products", "/robots.txt"} {
		for _, encoding := range []string{"gzip", "identity"} {
			get := serveTo(ce.h, http.MethodGet, path, "", "Accept-Encoding", encoding)
			head := serveTo(ce.h, http.MethodHead, path, "", "Accept-Encoding", encoding)
			if head.Code != get.Code || head.Body.Len() != 0 {
				t.Errorf("HEAD %s (%s) = %d, %d bytes; want %d as GET, no body", path, encoding, head.Code, head.Body.Len(), get.Code)
			}
			for _, name := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Vary", "ETag", "Cache-Control"} {
				if h, g := head.Header().Get(name), get.Header().Get(name); h != g {
					t.Errorf("HEAD %s (%s): %s %q; GET's is %q", path, encoding, name, h, g)
				}
			}
		}
	}
}

// TestCompressionStreams: a handler that flushes reaches the client at
// once, compressed, before it finishes, through the middleware the pages
// go through.
func TestCompressionStreams(t *testing.T) {
	s := &server{log: slog.New(slog.DiscardHandler)}
	release := make(chan struct{})
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "first part\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush = %v", err)
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, strings.Repeat("second part\n", 200))
	}), s.recoverPanics, s.requestID, s.logRequests, s.securityHeaders, s.compress, s.requestDeadline)
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer close(release)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	res, err := http.DefaultClient.Do(req) // asks for gzip and unzips
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if !res.Uncompressed {
		t.Errorf("the stream was not compressed (Content-Encoding %q)", res.Header.Get("Content-Encoding"))
	}
	buf := make([]byte, len("first part\n"))
	if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != "first part\n" {
		t.Fatalf("first part = %q, %v; want it before the handler finished", buf, err)
	}
}
