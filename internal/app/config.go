package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"storefront/internal/dynamo"
	"storefront/internal/mail"
)

// Config is the program's configuration, read from the environment.
type Config struct {
	Host          string
	Port          string
	Store         string // StoreSQLite or StoreDynamoDB
	DBPath        string
	TablePrefix   string
	ImageBucket   string // the S3 bucket of product photos on DynamoDB
	Demo          bool
	TrustProxy    bool
	SessionIdle   time.Duration
	SessionMaxAge time.Duration
	// RequestTimeout is the deadline of every request; the server's
	// timeouts and SQLite's busy timeout are derived from it.
	RequestTimeout time.Duration
	// DrainDelay is how long serve keeps serving after SIGTERM, /readyz
	// answering 503, before it stops taking connections: the time a load
	// balancer's health check needs to stop routing to it.
	DrainDelay time.Duration
	// RegistrationLimit is how many accounts one client address may
	// create per hour.
	RegistrationLimit int
	// GuestCartLimit is how many guest carts (sessions) one client
	// address may start per hour.
	GuestCartLimit int
	LogLevel       slog.Level
	LogFormat      string // LogJSON or LogText
	// SMTPURL is where messages to shoppers go (smtp://host:port); ""
	// sends them to the log. MailFrom is their sender address.
	SMTPURL  string
	MailFrom string
	// Processor is where the order processor runs: ProcessorInline (in
	// the server) or ProcessorOff (elsewhere).
	Processor string
	// ProcessorLease is how long a message claimed by a processor that
	// may have died stands before another sends it (processing.Config.Lease).
	ProcessorLease time.Duration
	// ProcessorConcurrency is how many orders the processor handles at
	// once (processing.Config.Concurrency).
	ProcessorConcurrency int
	// ShopURL is the shop's address as shoppers reach it, for the links
	// in messages (password reset, orders); default http://HOST:PORT.
	ShopURL string
	// PublicURL is ShopURL when STOREFRONT_SHOP_URL sets it, else "":
	// pages' canonical links and the sitemaps start with it (web.Config).
	PublicURL string
	// MetricsAddr is where /metrics listens (host:port); MetricsOff (or
	// an empty variable) serves none.
	MetricsAddr string
	// MemoryLimit is the Go runtime's soft memory limit in bytes, set by
	// Open unless GOMEMLIMIT sets one (memlimit.go); 0: none.
	MemoryLimit int64
}

// Stores the program can run on.
const (
	StoreSQLite   = "sqlite"
	StoreDynamoDB = "dynamodb"
)

// Log formats.
const (
	LogJSON = "json"
	LogText = "text"
)

// maxProcessorConcurrency bounds STOREFRONT_PROCESSOR_CONCURRENCY: each
// order in hand holds a goroutine and, while it waits, a store or SMTP
// connection.
const maxProcessorConcurrency = 1024

// EnvVar is one configuration variable: its name, default and meaning.
type EnvVar struct{ Name, Default, Help string }

// EnvVars lists every variable the program reads, for LoadConfig and the
// program's -h text. The AWS settings are not among them: the AWS SDK
// reads those itself.
var EnvVars = []EnvVar{
	{"HOST", "127.0.0.1", "listen address"},
	{"PORT", "8000", "listen port (0 picks a free one)"},
	{"STOREFRONT_STORE", StoreSQLite, "sqlite or dynamodb"},
	{"STOREFRONT_DB", "var/storefront.db", "SQLite database file"},
	{"STOREFRONT_TABLE_PREFIX", "storefront-", "prefix of every DynamoDB table name"},
	{"STOREFRONT_IMAGE_BUCKET", "", "S3 bucket of product photos on DynamoDB (default: the table prefix and images)"},
	{"STOREFRONT_DEMO", "true", "load the demo catalog into an empty store"},
	{"STOREFRONT_TRUST_PROXY", "false", "trust X-Forwarded-Proto and X-Forwarded-For (only behind a reverse proxy)"},
	{"STOREFRONT_SESSION_IDLE_TIMEOUT", "30m", "sign-out after this long without a request"},
	{"STOREFRONT_SESSION_MAX_AGE", "12h", "sign-out after this long in any case"},
	{"STOREFRONT_REQUEST_TIMEOUT", "10s", "the deadline of every request; past it the answer is 503"},
	{"STOREFRONT_DRAIN_DELAY", "0s", "after SIGINT/SIGTERM, how long /readyz answers 503 while requests are still served, before the server stops taking connections (behind a load balancer that learns of the stop from /readyz: a few health-check intervals)"},
	{"STOREFRONT_REGISTRATION_LIMIT", "30", "registrations per client address per hour; past it the answer is 429"},
	{"STOREFRONT_GUEST_CART_LIMIT", "1000", "guest carts a client address may start per hour (a client that keeps no cookie starts one with each add to cart; an IPv6 /64 counts as one address); past it a guest's add to cart is 429, signed-in shoppers are not limited"},
	{"STOREFRONT_SMTP_URL", "", "SMTP server of messages to shoppers: smtp://host:port, smtp+starttls:// or smtps:// (unset: to the log)"},
	{"STOREFRONT_MAIL_FROM", mail.DefaultFrom, "sender address of messages to shoppers"},
	{"STOREFRONT_PROCESSOR", ProcessorInline, "inline: the server also processes orders; off: process-orders or the Lambda function does"},
	{"STOREFRONT_PROCESSOR_LEASE", "2m", "how long a message claimed by a processor that may have died (killed mid-send) waits before another sends it; longer than a send can take"},
	{"STOREFRONT_PROCESSOR_CONCURRENCY", "32", "how many orders the processor handles at once, each order's events in turn; a processor that dies may send again, with the same Message-ID, the message of each order it was sending"},
	{"STOREFRONT_SHOP_URL", "", "the shop's address in links of messages, such as https://shop.example (default: http://HOST:PORT)"},
	{"STOREFRONT_METRICS_ADDR", "127.0.0.1:9090", "where /metrics listens (host:port); set empty (or off) for none"},
	{MemoryLimitVar, DefaultMemoryLimit, "soft limit of the Go runtime's memory (heap, stacks, runtime), such as 200MiB or 1GiB, or off; past it the garbage collector runs more often instead of letting the heap grow to twice what is live; GOMEMLIMIT, when set, wins"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"LOG_FORMAT", LogJSON, "json or text"},
}

// LoadConfig reads the configuration through getenv, each unset or empty
// variable taking its default. It names every invalid value at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, ev := range EnvVars {
			if ev.Name == name {
				return ev.Default
			}
		}
		return ""
	}
	var errs []error
	bad := func(name, want string) {
		errs = append(errs, fmt.Errorf("%s=%q is invalid: want %s", name, get(name), want))
	}
	boolean := func(name string) bool {
		b, err := strconv.ParseBool(get(name))
		if err != nil {
			bad(name, "true or false")
		}
		return b
	}
	duration := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d <= 0 {
			bad(name, "a positive duration such as 30m or 12h")
		}
		return d
	}

	cfg := Config{
		Host: get("HOST"), Port: get("PORT"), Store: get("STOREFRONT_STORE"), DBPath: get("STOREFRONT_DB"),
		TablePrefix: get("STOREFRONT_TABLE_PREFIX"), Demo: boolean("STOREFRONT_DEMO"),
		TrustProxy: boolean("STOREFRONT_TRUST_PROXY"), SessionIdle: duration("STOREFRONT_SESSION_IDLE_TIMEOUT"),
		SessionMaxAge: duration("STOREFRONT_SESSION_MAX_AGE"), LogFormat: get("LOG_FORMAT"),
		RequestTimeout: duration("STOREFRONT_REQUEST_TIMEOUT"),
		SMTPURL:        get("STOREFRONT_SMTP_URL"), MailFrom: get("STOREFRONT_MAIL_FROM"),
	}
	if d, err := time.ParseDuration(get("STOREFRONT_DRAIN_DELAY")); err != nil || d < 0 {
		bad("STOREFRONT_DRAIN_DELAY", "a duration of 0s or more, such as 5s")
	} else {
		cfg.DrainDelay = d
	}
	if cfg.ShopURL = shopURL(get("STOREFRONT_SHOP_URL"), cfg.Host, cfg.Port); cfg.ShopURL == "" {
		bad("STOREFRONT_SHOP_URL", "an http or https address such as https://shop.example, without query")
	} else if get("STOREFRONT_SHOP_URL") != "" {
		cfg.PublicURL = cfg.ShopURL
	}
	if cfg.SMTPURL != "" {
		if _, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom); err != nil {
			errs = append(errs, fmt.Errorf("STOREFRONT_SMTP_URL, STOREFRONT_MAIL_FROM: %w", err))
		}
	}
	if n, err := strconv.Atoi(get("STOREFRONT_REGISTRATION_LIMIT")); err != nil || n < 1 {
		bad("STOREFRONT_REGISTRATION_LIMIT", "a whole number of at least 1")
	} else {
		cfg.RegistrationLimit = n
	}
	if n, err := strconv.Atoi(get("STOREFRONT_GUEST_CART_LIMIT")); err != nil || n < 1 {
		bad("STOREFRONT_GUEST_CART_LIMIT", "a whole number of at least 1")
	} else {
		cfg.GuestCartLimit = n
	}
	if port, err := strconv.Atoi(cfg.Port); err != nil || port < 0 || port > 65535 {
		bad("PORT", "a port number from 0 to 65535")
	}
	cfg.ImageBucket = get("STOREFRONT_IMAGE_BUCKET")
	if cfg.ImageBucket == "" {
		cfg.ImageBucket = dynamo.DefaultImageBucket(cfg.TablePrefix)
	}
	if cfg.Store == StoreDynamoDB && !dynamo.ValidBucketName(cfg.ImageBucket) {
		bad("STOREFRONT_IMAGE_BUCKET", "an S3 bucket name: 3 to 63 of a-z, 0-9, '.' and '-', starting and ending with a letter or digit "+
			"(set it when STOREFRONT_TABLE_PREFIX makes no such name)")
	}
	if cfg.MetricsAddr = get(MetricsAddrVar); !validMetricsAddr(cfg.MetricsAddr) {
		bad(MetricsAddrVar, "host:port (port 0 picks a free one), or empty or off for no metrics")
	}
	if cfg.Processor = get("STOREFRONT_PROCESSOR"); cfg.Processor != ProcessorInline && cfg.Processor != ProcessorOff {
		bad("STOREFRONT_PROCESSOR", "inline or off")
	}
	if d, err := time.ParseDuration(get("STOREFRONT_PROCESSOR_LEASE")); err != nil || d < time.Second {
		bad("STOREFRONT_PROCESSOR_LEASE", "a duration of at least 1s, such as 2m")
	} else {
		cfg.ProcessorLease = d
	}
	if n, err := strconv.Atoi(get("STOREFRONT_PROCESSOR_CONCURRENCY")); err != nil || n < 1 || n > maxProcessorConcurrency {
		bad("STOREFRONT_PROCESSOR_CONCURRENCY", fmt.Sprintf("a whole number from 1 to %d", maxProcessorConcurrency))
	} else {
		cfg.ProcessorConcurrency = n
	}
	if limit, err := parseMemoryLimit(get(MemoryLimitVar)); err != nil {
		bad(MemoryLimitVar, "a size such as 200MiB, 512MB or 1GiB, or off")
	} else {
		cfg.MemoryLimit = limit
	}
	if cfg.Store != StoreSQLite && cfg.Store != StoreDynamoDB {
		bad("STOREFRONT_STORE", "sqlite or dynamodb")
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL"))); err != nil {
		bad("LOG_LEVEL", "debug, info, warn or error")
	}
	if cfg.LogFormat != LogJSON && cfg.LogFormat != LogText {
		bad("LOG_FORMAT", "json or text")
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}
