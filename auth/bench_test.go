package auth

// Benchmarks of the verification pipeline. Compare within one run:
//
//	go test -run '^$' -bench . -benchmem ./auth/
//
// BenchmarkVerifyCold_4096 against BenchmarkRSAVerifyPKCS1v15_4096 is the cost
// of everything around the signature check on a cache miss (target ≤ 1.15×).

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

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
func benchEnv(b *testing.B, bits int, edit func(*Config)) (*authtest.Issuer, *Authenticator) {
	b.Helper()
	iss := authtest.NewIssuer(authtest.WithKey(benchKey(bits)))
	srv := httptest.NewServer(iss.Handler())
	b.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	cfg := Config{HankoAPIURL: srv.URL, Logger: discardLogger}
	if edit != nil {
		edit(&cfg)
	}
	a, err := New(ctx, cfg)
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
	token := iss.Token(benchSession)
	i := strings.LastIndexByte(token, '.')
	sig, err := jwt.NewParser().DecodeSegment(token[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	pub := &key.Private.PublicKey
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
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
	iss, a := benchEnv(b, bits, func(c *Config) { c.SessionCacheSize = -1 })
	token := iss.Token(benchSession)
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
	iss, a := benchEnv(b, 4096, func(c *Config) { c.SessionCheck = true })
	token := iss.Token(benchSession)
	ctx := context.Background()
	if _, err := a.Verify(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
	if n := iss.ValidateCalls(); n != 1 {
		b.Fatalf("%d validate calls, want 1", n)
	}
}

// BenchmarkVerifySessionCheckRemote: session check on with no answer cache, so
// every call is a POST /sessions/validate over loopback (the stand-in's own
// RSA check included). This is what the answer cache saves.
func BenchmarkVerifySessionCheckRemote(b *testing.B) {
	iss, a := benchEnv(b, 2048, func(c *Config) { c.SessionCheck = true; c.SessionCheckTTL = -1 })
	token := iss.Token(benchSession)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
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
		if extract(req) != token {
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
		if extract(req) != token {
			b.Fatal("token not found")
		}
	}
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchMiddleware(b *testing.B, cacheSize int) {
	iss, a := benchEnv(b, 4096, func(c *Config) { c.SessionCacheSize = cacheSize })
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
