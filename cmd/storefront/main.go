// Command storefront serves the shop: HTML pages and the JSON API, on
// SQLite or DynamoDB, configured by environment variables (storefront -h
// lists them). Its commands share their set-up through internal/app; this
// package holds only what is theirs: the HTTP server of serve.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"storefront/internal/app"
	"storefront/internal/shop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, environ, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "storefront: %v\n", err)
		stop()
		os.Exit(1)
	}
}

// command is one thing the program does. Its run receives the arguments
// after the command's name and the program's environment.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands are the program's commands by name; without one it serves.
// Each command lives in a file of its own and starts from app.Open.
var commands = map[string]command{
	"serve": {"serve the shop until SIGINT or SIGTERM (the default)", serve},
	"staff": {"add --email EMAIL --name NAME: a staff account (password on stdin); prints totp_secret=BASE32",
		staffCommand},
	"catalog": {"import FILE.csv: create or update products by id; export: the catalog as CSV on stdout",
		catalogCommand},
	"process-orders": {"run the order processor until SIGINT or SIGTERM (for servers with STOREFRONT_PROCESSOR=off)",
		processOrdersCommand},
	"loadtest": {"[-url URL -scenario NAME -vus N -duration D]: drive a shop and measure it; gen-catalog, serve-hello, bench, report (loadtest -h)",
		loadtestCommand},
}

// run runs the command that args name (args[0] is the program's name),
// serve when they name none. stdout is for the command's output and the
// -h text; logs and messages go to stderr.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		return serve(ctx, nil, getenv, stdout, stderr)
	}
	name := args[1]
	if slices.Contains([]string{"-h", "-help", "--help", "help"}, name) {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		return fmt.Errorf("unexpected argument %q: storefront is configured by environment variables (storefront -h lists them)", name)
	}
	return cmd.run(ctx, args[2:], getenv, stdout, stderr)
}

// usage writes the commands and what the program reads from the environment.
func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: storefront [command]")
	fmt.Fprintln(w, "Commands:")
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		fmt.Fprintf(w, "  %-32s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "Every command is configured by environment variables:")
	for _, ev := range app.EnvVars {
		fmt.Fprintf(w, "  %-32s %s (default %q)\n", ev.Name, ev.Help, ev.Default)
	}
	fmt.Fprintln(w, "AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB and the AWS credentials configure DynamoDB as usual.")
}

// Server limits. ReadHeaderTimeout and IdleTimeout bound how long a slow
// or idle client can hold a connection. The rest follows from the request
// deadline (STOREFRONT_REQUEST_TIMEOUT, see serverTimeouts).
const (
	readHeaderTimeout = 5 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// answerMargin is the time left after a request's deadline to write
	// its answer (the 503 of a request that ran out of time included),
	// and to finish in-flight requests at shutdown.
	answerMargin = 5 * time.Second
)

// serverTimeouts derives the server's timeouts from the request deadline,
// so that they agree with it: the body is read within the deadline (the
// handler reads it; ReadTimeout also counts the header), the answer is
// written within answerMargin after it (WriteTimeout runs from the end of
// the header), and a graceful shutdown waits for in-flight requests as long
// as they may run.
func serverTimeouts(requestTimeout time.Duration) (read, write, shutdown time.Duration) {
	return readHeaderTimeout + requestTimeout, requestTimeout + answerMargin, requestTimeout + answerMargin
}

// shutdown stops srv taking connections and waits for its in-flight
// requests for timeout; while a catalog import is being written, for as
// long as its writing may take and the margin of its answer: the import
// outlives the request deadline (shop.ImportWriteTimeout), and cut it
// would leave the catalog half imported.
func shutdown(ctx context.Context, srv *http.Server, service *shop.Service, timeout time.Duration, logger *slog.Logger) error {
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) && service.ImportsInProgress() {
		logger.Info("shutting down: waiting for a catalog import to be written", "at_most", (shop.ImportWriteTimeout + answerMargin).String())
		importCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shop.ImportWriteTimeout+answerMargin)
		defer cancel()
		err = srv.Shutdown(importCtx)
	}
	return err
}

// serve serves the shop until ctx is done, then shuts down gracefully:
// it drains (/readyz 503, still serving) for STOREFRONT_DRAIN_DELAY, stops
// taking connections, lets in-flight requests finish (up to the shutdown
// timeout) and returns nil.
func serve(ctx context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("serve: unexpected argument %q: storefront is configured by environment variables (storefront -h lists them)", args[0])
	}
	a, err := app.Open(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	logger := a.Logger
	// The program's parts log through the logger they are given; the
	// default logger is set too for what logs through it on its own (the
	// standard log package, libraries), so that every line has one format.
	slog.SetDefault(logger)
	defer func() {
		if err := a.Close(); err != nil {
			logger.Error("close the store", "err", err)
		}
	}()
	if err := a.LoadDemoCatalog(ctx); err != nil {
		return err
	}
	a.StartJanitor()
	if err := a.StartCatalog(ctx); err != nil {
		return err
	}
	// The order processor, inline unless STOREFRONT_PROCESSOR=off:
	// stopped, its record in hand finished, before the store closes.
	stopProcessor, err := a.StartProcessor(ctx, a.Metrics.Registry)
	if err != nil {
		return err
	}
	defer stopProcessor()
	// Stopped after the shop's server has drained (deferred): the last
	// scrapes see the requests of the shutdown counted.
	stopMetrics, err := serveMetrics(a) // metrics.go
	if err != nil {
		return err
	}
	defer stopMetrics()

	ln, err := net.Listen("tcp", net.JoinHostPort(a.Config.Host, a.Config.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	readTimeout, writeTimeout, shutdownTimeout := serverTimeouts(a.Config.RequestTimeout)
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("storefront listening", "url", "http://"+ln.Addr().String(), "store", a.Config.Store)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Drain before closing the listener: /readyz answers 503 while the
	// server still serves, so that a load balancer checking it stops
	// routing here first, and the requests it routes meanwhile are answered
	// rather than refused.
	a.Drain()
	if a.Config.DrainDelay > 0 {
		logger.Info("draining: /readyz answers 503", "drain_delay", a.Config.DrainDelay.String())
		select {
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		case <-time.After(a.Config.DrainDelay):
		}
	}
	logger.Info("shutting down: finishing in-flight requests")
	if err := shutdown(ctx, srv, a.Service, shutdownTimeout, logger); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}
