package app

import (
	"runtime/debug"
	"testing"
)

func TestParseMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"200MiB", 200 << 20}, {"1GiB", 1 << 30}, {"1.5GiB", 3 << 29}, {"512 MiB", 512 << 20}, {"64KiB", 64 << 10},
		{"300MB", 300e6}, {"2GB", 2e9}, {"1048576", 1 << 20}, {"1048576B", 1 << 20}, {"off", 0}, {"OFF", 0}, {"0", 0},
	} {
		got, err := parseMemoryLimit(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseMemoryLimit(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "lots", "-1MiB", "12XB", "MiB", "1e30GiB", "NaN"} {
		if got, err := parseMemoryLimit(in); err == nil {
			t.Errorf("parseMemoryLimit(%q) = %d; want an error", in, got)
		}
	}
}

// TestOpenAppliesTheMemoryLimit: the program sets the runtime's soft
// memory limit from STOREFRONT_MEMORY_LIMIT (its default too), unless
// GOMEMLIMIT (which the runtime applied itself) is set or the setting is
// off.
func TestOpenAppliesTheMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int64 // the limit after Open; -1: left as it was
	}{
		{"default", nil, 200 << 20},
		{"set", map[string]string{MemoryLimitVar: "300MiB"}, 300 << 20},
		{"off", map[string]string{MemoryLimitVar: "off"}, -1},
		{"GOMEMLIMIT wins", map[string]string{MemoryLimitVar: "300MiB", "GOMEMLIMIT": "1GiB"}, -1},
	} {
		const unchanged = 123 << 20
		debug.SetMemoryLimit(unchanged)
		vars := map[string]string{"STOREFRONT_DB": t.TempDir() + "/shop.db", "STOREFRONT_DEMO": "false"}
		for k, v := range tc.env {
			vars[k] = v
		}
		a, err := Open(t.Context(), env(vars), t.Output())
		if err != nil {
			t.Fatalf("%s: Open: %v", tc.name, err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		want := tc.want
		if want == -1 {
			want = unchanged
		}
		if got := debug.SetMemoryLimit(-1); got != want {
			t.Errorf("%s: memory limit after Open = %d; want %d", tc.name, got, want)
		}
	}
}
