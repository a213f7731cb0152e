package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGuestProductPageParallel is BenchmarkGuestProductPage from
// many goroutines at once, as a loaded server sees it: concurrent product
// pages share the store's freshness checks (shop's productread.go).
func BenchmarkGuestProductPageParallel(b *testing.B) {
	e, h := benchServer(b, Config{})
	stop, err := e.svc.FollowCatalog(b.Context()) // as a server does
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodGet, "/products/enamel-kettle", nil)
			r.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Errorf("GET /products/enamel-kettle = %d", w.Code)
			}
		}
	})
}

// BenchmarkHelloWorldParallel is the ceiling of the parallel benchmarks.
func BenchmarkHelloWorldParallel(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("Hello, World!\n"))
	})
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		}
	})
}
