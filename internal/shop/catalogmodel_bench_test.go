package shop

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// benchCatalog returns n products with names of 3 and descriptions of 35
// words from a vocabulary of 2,000, like a real catalog's text.
func benchCatalog(n int) []Product {
	r := rand.New(rand.NewPCG(7, 11))
	vocabulary := make([]string, 2000)
	for i := range vocabulary {
		vocabulary[i] = fmt.Sprintf("w%sx%d", strings.Repeat("o", i%7), i)
	}
	text := func(words int) string {
		parts := make([]string, words)
		for i := range parts {
			parts[i] = vocabulary[r.IntN(len(vocabulary))]
		}
		return strings.Join(parts, " ")
	}
	products := make([]Product, n)
	for i := range products {
		products[i] = Product{ID: fmt.Sprintf("p%06d", i), Name: text(3), Description: text(35),
			Category: fmt.Sprintf("c%d", i%16), PriceCents: Money(r.IntN(100000)), Stock: r.IntN(100), Active: true,
			CreatedAt: time.Unix(int64(r.IntN(1e8)), 0)}
	}
	return products
}

// BenchmarkCatalogModelLoad100k is a server's start with 100,000 products,
// once they are read from the store.
func BenchmarkCatalogModelLoad100k(b *testing.B) {
	products := benchCatalog(100_000)
	b.ReportAllocs()
	for b.Loop() {
		newCatalogModel(products, nil)
	}
}

// BenchmarkCatalogModelSearch100k: a two-word search, its first page by
// relevance, at 100,000 products.
func BenchmarkCatalogModelSearch100k(b *testing.B) {
	m := newCatalogModel(benchCatalog(100_000), nil)
	q := ProductQuery{Text: "wx0 wox1", Sort: SortRelevance, Page: 1, PerPage: DefaultPerPage}
	for b.Loop() {
		m.query(q, nil)
	}
}
