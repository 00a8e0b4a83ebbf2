package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// benchRouter is the whole router in process, as routes' benchmarks build it,
// with the revocation list in auth.Config when list is not nil.
func benchRouter(b *testing.B, hanko *authtest.Server, list *Revocations) *gin.Engine {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	cfg := auth.Config{HankoAPIURL: hanko.URL, CacheSize: auth.DefaultCacheSize, SessionCheckTTL: auth.DefaultSessionCheckTTL, Logger: quiet()}
	if list != nil {
		cfg.Revocations = list
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
	return routes.New(routes.Deps{Auth: a, Store: db, AllowedOrigins: []string{"http://localhost:5173"}, Logger: quiet()})
}

type discard struct{ h http.Header }

func (w *discard) Header() http.Header         { return w.h }
func (w *discard) Write(p []byte) (int, error) { return len(p), nil }
func (w *discard) WriteHeader(int)             {}

// BenchmarkRevocationCost alternates requests to /api/public and
// /api/protected (a cached token) on a router without the list and one with
// a list of 100,000 revoked sessions and 10,000 revoked users, in one loop so
// a noisy moment slows all alike. It reports the protected/public ratio of
// each and the list's cost per protected request:
//
//	go test -run '^$' -bench RevocationCost ./features/webhooks/
func BenchmarkRevocationCost(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	hanko := authtest.NewServer()
	b.Cleanup(hanko.Close)
	list := NewRevocations(RevocationOptions{})
	until := time.Now().Add(time.Hour)
	for i := range 100_000 {
		list.add(Revocation{SessionID: fmt.Sprintf("session-%d", i), UserID: "u", Until: until})
	}
	for i := range 10_000 {
		list.add(Revocation{UserID: fmt.Sprintf("user-%d", i), Until: until})
	}
	off, on := benchRouter(b, hanko, nil), benchRouter(b, hanko, list)
	cookie := "theme=dark; hanko=" + hanko.Token(authtest.Session{Email: "ada@example.com"})
	public := httptest.NewRequest(http.MethodGet, "/api/public", nil)
	protected := httptest.NewRequest(http.MethodGet, "/api/protected", nil)
	public.Header.Set("Cookie", cookie)
	protected.Header.Set("Cookie", cookie)
	w := &discard{h: http.Header{}}
	routers := []*gin.Engine{off, on}
	requests := []*http.Request{public, protected}
	for _, r := range routers {
		for _, req := range requests {
			r.ServeHTTP(w, req)
		}
	}
	// Blocks of 256 rounds; the medians over blocks resist the bursts of a
	// shared machine better than one total.
	const block = 256
	var d [2][2]time.Duration // [list off/on][public/protected] in this block
	var without, with, cost []float64
	n := 0
	for b.Loop() {
		for i, r := range routers {
			for j, req := range requests {
				clear(w.h)
				t0 := time.Now()
				r.ServeHTTP(w, req)
				d[i][j] += time.Since(t0)
			}
		}
		if n++; n == block {
			without = append(without, float64(d[0][1])/float64(d[0][0]))
			with = append(with, float64(d[1][1])/float64(d[1][0]))
			cost = append(cost, float64(d[1][1]-d[0][1])/block)
			d, n = [2][2]time.Duration{}, 0
		}
	}
	if len(cost) == 0 {
		return
	}
	// As req/s ratios, the way scripts/bench.sh reports them: protected/public.
	b.ReportMetric(1/median(without), "protected/public-without")
	b.ReportMetric(1/median(with), "protected/public-with")
	b.ReportMetric(median(cost), "list-ns/op")
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}
