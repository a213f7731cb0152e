package processing

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the processor's Prometheus metrics. The wiring hands in the
// registry (the /metrics endpoint serves it); nil Metrics record nothing.
type Metrics struct {
	lag         prometheus.Gauge
	deadLetters prometheus.Counter
	handled     prometheus.Counter
}

// NewMetrics registers the processor's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "storefront_processor_lag_seconds",
			Help: "How long ago the order event the processor took last was written."}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{Name: "storefront_processor_dead_letters_total",
			Help: "Order events the processor gave up on and set aside for staff."}),
		handled: prometheus.NewCounter(prometheus.CounterOpts{Name: "storefront_processor_events_total",
			Help: "Order events the processor took."}),
	}
	reg.MustRegister(m.lag, m.deadLetters, m.handled)
	return m
}

// observe counts an event taken at now and sets the lag to its age; an
// event whose time the source did not give (zero) leaves the lag as it was.
func (m *Metrics) observe(now, written time.Time) {
	if m == nil {
		return
	}
	m.handled.Inc()
	if !written.IsZero() {
		m.lag.Set(max(now.Sub(written), 0).Seconds())
	}
}

func (m *Metrics) deadLettered() {
	if m != nil {
		m.deadLetters.Inc()
	}
}
