package app

import (
	"errors"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// MemoryLimitVar names the variable of the Go runtime's soft memory limit.
const MemoryLimitVar = "STOREFRONT_MEMORY_LIMIT"

// DefaultMemoryLimit bounds a server's memory to what a catalog of about
// 100,000 products needs with room to spare (docs/performance.md):
// without a limit the garbage collector lets the heap grow to twice what
// is live (GOGC=100) before it collects, and the allocations of a burst of
// sign-ins (19 MiB of argon2 memory each) or of busy pages raised a
// server's peak by half. With it, near the limit the collector runs more
// often (more CPU) instead; the limit is soft, so a server whose live
// memory exceeds it keeps running, collecting often (at most about half
// the CPU, the runtime's own cap), and should be given a higher one.
const DefaultMemoryLimit = "200MiB"

// memoryUnits are the suffixes parseMemoryLimit accepts, as GOMEMLIMIT
// does, with the decimal ones besides.
var memoryUnits = []struct {
	suffix string
	bytes  float64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// parseMemoryLimit reads a size such as 200MiB, 1.5GiB, 512MB or 1048576
// (bytes) as bytes; "off" (or 0) is no limit, 0.
func parseMemoryLimit(s string) (int64, error) {
	if strings.EqualFold(s, "off") {
		return 0, nil
	}
	number, scale := s, 1.0
	for _, u := range memoryUnits {
		if before, ok := strings.CutSuffix(s, u.suffix); ok {
			number, scale = strings.TrimSpace(before), u.bytes
			break
		}
	}
	n, err := strconv.ParseFloat(number, 64)
	if err != nil || math.IsNaN(n) || n < 0 || n*scale >= math.MaxInt64 {
		return 0, errors.New("not a size")
	}
	return int64(n * scale), nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit to limit bytes
// and reports whether it did: not when limit is 0 (off), nor when the
// GOMEMLIMIT variable is set, which the runtime has applied itself and
// which wins, as for any Go program.
func applyMemoryLimit(limit int64, getenv func(string) string) bool {
	if limit <= 0 || strings.TrimSpace(getenv("GOMEMLIMIT")) != "" {
		return false
	}
	debug.SetMemoryLimit(limit)
	return true
}
