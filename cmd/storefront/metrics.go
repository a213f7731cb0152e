package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"storefront/internal/app"
)

// environ is the program's getenv: the process environment, except that
// an empty STOREFRONT_METRICS_ADDR, which CONTRACT.md says turns the
// metrics off, reads as app.MetricsOff (an unset one takes the default).
func environ(name string) string {
	v, set := os.LookupEnv(name)
	if set && v == "" && name == app.MetricsAddrVar {
		return app.MetricsOff
	}
	return v
}

// metricsShutdownTimeout bounds the wait for scrapes in flight at
// shutdown: a scrape takes milliseconds.
const metricsShutdownTimeout = 5 * time.Second

// serveMetrics serves GET /metrics on its own listener, at the configured
// address (STOREFRONT_METRICS_ADDR), apart from the shop's: an operator can
// keep it off the public network while the shop faces it. It returns the
// function that stops it gracefully, or, when the metrics are off, one
// that does nothing. A taken address is an error, as the shop's own is.
func serveMetrics(a *app.App) (stop func(), err error) {
	if a.Config.MetricsAddr == app.MetricsOff {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen: %w (set %s to another address, or empty for no metrics)", err, app.MetricsAddrVar)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readHeaderTimeout,
		// A scrape of a slow scraper gets as long as any page.
		WriteTimeout: a.Config.RequestTimeout + answerMargin,
		IdleTimeout:  idleTimeout,
		ErrorLog:     slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	a.Logger.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), metricsShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			a.Logger.Warn("metrics: shutdown", "err", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			a.Logger.Error("metrics: serve", "err", err)
		}
	}, nil
}
