package shop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// ThrottleKey is the store key of a throttle record: its kind (such as
// "account", "address", "registration" or "guest-cart") and the SHA-256 of the value it counts (a
// normalised email, a client address). Every key has the same length
// whatever a client sent, so no request can store more than a fixed size
// nor exceed a store's key limit, and no email stands in the store in
// clear outside its account. Operators and tests find a record by it.
func ThrottleKey(kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return kind + ":" + hex.EncodeToString(sum[:])
}

// AddressThrottleKey is the ThrottleKey of a client address, counted by
// the network a client controls: an IPv6 client's provider hands it a /64
// whose every address it may use, so the /64 is one client; an IPv4
// address (also one mapped into IPv6) is one. Text that is no address
// counts as it is.
func AddressThrottleKey(kind, addr string) string {
	return ThrottleKey(kind, clientNetwork(addr))
}

// clientNetwork is addr, or for an IPv6 address its /64 prefix.
func clientNetwork(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if ip = ip.Unmap(); ip.Is4() {
		return ip.String()
	}
	prefix, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return prefix.String()
}

type ctxKeyClientAddr struct{}

// WithClientAddr returns ctx carrying the network address of the client
// of a request (as the HTTP layer determined it, behind a trusted proxy
// from its header): registrations are counted per address, and account
// events are logged with it.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, ctxKeyClientAddr{}, addr)
}

// ClientAddrFrom returns the client address WithClientAddr put in ctx, or "".
func ClientAddrFrom(ctx context.Context) string {
	addr, _ := ctx.Value(ctxKeyClientAddr{}).(string)
	return addr
}

// Sign-in throttling: after this many failures for one account within the
// window, sign-in for it is refused for LockDuration; client addresses get a
// higher limit, since many shoppers may share one.
const (
	AccountFailureLimit = 10
	AddressFailureLimit = 100
	ThrottleWindow      = 15 * time.Minute
	LockDuration        = 15 * time.Minute
)

// throttleCounter is one failure count a sign-in goes through: the
// record's key and the failures that lock it.
type throttleCounter struct {
	key   string
	limit int
}

// signInCounters returns the counters of a sign-in: the account's (when
// accountKey is set) first, then the client address's (when known).
func (s *Service) signInCounters(accountKey, clientAddr string) []throttleCounter {
	var counters []throttleCounter
	if accountKey != "" {
		counters = append(counters, throttleCounter{accountKey, AccountFailureLimit})
	}
	if clientAddr != "" {
		counters = append(counters, throttleCounter{AddressThrottleKey("address", clientAddr), AddressFailureLimit})
	}
	return counters
}

// throttleAttempts bounds the read-change-save rounds of one throttle
// update. A round is lost only to another server's save, and a key already
// locked needs no save, so in a burst of guesses at one account every guess
// is done within AccountFailureLimit+1 rounds; the rest is room for
// successful sign-ins and for address keys, which many accounts share.
const throttleAttempts = 16

// throttleBudget bounds the time of one throttle update as well: a store
// may also answer ErrConflict only after waiting (SQLite, for a write lock
// held past its busy timeout), and a sign-in should not wait that long
// throttleAttempts times.
const throttleBudget = 2 * time.Second

// errThrottleContended is returned when a throttle update ran out of
// rounds or time (throttleAttempts, throttleBudget). The sign-in is refused
// (ErrUnavailable: "try again"), whether or not its password was right:
// a guess whose failure is not counted must get no answer.
var errThrottleContended = fmt.Errorf("%w: sign-in throttle record kept changing under the update", ErrUnavailable)

// updateThrottle reads the record of key, lets change modify it and saves
// it over the version read, in a new round whenever a concurrent save won
// (ErrConflict): servers sharing the store all count, with no lock between
// them. change reports whether there is anything to save; it is called
// once per round, on a fresh record, and an error of it ends the update.
// Updates of one key in this process wait for each other (throttleLocks),
// so only other servers' saves make a round lose.
func (s *Service) updateThrottle(ctx context.Context, key string, change func(t *LoginThrottle) (save bool, err error)) error {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key)) // a hash never fails to write
	mu := &s.throttleLocks[h.Sum32()%uint32(len(s.throttleLocks))]
	mu.Lock()
	defer mu.Unlock()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		t, err := s.store.LoginThrottle(ctx, key)
		if err != nil {
			return err
		}
		save, err := change(t)
		if err != nil || !save {
			return err
		}
		err = s.store.SaveLoginThrottle(ctx, t)
		if !errors.Is(err, ErrConflict) {
			return err
		}
		if attempt == throttleAttempts || time.Since(start) > throttleBudget {
			s.log.WarnContext(ctx, "sign-in throttle contended", "key_kind", keyKind(key), "attempts", attempt)
			return errThrottleContended
		}
		if err := Pause(ctx, throttleBackoff(attempt)); err != nil {
			return err
		}
	}
}

// throttleBackoff is the pause after losing round attempt: 1 ms doubled
// per round, capped at 50 ms, half of it random, so the losers of one race
// do not meet again in lockstep.
func throttleBackoff(attempt int) time.Duration {
	d := min(time.Millisecond<<min(attempt-1, 6), 50*time.Millisecond)
	// Jitter only spreads retries apart; it needs no unpredictability.
	return d/2 + rand.N(d/2+1) // #nosec G404 -- not a secret
}

// Pause waits d or until ctx is done, whose error it then returns: the
// wait between the attempts of a retry, here and in the stores.
func Pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// keyKind is the kind of a throttle key ("account" or "address"), which is
// all the logs name of it.
func keyKind(key string) string {
	kind, _, _ := strings.Cut(key, ":")
	return kind
}

// recordFailure counts a failed sign-in for key, locking the key once limit
// failures fall within ThrottleWindow. lockedBefore reports that the key
// was already locked by other attempts (concurrent with this one, which
// passed the check before hashing); such a failure is not counted, as it
// would change nothing: a lock is only set at limit failures and is never
// extended. A new lock is logged with logAttrs (authLogAttrs).
func (s *Service) recordFailure(ctx context.Context, key string, limit int, now time.Time, logAttrs []any) (lockedBefore bool, err error) {
	var lockedAt int // the failures that set the lock; 0 when none did
	err = s.updateThrottle(ctx, key, func(t *LoginThrottle) (bool, error) {
		lockedAt = 0
		lockedBefore = now.Before(t.LockedUntil)
		if lockedBefore {
			return false, nil
		}
		if now.Sub(t.WindowStart) > ThrottleWindow {
			t.WindowStart, t.Failures = now, 0
		}
		t.Failures++
		if t.Failures >= limit {
			t.LockedUntil, lockedAt = now.Add(LockDuration), t.Failures
		}
		return true, nil
	})
	if err == nil && lockedAt > 0 {
		s.log.WarnContext(ctx, "sign-in locked", append(logAttrs, "key_kind", keyKind(key), "failures", lockedAt)...)
		s.cfg.Observer.SignInLocked(keyKind(key))
	}
	return lockedBefore, err
}

// clearFailures ends the failure count of the account (the first counter,
// when it is an account's) after a right password, unless a key was locked
// while the password was hashed: then the sign-in is refused like any
// other during the lock. The reset is saved over the version whose lock
// was checked, so it never erases a failure or a lock saved after that
// check.
func (s *Service) clearFailures(ctx context.Context, counters []throttleCounter, now time.Time, logAttrs []any) error {
	if len(counters) == 0 {
		return nil
	}
	for _, c := range counters[1:] {
		t, err := s.store.LoginThrottle(ctx, c.key)
		if err != nil {
			return err
		}
		if now.Before(t.LockedUntil) {
			s.log.WarnContext(ctx, "sign-in throttled", append(logAttrs, "key_kind", keyKind(c.key))...)
			return ErrThrottled
		}
	}
	return s.updateThrottle(ctx, counters[0].key, func(t *LoginThrottle) (bool, error) {
		if now.Before(t.LockedUntil) {
			s.log.WarnContext(ctx, "sign-in throttled", append(logAttrs, "key_kind", keyKind(t.Key))...)
			return false, ErrThrottled
		}
		if t.Failures == 0 && t.WindowStart.IsZero() && t.LockedUntil.IsZero() {
			return false, nil // nothing to clear: no write for most sign-ins
		}
		*t = LoginThrottle{Key: t.Key, Version: t.Version}
		return true, nil
	})
}
