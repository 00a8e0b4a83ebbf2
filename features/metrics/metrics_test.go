package metrics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

const frontendOrigin = "http://localhost:5173"

// TestMain keeps Gin quiet (main sets release mode).
func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	m.Run()
}

// metricsEnv is the real router with metrics on, a stand-in Hanko and SQLite.
// Every exchange with the router is checked against the OpenAPI document.
type metricsEnv struct {
	router  http.Handler
	hanko   *authtest.Server
	store   store.Store
	metrics *Metrics
	scrape  http.Handler // what main serves on METRICS_ADDR
}

type request struct {
	method, path, body string
	header             map[string]string
}

func (e *metricsEnv) do(t *testing.T, r request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	return rec
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
	}
	return m
}

func newMetricsEnv(t *testing.T, cfg auth.Config) *metricsEnv {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := NewMetrics()
	cfg.HankoAPIURL, cfg.Logger, cfg.OnSessionCheck = hanko.URL, log, m.ObserveSessionCheck
	a, err := auth.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "todos.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m.CollectAuth(a)
	return &metricsEnv{
		router:  apptest.Validated(t, Feature{}, routes.New(routes.Deps{Auth: a, Store: db, AllowedOrigins: []string{frontendOrigin}, Logger: log, Middleware: []gin.HandlerFunc{m.Middleware()}})),
		hanko:   hanko,
		store:   db,
		metrics: m,
		scrape:  m.Handler(log),
	}
}

// get scrapes the metrics listener's handler.
func (e *metricsEnv) get(t *testing.T, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.scrape.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// exposition returns the text of one scrape.
func (e *metricsEnv) exposition(t *testing.T) string {
	t.Helper()
	rec := e.get(t, "GET", "/metrics")
	if rec.Code != 200 {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// value returns the sample of one series ("name{label=\"v\",...}", labels in
// alphabetical order as Prometheus writes them), 0 when it is absent.
func value(t *testing.T, text, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			if err != nil {
				t.Fatalf("series %s: %v", series, err)
			}
			return v
		}
	}
	return 0
}

func decision(result string) string { return `hanko_gin_auth_decisions_total{result="` + result + `"}` }

func TestMetricsCountOneAuthDecisionPerRequest(t *testing.T) {
	env := newMetricsEnv(t, auth.Config{CacheSize: auth.DefaultCacheSize})
	good := env.hanko.Token(authtest.Session{UserID: "user-1"})
	other := env.hanko.Token(authtest.Session{UserID: "user-2"})
	requests := []struct {
		name   string
		req    request
		status int
	}{
		{"good bearer", request{method: "GET", path: "/api/protected", header: map[string]string{"Authorization": "Bearer " + good}}, 200},
		{"good cookie", request{method: "GET", path: "/api/me", header: map[string]string{"Cookie": "theme=dark; hanko=" + good}}, 200},
		{"another good token", request{method: "GET", path: "/api/todos", header: map[string]string{"Authorization": "Bearer " + other}}, 200},
		{"garbage token", request{method: "GET", path: "/api/protected", header: map[string]string{"Authorization": "Bearer nope"}}, 401},
		{"tampered token", request{method: "GET", path: "/api/protected", header: map[string]string{"Cookie": "hanko=" + good + "x"}}, 401},
		{"missing token", request{method: "GET", path: "/api/protected"}, 401},
		// Requests that never reach the auth middleware count no decision.
		{"public route", request{method: "GET", path: "/api/public", header: map[string]string{"Authorization": "Bearer " + good}}, 200},
		{"unknown route", request{method: "GET", path: "/api/nope", header: map[string]string{"Authorization": "Bearer nope"}}, 404},
	}
	before := env.exposition(t)
	for _, r := range requests {
		if rec := env.do(t, r.req); rec.Code != r.status {
			t.Fatalf("%s: %d, want %d; %s", r.name, rec.Code, r.status, rec.Body)
		}
	}
	after := env.exposition(t)
	for result, want := range map[string]float64{"ok": 3, "invalid_token": 2, "unauthorized": 1, "auth_unavailable": 0, "forbidden": 0} {
		if !strings.Contains(before, decision(result)+" 0") {
			t.Errorf("%s is not exported at 0 before any request", decision(result))
		}
		if got := value(t, after, decision(result)) - value(t, before, decision(result)); got != want {
			t.Errorf("%s moved by %v, want %v", decision(result), got, want)
		}
	}
	for series, want := range map[string]float64{
		`hanko_gin_http_requests_total{method="GET",route="/api/protected",status="200"}`:    1,
		`hanko_gin_http_requests_total{method="GET",route="/api/protected",status="401"}`:    3,
		`hanko_gin_http_requests_total{method="GET",route="/api/todos",status="200"}`:        1,
		`hanko_gin_http_requests_total{method="GET",route="/api/public",status="200"}`:       1,
		`hanko_gin_http_requests_total{method="GET",route="unmatched",status="404"}`:         1,
		`hanko_gin_http_request_duration_seconds_count{method="GET",route="/api/protected"}`: 4,
		// The auth counters: good and other verified once each, good again
		// from the cache; the tampered signature does not even decode.
		`hanko_gin_auth_signature_checks_total`:              2,
		`hanko_gin_auth_cache_hits_total`:                    1,
		`hanko_gin_auth_jwks_fetches_total{outcome="ok"}`:    1,
		`hanko_gin_auth_jwks_fetches_total{outcome="error"}`: 0,
		`hanko_gin_auth_jwks_keys_loaded`:                    1,
		`hanko_gin_auth_signature_checks_waiting`:            0,
		`hanko_gin_auth_signature_checks_refused_total`:      0,
	} {
		if got := value(t, after, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

// Two auth middlewares on one request (as OptionalSession then a stricter
// check) still count one decision: the last one.
func TestMetricsCountTheLastDecisionOnce(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: hanko.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	r := gin.New()
	m.CollectAuth(a)
	r.Use(m.Middleware())
	r.GET("/both", a.OptionalSession(), a.RequireSession(), func(c *gin.Context) { c.Status(204) })
	token := hanko.Token(authtest.Session{})
	for _, rq := range []struct {
		header string
		status int
	}{{"", 401}, {"Bearer " + token, 204}, {"Bearer " + token + "x", 401}} {
		req := httptest.NewRequest("GET", "/both", nil)
		if rq.header != "" {
			req.Header.Set("Authorization", rq.header)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != rq.status {
			t.Fatalf("%q: %d, want %d", rq.header, rec.Code, rq.status)
		}
	}
	rec := httptest.NewRecorder()
	m.Handler(slog.Default()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for result, want := range map[string]float64{"ok": 1, "unauthorized": 1, "invalid_token": 1} {
		if got := value(t, rec.Body.String(), decision(result)); got != want {
			t.Errorf("%s = %v, want %v", decision(result), got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a second router on the same Metrics did not panic (its series would mix)")
		}
	}()
	m.Middleware()
}

var labelValue = regexp.MustCompile(`(\w+)="([^"]*)"`)

// labelValues returns the values each label of a metric takes in a scrape.
func labelValues(text, metric string) map[string][]string {
	seen := map[string]map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, metric+"{") {
			continue
		}
		for _, m := range labelValue.FindAllStringSubmatch(line, -1) {
			if seen[m[1]] == nil {
				seen[m[1]] = map[string]bool{}
			}
			seen[m[1]][m[2]] = true
		}
	}
	out := map[string][]string{}
	for label, vals := range seen {
		for v := range vals {
			out[label] = append(out[label], v)
		}
		sort.Strings(out[label])
	}
	return out
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestMetricsRandomPathsAddNoRouteLabels(t *testing.T) {
	env := newMetricsEnv(t, auth.Config{})
	env.do(t, request{method: "GET", path: "/no/such/route"}) // "unmatched" exists from here on
	before := env.exposition(t)
	methods := []string{"GET", "POST", "DELETE", "BREW", "PROPFIND", "M-" + randomHex(t, 4)}
	var paths []string
	for i := range 60 {
		p := "/" + randomHex(t, 8)
		if i%3 == 1 {
			p = "/api/todos/" + randomHex(t, 8) + "/" + randomHex(t, 4) // under a real prefix
		}
		paths = append(paths, p)
		req := httptest.NewRequest(methods[i%len(methods)], p+"?q="+randomHex(t, 4), nil)
		rec := httptest.NewRecorder()
		env.router.ServeHTTP(rec, req)
		if rec.Code != 404 && rec.Code != 405 {
			t.Fatalf("%s %s answered %d", req.Method, p, rec.Code)
		}
	}
	after := env.exposition(t)
	for _, metric := range []string{"hanko_gin_http_requests_total", "hanko_gin_http_request_duration_seconds_count"} {
		routesBefore, routesAfter := labelValues(before, metric)["route"], labelValues(after, metric)["route"]
		if strings.Join(routesBefore, " ") != strings.Join(routesAfter, " ") {
			t.Errorf("%s route values changed:\n before %v\n after  %v", metric, routesBefore, routesAfter)
		}
		for _, m := range labelValues(after, metric)["method"] {
			if boundedMethod(m) != m {
				t.Errorf("%s has method label %q", metric, m)
			}
		}
	}
	if got := labelValues(after, "hanko_gin_http_requests_total")["method"]; !strings.Contains(strings.Join(got, " "), "other") {
		t.Errorf("unknown methods are not counted as \"other\": %v", got)
	}
	if n := value(t, after, `hanko_gin_http_requests_total{method="GET",route="unmatched",status="404"}`); n < 2 {
		t.Errorf("unmatched GETs counted %v times", n)
	}
	for _, p := range paths {
		if strings.Contains(after, p) {
			t.Fatalf("raw path %s appears in the metrics", p)
		}
	}
}

func TestMetricsNeverContainTokensOrCookies(t *testing.T) {
	env := newMetricsEnv(t, auth.Config{CacheSize: auth.DefaultCacheSize, SessionCheck: true, SessionCheckTTL: auth.DefaultSessionCheckTTL})
	token := env.hanko.Token(authtest.Session{UserID: "user-with-secret"})
	secretCookie := "other-cookie-" + randomHex(t, 8)
	for _, r := range []request{
		{method: "GET", path: "/api/protected", header: map[string]string{"Authorization": "Bearer " + token}},
		{method: "GET", path: "/api/me", header: map[string]string{"Cookie": "x=" + secretCookie + "; hanko=" + token}},
		{method: "GET", path: "/api/protected", header: map[string]string{"Cookie": "hanko=" + token + "x"}},
		{method: "GET", path: "/" + token},
		{method: "GET", path: "/api/public?token=" + token},
	} {
		env.do(t, r)
	}
	text := env.exposition(t)
	sig := token[strings.LastIndex(token, ".")+1:]
	payload := strings.Split(token, ".")[1]
	for what, secret := range map[string]string{"token signature": sig, "token payload": payload[:40], "cookie": secretCookie, "user id": "user-with-secret"} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s appears in the metrics", what)
		}
	}
	// The session check called Hanko (and was timed) once for the good token,
	// whose answer the second request reused.
	if got := value(t, text, `hanko_gin_auth_session_check_duration_seconds_count{outcome="valid"}`); got != 1 {
		t.Errorf("session checks counted %v, want 1", got)
	}
}

func TestMetricsHandlerServesTextFormat(t *testing.T) {
	env := newMetricsEnv(t, auth.Config{})
	env.do(t, request{method: "GET", path: "/api/public"})
	rec := env.get(t, "GET", "/metrics")
	if ct := rec.Header().Get("Content-Type"); rec.Code != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d, Content-Type %q", rec.Code, ct)
	}
	for _, want := range []string{
		"# TYPE hanko_gin_auth_decisions_total counter",
		"# TYPE hanko_gin_http_requests_total counter",
		"# TYPE hanko_gin_http_request_duration_seconds histogram",
		"# TYPE hanko_gin_auth_session_check_duration_seconds histogram",
		"# TYPE hanko_gin_auth_jwks_keys_loaded gauge",
		`hanko_gin_http_request_duration_seconds_bucket{method="GET",route="/api/public",le="+Inf"} 1`,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the scrape lacks %q", want)
		}
	}
	for _, tt := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/", 404, "not_found"},
		{"GET", "/metrics/", 404, "not_found"},
		{"POST", "/metrics", 405, "method_not_allowed"},
	} {
		rec := env.get(t, tt.method, tt.path)
		if rec.Code != tt.status || decodeBody(t, rec)["error"] != tt.code {
			t.Errorf("%s %s: %d %s, want %d %s", tt.method, tt.path, rec.Code, rec.Body, tt.status, tt.code)
		}
	}
}

func TestMetricsAreNotOnThePublicRouter(t *testing.T) {
	env := newMetricsEnv(t, auth.Config{})
	for _, path := range []string{"/metrics", "/api/metrics"} {
		rec := env.do(t, request{method: "GET", path: path})
		if rec.Code != 404 || decodeBody(t, rec)["error"] != "not_found" || strings.Contains(rec.Body.String(), "hanko_gin_") {
			t.Errorf("GET %s on the public router: %d %s", path, rec.Code, rec.Body)
		}
	}
}

// Other features' counters (app.Hooks.Counter, e.g. a count of webhook
// deliveries) count on the metrics registry once metrics provide them,
// whether they were asked for before or after.
func TestMetricsProvideCounters(t *testing.T) {
	m := NewMetrics()
	h := &app.Hooks{}
	before := h.Counter("hanko_gin_test_before_total", "Asked for before metrics.", "event", "outcome")
	h.ProvideCounters(m.Counter)
	after := h.Counter("hanko_gin_test_after_total", "Asked for after metrics.", "kind")
	before("user.delete", "deleted")
	before("user.delete", "deleted")
	after("x")
	rec := httptest.NewRecorder()
	m.Handler(slog.Default()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for series, want := range map[string]float64{
		`hanko_gin_test_before_total{event="user.delete",outcome="deleted"}`: 2,
		`hanko_gin_test_after_total{kind="x"}`:                               1,
	} {
		if got := value(t, rec.Body.String(), series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

// Without metrics, a counter counts nothing and costs nothing.
func TestCounterWithoutMetrics(t *testing.T) {
	h := &app.Hooks{}
	h.Counter("hanko_gin_test_total", "No provider.", "x")("y") // must not panic
}
