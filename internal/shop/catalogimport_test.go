package shop_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"storefront/internal/shop"
)

const importHeader = "id,name,description,category,price_cents,stock,active\n"

func TestImportCatalogCreatesAndUpdates(t *testing.T) {
	f := newFixture(t)
	created := f.clock.Now()
	photo := shop.ProductPhoto{Card: "card.jpg", Page: "page.jpg"}
	if _, err := f.store.SetProductPhoto(t.Context(), "mug", photo); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(60_000_000_000) // a minute: the import's time differs from the fixture's
	file := importHeader +
		"mug,Big Mug,\"Holds tea, or coffee.\",kitchen,1300,8,true\n" +
		"lamp,Desk Lamp,A lamp.,lighting,2500,0,false\n"
	report, err := f.svc.ImportCatalog(t.Context(), staffActor, strings.NewReader(file))
	if err != nil {
		t.Fatalf("ImportCatalog() = %v; want nil", err)
	}
	if report.Created != 1 || report.Updated != 1 || !slices.Equal(report.CategoriesCreated, []string{"lighting"}) {
		t.Errorf("ImportCatalog() = %+v; want 1 created, 1 updated, category lighting created", report)
	}
	mug, _ := f.store.Product(t.Context(), "mug")
	want := shop.Product{ID: "mug", Name: "Big Mug", Description: "Holds tea, or coffee.", Category: "kitchen",
		PriceCents: 1300, Stock: 8, Active: true, CreatedAt: created, Photo: photo}
	if *mug != want {
		t.Errorf("mug after import = %+v; want %+v (its creation time and photo kept)", *mug, want)
	}
	lamp, _ := f.store.Product(t.Context(), "lamp")
	if lamp == nil || lamp.Active || lamp.Category != "lighting" || !lamp.CreatedAt.Equal(f.clock.Now()) {
		t.Errorf("lamp after import = %+v; want it created now, withdrawn, in lighting", lamp)
	}
	categories, _ := f.svc.Categories(t.Context())
	if !slices.ContainsFunc(categories, func(c shop.Category) bool { return c.ID == "lighting" && c.Name == "lighting" }) {
		t.Errorf("Categories() = %+v; want lighting, named after its id", categories)
	}
	// The same file again converges: nothing new, nothing doubled.
	again, err := f.svc.ImportCatalog(t.Context(), staffActor, strings.NewReader(file))
	if err != nil || again.Created != 0 || again.Updated != 2 || len(again.CategoriesCreated) != 0 {
		t.Errorf("ImportCatalog(the same file again) = %+v, %v; want 2 updated, nothing created", again, err)
	}
	if n, _ := f.store.CountProducts(t.Context()); n != 4 {
		t.Errorf("CountProducts() after two imports = %d; want 4", n)
	}
}

func TestImportCatalogWithABadRowChangesNothing(t *testing.T) {
	f := newFixture(t)
	file := importHeader +
		"mug,Big Mug,Tea.,kitchen,1300,8,true\n" +
		"lamp,Desk Lamp,A lamp.,lighting,-5,0,false\n" +
		"spade,Spade,Digs.,garden,100,1,maybe\n"
	_, err := f.svc.ImportCatalog(t.Context(), staffActor, strings.NewReader(file))
	var cerr *shop.CSVError
	if !errors.As(err, &cerr) {
		t.Fatalf("ImportCatalog(bad rows) = %v; want a *CSVError", err)
	}
	var lines []int
	for _, row := range cerr.Rows {
		lines = append(lines, row.Line)
	}
	if !slices.Equal(lines, []int{3, 4}) {
		t.Errorf("bad lines = %v; want [3 4]", lines)
	}
	if mug, _ := f.store.Product(t.Context(), "mug"); mug.PriceCents != 1250 {
		t.Errorf("mug after a refused import = %+v; want it unchanged", mug)
	}
	if _, err := f.store.Product(t.Context(), "lamp"); !errors.Is(err, shop.ErrNotFound) {
		t.Errorf("Product(lamp) after a refused import = %v; want ErrNotFound", err)
	}
	categories, _ := f.svc.Categories(t.Context())
	if len(categories) != 2 {
		t.Errorf("Categories() after a refused import = %+v; want the two there were", categories)
	}
	if entries, _ := f.store.AuditLog(t.Context(), shop.AuditQuery{Limit: 50}); len(entries) != 0 {
		t.Errorf("audit after a refused import = %+v; want nothing recorded", entries)
	}
}

func TestExportCatalogRoundTrips(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.EditProduct(t.Context(), staffActor, "spade", shop.ProductEdit{Active: ptr(false),
		Description: ptr("Digs.\nAlso \"edges\", lawns.")}); err != nil {
		t.Fatalf("EditProduct(spade) = %v", err)
	}
	var out bytes.Buffer
	if err := f.svc.ExportCatalog(t.Context(), staffActor, &out); err != nil {
		t.Fatalf("ExportCatalog() = %v; want nil", err)
	}
	rows, err := shop.ReadCatalogCSV(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatalf("ReadCatalogCSV(export) = %v; want nil", err)
	}
	var ids []string
	for _, row := range rows {
		ids = append(ids, row.Product.ID)
		stored, _ := f.store.Product(t.Context(), row.Product.ID)
		row.Product.CreatedAt = stored.CreatedAt
		if row.Product != *stored {
			t.Errorf("exported %+v; want %+v", row.Product, *stored)
		}
	}
	if want := []string{"kettle", "mug", "spade"}; !slices.Equal(ids, want) {
		t.Errorf("exported ids = %v; want %v (every product, withdrawn too, in id order)", ids, want)
	}
	// Importing the export changes nothing.
	if _, err := f.svc.ImportCatalog(t.Context(), staffActor, bytes.NewReader(out.Bytes())); err != nil {
		t.Fatalf("ImportCatalog(export) = %v", err)
	}
	var again bytes.Buffer
	if err := f.svc.ExportCatalog(t.Context(), staffActor, &again); err != nil || again.String() != out.String() {
		t.Errorf("export after importing the export differs (%v):\n%s\nwant\n%s", err, again.String(), out.String())
	}
}
