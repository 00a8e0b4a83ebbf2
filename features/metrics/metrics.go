// Package metrics is the metrics feature (docs/metrics.md): Prometheus
// metrics of the HTTP API, the auth middleware and the Go runtime, served at
// GET /metrics on a listener of its own (METRICS_ADDR), never on the public
// port. Other features count through app.Hooks.Counter, which this feature
// provides, so that only this package imports Prometheus.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/routes"
)

// unmatchedRoute is the route label of requests that match no route (404s,
// 405s, CORS preflights answered before routing). Raw paths never become
// labels: anyone could create a new series per request with them.
const unmatchedRoute = "unmatched"

// decisionResults are the values of hanko_gin_auth_decisions_total's result
// label: "ok", or the error code auth refused the request with ("forbidden"
// is a role check's refusal).
var decisionResults = []string{"ok", auth.CodeUnauthorized, auth.CodeInvalidToken, auth.CodeAuthUnavailable, auth.CodeForbidden}

// Metrics holds the API's Prometheus metrics on a registry of its own (never
// the global default one). Build it with NewMetrics, pass ObserveSessionCheck
// as auth.Config.OnSessionCheck, put Middleware first on the router, and
// serve Handler on a listener of its own (Feature does all that). A Metrics
// serves one router.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec        // method, route, status
	durations   *prometheus.HistogramVec      // method, route
	decisions   map[string]prometheus.Counter // the known results, created up front
	decisionVec *prometheus.CounterVec
	sessions    map[string]prometheus.Observer // by session-check outcome
	attached    atomic.Bool                    // set by Middleware: a Metrics serves one router
}

// NewMetrics registers the HTTP, auth, Go runtime and process metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hanko_gin_http_requests_total",
			Help: "HTTP requests answered, by method, route template (\"unmatched\" for no route) and status.",
		}, []string{"method", "route", "status"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hanko_gin_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route template.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		decisions: map[string]prometheus.Counter{},
		sessions:  map[string]prometheus.Observer{},
	}
	m.decisionVec = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "hanko_gin_auth_decisions_total",
		Help: "Requests judged by the auth middleware, one per request, by result: ok (let through) or the error code it refused with.",
	}, []string{"result"})
	for _, r := range decisionResults {
		m.decisions[r] = m.decisionVec.WithLabelValues(r) // every result is exported from the start, at 0
	}
	sessions := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hanko_gin_auth_session_check_duration_seconds",
		Help: "Calls to Hanko's /sessions/validate (HANKO_SESSION_CHECK) by outcome (valid, invalid, unavailable) and how long they took; _count is the number of calls.",
		// A call gives up after 3s.
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"outcome"})
	for _, o := range []string{auth.SessionValid, auth.SessionInvalid, auth.SessionUnavailable} {
		m.sessions[o] = sessions.WithLabelValues(o)
	}
	m.reg.MustRegister(
		m.requests, m.durations, m.decisionVec, sessions,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// ObserveSessionCheck records one call to Hanko's /sessions/validate. It is
// meant for auth.Config.OnSessionCheck.
func (m *Metrics) ObserveSessionCheck(outcome string, latency time.Duration) {
	if o, ok := m.sessions[outcome]; ok {
		o.Observe(latency.Seconds())
	}
}

// Counter registers a counter with the given label names and returns the
// function that counts one event; it is app.CounterFunc, for other features'
// counters (app.Hooks.Counter). Label values must be bounded: set by code,
// never taken from a request as they are.
func (m *Metrics) Counter(name, help string, labels ...string) func(values ...string) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	m.reg.MustRegister(vec)
	return func(values ...string) { vec.WithLabelValues(values...).Inc() }
}

// CollectAuth exports a's counters (auth.Stats), read when metrics are
// scraped. Call it once.
func (m *Metrics) CollectAuth(a *auth.Authenticator) { m.reg.MustRegister(authCollector{a}) }

// Handler serves the metrics in Prometheus' text format at GET /metrics, and
// the usual JSON 404 for any other path. Serve it on METRICS_ADDR only: it
// must not be reachable from the public port.
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	metrics := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError, // a failing collector does not hide the others
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/metrics":
			writeJSONError(w, routes.ErrRouteNotFound)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			writeJSONError(w, routes.ErrMethodNotAllowed)
		default:
			metrics.ServeHTTP(w, r)
		}
	})
}

// writeJSONError writes the one error shape outside Gin.
func writeJSONError(w http.ResponseWriter, e *routes.Error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(`{"error":` + strconv.Quote(e.Code) + `,"message":` + strconv.Quote(e.Message) + `}`))
}

// Middleware counts and times every request, and counts the auth
// middleware's decision once per request, after every handler ran (a role
// check after RequireSession overrides its "ok"). Put it first on the router.
func (m *Metrics) Middleware() gin.HandlerFunc {
	if !m.attached.CompareAndSwap(false, true) {
		panic("metrics: a Metrics serves one router; call NewMetrics for each")
	}
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		method, route := boundedMethod(c.Request.Method), c.FullPath()
		if route == "" {
			route = unmatchedRoute
		}
		m.requests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
		m.durations.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		if d, ok := auth.DecisionFromContext(c); ok {
			if counter, known := m.decisions[d]; known {
				counter.Inc()
			} else {
				// A code that a middleware of your own refused with: set by
				// code, never by the request, so the label stays bounded.
				m.decisionVec.WithLabelValues(d).Inc()
			}
		}
	}
}

// boundedMethod is the method label: the standard methods as they are, any
// other token a client sends as "other".
func boundedMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut,
		http.MethodHead, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// authCollector exports auth.Stats, read once per scrape.
type authCollector struct{ a *auth.Authenticator }

var (
	descSignatureChecks = prometheus.NewDesc("hanko_gin_auth_signature_checks_total",
		"RSA signature checks: tokens not found in the verified-token cache.", nil, nil)
	descCacheHits = prometheus.NewDesc("hanko_gin_auth_cache_hits_total",
		"Tokens served from the verified-token cache, without a signature check.", nil, nil)
	descJWKSFetches = prometheus.NewDesc("hanko_gin_auth_jwks_fetches_total",
		"Fetches of Hanko's JWKS by outcome: ok (keys loaded) or error.", []string{"outcome"}, nil)
	descKeysLoaded = prometheus.NewDesc("hanko_gin_auth_jwks_keys_loaded",
		"Hanko signing keys loaded now; 0 means no session can be verified.", nil, nil)
	descChecksWaiting = prometheus.NewDesc("hanko_gin_auth_signature_checks_waiting",
		"Tokens waiting now for a signature-check slot: new tokens arrive faster than the bound on signature checks lets them be checked.", nil, nil)
	descChecksRefused = prometheus.NewDesc("hanko_gin_auth_signature_checks_refused_total",
		"Tokens refused with 503 auth_unavailable and Retry-After because no signature-check slot was free in time (queue full or deadline passed).", nil, nil)
)

func (authCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descSignatureChecks
	ch <- descCacheHits
	ch <- descJWKSFetches
	ch <- descKeysLoaded
	ch <- descChecksWaiting
	ch <- descChecksRefused
}

func (c authCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.a.Stats()
	ch <- prometheus.MustNewConstMetric(descSignatureChecks, prometheus.CounterValue, float64(s.SignatureChecks))
	ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(s.CacheHits))
	ch <- prometheus.MustNewConstMetric(descJWKSFetches, prometheus.CounterValue, float64(s.JWKSFetchesOK), "ok")
	ch <- prometheus.MustNewConstMetric(descJWKSFetches, prometheus.CounterValue, float64(s.JWKSFetchesFailed), "error")
	ch <- prometheus.MustNewConstMetric(descKeysLoaded, prometheus.GaugeValue, float64(s.KeysLoaded))
	ch <- prometheus.MustNewConstMetric(descChecksWaiting, prometheus.GaugeValue, float64(s.SignatureChecksWaiting))
	ch <- prometheus.MustNewConstMetric(descChecksRefused, prometheus.CounterValue, float64(s.SignatureChecksRefused))
}
