// Package loadtest drives the shop over HTTP as shoppers and API clients
// would, and measures it: throughput, latency percentiles, errors and orders
// per second, per request kind and overall (storefront loadtest). It also
// holds what make bench needs around it: the hello-world ceiling server, the
// generated catalog of any size, the measurements of a running shop
// (memory, start-up, page size) and the performance report with its charts
// (docs/performance.md). Nothing here is imported by the shop itself.
package loadtest

import (
	"maps"
	"math"
	"slices"
	"sort"
	"time"
)

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest sample that at least p percent of the
// samples are at or below. It returns 0 for no samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// KindStats is what one kind of request measured (or every request, for
// the overall line). Latencies are in milliseconds.
type KindStats struct {
	Kind     string         `json:"kind"`
	Requests int            `json:"requests"`
	Errors   int            `json:"errors"`
	RPS      float64        `json:"rps"`
	P50      float64        `json:"p50_ms"`
	P95      float64        `json:"p95_ms"`
	P99      float64        `json:"p99_ms"`
	Max      float64        `json:"max_ms"`
	Bytes    int64          `json:"bytes"`              // response bytes as received (compressed when the server compressed)
	Failures map[string]int `json:"failures,omitempty"` // error kind ("status 409", "transport") -> count
	Sample   string         `json:"sample,omitempty"`   // one error message, to tell what went wrong
}

// recorder collects the samples of one virtual user; it is not shared, so
// it needs no lock. Runs merge the recorders when they end.
type recorder struct {
	kinds  map[string]*samples
	orders int
}

type samples struct {
	lat      []time.Duration
	errors   int
	bytes    int64
	failures map[string]int
	sample   string
}

func newRecorder() *recorder { return &recorder{kinds: map[string]*samples{}} }

func (r *recorder) kind(k string) *samples {
	s := r.kinds[k]
	if s == nil {
		s = &samples{failures: map[string]int{}}
		r.kinds[k] = s
	}
	return s
}

// ok records a request that got an answer counted as success.
func (r *recorder) ok(kind string, d time.Duration, n int64) {
	s := r.kind(kind)
	s.lat = append(s.lat, d)
	s.bytes += n
}

// fail records a request that failed: failure names the kind of failure,
// msg says what happened. Failed requests count in the latencies too, so
// that a fast error page does not hide among slow successes unseen.
func (r *recorder) fail(kind string, d time.Duration, failure, msg string) {
	s := r.kind(kind)
	s.lat = append(s.lat, d)
	s.errors++
	s.failures[failure]++
	if s.sample == "" {
		s.sample = msg
	}
}

// wrong records, as an error, a request already recorded as answered that
// did not do what it should.
func (r *recorder) wrong(kind, failure, msg string) {
	s := r.kind(kind)
	s.errors++
	s.failures[failure]++
	if s.sample == "" {
		s.sample = msg
	}
}

// merge adds o's samples into r.
func (r *recorder) merge(o *recorder) {
	r.orders += o.orders
	for k, os := range o.kinds {
		r.kind(k).add(os)
	}
}

// add adds o's samples into s (s.failures must be made).
func (s *samples) add(o *samples) {
	s.lat = append(s.lat, o.lat...)
	s.errors += o.errors
	s.bytes += o.bytes
	for f, n := range o.failures {
		s.failures[f] += n
	}
	if s.sample == "" {
		s.sample = o.sample
	}
}

// stats summarizes the recorder's samples over a run of length elapsed:
// one line per kind, sorted by kind, and the overall line.
func (r *recorder) stats(elapsed time.Duration) (kinds []KindStats, overall KindStats) {
	var all samples
	all.failures = map[string]int{}
	for _, k := range slices.Sorted(maps.Keys(r.kinds)) {
		s := r.kinds[k]
		kinds = append(kinds, summarize(k, s, elapsed))
		all.add(s)
	}
	return kinds, summarize("overall", &all, elapsed)
}

// summarize sorts s's latencies (in place) and computes its line.
func summarize(kind string, s *samples, elapsed time.Duration) KindStats {
	sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
	ks := KindStats{Kind: kind, Requests: len(s.lat), Errors: s.errors, Bytes: s.bytes, Sample: s.sample,
		P50: ms(Percentile(s.lat, 50)), P95: ms(Percentile(s.lat, 95)), P99: ms(Percentile(s.lat, 99))}
	if len(s.lat) > 0 {
		ks.Max = ms(s.lat[len(s.lat)-1])
	}
	if elapsed > 0 {
		ks.RPS = float64(len(s.lat)) / elapsed.Seconds()
	}
	if len(s.failures) > 0 {
		ks.Failures = s.failures
	}
	return ks
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
