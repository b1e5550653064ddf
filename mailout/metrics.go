package mailout

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The sender's metrics, declared beside the code they measure and registered by the binary with
// the registry it serves (Metrics, OutboxCollector).
var (
	metricSends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deskd_outbox_sends_total",
		Help: "Outbox mails settled, by result.",
	}, []string{"result"}) // sent, retry, failed, suppressed
	metricSendSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "deskd_outbox_send_seconds",
		Help:    "Time to hand one mail to the SMTP server (MAIL FROM to the end of DATA).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
)

// Metrics returns the sender's metrics, for the binary to register.
func Metrics() []prometheus.Collector { return []prometheus.Collector{metricSends, metricSendSeconds} }

func countSend(result string) { metricSends.WithLabelValues(result).Inc() }

// Depth tells how many mails wait in the outbox and since when the oldest waits; *tickets.Store
// implements it.
type Depth interface {
	OutboxDepth(ctx context.Context) (n int, oldest time.Time, err error)
}

// OutboxCollector reports the outbox's depth and the age of its oldest waiting mail, read from
// the store when scraped.
func OutboxCollector(d Depth) prometheus.Collector { return &outboxCollector{d: d} }

type outboxCollector struct{ d Depth }

var (
	descDepth  = prometheus.NewDesc("deskd_outbox_depth", "Mails waiting in the outbox.", nil, nil)
	descOldest = prometheus.NewDesc("deskd_outbox_oldest_age_seconds", "Age of the oldest mail waiting in the outbox; 0 when none waits.", nil, nil)
)

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descDepth; ch <- descOldest }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, oldest, err := c.d.OutboxDepth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descDepth, err)
		return
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, time.Since(oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(descDepth, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age)
}
