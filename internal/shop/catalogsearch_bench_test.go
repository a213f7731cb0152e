package shop

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"storefront/internal/loadtest"
)

// The search benchmarks of the in-memory catalog model, on the same
// products and queries as the SQLite FTS5 benchmarks of
// internal/sqlite/search_bench_test.go and the bleve program of
// docs/search.md, which compares the three (run them with
// "go test -run '^$' -bench Search -benchtime 20x -count 3 ./internal/shop/ ./internal/sqlite/").

// The queries of the search benchmarks, the same in every engine's.
const (
	// searchBenchTwoWords: two words, one in the plural (a stem), found in
	// names and in descriptions.
	searchBenchTwoWords = "steel kettles"
	// searchBenchOneWord: one word with enough matches for page 400.
	searchBenchOneWord = "kitchens"
	// searchBenchDeepPage is page 400 of DefaultPerPage (12) products.
	searchBenchDeepPage = 400
)

// searchBenchCatalog returns the n products of "storefront loadtest
// gen-catalog -seed 1" (loadtest.GenerateCatalog, what make bench loads),
// created a minute apart. internal/sqlite/search_bench_test.go has the
// same function (test files cannot share code across packages), so both
// engines index the same text.
func searchBenchCatalog(tb testing.TB, n int) []Product {
	tb.Helper()
	var file bytes.Buffer
	if err := loadtest.GenerateCatalog(&file, n, 1); err != nil {
		tb.Fatal(err)
	}
	rows, err := ReadCatalogCSV(&file)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	products := make([]Product, len(rows))
	for i, row := range rows {
		products[i] = row.Product
		products[i].CreatedAt = start.Add(time.Duration(i) * time.Minute)
	}
	return products
}

// heapMB is the live heap in MB after a collection.
func heapMB() float64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return float64(stats.HeapAlloc) / (1 << 20)
}

// BenchmarkSearchModelBuild100k: a server's start with 100,000 products
// once they are read from the store (the index, the sort orders, the
// views). MB-index is the heap the model adds to the products it holds;
// MB-total counts the products too (what a server holds for its catalog).
func BenchmarkSearchModelBuild100k(b *testing.B) {
	base := heapMB()
	products := searchBenchCatalog(b, 100_000)
	withProducts := heapMB()
	var m *catalogModel
	b.ReportAllocs()
	for b.Loop() {
		m = nil
		m = newCatalogModel(products, nil)
	}
	b.StopTimer()
	after := heapMB()
	b.ReportMetric(after-withProducts, "MB-index")
	b.ReportMetric(after-base, "MB-total")
	runtime.KeepAlive(m)
}

// searchModelBench measures one catalog query on the model of 100,000
// products: matches, their counts per category, one page of them.
func searchModelBench(b *testing.B, q ProductQuery) {
	m := newCatalogModel(searchBenchCatalog(b, 100_000), nil)
	var answer catalogAnswer
	for b.Loop() {
		answer = m.query(q, nil)
	}
	if len(answer.Items) == 0 || len(answer.CategoryCounts) == 0 {
		b.Fatalf("query %+v: %d items, %d categories; want some", q, len(answer.Items), len(answer.CategoryCounts))
	}
	b.ReportMetric(float64(answer.Total), "matches")
}

// BenchmarkSearchModelRelevance100k: a two-word search's first page by
// relevance, its total and its counts per category.
func BenchmarkSearchModelRelevance100k(b *testing.B) {
	searchModelBench(b, ProductQuery{Text: searchBenchTwoWords, Sort: SortRelevance, Page: 1, PerPage: DefaultPerPage})
}

// BenchmarkSearchModelPrice100k: the same sorted by price, lowest first.
func BenchmarkSearchModelPrice100k(b *testing.B) {
	searchModelBench(b, ProductQuery{Text: searchBenchTwoWords, Sort: SortPriceAsc, Page: 1, PerPage: DefaultPerPage})
}

// BenchmarkSearchModelPage400of100k: page 400 of a one-word search by
// relevance.
func BenchmarkSearchModelPage400of100k(b *testing.B) {
	searchModelBench(b, ProductQuery{Text: searchBenchOneWord, Sort: SortRelevance, Page: searchBenchDeepPage, PerPage: DefaultPerPage})
}
