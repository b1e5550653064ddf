package mailin

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskd/deskd/tickets"
)

// The mail reader's metrics. They are declared here, beside the code they measure, and
// registered by the binary with the registry it serves (Metrics).
var (
	metricMails = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deskd_ingest_mails_total",
		Help: "Mails read from the inbox and committed, by verdict.",
	}, []string{"verdict"}) // person, auto-reply, bounce, feedback, bulk, loop
	metricOutcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deskd_ingest_outcomes_total",
		Help: "What the desk did with the mails read, by action; failed: left for a retry.",
	}, []string{"action"}) // opened, appended, reply, command, rejected, duplicate, ignored, recorded, failed
	metricIngestSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "deskd_ingest_seconds",
		Help:    "Time to commit a batch of mails into the desk, from the call to its commit.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	metricConnected = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "deskd_imap_connected",
		Help: "1 while a session with the inbox is up, else 0.",
	})
)

// Metrics returns the mail reader's metrics, for the binary to register.
func Metrics() []prometheus.Collector {
	return []prometheus.Collector{metricMails, metricOutcomes, metricIngestSeconds, metricConnected}
}

// countOutcome records what the desk did with a mail.
func countOutcome(in *tickets.Incoming, o tickets.Outcome) {
	if o.Err != nil {
		metricOutcomes.WithLabelValues("failed").Inc()
		return
	}
	v := string(in.Verdict)
	if v == "" {
		v = string(tickets.VerdictPerson)
	}
	metricMails.WithLabelValues(v).Inc()
	metricOutcomes.WithLabelValues(o.Action).Inc()
}
