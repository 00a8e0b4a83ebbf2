package metrics

// Benchmarks of the whole router with metrics on (the middleware first), in
// process, beside routes/bench_test.go's without:
//
//	go test -run '^$' -bench . -benchmem ./features/metrics/
import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

func benchRouter(b *testing.B, cfg auth.Config, metrics *Metrics) (*gin.Engine, *authtest.Server) {
	b.Helper()
	hanko := authtest.NewServer()
	b.Cleanup(hanko.Close)
	return benchRouterOn(b, hanko, cfg, metrics), hanko
}

// benchRouterOn builds the router against a given stand-in Hanko; metrics may be nil.
// It is not wrapped in apptest.Validated (the route tests are): the check
// would be timed with the handlers.
func benchRouterOn(b *testing.B, hanko *authtest.Server, cfg auth.Config, metrics *Metrics) *gin.Engine {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	// Logging on, as in production, into a discarding JSON handler.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg.HankoAPIURL, cfg.Logger = hanko.URL, log
	var mw []gin.HandlerFunc
	if metrics != nil {
		cfg.OnSessionCheck = metrics.ObserveSessionCheck
		mw = append(mw, metrics.Middleware())
	}
	a, err := auth.New(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if metrics != nil {
		metrics.CollectAuth(a)
	}
	return routes.New(routes.Deps{Auth: a, Store: db, AllowedOrigins: []string{"http://localhost:5173"}, Logger: log, Middleware: mw})
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchRoute(b *testing.B, cfg auth.Config, path string, metrics *Metrics) {
	r, hanko := benchRouter(b, cfg, metrics)
	token := hanko.Token(authtest.Session{Email: "ada@example.com"})
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Cookie", "theme=dark; hanko="+token)
	w := &discardWriter{h: http.Header{}}
	r.ServeHTTP(w, req)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		r.ServeHTTP(w, req)
	}
}

// cached is the recommended configuration: both caches on.
var cached = auth.Config{CacheSize: auth.DefaultCacheSize, SessionCheckTTL: auth.DefaultSessionCheckTTL}

// The same two routes with METRICS_ADDR set (metrics middleware on).
func BenchmarkRouterPublicMetrics(b *testing.B) { benchRoute(b, cached, "/api/public", NewMetrics()) }
func BenchmarkRouterProtectedHitMetrics(b *testing.B) {
	benchRoute(b, cached, "/api/protected", NewMetrics())
}

// BenchmarkMetricsCost alternates the protected route without and with
// metrics inside one loop (two routers, one Hanko, the same token), so that a
// noisy moment on a shared machine slows both alike, and reports the ratio
// and the difference per request.
func BenchmarkMetricsCost(b *testing.B) {
	hanko := authtest.NewServer()
	b.Cleanup(hanko.Close)
	off := benchRouterOn(b, hanko, cached, nil)
	on := benchRouterOn(b, hanko, cached, NewMetrics())
	req := httptest.NewRequest(http.MethodGet, "/api/protected", nil)
	req.Header.Set("Cookie", "theme=dark; hanko="+hanko.Token(authtest.Session{Email: "ada@example.com"}))
	w := &discardWriter{h: http.Header{}}
	off.ServeHTTP(w, req)
	on.ServeHTTP(w, req)
	var tOff, tOn time.Duration
	for b.Loop() {
		clear(w.h)
		t0 := time.Now()
		off.ServeHTTP(w, req)
		t1 := time.Now()
		clear(w.h)
		on.ServeHTTP(w, req)
		tOn += time.Since(t1)
		tOff += t1.Sub(t0)
	}
	b.ReportMetric(float64(tOn)/float64(tOff), "on/off")
	b.ReportMetric(float64(tOn-tOff)/float64(b.N), "metrics-ns/op")
}
