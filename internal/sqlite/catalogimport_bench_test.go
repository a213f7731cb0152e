package sqlite

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"storefront/internal/shop"
)

// BenchmarkImportCatalog100k imports a catalog file of 100,000 new
// products into an empty SQLite store through the service, as
// "storefront catalog import" does: every row checked, then written in
// batches. CONTRACT.md asks for under a minute; ns/op is one whole import.
func BenchmarkImportCatalog100k(b *testing.B) {
	const rows = 100_000
	var file bytes.Buffer
	file.WriteString("id,name,description,category,price_cents,stock,active\n")
	for i := range rows {
		fmt.Fprintf(&file, "product-%06d,Product %d,\"A sturdy thing, number %d, for every day.\",category-%d,%d,%d,true\n",
			i, i, i, i%20, 100+i%5000, i%50)
	}
	for b.Loop() {
		b.StopTimer()
		s, err := Open(b.Context(), filepath.Join(b.TempDir(), "shop.db"))
		if err != nil {
			b.Fatal(err)
		}
		svc := shop.NewService(s, shop.Config{})
		b.StartTimer()
		report, err := svc.ImportCatalog(b.Context(), shop.CommandLineActor, bytes.NewReader(file.Bytes()))
		if err != nil || report.Created != rows {
			b.Fatalf("ImportCatalog(%d rows) = %+v, %v; want %d created", rows, report, err, rows)
		}
		b.StopTimer()
		if n, err := s.CountProducts(b.Context()); err != nil || n != rows {
			b.Fatalf("CountProducts() = %d, %v; want %d", n, err, rows)
		}
		s.Close()
		b.StartTimer()
	}
}
