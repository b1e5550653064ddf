package main

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/mailout"
)

// metrics is what /metrics serves, from a registry of this app's own: the Go runtime and the
// process; the mail reader's and the sender's metrics, declared in mailin and mailout beside the
// code they measure; the outbox's depth, read from the store when scraped; and the desk's
// counters, plain numbers kept by tickets (which knows nothing of Prometheus), exported here.
func (a *app) metrics() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(mailin.Metrics()...)
	reg.MustRegister(mailout.Metrics()...)
	reg.MustRegister(mailout.OutboxCollector(a.store))
	c := a.desk.Counters()
	counter := func(name, help string, v *atomic.Uint64, labels prometheus.Labels) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v.Load()) })
	}
	const commands = "Staff commands in mail: obeyed (each applied), refused (each mail refused)."
	reg.MustRegister(
		counter("deskd_tickets_opened_total", "Tickets opened, by mail or by hand.", &c.Opened, nil),
		counter("deskd_commands_total", commands, &c.CommandsObeyed, prometheus.Labels{"result": "obeyed"}),
		counter("deskd_commands_total", commands, &c.CommandsRefused, prometheus.Labels{"result": "refused"}),
		counter("deskd_escalations_total", "Escalations, by anyone.", &c.Escalations, nil),
		counter("deskd_sla_breaches_total", "Missed SLA deadlines the escalation job acted on.", &c.Breaches, nil),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
