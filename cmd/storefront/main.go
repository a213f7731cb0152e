// Command storefront serves the shop: HTML pages and the JSON API, on
// SQLite or DynamoDB, configured by environment variables (storefront -h
// lists them).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"storefront/internal/dynamo"
	"storefront/internal/shop"
	"storefront/internal/sqlite"
	"storefront/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "storefront: %v\n", err)
		stop()
		os.Exit(1)
	}
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

// sqliteBusyTimeout is how long a SQLite write waits for another writer's
// lock: half the request deadline, so a request still has time to answer
// 503 when the lock is not released. The request's deadline ends the wait
// earlier when it comes first.
func sqliteBusyTimeout(requestTimeout time.Duration) time.Duration { return requestTimeout / 2 }

// run serves the shop until ctx is done, then shuts down gracefully:
// in-flight requests finish (up to shutdownTimeout) and it returns nil.
// Logs go to stderr; stdout is for the -h text.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 {
		if a := args[1]; a == "-h" || a == "-help" || a == "--help" || a == "help" {
			usage(stdout)
			return nil
		}
		return fmt.Errorf("unexpected argument %q: storefront is configured by environment variables (storefront -h lists them)", args[1])
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var handler slog.Handler = slog.NewJSONHandler(stderr, opts)
	if cfg.LogFormat == "text" {
		handler = slog.NewTextHandler(stderr, opts)
	}
	logger := slog.New(web.WithRequestID(handler))
	slog.SetDefault(logger) // the service logs through the default logger

	store, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	svc := shop.NewService(store, shop.Config{SessionIdleTimeout: cfg.SessionIdle, SessionMaxAge: cfg.SessionMaxAge,
		RegistrationLimit: cfg.RegistrationLimit})
	if cfg.Demo {
		if _, err := svc.LoadDemoCatalog(ctx); err != nil {
			return fmt.Errorf("load the demo catalog: %w", err)
		}
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, cfg.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	readTimeout, writeTimeout, shutdownTimeout := serverTimeouts(cfg.RequestTimeout)
	srv := &http.Server{
		Handler:           web.NewServer(svc, logger, web.Config{TrustProxy: cfg.TrustProxy, RequestTimeout: cfg.RequestTimeout}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	logger.Info("storefront listening", "url", "http://"+ln.Addr().String(), "store", cfg.Store)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// openStore opens the configured store, making it ready (SQLite
// migrations, missing DynamoDB tables), and returns how to close it.
func openStore(ctx context.Context, cfg config) (shop.Store, func(), error) {
	if cfg.Store == storeDynamoDB {
		// The AWS settings (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, the
		// credentials chain) are read by the SDK itself from the process
		// environment, as every AWS tool does, not through getenv.
		client, err := dynamo.NewClient(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("dynamodb: %w", err)
		}
		st, err := dynamo.New(ctx, client, cfg.TablePrefix)
		if err != nil {
			return nil, nil, fmt.Errorf("dynamodb: %w", err)
		}
		return st, func() {}, nil
	}
	st, err := sqlite.Open(ctx, cfg.DBPath, sqlite.WithBusyTimeout(sqliteBusyTimeout(cfg.RequestTimeout)))
	if err != nil {
		return nil, nil, err
	}
	// The janitor deletes expired sessions, carts and throttle records
	// (DynamoDB's TTL does it for the other store); it stops before the
	// database closes.
	janitorCtx, stopJanitor := context.WithCancel(context.WithoutCancel(ctx))
	janitorDone := make(chan struct{})
	go func() {
		defer close(janitorDone)
		st.RunJanitor(janitorCtx, sqlite.JanitorInterval, time.Now)
	}()
	return st, func() {
		stopJanitor()
		<-janitorDone
		if err := st.Close(); err != nil {
			slog.Error("close the database", "err", err)
		}
	}, nil
}

// usage writes what the program reads from the environment.
func usage(w io.Writer) {
	fmt.Fprintln(w, "storefront serves the shop. It is configured by environment variables:")
	for _, ev := range envVars {
		fmt.Fprintf(w, "  %-32s %s (default %q)\n", ev.name, ev.help, ev.def)
	}
	fmt.Fprintln(w, "AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB and the AWS credentials configure DynamoDB as usual.")
}
