package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// Benchmarks of the guests' hot pages through the whole handler chain
// (middleware, compression, page cache, session, store, template), as a
// browser asks for them (Accept-Encoding: gzip), over SQLite with the demo
// catalog, next to a hello-world handler through the same recorder: the
// ratio, not the time, is the figure (`make bench`; issue 12's targets are
// measured over the network by the load generator).

func BenchmarkHelloWorld(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "Hello, World!\n")
	})
	benchHandler(b, h, "/", "")
}

// benchServer serves the demo catalog with cfg, its catalog version fixed
// (no change during a run), logging as the program does (JSON, discarded).
func benchServer(b *testing.B, cfg Config) (*testEnv, http.Handler) {
	e := newEnv(b, withDemoCatalog())
	if cfg.CatalogVersion == nil {
		cfg.CatalogVersion = func(context.Context) uint64 { return 1 }
	}
	_, h := newServer(e.svc, slog.New(slog.NewJSONHandler(io.Discard, nil)), cfg)
	return e, h
}

func benchHandler(b *testing.B, h http.Handler, path, cookie string) {
	b.ReportAllocs()
	var size int
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		if cookie != "" {
			r.Header.Set("Cookie", sessionCookiePlain+"="+cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s = %d", path, w.Code)
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/answer")
}

func BenchmarkGuestCatalogPage(b *testing.B) {
	_, h := benchServer(b, Config{})
	benchHandler(b, h, "/", "")
}

func BenchmarkGuestCatalogPageUncached(b *testing.B) {
	_, h := benchServer(b, Config{PageCacheBytes: -1})
	benchHandler(b, h, "/", "")
}

func BenchmarkGuestProductPage(b *testing.B) {
	_, h := benchServer(b, Config{})
	benchHandler(b, h, "/products/enamel-kettle", "")
}

func BenchmarkGuestProductPageUncached(b *testing.B) {
	_, h := benchServer(b, Config{PageCacheBytes: -1})
	benchHandler(b, h, "/products/enamel-kettle", "")
}

func BenchmarkSignedInCatalogPage(b *testing.B) {
	e, h := benchServer(b, Config{})
	benchHandler(b, h, "/", e.register("bench@example.com"))
}

// BenchmarkCompressCatalogPage compresses the demo catalog page at the
// gzip levels worth considering: the time per page and its size
// (bytes/page) chose compressLevel.
func BenchmarkCompressCatalogPage(b *testing.B) {
	_, h := benchServer(b, Config{PageCacheBytes: -1})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	page := w.Body.Bytes()
	b.Logf("catalog page: %d bytes", len(page))
	for _, level := range []struct {
		name  string
		level int
	}{{"level1", gzip.BestSpeed}, {"level5", 5}, {"level6default", gzip.DefaultCompression}, {"level9", gzip.BestCompression}} {
		b.Run(level.name, func(b *testing.B) {
			var out bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&out, level.level)
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				out.Reset()
				zw.Reset(&out)
				_, _ = zw.Write(page)
				_ = zw.Close()
			}
			b.ReportMetric(float64(out.Len()), "bytes/page")
		})
	}
}
