package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"storefront/internal/app"
	"storefront/internal/shop"
)

// catalogUsage says how the catalog command is used.
const catalogUsage = "usage: storefront catalog import FILE.csv | storefront catalog export"

// catalogCommand runs "catalog import FILE.csv" (create or update products
// by id from a catalog CSV file; a file with any bad row changes nothing,
// and each problem is listed on stderr by line) and "catalog export" (every
// product as a catalog CSV file on stdout), on the store the environment
// selects (CONTRACT.md, "Staff").
func catalogCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "import":
		return catalogImport(ctx, args[1], getenv, stdout, stderr)
	case len(args) == 1 && args[0] == "export":
		return withCatalogApp(ctx, getenv, stderr, func(a *app.App) error {
			return a.Service.ExportCatalog(ctx, shop.CommandLineActor, stdout)
		})
	}
	return errors.New(catalogUsage)
}

// catalogImport imports the file at path and reports what it did on
// stdout, or every bad row on stderr.
func catalogImport(ctx context.Context, path string, getenv func(string) string, stdout, stderr io.Writer) error {
	f, err := os.Open(path) // #nosec G304 G703 -- the operator names the file to import, with their own permissions
	if err != nil {
		return fmt.Errorf("catalog import: %w", err)
	}
	defer f.Close()
	return withCatalogApp(ctx, getenv, stderr, func(a *app.App) error {
		report, err := a.Service.ImportCatalog(ctx, shop.CommandLineActor, f)
		var cerr *shop.CSVError
		if errors.As(err, &cerr) {
			for _, row := range cerr.Rows {
				fmt.Fprintln(stderr, rowProblem(path, row))
			}
			return fmt.Errorf("catalog import: %s has %d problems; nothing was imported", path, len(cerr.Rows))
		}
		if err != nil {
			return fmt.Errorf("catalog import: %w", err)
		}
		fmt.Fprintf(stdout, "imported %s: %d products created, %d updated", path, report.Created, report.Updated)
		if len(report.CategoriesCreated) > 0 {
			fmt.Fprintf(stdout, "; categories created: %s", strings.Join(report.CategoriesCreated, ", "))
		}
		fmt.Fprintln(stdout)
		return nil
	})
}

// rowProblem is one problem of a catalog file as a compiler would put it:
// "FILE:LINE: column: message".
func rowProblem(path string, row shop.RowError) string {
	if row.Field == "" {
		return fmt.Sprintf("%s:%d: %s", path, row.Line, row.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", path, row.Line, row.Field, row.Message)
}

// withCatalogApp opens the program's parts (logging to stderr), runs fn and
// closes them.
func withCatalogApp(ctx context.Context, getenv func(string) string, stderr io.Writer, fn func(a *app.App) error) (err error) {
	a, err := app.Open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := a.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close the store: %w", cerr)
		}
	}()
	return fn(a)
}
