package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"storefront/internal/shop"
	"storefront/internal/sqlite"
)

// Benchmarks of the hot pages, through the whole handler stack (middleware,
// session lookup, store, template) over SQLite with the demo catalog, but
// without the network: `make bench`. Speed targets live here, never in
// timed tests.

func benchServer(b *testing.B) http.Handler {
	b.Helper()
	store, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	svc := shop.NewService(store, shop.Config{})
	if _, err := svc.LoadDemoCatalog(b.Context()); err != nil {
		b.Fatal(err)
	}
	return NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})
}

func benchGet(b *testing.B, path string) {
	h := benchServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d", path, rec.Code)
		}
	}
}

func BenchmarkCatalogPage(b *testing.B)       { benchGet(b, "/") }
func BenchmarkCatalogSearchPage(b *testing.B) { benchGet(b, "/products?q=kettle&sort=price_desc") }
func BenchmarkProductPage(b *testing.B)       { benchGet(b, "/products/enamel-kettle") }
func BenchmarkProductImage(b *testing.B)      { benchGet(b, "/images/products/enamel-kettle.svg") }
func BenchmarkAPIProducts(b *testing.B)       { benchGet(b, "/api/v1/products?per_page=50") }
