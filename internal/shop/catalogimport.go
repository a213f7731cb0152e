package shop

import (
	"context"
	"fmt"
	"io"
	"slices"
)

// ImportBatch is how many products an import writes per Store.SaveProducts
// call: on SQLite one transaction each, few enough to hold the write lock
// briefly, many enough that 100,000 rows take seconds.
const ImportBatch = 1000

// CommandLineActor is who the audit log names for a change made with the
// storefront command (catalog import): whoever holds the store's
// credentials, which no staff account stands for.
var CommandLineActor = &User{ID: "command-line", Name: "storefront command", Role: RoleStaff}

// ImportReport says what a catalog import did.
type ImportReport struct {
	Created, Updated  int
	CategoriesCreated []string // ids, each named after its id
}

// ImportCatalog creates or updates products by id from a catalog CSV file
// (ReadCatalogCSV). Every row is checked before anything is written: a
// file with any bad row is a *CSVError naming each problem by line, and
// changes nothing. Categories the file names that do not exist are created,
// named after their id. An existing product keeps its creation time (and
// everything else the file does not hold); a new one is created now.
//
// The products are written in batches of ImportBatch: a store failure part
// way leaves the batches before it written. Each row sets a whole product
// by id, so importing the same file again converges to it.
func (s *Service) ImportCatalog(ctx context.Context, actor *User, r io.Reader) (*ImportReport, error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	rows, err := ReadCatalogCSV(r)
	if err != nil {
		return nil, err
	}
	report := &ImportReport{}
	if report.CategoriesCreated, err = s.createMissingCategories(ctx, rows); err != nil {
		return nil, err
	}
	now := s.now()
	for batch := range slices.Chunk(rows, ImportBatch) {
		ids := make([]string, len(batch))
		for i, row := range batch {
			ids[i] = row.Product.ID
		}
		existing, err := s.store.Products(ctx, ids)
		if err != nil {
			return nil, err
		}
		stored := make(map[string]Product, len(existing))
		for _, p := range existing {
			stored[p.ID] = p
		}
		products := make([]Product, len(batch))
		for i, row := range batch {
			p, found := stored[row.Product.ID]
			if found {
				report.Updated++
			} else {
				p = Product{CreatedAt: now}
				report.Created++
			}
			products[i] = withCSVFields(p, row.Product)
		}
		if err := s.store.SaveProducts(ctx, products); err != nil {
			return nil, err
		}
	}
	s.catalogChanged(ctx)
	s.recordAudit(ctx, actor, AuditCatalogImport, "catalog", nil, fmt.Sprintf(
		"%d products created, %d updated, categories created: %v", report.Created, report.Updated, report.CategoriesCreated))
	return report, nil
}

// withCSVFields returns p with the fields a catalog file holds set from
// row, and the others (its creation time) kept.
func withCSVFields(p, row Product) Product {
	p.ID, p.Name, p.Description, p.Category = row.ID, row.Name, row.Description, row.Category
	p.PriceCents, p.Stock, p.Active = row.PriceCents, row.Stock, row.Active
	return p
}

// createMissingCategories saves a category, named after its id, for each
// category the rows name that does not exist, and returns their ids.
func (s *Service) createMissingCategories(ctx context.Context, rows []ProductRow) ([]string, error) {
	categories, err := s.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(categories))
	for _, c := range categories {
		known[c.ID] = true
	}
	created := []string{}
	for _, row := range rows {
		id := row.Product.Category
		if known[id] {
			continue
		}
		known[id] = true
		if err := s.store.SaveCategory(ctx, &Category{ID: id, Name: id}); err != nil {
			return nil, err
		}
		created = append(created, id)
	}
	return created, nil
}

// ExportCatalog writes every product, active or not, in id order, as a
// catalog CSV file that ImportCatalog reads back to the same catalog. It
// streams: the catalog is never held in memory whole. ErrNotFound for an
// actor who is not staff.
func (s *Service) ExportCatalog(ctx context.Context, actor *User, w io.Writer) error {
	if !actor.IsStaff() {
		return ErrNotFound
	}
	cw, err := NewCatalogCSVWriter(w)
	if err != nil {
		return err
	}
	if err := s.store.EachProduct(ctx, cw.Write); err != nil {
		return err
	}
	return cw.Flush()
}
