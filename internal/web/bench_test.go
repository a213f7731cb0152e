package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Benchmarks of the hot pages, through the whole handler stack (middleware,
// session lookup, store, template) over SQLite with the demo catalog, but
// without the network: `make bench`. Speed targets live here, never in
// timed tests.

func benchGet(b *testing.B, path string) {
	h := newEnv(b, withDemoCatalog()).h
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
