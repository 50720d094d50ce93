// Package metrics exports the server's figures to Prometheus: HTTP
// requests by route and status class, logins and token refreshes by
// outcome, live sessions, the mail queue, the database pool and the Go
// runtime. `serve --metrics-addr` serves them on a listener of their own,
// off by default, so they are never public by accident.
//
// The request path pays for one map lookup and two atomic updates per
// request (ObserveRequest); everything else is read when Prometheus
// scrapes, from counters the other packages keep anyway (auth.Stats,
// mail.QueueStats, sql.DBStats), and the live-session count is a query
// made at most once per liveSessionsEvery.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authkit/authkit/server/auth"
	"github.com/authkit/authkit/server/mail"
	"github.com/authkit/authkit/server/store"
)

// Sources are what the metrics are read from.
type Sources struct {
	Auth  *auth.Service
	Store *store.Store
	// Mail is the outgoing mail queue; nil leaves its metrics out.
	Mail *mail.Queue
	// Version labels authkit_build_info.
	Version string
	// Now is the clock of the live-session count; time.Now when nil.
	Now func() time.Time
}

// Metrics holds the registry and the request metrics. Safe for
// concurrent use.
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	routes    sync.Map // route pattern → *routeMetrics
}

// routeMetrics are one route's series, one pair per status class
// (statusClasses), made on first use so routes list only the classes
// they answered with (and the 5xx counter, which ExpectRoutes makes
// ahead).
type routeMetrics [6]atomic.Pointer[classMetrics]

type classMetrics struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// durationBuckets span a cached read (well under a millisecond) to a
// login queued behind argon2id (hundreds of milliseconds) and a slow
// database.
var durationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// New registers every metric on a registry of its own.
func New(src Sources) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authkit_http_requests_total",
			Help: "HTTP requests served, by route pattern (the ServeMux pattern that matched; \"unmatched\" for none) and status class.",
		}, []string{"route", "status_class"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "authkit_http_request_duration_seconds",
			Help:    "Time from the request's arrival at the handler to its response, by route pattern and status class.",
			Buckets: durationBuckets,
		}, []string{"route", "status_class"}),
	}
	m.registry.MustRegister(
		m.requests, m.durations,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(src.Store.DB().DB, "authkit"),
		newAuthCollector(src),
	)
	return m
}

// Handler serves the metrics in Prometheus's exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry is where the metrics are registered; a fork adds its own here.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// ObserveRequest counts one request and its duration. route is the
// pattern that matched (http.Request.Pattern), so the label set stays as
// small as the route table whatever paths clients send.
func (m *Metrics) ObserveRequest(route string, status int, elapsed time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	rm, ok := m.routes.Load(route)
	if !ok {
		rm, _ = m.routes.LoadOrStore(route, new(routeMetrics))
	}
	class := status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	slot := &rm.(*routeMetrics)[class]
	c := slot.Load()
	if c == nil {
		label := statusClasses[class]
		c = &classMetrics{requests: m.requests.WithLabelValues(route, label), duration: m.durations.WithLabelValues(route, label)}
		slot.CompareAndSwap(nil, c) // a racing twin holds the same series
	}
	c.requests.Inc()
	c.duration.Observe(elapsed.Seconds())
}

// ExpectRoutes makes each route's 5xx request counter now, at 0, so
// rate() and increase() over it (the README's 5xx alert) see the route's
// first failure: a series that appears with its first sample has no
// earlier one to rise from, and the first 5xx would be lost. Only that
// one series per route is made ahead (not the other classes, nor the
// histogram's 16), which keeps an idle server's request series to the
// number of its routes. routes are the patterns the server will report
// (httpapi.API.RoutePatterns).
func (m *Metrics) ExpectRoutes(routes []string) {
	for _, route := range routes {
		m.requests.WithLabelValues(route, statusClasses[5])
	}
}

// statusClasses are the values of the status_class label, by the
// status's hundreds; "other" is a status of 600 or more (net/http takes
// up to 999), which only a fork's handler would send. 1xx is only ever
// 101 Switching Protocols: an informational answer before the final one
// is not the status (httpapi's statusRecorder). The README's metrics
// table lists the same values (TestREADMEMetricsTableMatchesScrape).
var statusClasses = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// authCollector reads the service's counters, the mail queue and the
// live-session count at scrape time.
type authCollector struct {
	src       Sources
	buildInfo *prometheus.Desc
	logins    *prometheus.Desc
	refreshes *prometheus.Desc
	live      *prometheus.Desc
	mailDepth *prometheus.Desc
	mailCap   *prometheus.Desc
	mailSent  *prometheus.Desc
	mailFail  *prometheus.Desc
	mailDrop  *prometheus.Desc

	liveMu    sync.Mutex
	liveN     int64
	liveAt    time.Time // when liveN was counted; zero until the first count
	liveTried time.Time
}

// liveSessionsEvery is how often scrapes recount the live sessions (a
// full read of the sessions table); in between they repeat the last
// count.
const liveSessionsEvery = 30 * time.Second

func newAuthCollector(src Sources) *authCollector {
	if src.Now == nil {
		src.Now = time.Now
	}
	return &authCollector{
		src:       src,
		buildInfo: prometheus.NewDesc("authkit_build_info", "Always 1; the version label says which build is running.", []string{"version"}, nil),
		logins:    prometheus.NewDesc("authkit_logins_total", "Password checks (login and the token endpoint) by outcome: ok, failed (invalid credentials) or throttled.", []string{"outcome"}, nil),
		refreshes: prometheus.NewDesc("authkit_token_refreshes_total", "Token refreshes, by outcome: rotated, raced (another tab spent the token a moment ago), reuse_detected (spent before: the session was revoked), refused (unknown, expired or of an ended session) or missing (no token: a browser without a refresh cookie).", []string{"outcome"}, nil),
		live:      prometheus.NewDesc("authkit_sessions_live", "Sessions neither revoked nor expired, counted at most every 30 s.", nil, nil),
		mailDepth: prometheus.NewDesc("authkit_mail_queue_depth", "Mails not delivered yet: queued, being sent, or waiting to retry.", nil, nil),
		mailCap:   prometheus.NewDesc("authkit_mail_queue_capacity", "How many mails may wait in the queue before new ones are dropped.", nil, nil),
		mailSent:  prometheus.NewDesc("authkit_mail_sent_total", "Mails delivered.", nil, nil),
		mailFail:  prometheus.NewDesc("authkit_mail_send_failures_total", "Failed delivery attempts, retried or not.", nil, nil),
		mailDrop:  prometheus.NewDesc("authkit_mail_dropped_total", "Mails lost: queue_full (refused on arrival) or gave_up (every attempt failed).", []string{"reason"}, nil),
	}
}

func (c *authCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.buildInfo, c.logins, c.refreshes, c.live} {
		ch <- d
	}
	if c.src.Mail != nil {
		for _, d := range []*prometheus.Desc{c.mailDepth, c.mailCap, c.mailSent, c.mailFail, c.mailDrop} {
			ch <- d
		}
	}
}

func (c *authCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	ch <- prometheus.MustNewConstMetric(c.buildInfo, prometheus.GaugeValue, 1, c.src.Version)

	s := c.src.Auth.Stats()
	counter(c.logins, s.Logins.OK, "ok")
	counter(c.logins, s.Logins.Failed, "failed")
	counter(c.logins, s.Logins.Throttled, "throttled")
	counter(c.refreshes, s.Refreshes.Rotated, "rotated")
	counter(c.refreshes, s.Refreshes.Raced, "raced")
	counter(c.refreshes, s.Refreshes.ReuseDetected, "reuse_detected")
	counter(c.refreshes, s.Refreshes.Refused, "refused")
	counter(c.refreshes, s.Refreshes.Missing, "missing")

	if n, ok := c.liveSessions(); ok {
		gauge(c.live, float64(n))
	}

	if q := c.src.Mail; q != nil {
		m := q.Stats()
		gauge(c.mailDepth, float64(m.Depth))
		gauge(c.mailCap, float64(m.Capacity))
		counter(c.mailSent, m.Sent)
		counter(c.mailFail, m.Failures)
		counter(c.mailDrop, m.Dropped, "queue_full")
		counter(c.mailDrop, m.GaveUp, "gave_up")
	}
}

// liveSessions returns the live-session count, recounting when the last
// attempt is older than liveSessionsEvery. A failed count keeps the last
// good one (a scrape should not fail with the database); before any
// good count there is no value to report.
func (c *authCollector) liveSessions() (int64, bool) {
	c.liveMu.Lock()
	defer c.liveMu.Unlock()
	now := c.src.Now()
	if c.liveTried.IsZero() || now.Sub(c.liveTried) >= liveSessionsEvery {
		c.liveTried = now
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		n, err := c.src.Store.CountLiveSessions(ctx, now.UTC())
		cancel()
		if err == nil {
			c.liveN, c.liveAt = n, now
		}
	}
	return c.liveN, !c.liveAt.IsZero()
}
