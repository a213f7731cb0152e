package shop_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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

// savesFailing is a store whose SaveProducts calls after the first
// answer failWith, or, when failWith is nil, honour their context (as the
// real stores do) after cancelling the caller's with cancelCaller.
type savesFailing struct {
	shop.Store
	saves        int
	failWith     error
	cancelCaller context.CancelFunc
}

func (s *savesFailing) SaveProducts(ctx context.Context, products []shop.Product) error {
	s.saves++
	if s.saves > 1 {
		if s.failWith != nil {
			return s.failWith
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("store: %w: %w", shop.ErrUnavailable, err)
		}
	}
	err := s.Store.SaveProducts(ctx, products)
	if s.cancelCaller != nil {
		s.cancelCaller() // the request's deadline passes, or its client leaves
	}
	return err
}

// importFile is a catalog file of n new products p0000, p0001, ...
func importFile(n int) string {
	var b strings.Builder
	b.WriteString(importHeader)
	for i := range n {
		fmt.Fprintf(&b, "p%04d,Product %d,Made to last.,kitchen,100,5,true\n", i, i)
	}
	return b.String()
}

// TestImportCatalogOutlivesItsRequest: once the file is found sound, its
// rows are written to the end though the caller's context ends part way
// (the request's deadline, a client gone): before, a large upload past the
// deadline was cut after some batches and answered "Nothing was changed".
func TestImportCatalogOutlivesItsRequest(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	store := &savesFailing{Store: f.store, cancelCaller: cancel}
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	const rows = 2*shop.ImportBatch + 500
	report, err := svc.ImportCatalog(ctx, staffActor, strings.NewReader(importFile(rows)))
	if err != nil || report.Created != rows {
		t.Fatalf("ImportCatalog(%d rows, the caller's context ended after the first batch) = %+v, %v; want all created", rows, report, err)
	}
	if n, _ := f.store.CountProducts(t.Context()); n != rows+3 {
		t.Errorf("CountProducts() = %d; want %d (the fixture's 3 and the file's)", n, rows+3)
	}
}

// TestImportCatalogStoppedPartWay: a store failure after some batches is
// an *ImportIncompleteError saying how many rows were written (they are in
// the store), keeping the store error's kind, and the audit log records
// what was written.
func TestImportCatalogStoppedPartWay(t *testing.T) {
	f := newFixture(t)
	store := &savesFailing{Store: f.store, failWith: fmt.Errorf("store: %w", shop.ErrUnavailable)}
	params := cheapHashing
	svc := shop.NewService(store, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	const rows = 2*shop.ImportBatch + 500
	_, err := svc.ImportCatalog(t.Context(), staffActor, strings.NewReader(importFile(rows)))
	var incomplete *shop.ImportIncompleteError
	if !errors.As(err, &incomplete) || incomplete.Written != shop.ImportBatch || incomplete.Rows != rows || !errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("ImportCatalog(store failing on the second batch) = %v; want an *ImportIncompleteError of %d of %d rows, ErrUnavailable",
			err, shop.ImportBatch, rows)
	}
	if n, _ := f.store.CountProducts(t.Context()); n != shop.ImportBatch+3 {
		t.Errorf("CountProducts() = %d; want the first batch written (%d and the fixture's 3)", n, shop.ImportBatch)
	}
	var imported []shop.AuditEntry
	created := 0
	for _, e := range wholeAuditLog(t, svc) {
		switch e.Action {
		case shop.AuditCatalogImport:
			imported = append(imported, e)
		case shop.AuditProductCreate:
			created++
		}
	}
	if len(imported) != 1 || !strings.Contains(imported[0].After, "1000 products created") ||
		!strings.Contains(imported[0].After, "1000 of 2500 rows written") || created != shop.ImportBatch {
		t.Errorf("audit log: import entries %+v, %d products created; want one saying what was written, and the %d products",
			imported, created, shop.ImportBatch)
	}
}

// TestImportCatalogAuditsEachProductChanged: each product an import
// creates or changes is in the audit log as a staff change of it, before
// and after (a row that changes nothing is no change), besides the
// import's own entry.
func TestImportCatalogAuditsEachProductChanged(t *testing.T) {
	f := newFixture(t)
	f.clock.Advance(time.Minute)
	file := importHeader +
		"mug,The mug,A fine mug.,kitchen,1300,3,true\n" + // the price changes
		"kettle,The kettle,A fine kettle.,kitchen,3900,10,true\n" + // as it is
		"lamp,Desk Lamp,A lamp.,kitchen,2500,4,true\n" // new
	if _, err := f.svc.ImportCatalog(t.Context(), staffActor, strings.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	entries, err := f.svc.AuditLog(t.Context(), staffActor, shop.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]shop.AuditEntry{}
	for _, e := range entries {
		got[e.Action+" "+e.Target] = e
	}
	if len(entries) != 3 {
		t.Errorf("audit log has %d entries %v; want the import's, mug's update and lamp's creation", len(entries), got)
	}
	if e, ok := got[shop.AuditProductUpdate+" mug"]; !ok || !strings.Contains(e.Before, `"PriceCents":1250`) ||
		!strings.Contains(e.After, `"PriceCents":1300`) || e.ActorID != staffActor.ID {
		t.Errorf("mug's entry = %+v; want its update by the importer, price 1250 before, 1300 after", e)
	}
	if e, ok := got[shop.AuditProductCreate+" lamp"]; !ok || e.Before != "" || !strings.Contains(e.After, `"Name":"Desk Lamp"`) {
		t.Errorf("lamp's entry = %+v; want its creation, nothing before", e)
	}
	if _, ok := got[shop.AuditCatalogImport+" catalog"]; !ok {
		t.Errorf("no entry of the import itself in %v", got)
	}
}

// wholeAuditLog reads every entry of the audit log, a page at a time.
func wholeAuditLog(t *testing.T, svc *shop.Service) []shop.AuditEntry {
	t.Helper()
	var all []shop.AuditEntry
	q := shop.AuditQuery{Limit: shop.MaxAuditPage}
	for {
		page, err := svc.AuditLog(t.Context(), staffActor, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < q.Limit {
			return all
		}
		q.BeforeAt, q.BeforeID = page[len(page)-1].At, page[len(page)-1].ID
	}
}

// halfWriting is a store whose SaveProducts writes the first half of what
// it is given, then fails, as DynamoDB's batches of 25 can.
type halfWriting struct{ shop.Store }

func (s halfWriting) SaveProducts(ctx context.Context, products []shop.Product) error {
	if err := s.Store.SaveProducts(ctx, products[:len(products)/2]); err != nil {
		return err
	}
	return fmt.Errorf("store: %w", shop.ErrUnavailable)
}

// TestImportCatalogStoppedInItsFirstBatch: a store that wrote part of the
// first batch before failing leaves an *ImportIncompleteError (never
// "nothing was changed"), and the products it holds are audited.
func TestImportCatalogStoppedInItsFirstBatch(t *testing.T) {
	f := newFixture(t)
	params := cheapHashing
	svc := shop.NewService(halfWriting{f.store}, shop.Config{PasswordParams: &params, Now: f.clock.Now})
	const rows = 400
	_, err := svc.ImportCatalog(t.Context(), staffActor, strings.NewReader(importFile(rows)))
	var incomplete *shop.ImportIncompleteError
	if !errors.As(err, &incomplete) || incomplete.Written != 0 || incomplete.MaybeWritten != rows || !errors.Is(err, shop.ErrUnavailable) {
		t.Fatalf("ImportCatalog(the store failing half way through the first batch) = %v; want an *ImportIncompleteError, "+
			"none written for certain, %d perhaps", err, rows)
	}
	created := 0
	for _, e := range wholeAuditLog(t, svc) {
		if e.Action == shop.AuditProductCreate {
			created++
		}
	}
	if created != rows/2 {
		t.Errorf("audit log: %d products created; want the %d the store holds", created, rows/2)
	}
}
