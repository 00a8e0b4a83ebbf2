package webhooks

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// benchRouter is the whole router in process, as routes' benchmarks build it,
// with the revocation list in auth.Config when list is not nil. It is not
// wrapped in apptest.Validated (the route tests are): the check would be
// timed with the handlers.
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
		list.add(Revocation{SessionID: benchUUID(1, i), UserID: "u", Until: until})
	}
	for i := range 10_000 {
		list.add(Revocation{UserID: benchUUID(2, i)})
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

// benchUUID is the kth UUID of a kind, in Hanko's lowercase form.
func benchUUID(kind, k int) string {
	return fmt.Sprintf("%08x-0000-4000-8%03x-%012x", k, kind, k)
}

// BenchmarkRevocationReload fills a database with 1,000,000 revoked sessions
// (and 10,000 deleted users), loads them into a list, and reports what one
// entry takes in memory (bytes/entry: heap after the load less before,
// over the entries), the CPU of the full load (full-load-cpu-ms), and the CPU
// of one incremental read that finds 10 changes among them
// (reload-cpu-us/op), which is what every replica does every second while
// push is not proven, and every minute anyway:
//
//	go test -run '^$' -bench RevocationReload -benchtime 20x ./features/webhooks/
func BenchmarkRevocationReload(b *testing.B) {
	const sessions, users = 1_000_000, 10_000
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "reload.db"), storeOptions()...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	err = store.WithWriteTx(ctx, s, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
			INSERT INTO revoked_sessions (session_id, user_id, revoked_at, keep_until)
			SELECT printf('%08x-0000-4000-8001-%012x', i, i), printf('%08x-0000-4000-8003-%012x', i % 1000, i % 1000),
			       '2026-01-01T00:00:00.000000Z', '2999-01-01T00:00:00.000000Z' FROM n`, sessions); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
			INSERT INTO revoked_users (user_id, revoked_at)
			SELECT printf('%08x-0000-4000-8002-%012x', i, i), '2026-01-01T00:00:00.000000Z' FROM n`, users)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := NewRevocations(RevocationOptions{Logger: quiet()})
	cpu := processCPU()
	if err := l.Load(ctx, s); err != nil {
		b.Fatal(err)
	}
	fullCPU := processCPU() - cpu
	runtime.GC()
	runtime.ReadMemStats(&after)
	if l.Len() != sessions+users {
		b.Fatalf("%d entries, want %d", l.Len(), sessions+users)
	}
	perEntry := float64(after.HeapAlloc-before.HeapAlloc) / float64(l.Len())
	runtime.KeepAlive(l)

	until := time.Now().Add(time.Hour)
	var reloadCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for k := range 10 {
			if _, err := revokeSession(ctx, s, benchUUID(9, i*10+k), benchUUID(3, 1), until); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		cpu := processCPU()
		if err := l.Reload(ctx, s); err != nil {
			b.Fatal(err)
		}
		reloadCPU += processCPU() - cpu
	}
	b.StopTimer()
	if want := sessions + users + 10*b.N; l.Len() != want {
		b.Fatalf("%d entries after the reloads, want %d", l.Len(), want)
	}
	b.ReportMetric(perEntry, "bytes/entry")
	b.ReportMetric(float64(fullCPU.Milliseconds()), "full-load-cpu-ms")
	b.ReportMetric(float64(reloadCPU.Microseconds())/float64(b.N), "reload-cpu-us/op")
}

// processCPU is the CPU time (user and system) this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
