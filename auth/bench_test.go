package auth

// Benchmarks of the verification pipeline. Compare within one run:
//
//	go test -run '^$' -bench . -benchmem ./auth/
//
// BenchmarkVerifyCold_4096 against BenchmarkRSAVerifyPKCS1v15_4096 is the cost
// of everything around the signature check on a cache miss (target ≤ 1.15×).

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// benchKey4096 is an RSA-4096 key, the size real Hanko uses.
var benchKey4096 = sync.OnceValue(func() authtest.Key {
	return authtest.NewIssuer(authtest.WithKeyBits(4096)).SigningKey()
})

func benchKey(bits int) authtest.Key {
	if bits == 4096 {
		return benchKey4096()
	}
	return scKey()
}

// benchSession is shaped like a real Hanko session (email, amr, aud).
var benchSession = authtest.Session{Email: "ada@example.com", EmailVerified: true}

// benchEnv is a stand-in Hanko with the given key and an Authenticator for it.
func benchEnv(b *testing.B, bits int, edit func(*TestConfig)) (*authtest.Issuer, *Authenticator) {
	b.Helper()
	iss := authtest.NewIssuer(authtest.WithKey(benchKey(bits)))
	srv := httptest.NewServer(iss.Handler())
	b.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	cfg := TestConfig{HankoAPIURL: srv.URL, Logger: discardLogger}
	if edit != nil {
		edit(&cfg)
	}
	a, err := NewForTest(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Ready(ctx); err != nil {
		b.Fatal(err)
	}
	return iss, a
}

func benchRSAVerify(b *testing.B, bits int) {
	key := benchKey(bits)
	iss := authtest.NewIssuer(authtest.WithKey(key))
	verify := rsaFloor(b, iss.Token(benchSession), &key.Private.PublicKey)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		verify()
	}
}

// rsaFloor returns the least any verifier must do for token: hash the
// signing input and check the RSA signature.
func rsaFloor(b *testing.B, token string, pub *rsa.PublicKey) func() {
	i := strings.LastIndexByte(token, '.')
	sig, err := jwt.NewParser().DecodeSegment(token[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	return func() {
		h := sha256.Sum256([]byte(token[:i]))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// The floor: hashing the signing input and checking the RSA signature.
func BenchmarkRSAVerifyPKCS1v15_4096(b *testing.B) { benchRSAVerify(b, 4096) }
func BenchmarkRSAVerifyPKCS1v15_2048(b *testing.B) { benchRSAVerify(b, 2048) }

func benchVerifyCold(b *testing.B, bits int) {
	iss, a := benchEnv(b, bits, func(c *TestConfig) { c.SessionCacheSize = -1 })
	benchVerifyLoop(b, a, iss.Token(benchSession))
}

// benchVerifyLoop times Verify of one token, over and over.
func benchVerifyLoop(b *testing.B, a *Authenticator, token string) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// Full verification on every call (cache off): parse, key lookup, RSA, claims.
func BenchmarkVerifyCold_4096(b *testing.B) { benchVerifyCold(b, 4096) }
func BenchmarkVerifyCold_2048(b *testing.B) { benchVerifyCold(b, 2048) }

// BenchmarkColdOverRSA_4096 alternates the two measurements above inside one
// loop, so that a noisy moment on a shared machine slows both alike, and
// reports the ratio of full verification to the RSA check alone.
func BenchmarkColdOverRSA_4096(b *testing.B) {
	iss, a := benchEnv(b, 4096, func(c *TestConfig) { c.SessionCacheSize = -1 })
	token := iss.Token(benchSession)
	verifyFloor := rsaFloor(b, token, &iss.SigningKey().Private.PublicKey)
	ctx := context.Background()
	var cold, floor time.Duration
	for b.Loop() {
		t0 := time.Now()
		verifyFloor()
		t1 := time.Now()
		if _, err := a.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
		floor += t1.Sub(t0)
		cold += time.Since(t1)
	}
	b.ReportMetric(float64(cold)/float64(floor), "cold/rsa")
	b.ReportMetric(float64(cold-floor)/float64(b.N)/1e3, "overhead-µs/op")
}

// BenchmarkVerifyCacheHit: a browser's repeated requests with one token.
func BenchmarkVerifyCacheHit(b *testing.B) {
	iss, a := benchEnv(b, 4096, nil)
	token := iss.Token(benchSession)
	ctx := context.Background()
	if _, err := a.Verify(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Verify(ctx, token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifySessionCheckCached: session check on, answer cached.
func BenchmarkVerifySessionCheckCached(b *testing.B) {
	iss, a := benchEnv(b, 4096, func(c *TestConfig) { c.SessionCheck = true })
	token := iss.Token(benchSession)
	ctx := context.Background()
	if _, err := a.Verify(ctx, token); err != nil {
		b.Fatal(err)
	}
	benchVerifyLoop(b, a, token)
	if n := iss.ValidateCalls(); n != 1 {
		b.Fatalf("%d validate calls, want 1", n)
	}
}

// BenchmarkVerifySessionCheckRemote: session check on with no answer cache, so
// every call is a POST /sessions/validate over loopback (the stand-in's own
// RSA check included). This is what the answer cache saves.
func BenchmarkVerifySessionCheckRemote(b *testing.B) {
	iss, a := benchEnv(b, 2048, func(c *TestConfig) { c.SessionCheck = true; c.SessionCheckTTL = -1 })
	benchVerifyLoop(b, a, iss.Token(benchSession))
}

// benchCookieRequest is what a signed-in browser sends: the hanko cookie (about
// 1.1 KiB with a 4096-bit key) next to a couple of other cookies.
func benchCookieRequest(token string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/api/protected", nil)
	req.Header.Set("Cookie", "theme=dark; hanko="+token+"; _ga=GA1.1.123456789.1700000000")
	return req
}

func BenchmarkExtractCookie(b *testing.B) {
	iss := authtest.NewIssuer(authtest.WithKey(benchKey(4096)))
	token := iss.Token(benchSession)
	extract := FirstOf(FromAuthHeader, FromCookie("hanko"))
	req := benchCookieRequest(token)
	b.ReportAllocs()
	for b.Loop() {
		if got, _ := extract(req); got != token {
			b.Fatal("token not found")
		}
	}
}

func BenchmarkExtractBearer(b *testing.B) {
	iss := authtest.NewIssuer(authtest.WithKey(benchKey(4096)))
	token := iss.Token(benchSession)
	extract := FirstOf(FromAuthHeader, FromCookie("hanko"))
	req := httptest.NewRequest(http.MethodGet, "/api/protected", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	for b.Loop() {
		if got, _ := extract(req); got != token {
			b.Fatal("token not found")
		}
	}
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchMiddleware(b *testing.B, cacheSize int) {
	iss, a := benchEnv(b, 4096, func(c *TestConfig) { c.SessionCacheSize = cacheSize })
	r := gin.New()
	r.GET("/api/protected", a.RequireSession(), func(c *gin.Context) {
		c.Status(http.StatusNoContent)
	})
	req := benchCookieRequest(iss.Token(benchSession))
	w := &nopWriter{h: http.Header{}}
	r.ServeHTTP(w, req)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		r.ServeHTTP(w, req)
	}
}

// The Gin middleware with a cookie, on a cache hit and with the cache off.
func BenchmarkMiddlewareHit(b *testing.B)  { benchMiddleware(b, 0) }
func BenchmarkMiddlewareMiss(b *testing.B) { benchMiddleware(b, -1) }

// TestHeapBoundedMillionTokens sends HANKO_GIN_HEAP_TOKENS (e.g. 1000000)
// distinct valid tokens through RequireSession, with the session check on, and
// checks that the live heap stops growing once the caches are full. Slow, so
// only run when asked (scripts/bench.sh does).
//
// Every token is minted separately (its own user and session id) with a
// 1024-bit key so that signing a million of them takes minutes, not hours.
// Each one is a cache miss that does the full verification, the session check
// and two cache inserts. The stand-in Hanko answers each validate call with
// the answer for that very token.
func TestHeapBoundedMillionTokens(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HANKO_GIN_HEAP_TOKENS"))
	if n <= 0 {
		t.Skip("set HANKO_GIN_HEAP_TOKENS=1000000 to run (takes a minute or more)")
	}
	iss := authtest.NewIssuer(authtest.WithKeyBits(1024)) // cheap to verify; the caches are what is measured
	token := iss.Token(benchSession)
	jwks := iss.JWKS()
	var validateCalls atomic.Int64
	// In-process Hanko: no sockets, so the heap is the Authenticator's own.
	hanko := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		body := jwks
		if strings.HasSuffix(r.URL.Path, "/sessions/validate") {
			validateCalls.Add(1)
			var in struct {
				SessionToken string `json:"session_token"`
			}
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				return nil, err
			}
			body, _ = json.Marshal(iss.Validate(in.SessionToken))
		}
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := NewForTest(ctx, TestConfig{HankoAPIURL: "http://hanko.invalid", Logger: discardLogger, SessionCheck: true,
		HTTPClient: &http.Client{Transport: hanko}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.GET("/api/protected", a.RequireSession(), func(c *gin.Context) { c.Status(http.StatusNoContent) })

	variant := func(k int) string { // a distinct, validly signed token
		return iss.Token(authtest.Session{UserID: "user-" + strconv.Itoa(k), SessionID: "session-" + strconv.Itoa(k)})
	}
	send := func(tok string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/protected", nil)
		req.Header["Authorization"] = []string{"Bearer " + tok}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := send(token); code != http.StatusNoContent {
		t.Fatalf("the base token got %d", code)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	t.Logf("heap in use before: %.1f MiB (cache size %d entries each: verified tokens, session answers)", mib(base), a.verified.capacity())

	full := 3 * a.verified.capacity() // the caches are full well before this
	var checkpoints []int
	for _, cp := range []int{full, n / 4, n / 2, n} {
		if cp <= n && (len(checkpoints) == 0 || cp > checkpoints[len(checkpoints)-1]) {
			checkpoints = append(checkpoints, cp)
		}
	}
	var next atomic.Int64
	next.Store(1)
	var atFull uint64
	start := time.Now()
	for _, cp := range checkpoints {
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					k := int(next.Add(1)) - 1
					if k > cp {
						next.Add(-1)
						return
					}
					if send(variant(k)) != http.StatusNoContent {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		next.Store(int64(cp) + 1)
		if failed.Load() > 0 {
			t.Fatalf("%d of the variant tokens were refused", failed.Load())
		}
		h := heap()
		if cp == full {
			atFull = h
		}
		t.Logf("after %8d distinct tokens: heap in use %6.1f MiB (+%.1f), cached %d verified / %d answers, %d validate calls, %v",
			cp, mib(h), mib(h)-mib(base), a.verified.len(), a.sessions.answers.len(), validateCalls.Load(), time.Since(start).Round(time.Second))
		if a.verified.len() > a.verified.capacity() || a.sessions.answers.len() > a.sessions.answers.capacity() {
			t.Fatal("a cache holds more than its capacity")
		}
	}
	final := heap()
	if int64(validateCalls.Load()) < int64(n) {
		t.Fatalf("%d validate calls for %d distinct tokens: were they cache misses?", validateCalls.Load(), n)
	}
	// Once the caches are full (long before checkpoint 2) the heap must not
	// keep growing with the number of tokens seen.
	if atFull == 0 {
		t.Fatalf("HANKO_GIN_HEAP_TOKENS=%d is too few to fill the caches (%d)", n, full)
	}
	if limit := atFull + atFull/4 + 4<<20; final > limit {
		t.Fatalf("heap grew from %.1f MiB (caches full) to %.1f MiB after %d tokens", mib(atFull), mib(final), n)
	}
	t.Logf("heap in use after %d tokens: %.1f MiB, %.1f MiB above the start: about %.0f bytes per cached token (2 caches)",
		n, mib(final), mib(final)-mib(base), float64(final-base)/float64(a.verified.capacity()))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
