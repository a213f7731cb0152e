package app

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// env is a getenv over a map.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Host: "127.0.0.1", Port: "8000", Store: StoreSQLite, DBPath: "var/storefront.db", TablePrefix: "storefront-",
		ImageBucket: "storefront-images", Demo: true, TrustProxy: false, SessionIdle: 30 * time.Minute, SessionMaxAge: 12 * time.Hour, LogLevel: slog.LevelInfo,
		LogFormat: LogJSON, RequestTimeout: 10 * time.Second, DrainDelay: 0, RegistrationLimit: 30, GuestCartLimit: 1000, MailFrom: "shop@localhost",
		ShopURL: "http://127.0.0.1:8000", Processor: ProcessorInline, ProcessorLease: 2 * time.Minute, ProcessorConcurrency: 32, MetricsAddr: "127.0.0.1:9090", MemoryLimit: 200 << 20}
	if cfg != want {
		t.Errorf("LoadConfig() = %+v; want %+v", cfg, want)
	}
}

func TestLoadConfigReadsEveryVariable(t *testing.T) {
	set := map[string]string{"HOST": "0.0.0.0", "PORT": "0", "STOREFRONT_STORE": "dynamodb",
		"STOREFRONT_DB": "/tmp/x.db", "STOREFRONT_TABLE_PREFIX": "t-", "STOREFRONT_IMAGE_BUCKET": "shop-photos", "STOREFRONT_DEMO": "false", "STOREFRONT_TRUST_PROXY": "true",
		"STOREFRONT_SESSION_IDLE_TIMEOUT": "5m", "STOREFRONT_SESSION_MAX_AGE": "1h", "STOREFRONT_REQUEST_TIMEOUT": "3s", "STOREFRONT_DRAIN_DELAY": "4s",
		"STOREFRONT_REGISTRATION_LIMIT": "7", "STOREFRONT_GUEST_CART_LIMIT": "40", "LOG_LEVEL": "debug", "LOG_FORMAT": " text ",
		"STOREFRONT_SMTP_URL": "smtp://127.0.0.1:2525", "STOREFRONT_MAIL_FROM": "orders@shop.example",
		"STOREFRONT_SHOP_URL": "https://shop.example/", "STOREFRONT_PROCESSOR": "off",
		"STOREFRONT_PROCESSOR_LEASE": "30s", "STOREFRONT_PROCESSOR_CONCURRENCY": "4", "STOREFRONT_METRICS_ADDR": "0.0.0.0:9100", "STOREFRONT_MEMORY_LIMIT": "1GiB"}
	cfg, err := LoadConfig(env(set))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Host: "0.0.0.0", Port: "0", Store: StoreDynamoDB, DBPath: "/tmp/x.db", TablePrefix: "t-", ImageBucket: "shop-photos",
		Demo: false, TrustProxy: true, SessionIdle: 5 * time.Minute, SessionMaxAge: time.Hour, LogLevel: slog.LevelDebug,
		LogFormat: LogText, RequestTimeout: 3 * time.Second, DrainDelay: 4 * time.Second, RegistrationLimit: 7, GuestCartLimit: 40,
		SMTPURL: "smtp://127.0.0.1:2525", MailFrom: "orders@shop.example", ShopURL: "https://shop.example",
		PublicURL: "https://shop.example",
		Processor: ProcessorOff, ProcessorLease: 30 * time.Second, ProcessorConcurrency: 4, MetricsAddr: "0.0.0.0:9100", MemoryLimit: 1 << 30}
	if cfg != want {
		t.Errorf("LoadConfig(set) = %+v; want %+v", cfg, want)
	}
	for _, ev := range EnvVars {
		if set[ev.Name] == "" {
			t.Errorf("the test does not set %s: add it, with a value other than its default %q", ev.Name, ev.Default)
		}
	}
}

// TestLoadConfigRefusesInvalidValues: each invalid value is refused with a
// message naming its variable.
func TestLoadConfigRefusesInvalidValues(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"PORT", "eighty"}, {"PORT", "65536"}, {"PORT", "-1"},
		{"STOREFRONT_STORE", "postgres"},
		{"STOREFRONT_DEMO", "maybe"}, {"STOREFRONT_TRUST_PROXY", "yes please"},
		{"STOREFRONT_SESSION_IDLE_TIMEOUT", "-5m"}, {"STOREFRONT_SESSION_MAX_AGE", "0s"},
		{"STOREFRONT_REQUEST_TIMEOUT", "ten seconds"},
		{"STOREFRONT_DRAIN_DELAY", "-1s"}, {"STOREFRONT_DRAIN_DELAY", "soon"},
		{"STOREFRONT_REGISTRATION_LIMIT", "0"}, {"STOREFRONT_REGISTRATION_LIMIT", "-3"},
		{"STOREFRONT_REGISTRATION_LIMIT", "many"}, {"STOREFRONT_REGISTRATION_LIMIT", "2.5"},
		{"STOREFRONT_GUEST_CART_LIMIT", "0"}, {"STOREFRONT_GUEST_CART_LIMIT", "lots"},
		{"LOG_LEVEL", "loud"}, {"LOG_FORMAT", "xml"},
		{"STOREFRONT_PROCESSOR", "lambda"},
		{"STOREFRONT_PROCESSOR_LEASE", "500ms"}, {"STOREFRONT_PROCESSOR_LEASE", "forever"},
		{"STOREFRONT_PROCESSOR_CONCURRENCY", "0"}, {"STOREFRONT_PROCESSOR_CONCURRENCY", "1025"}, {"STOREFRONT_PROCESSOR_CONCURRENCY", "many"},
		{"STOREFRONT_METRICS_ADDR", "9090"}, {"STOREFRONT_METRICS_ADDR", "localhost:http"}, {"STOREFRONT_METRICS_ADDR", "127.0.0.1:70000"},
		{"STOREFRONT_MEMORY_LIMIT", "lots"}, {"STOREFRONT_MEMORY_LIMIT", "-5MiB"}, {"STOREFRONT_MEMORY_LIMIT", "200XB"}, {"STOREFRONT_MEMORY_LIMIT", "MiB"},
		{"STOREFRONT_SMTP_URL", "http://127.0.0.1:25"}, {"STOREFRONT_SHOP_URL", "ftp://shop.example"}, {"STOREFRONT_SHOP_URL", "https://shop.example/?x=1"}, {"STOREFRONT_SMTP_URL", "smtp://127.0.0.1:99999"},
	} {
		_, err := LoadConfig(env(map[string]string{tc.name: tc.value}))
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("LoadConfig(%s=%s) = %v; want an error naming it", tc.name, tc.value, err)
		}
	}
}

// "off" turns the metrics listener off: the program reads an empty
// STOREFRONT_METRICS_ADDR so (cmd/storefront), and port 0 picks a free one.
func TestLoadConfigMetricsAddr(t *testing.T) {
	for _, addr := range []string{MetricsOff, "127.0.0.1:0", "[::1]:9090", ":9090"} {
		cfg, err := LoadConfig(env(map[string]string{MetricsAddrVar: addr}))
		if err != nil || cfg.MetricsAddr != addr {
			t.Errorf("LoadConfig(%s=%s) = %q, %v; want %q", MetricsAddrVar, addr, cfg.MetricsAddr, err, addr)
		}
	}
}
