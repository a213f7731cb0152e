package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"storefront/internal/app"
)

// processOrdersCommand runs "process-orders": the order processor as a
// long-running worker of its own (docs/processing.md), for a shop whose
// servers run with STOREFRONT_PROCESSOR=off. It reads the SQLite outbox or
// the DynamoDB orders stream of the store the environment selects, until
// SIGINT or SIGTERM, and then finishes the record in hand and exits 0.
func processOrdersCommand(ctx context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("process-orders: unexpected argument %q: it is configured by environment variables", args[0])
	}
	a, err := app.Open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	slog.SetDefault(a.Logger)
	defer func() {
		if err := a.Close(); err != nil {
			a.Logger.Error("close the store", "err", err)
		}
	}()
	stopMetrics, err := serveMetrics(a) // metrics.go
	if err != nil {
		return err
	}
	defer stopMetrics()
	if err := a.RunProcessor(ctx, a.Metrics.Registry); err != nil {
		return fmt.Errorf("process-orders: %w", err)
	}
	a.Logger.Info("order processor stopped")
	return nil
}
