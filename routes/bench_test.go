package routes

// Benchmarks of the whole router (logging, CSRF, CORS, auth, handler) in
// process, with the cookie a signed-in browser sends on every route:
//
//	go test -run '^$' -bench . -benchmem ./routes/
import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/store"
)

func benchRouter(b *testing.B, cfg auth.Config) (*gin.Engine, *authtest.Server) {
	b.Helper()
	hanko := authtest.NewServer()
	b.Cleanup(hanko.Close)
	return benchRouterOn(b, hanko, cfg), hanko
}

// benchRouterOn builds the router against a given stand-in Hanko.
func benchRouterOn(b *testing.B, hanko *authtest.Server, cfg auth.Config) *gin.Engine {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	// Logging on, as in production, into a discarding JSON handler.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg.HankoAPIURL, cfg.Logger = hanko.URL, log
	a, err := auth.New(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return New(Deps{Auth: a, Store: db, AllowedOrigins: []string{"http://localhost:5173"}, Logger: log})
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchRoute(b *testing.B, cfg auth.Config, path string) {
	r, hanko := benchRouter(b, cfg)
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

func BenchmarkRouterPublic(b *testing.B) { benchRoute(b, cached, "/api/public") }

// Repeated token: verified-token cache hit.
func BenchmarkRouterProtectedHit(b *testing.B) { benchRoute(b, cached, "/api/protected") }

// Cache off: every request verifies the RSA signature (2048-bit stand-in key).
func BenchmarkRouterProtectedMiss(b *testing.B) {
	benchRoute(b, auth.Config{}, "/api/protected")
}

// Session check on, answer cached.
func BenchmarkRouterProtectedSessionCheckHit(b *testing.B) {
	c := cached
	c.SessionCheck = true
	benchRoute(b, c, "/api/protected")
}
