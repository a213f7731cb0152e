// Package app wires the program together: the configuration read from the
// environment, the logger, the store the configuration selects and the shop
// service over it. Every command of cmd/storefront (serve, and each one
// added beside it, such as staff or catalog) starts from Open, so that no
// command copies another's set-up and all of them run on the same store
// with the same settings.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"storefront/internal/dynamo"
	"storefront/internal/mail"
	"storefront/internal/metrics"
	"storefront/internal/shop"
	"storefront/internal/sqlite"
	"storefront/internal/web"
)

// App is the program's parts, ready to use. Close releases them.
type App struct {
	Config  Config
	Logger  *slog.Logger
	Store   shop.Store
	Images  shop.ImageStore // product photos: the S3 bucket on DynamoDB; on SQLite the store's own
	Service *shop.Service
	// Mailer sends messages to shoppers: by SMTP when STOREFRONT_SMTP_URL
	// is set, else to the log.
	Mailer mail.Sender
	// Metrics are the program's collectors (storefront_*, Go runtime,
	// process) on the program's one registry, Metrics.Registry, which
	// /metrics serves: a part with collectors of its own (the order
	// processor) registers them there.
	Metrics *metrics.Metrics

	sqlite      *sqlite.Store // the SQLite store, nil on DynamoDB
	draining    atomic.Bool   // set by Drain: /readyz answers 503
	stopJanitor func()        // stops the janitor and waits for it; nil until started
	stopCatalog func()        // stops following the catalog's changes; nil until started
}

// Open reads the configuration through getenv, builds the logger writing
// to logOut, and opens the configured store, made ready (SQLite schema
// migrations, missing DynamoDB tables), with the service over it. The
// logger is handed to every part that logs (service, store, web server):
// none of them logs through the global slog default.
// A configuration error names every invalid variable.
func Open(ctx context.Context, getenv func(string) string, logOut io.Writer) (*App, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	applyMemoryLimit(cfg.MemoryLimit, getenv) // memlimit.go: before the catalog's load, the first peak
	a := &App{Config: cfg, Logger: NewLogger(cfg, logOut), Metrics: metrics.New(prometheus.NewRegistry())}
	a.Mailer = mail.NewLogSender(a.Logger)
	if cfg.SMTPURL != "" {
		if a.Mailer, err = mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom); err != nil {
			return nil, err
		}
	}
	if err := a.openStore(ctx); err != nil {
		return nil, err
	}
	a.instrumentStores() // metrics.go
	// The reset links are mailed by the app's sender, to the shop's address.
	mailer := &resetMailer{sender: a.Mailer, shopURL: cfg.ShopURL}
	a.Service = shop.NewService(a.Store, shop.Config{Images: a.Images, Mailer: mailer, SessionIdleTimeout: cfg.SessionIdle, SessionMaxAge: cfg.SessionMaxAge,
		RegistrationLimit: cfg.RegistrationLimit, GuestCartLimit: cfg.GuestCartLimit, Logger: a.Logger, Observer: a.Metrics})
	mailer.shopName = a.Service.Config().ShopName
	return a, nil
}

// NewLogger is the program's logger: LOG_FORMAT lines of LOG_LEVEL and
// above on w, each logged with a request's context carrying its request id.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var handler slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.LogFormat == LogText {
		handler = slog.NewTextHandler(w, opts)
	}
	return slog.New(web.WithRequestID(handler))
}

// SQLiteBusyTimeout is how long a SQLite write waits for another writer's
// lock: half the request deadline, so a request still has time to answer
// 503 when the lock is not released. The request's deadline ends the wait
// earlier when it comes first.
func SQLiteBusyTimeout(requestTimeout time.Duration) time.Duration { return requestTimeout / 2 }

func (a *App) openStore(ctx context.Context) error {
	if a.Config.Store == StoreDynamoDB {
		// The AWS settings (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, the
		// credentials chain) are read by the SDK itself from the process
		// environment, as every AWS tool does, not through getenv.
		client, err := dynamo.NewClient(ctx)
		if err != nil {
			return fmt.Errorf("dynamodb: %w", err)
		}
		st, err := dynamo.New(ctx, client, a.Config.TablePrefix)
		if err != nil {
			return fmt.Errorf("dynamodb: %w", err)
		}
		// The photos' bucket is made ready like the tables.
		s3Client, err := dynamo.NewS3Client(ctx)
		if err != nil {
			return fmt.Errorf("s3: %w", err)
		}
		images, err := dynamo.NewImages(ctx, s3Client, a.Config.ImageBucket)
		if err != nil {
			return fmt.Errorf("s3: %w", err)
		}
		a.Store, a.Images = st, images
		return nil
	}
	st, err := sqlite.Open(ctx, a.Config.DBPath, sqlite.WithBusyTimeout(SQLiteBusyTimeout(a.Config.RequestTimeout)),
		sqlite.WithLogger(a.Logger))
	if err != nil {
		return err
	}
	a.Store, a.sqlite = st, st
	return nil
}

// LoadDemoCatalog loads the demo catalog into an empty store, unless
// STOREFRONT_DEMO is false. A store that holds a catalog is left alone.
func (a *App) LoadDemoCatalog(ctx context.Context) error {
	if !a.Config.Demo {
		return nil
	}
	if _, err := a.Service.LoadDemoCatalog(ctx); err != nil {
		return fmt.Errorf("load the demo catalog: %w", err)
	}
	return nil
}

// StartJanitor starts deleting what has expired (sessions, carts, throttle
// records) in the background, every sqlite.JanitorInterval, until Close.
// On DynamoDB it does nothing: the tables' TTL deletes them. A long-running
// command calls it once; a one-shot command leaves it to the server.
func (a *App) StartJanitor() {
	if a.sqlite == nil || a.stopJanitor != nil {
		return
	}
	// The janitor outlives any request context; Close ends it before the
	// database closes.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.sqlite.RunJanitor(ctx, sqlite.JanitorInterval, time.Now)
	}()
	a.stopJanitor = func() {
		cancel()
		<-done
	}
}

// StartCatalog loads the catalog read model and keeps it following the
// store's changes in the background until Close: a serving process calls
// it once, before it listens. A one-shot command leaves it: its reads
// bring the model up to date themselves.
func (a *App) StartCatalog(ctx context.Context) error {
	if a.stopCatalog != nil {
		return nil
	}
	// The follower outlives the start's context; Close ends it before the
	// store closes.
	stop, err := a.Service.FollowCatalog(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	a.stopCatalog = stop
	return nil
}

// Handler is the shop's HTTP handler: the HTML pages and the JSON API.
func (a *App) Handler() http.Handler {
	return web.NewServer(a.Service, a.Logger, web.Config{TrustProxy: a.Config.TrustProxy, RequestTimeout: a.Config.RequestTimeout, PublicURL: a.Config.PublicURL,
		ObserveRequest: a.Metrics.ObserveRequest, Draining: a.draining.Load})
}

// Drain makes the handler's /readyz answer 503 from now on: the process is
// about to stop, and a load balancer that checks /readyz stops sending it
// new requests while it still serves the ones under way.
func (a *App) Drain() { a.draining.Store(true) }

// Close stops the janitor and closes the store.
func (a *App) Close() error {
	if a.Service != nil {
		a.Service.WaitForMail() // the mails in flight read the store
	}
	if a.stopJanitor != nil {
		a.stopJanitor()
		a.stopJanitor = nil
	}
	if a.stopCatalog != nil {
		a.stopCatalog()
		a.stopCatalog = nil
	}
	if a.sqlite != nil {
		if err := a.sqlite.Close(); err != nil {
			return fmt.Errorf("close the database: %w", err)
		}
	}
	return nil
}
