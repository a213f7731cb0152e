package shop

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// ImportBatch is how many products an import writes per Store.SaveProducts
// call: on SQLite one transaction each, few enough to hold the write lock
// briefly, many enough that 100,000 rows take seconds.
const ImportBatch = 1000

// CommandLineActor is who the audit log names for a change made with the
// storefront command (catalog import): whoever holds the store's
// credentials, which no staff account stands for.
var CommandLineActor = &User{ID: "command-line", Name: "storefront command", Role: RoleStaff}

// ImportWriteTimeout bounds the writing of a catalog file once it was
// found sound: the writes go on to the end whatever becomes of the request
// that sent it (its deadline, a client gone), so that a large file is not
// cut part way (100,000 rows take about 10 s on SQLite).
const ImportWriteTimeout = 5 * time.Minute

// ImportReport says what a catalog import did.
type ImportReport struct {
	Created, Updated  int
	CategoriesCreated []string // ids, each named after its id
}

// ImportIncompleteError is the error of an import that the store stopped
// part way: the rows before Written are in the store, some of the
// MaybeWritten after them may be (a store may write part of a batch), the
// others not. Importing the same file again completes it (each row sets
// its product). It unwraps to the store's error, whose kind it keeps.
type ImportIncompleteError struct {
	Written, MaybeWritten, Rows int
	Err                         error
}

func (e *ImportIncompleteError) Error() string {
	return fmt.Sprintf("catalog import stopped after %d of %d rows were written (and perhaps some of the %d after them): %v",
		e.Written, e.Rows, e.MaybeWritten, e.Err)
}

func (e *ImportIncompleteError) Unwrap() error { return e.Err }

// ImportCatalog creates or updates products by id from a catalog CSV file
// (ReadCatalogCSV). Every row is checked before anything is written: a
// file with any bad row is a *CSVError naming each problem by line, and
// changes nothing. Categories the file names that do not exist are created,
// named after their id. An existing product keeps its creation time (and
// everything else the file does not hold); a new one is created now.
//
// The products are written in batches of ImportBatch, detached from ctx
// (within ImportWriteTimeout). A store failure part way leaves the batches
// before it written, and perhaps part of the failed one: the error is then
// an *ImportIncompleteError, and the audit log records what the store
// holds. Each row sets a whole product by id, so importing the same file
// again converges to it.
func (s *Service) ImportCatalog(ctx context.Context, actor *User, r io.Reader) (_ *ImportReport, err error) {
	if !actor.IsStaff() {
		return nil, ErrNotFound
	}
	rows, err := ReadCatalogCSV(r)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ImportWriteTimeout)
	defer cancel()
	s.importsWriting.Add(1)
	defer s.importsWriting.Add(-1)
	report := &ImportReport{}
	written, maybeWritten := 0, 0
	defer func() {
		if err != nil && (written > 0 || maybeWritten > 0 || len(report.CategoriesCreated) > 0) {
			err = &ImportIncompleteError{Written: written, MaybeWritten: maybeWritten, Rows: len(rows), Err: err}
			s.recordImport(ctx, actor, report, fmt.Sprintf(" (stopped part way: %d of %d rows written, perhaps some of the %d after them)",
				written, len(rows), maybeWritten))
		}
	}()
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
		var changes []productChange
		created := 0
		for i, row := range batch {
			p, found := stored[row.Product.ID]
			if !found {
				p = Product{CreatedAt: now}
			}
			products[i] = withCSVFields(p, row.Product)
			switch {
			case !found:
				created++
				changes = append(changes, productChange{after: &products[i]})
			case products[i] != p:
				changes = append(changes, productChange{before: &p, after: &products[i]})
			}
		}
		if err := s.store.SaveProducts(ctx, products); err != nil {
			// A store may have written part of the batch (DynamoDB writes
			// 25 items a call): what it holds now tells which changes count.
			maybeWritten = len(batch)
			s.recordProductChanges(ctx, actor, s.appliedChanges(ctx, changes))
			return nil, err
		}
		written += len(batch)
		report.Created += created
		report.Updated += len(batch) - created
		s.recordProductChanges(ctx, actor, changes)
	}
	s.recordImport(ctx, actor, report, "")
	return report, nil
}

// ImportsInProgress reports whether a catalog import is being written:
// a server stopping waits for it (up to ImportWriteTimeout), as a stop
// that cut it would leave the catalog half imported.
func (s *Service) ImportsInProgress() bool { return s.importsWriting.Load() > 0 }

// productChange is a product an import created (before nil) or changed.
type productChange struct{ before, after *Product }

// importAuditWriters is how many audit entries of an import are appended
// at once: the SQLite store commits those waiting together, and DynamoDB
// takes them side by side.
const importAuditWriters = 8

// recordProductChanges records each product an import created or changed
// in the audit log, before and after, as a staff change of one product
// is; a row that changed nothing is no change.
func (s *Service) recordProductChanges(ctx context.Context, actor *User, changes []productChange) {
	work := make(chan productChange)
	var writers sync.WaitGroup
	for range min(importAuditWriters, len(changes)) {
		writers.Go(func() {
			for c := range work {
				if c.before == nil {
					s.recordAudit(ctx, actor, AuditProductCreate, c.after.ID, nil, c.after)
				} else {
					s.recordAudit(ctx, actor, AuditProductUpdate, c.after.ID, c.before, c.after)
				}
			}
		})
	}
	for _, c := range changes {
		work <- c
	}
	close(work)
	writers.Wait()
}

// appliedChanges returns the changes the store holds now (after a failed
// write of them); none when it cannot be read either, which is logged.
func (s *Service) appliedChanges(ctx context.Context, changes []productChange) []productChange {
	ids := make([]string, len(changes))
	for i, c := range changes {
		ids[i] = c.after.ID
	}
	stored, err := s.store.Products(ctx, ids)
	if err != nil {
		s.log.ErrorContext(ctx, "catalog import stopped; which products of its last batch were written is unknown", "err", err)
		return nil
	}
	held := make(map[string]Product, len(stored))
	for _, p := range stored {
		held[p.ID] = p
	}
	var applied []productChange
	for _, c := range changes {
		if p, ok := held[c.after.ID]; ok && p == *c.after {
			applied = append(applied, c)
		}
	}
	return applied
}

// recordImport tells the catalog and the audit log what an import wrote.
func (s *Service) recordImport(ctx context.Context, actor *User, report *ImportReport, incomplete string) {
	s.catalogChanged(ctx)
	s.recordAudit(ctx, actor, AuditCatalogImport, "catalog", nil, fmt.Sprintf(
		"%d products created, %d updated, categories created: %v%s", report.Created, report.Updated, report.CategoriesCreated, incomplete))
}

// withCSVFields returns p with the fields a catalog file holds set from
// row, and the others (its creation time) kept.
func withCSVFields(p, row Product) Product {
	p.ID, p.Name, p.Description, p.Category = row.ID, row.Name, row.Description, row.Category
	p.PriceCents, p.Stock, p.Active = row.PriceCents, row.Stock, row.Active
	return p
}

// createMissingCategories saves a category, named after its id, for each
// category the rows name that does not exist, and returns their ids (on
// an error, those saved before it).
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
			return created, err
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
