package loadtest

import (
	"bytes"
	"strings"
	"testing"

	"storefront/internal/shop"
)

// The generated catalog is one that storefront catalog import accepts
// (every row valid, ids unique), and searchable like a real one: a kind of
// product names a small share of the products.
func TestGenerateCatalog(t *testing.T) {
	const n = 5000
	var buf bytes.Buffer
	if err := GenerateCatalog(&buf, n, 7); err != nil {
		t.Fatal(err)
	}
	rows, err := shop.ReadCatalogCSV(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("ReadCatalogCSV(generated) = %v; want a valid catalog file", err)
	}
	if len(rows) != n {
		t.Fatalf("%d rows; want %d", len(rows), n)
	}
	ids := map[string]bool{}
	categories := map[string]bool{}
	kettles, soldOut, accented := 0, 0, 0
	for _, r := range rows {
		p := r.Product
		if ids[p.ID] {
			t.Errorf("id %s twice", p.ID)
		}
		ids[p.ID] = true
		categories[p.Category] = true
		if strings.Contains(strings.ToLower(p.Name), "kettle") {
			kettles++
		}
		if p.Stock == 0 {
			soldOut++
		}
		if strings.ContainsAny(p.Name, "éñè") {
			accented++
		}
		if len(strings.Fields(p.Description)) < 20 {
			t.Errorf("%s: description %q; want a few sentences", p.ID, p.Description)
		}
	}
	if len(categories) != len(catalogCategories) {
		t.Errorf("%d categories; want %d", len(categories), len(catalogCategories))
	}
	// One kind in 96: about 52 of 5,000.
	if kettles < n/200 || kettles > n/40 {
		t.Errorf("%d of %d names say kettle; want a realistic fraction (0.5%% to 2.5%%)", kettles, n)
	}
	if soldOut == 0 || soldOut > n/20 {
		t.Errorf("%d of %d sold out; want a few", soldOut, n)
	}
	if accented == 0 {
		t.Error("no accented name; want a few, for accent-insensitive search")
	}

	var again bytes.Buffer
	if err := GenerateCatalog(&again, n, 7); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two catalogs of one seed differ; want the same")
	}
}

func TestPlural(t *testing.T) {
	for in, want := range map[string]string{"kettle": "kettles", "whisk": "whisks", "dish": "dishes", "box": "boxes",
		"boots": "boots", "tray": "trays", "battery": "batteries", "bench": "benches"} {
		if got := plural(in); got != want {
			t.Errorf("plural(%q) = %q; want %q", in, got, want)
		}
	}
}
