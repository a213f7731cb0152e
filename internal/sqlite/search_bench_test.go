package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storefront/internal/loadtest"
	"storefront/internal/shop"
)

// The search benchmarks of SQLite FTS5, the alternative to the in-memory
// catalog model measured in docs/search.md: the same products and the same
// queries as internal/shop/catalogsearch_bench_test.go (run both with
// "go test -run '^$' -bench Search -benchtime 20x -count 3 ./internal/shop/ ./internal/sqlite/").
// The products table is the store's (migrations/0001_init.sql); the index
// is an external-content FTS5 table over its name and description, with
// the Porter stemmer and accents removed, ranked by bm25 with a name match
// weighing ftsNameWeight description matches.

// The queries, the same as the model's benchmarks.
const (
	searchBenchTwoWords = "steel kettles"
	searchBenchOneWord  = "kitchens"
	searchBenchDeepPage = 400
	searchBenchPerPage  = shop.DefaultPerPage
	ftsNameWeight       = 3 // as the model's nameScore
)

// searchBenchCatalog returns the n products of "storefront loadtest
// gen-catalog -seed 1" (loadtest.GenerateCatalog, what make bench loads),
// created a minute apart. internal/shop/catalogsearch_bench_test.go has
// the same function (test files cannot share code across packages), so
// both engines index the same text.
func searchBenchCatalog(tb testing.TB, n int) []shop.Product {
	tb.Helper()
	var file bytes.Buffer
	if err := loadtest.GenerateCatalog(&file, n, 1); err != nil {
		tb.Fatal(err)
	}
	rows, err := shop.ReadCatalogCSV(&file)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	products := make([]shop.Product, len(rows))
	for i, row := range rows {
		products[i] = row.Product
		products[i].CreatedAt = start.Add(time.Duration(i) * time.Minute)
	}
	return products
}

const ftsSchema = `
CREATE TABLE products (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL,
	category    TEXT NOT NULL,
	price_cents INTEGER NOT NULL,
	stock       INTEGER NOT NULL CHECK (stock >= 0),
	active      INTEGER NOT NULL CHECK (active IN (0, 1)),
	created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX products_by_category ON products (category, active);
CREATE VIRTUAL TABLE products_fts USING fts5(name, description, content='products', content_rowid='rowid',
	tokenize='porter unicode61 remove_diacritics 2');
`

// openFTSBench opens an empty database file at path with the store's
// settings (WAL, synchronous NORMAL).
func openFTSBench(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: the figures are one query's, not a pool's
	return db
}

// buildFTS fills the products table and then its FTS5 index (a rebuild,
// the way an existing store would get one; triggers keep it current after
// that), and returns how long the index took alone.
func buildFTS(ctx context.Context, tb testing.TB, db *sql.DB, products []shop.Product) time.Duration {
	tb.Helper()
	if _, err := db.ExecContext(ctx, ftsSchema); err != nil {
		tb.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	insert, err := tx.PrepareContext(ctx, `INSERT INTO products (id, name, description, category, price_cents, stock, active, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range products {
		if _, err := insert.ExecContext(ctx, p.ID, p.Name, p.Description, p.Category, int64(p.PriceCents), p.Stock,
			p.Active, p.CreatedAt.UnixNano()); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if _, err := db.ExecContext(ctx, `INSERT INTO products_fts (products_fts) VALUES ('rebuild')`); err != nil {
		tb.Fatal(err)
	}
	took := time.Since(start)
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
	return took
}

// ftsMatch is the FTS5 query of a shopper's words: each one quoted (no
// FTS5 syntax from shoppers), all of them required.
func ftsMatch(text string) string {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(words, " ")
}

// BenchmarkSearchFTSBuild100k: 100,000 products into the products table,
// then their FTS5 index; ns/op is both, s-fts the index alone, MB-db the
// database file after a checkpoint and MB-fts the index's share of it.
func BenchmarkSearchFTSBuild100k(b *testing.B) {
	products := searchBenchCatalog(b, 100_000)
	var indexTime time.Duration
	var dbBytes, ftsBytes int64
	for b.Loop() {
		b.StopTimer()
		db := openFTSBench(b, filepath.Join(b.TempDir(), "fts.db"))
		b.StartTimer()
		indexTime += buildFTS(b.Context(), b, db, products)
		b.StopTimer()
		if err := db.QueryRowContext(b.Context(), `SELECT page_count * page_size FROM pragma_page_count, pragma_page_size`).Scan(&dbBytes); err != nil {
			b.Fatal(err)
		}
		// dbstat is not in every build of SQLite: without it, no MB-fts.
		if db.QueryRowContext(b.Context(), `SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'products_fts%'`).Scan(&ftsBytes) != nil {
			ftsBytes = -1
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(indexTime.Seconds()/float64(b.N), "s-fts")
	b.ReportMetric(float64(dbBytes)/(1<<20), "MB-db")
	if ftsBytes >= 0 {
		b.ReportMetric(float64(ftsBytes)/(1<<20), "MB-fts")
	}
}

// ftsSearchBench measures one shopper's search on the FTS5 index of
// 100,000 products, as the catalog page needs it: one page of the active
// matches in the order given (an SQL ORDER BY over products p and the
// bm25 rank), and their counts per category (the total is their sum).
func ftsSearchBench(b *testing.B, text, orderBy string, page int) {
	ctx := b.Context()
	db := openFTSBench(b, filepath.Join(b.TempDir(), "fts.db"))
	defer db.Close()
	buildFTS(ctx, b, db, searchBenchCatalog(b, 100_000))
	pageQuery, err := db.PrepareContext(ctx, fmt.Sprintf(`SELECT p.id, p.name, p.description, p.category, p.price_cents, p.stock, p.created_at
		FROM products_fts JOIN products p ON p.rowid = products_fts.rowid
		WHERE products_fts MATCH ? AND p.active = 1
		ORDER BY %s LIMIT ? OFFSET ?`, orderBy))
	if err != nil {
		b.Fatal(err)
	}
	countQuery, err := db.PrepareContext(ctx, `SELECT p.category, count(*)
		FROM products_fts JOIN products p ON p.rowid = products_fts.rowid
		WHERE products_fts MATCH ? AND p.active = 1
		GROUP BY p.category`)
	if err != nil {
		b.Fatal(err)
	}
	match := ftsMatch(text)
	var total, items int
	for b.Loop() {
		total, items = 0, 0
		counts := map[string]int{}
		rows, err := countQuery.QueryContext(ctx, match)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var category string
			var n int
			if err := rows.Scan(&category, &n); err != nil {
				b.Fatal(err)
			}
			counts[category] = n
			total += n
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows, err = pageQuery.QueryContext(ctx, match, searchBenchPerPage, (page-1)*searchBenchPerPage)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var p shop.Product
			var price, created int64
			if err := rows.Scan(&p.ID, &p.Name, &p.Description, &p.Category, &price, &p.Stock, &created); err != nil {
				b.Fatal(err)
			}
			p.PriceCents, p.CreatedAt = shop.Money(price), time.Unix(0, created)
			items++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	if items == 0 || total == 0 {
		b.Fatalf("search %q: %d items of %d; want some", text, items, total)
	}
	b.ReportMetric(float64(total), "matches")
}

// BenchmarkSearchFTSRelevance100k: a two-word search's first page by
// relevance (bm25, the name weighing more), its total and its counts per
// category.
func BenchmarkSearchFTSRelevance100k(b *testing.B) {
	ftsSearchBench(b, searchBenchTwoWords, fmt.Sprintf("bm25(products_fts, %d, 1), p.name, p.id", ftsNameWeight), 1)
}

// BenchmarkSearchFTSPrice100k: the same sorted by price, lowest first.
func BenchmarkSearchFTSPrice100k(b *testing.B) {
	ftsSearchBench(b, searchBenchTwoWords, "p.price_cents, p.id", 1)
}

// BenchmarkSearchFTSPage400of100k: page 400 of a one-word search by
// relevance.
func BenchmarkSearchFTSPage400of100k(b *testing.B) {
	ftsSearchBench(b, searchBenchOneWord, fmt.Sprintf("bm25(products_fts, %d, 1), p.name, p.id", ftsNameWeight), searchBenchDeepPage)
}
