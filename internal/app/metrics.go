package app

import (
	"net"
	"strconv"

	"storefront/internal/shop"
)

// MetricsAddrVar names the variable of the metrics listener's address
// (CONTRACT.md, "Metrics").
const MetricsAddrVar = "STOREFRONT_METRICS_ADDR"

// MetricsOff turns the metrics listener off. CONTRACT.md says an empty
// STOREFRONT_METRICS_ADDR does, but a getenv cannot tell an empty variable
// from an unset one (which takes the default address): the program's
// environment reader (cmd/storefront) hands an empty one over as
// MetricsOff, and tests, whose environments are maps, set it directly.
const MetricsOff = "off"

// validMetricsAddr reports whether addr is MetricsOff or host:port with a
// port number (0 picks a free one).
func validMetricsAddr(addr string) bool {
	if addr == MetricsOff {
		return true
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}

// instrumentStores wraps the store and the photos' store so that each of
// their calls is counted (storefront_store_calls_total). On SQLite the
// store keeps the photos itself, and the service finds them by asking the
// store for shop.ImageStore, which the wrapper does not answer: they are
// taken from the store before it is wrapped, and handed over as Images.
func (a *App) instrumentStores() {
	if a.Images == nil {
		a.Images, _ = a.Store.(shop.ImageStore)
	}
	if a.Images != nil {
		a.Images = a.Metrics.InstrumentImages(a.Images)
	}
	a.Store = a.Metrics.InstrumentStore(a.Store)
}
