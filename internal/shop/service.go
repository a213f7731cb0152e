// Package shop is the storefront's domain: accounts, sessions, catalog, cart,
// checkout and orders, and every business rule of them. It knows nothing of
// HTTP, SQL or DynamoDB; adapters (package web) call the Service, and stores
// (packages sqlite, dynamo) implement Store.
package shop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Config holds the tunable rules of the service; zero fields take defaults.
type Config struct {
	ShopName           string        // refused as a password; default "Storefront"
	SessionIdleTimeout time.Duration // default 30 minutes
	SessionMaxAge      time.Duration // absolute session lifetime; default 12 hours
	GuestSessionMaxAge time.Duration // a guest's cart-holding session; default 30 days
	TokenLifetime      time.Duration // API bearer tokens, absolute; default SessionMaxAge (ASVS L2: 12 hours)
	RegistrationLimit  int           // registrations per client address per RegistrationWindow; default 30
	GuestCartLimit     int           // guest sessions (carts) started per client address per GuestCartWindow; default 1,000
	// PasswordParams are the argon2id parameters of new hashes; hashes with
	// weaker parameters are upgraded at sign-in. Default OWASPParams.
	PasswordParams *PasswordParams
	// Now is the clock; default time.Now. Times are kept in UTC.
	Now func() time.Time
	// Images keeps product photos; nil means the Store, which must then
	// implement ImageStore too (SQLite and memstore do; on DynamoDB the
	// photos live in S3).
	Images ImageStore
	// Mailer sends password reset links (passwordreset.go); nil sends
	// none (the request is logged as failed).
	Mailer Mailer
	// Logger receives the account and order events (sign-ins, locks,
	// placements, unknown outcomes); default a logger that discards, so a
	// service logs only where its caller chose.
	Logger *slog.Logger
	// Observer counts checkout outcomes and failed sign-ins (metrics);
	// default one that counts nothing.
	Observer Observer
}

// Service holds every business rule of the shop over a Store.
type Service struct {
	store  Store
	cfg    Config
	log    *slog.Logger
	hasher *passwordHasher
	// dummyHash is verified against for unknown emails, so a sign-in costs
	// the same hashing work whether or not the account exists.
	dummyHash string
	// throttleLocks queue this process's updates of one throttle record
	// (striped by key, see updateThrottle). Correctness does not rest on
	// them: the store's compare-and-set keeps servers from losing each
	// other's updates. They only keep updates in one process from racing
	// each other: optimistic updates of one record mostly lose to each
	// other and retry, so N at once cost about N² store calls and the last
	// ones run out of rounds (without the locks, a test burst of 30 guesses
	// over two servers on the local DynamoDB server had up to two thirds
	// refused so).
	throttleLocks [64]sync.Mutex
	// mailWork counts the password reset mails in flight (WaitForMail).
	mailWork sync.WaitGroup
	// importsWriting counts the catalog imports being written
	// (ImportsInProgress).
	importsWriting atomic.Int64
	// changeTimes are the times of the status changes this service gave
	// orders in the last second (changeTime).
	changeTimes changeClock
	// catalog is the catalog read model the listings are answered from
	// (catalogreader.go).
	catalog *catalogReader
	// products answers strong product reads (productread.go).
	products productReader
	// reprocessor handles a dead letter again for staff (SetReprocessor,
	// processingadmin.go); nil where no processor was handed over.
	reprocessor Reprocessor
}

// NewService returns a service over store.
func NewService(store Store, cfg Config) *Service {
	if cfg.ShopName == "" {
		cfg.ShopName = "Storefront"
	}
	if cfg.SessionIdleTimeout == 0 {
		cfg.SessionIdleTimeout = 30 * time.Minute
	}
	if cfg.SessionMaxAge == 0 {
		cfg.SessionMaxAge = 12 * time.Hour
	}
	if cfg.GuestSessionMaxAge == 0 {
		cfg.GuestSessionMaxAge = 30 * 24 * time.Hour
	}
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = cfg.SessionMaxAge
	}
	if cfg.RegistrationLimit <= 0 {
		cfg.RegistrationLimit = 30
	}
	if cfg.GuestCartLimit <= 0 {
		cfg.GuestCartLimit = 1000
	}
	if cfg.PasswordParams == nil {
		p := OWASPParams
		cfg.PasswordParams = &p
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	s := &Service{store: store, cfg: cfg, log: cfg.Logger, hasher: newPasswordHasher(*cfg.PasswordParams),
		catalog: newCatalogReader(store, cfg.Logger)}
	s.products.store = store
	s.dummyHash = s.hasher.hash("dummy password for unknown accounts")
	return s
}

// Config returns the service's effective configuration.
func (s *Service) Config() Config { return s.cfg }

// Ready reports whether the store is reachable.
func (s *Service) Ready(ctx context.Context) error { return s.store.Ping(ctx) }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// changeTime is the time of a status change of order id made now: the
// clock's, but later than the change this service gave the order just
// before, if any. A store takes a change equal to the order's last one
// (status, time, actor) for a resend of it (Order.LastChangeIs), so two
// requests changing one order to one status in the same millisecond (a
// buyer's double click) must not carry equal times, or the loser would be
// told it won. Per order, so that a busy shop's times do not run ahead of
// the clock.
func (s *Service) changeTime(id string) time.Time {
	return time.UnixMilli(s.changeTimes.next(id, s.now().UnixMilli())).UTC()
}

// changeClock hands out change times per order (Service.changeTime): each
// later than the last one it gave the same order. It forgets what is over
// a second old, so it holds about a second's changes.
type changeClock struct {
	mu      sync.Mutex
	last    map[string]int64 // order id -> Unix milliseconds
	sweepAt int              // the size at which old times are forgotten
}

func (c *changeClock) next(id string, now int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]int64{}
	}
	if len(c.last) >= max(c.sweepAt, 1024) {
		for order, at := range c.last {
			if at < now-1000 {
				delete(c.last, order)
			}
		}
		c.sweepAt = 2 * len(c.last) // a sweep costs its size: at most once per as many changes
	}
	at := max(now, c.last[id]+1)
	c.last[id] = at
	return at
}

// newSecret returns 256 random bits, URL-safe: session ids, tokens,
// checkout keys.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newID returns a 128-bit random URL-safe id with a readable prefix.
func newID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + lowerBase32(b)
}

func lowerBase32(b []byte) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	return base32.NewEncoding(alphabet).WithPadding(base32.NoPadding).EncodeToString(b)
}

// hashSecret is how session ids and tokens are stored: a leaked store then
// holds nothing a client could present.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
