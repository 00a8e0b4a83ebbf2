package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// hankoBehindSwitch is an authtest issuer (clock pinned at mwNow) whose JWKS
// endpoint can be switched to fail.
func hankoBehindSwitch(t *testing.T, mode int32) (*authtest.Issuer, *switchableJWKS) {
	t.Helper()
	iss := authtest.NewIssuer(authtest.WithClock(func() time.Time { return mwNow }))
	hanko := newSwitchableJWKS(t, nil, iss.Handler())
	hanko.setMode(mode)
	return iss, hanko
}

// eventually polls cond every 20ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestJWKSHankoDownAtStart(t *testing.T) {
	iss, hanko := hankoBehindSwitch(t, jwksDrop)
	a := newAuth(t, auth.TestConfig{
		HankoAPIURL:           hanko.URL,
		Now:                   func() time.Time { return mwNow },
		JWKSUnknownKIDEvery:   500 * time.Millisecond,
		JWKSUnknownKIDWaitMax: 300 * time.Millisecond,
	})
	ctx := context.Background()
	err := a.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), hanko.URL+"/.well-known/jwks.json") {
		t.Fatalf("Ready = %v, want an error naming the JWKS URL", err)
	}

	token := iss.Token(authtest.Session{UserID: "user-1"})
	req, _ := protectedEngine(a.RequireSession())
	opt, _ := protectedEngine(a.OptionalSession())
	down := func(t *testing.T) {
		t.Helper()
		for _, rq := range []request{bearer(token), cookie(token)} {
			expectRefusal(t, serve(req, rq), http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
			// A signed-in user is not silently anonymous while Hanko is down.
			expectRefusal(t, serve(opt, rq), http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
		}
		// Requests without a token are judged without keys.
		expectRefusal(t, serve(req, request{}), http.StatusUnauthorized, auth.CodeUnauthorized)
		expectUser(t, serve(opt, request{}), "anonymous")
	}
	t.Run("connection dropped", down)

	hanko.setMode(jwksHTTP500)
	eventually(t, 5*time.Second, "Ready reports the HTTP 500", func() bool {
		err := a.Ready(ctx)
		return err != nil && strings.Contains(err.Error(), "500")
	})
	t.Run("HTTP 500", down)

	// Hanko comes up: no request arrives, yet the keys load by themselves.
	hanko.setMode(jwksServe)
	eventually(t, 5*time.Second, "Ready becomes nil after Hanko answers", func() bool { return a.Ready(ctx) == nil })
	expectUser(t, serve(req, bearer(token)), "user-1")
	expectUser(t, serve(opt, cookie(token)), "user-1")
}

func TestJWKSOutageAfterKeysLoaded(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode int32
	}{{"HTTP 500", jwksHTTP500}, {"garbage JSON", jwksGarbage}, {"connection dropped", jwksDrop}, {"empty key set", jwksEmpty}} {
		t.Run(tt.name, func(t *testing.T) {
			iss, hanko := hankoBehindSwitch(t, jwksServe)
			var logs syncBuffer
			a := newAuth(t, auth.TestConfig{
				HankoAPIURL:         hanko.URL,
				Now:                 func() time.Time { return mwNow },
				JWKSRefreshInterval: 100 * time.Millisecond,
				SessionCacheSize:    -1, // every request checks the signature with the stored keys
				Logger:              slog.New(slog.NewTextHandler(&logs, nil)),
			})
			ctx := context.Background()
			if err := a.Ready(ctx); err != nil {
				t.Fatal(err)
			}
			r, _ := protectedEngine(a.RequireSession())
			hanko.setMode(tt.mode)
			eventually(t, 5*time.Second, "three failed background refreshes", func() bool { return hanko.served[tt.mode].Load() >= 3 })
			for i := range 5 {
				user := authtest.RandomUUID()
				expectUser(t, serve(r, bearer(iss.Token(authtest.Session{UserID: user}))), user)
				if err := a.Ready(ctx); err != nil {
					t.Fatalf("Ready during the outage (check %d): %v", i, err)
				}
			}
			// A bad token is still a 401, not a 503.
			expectRefusal(t, serve(r, bearer(tamper(iss.Token(authtest.Session{})))), http.StatusUnauthorized, auth.CodeInvalidToken)
			if got := logs.String(); !strings.Contains(got, "level=WARN msg=\"cannot refresh Hanko's signing keys (JWKS)\"") {
				t.Errorf("no warning with the cause logged during the outage:\n%s", got)
			}
			hanko.setMode(jwksServe)
			served := hanko.served[jwksServe].Load()
			eventually(t, 5*time.Second, "a good refresh after the outage", func() bool { return hanko.served[jwksServe].Load() > served })
			expectUser(t, serve(r, bearer(iss.Token(authtest.Session{UserID: "after"}))), "after")
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestJWKSKeyRotation(t *testing.T) {
	iss, hanko := hankoBehindSwitch(t, jwksServe)
	a := newAuth(t, auth.TestConfig{
		HankoAPIURL:           hanko.URL,
		Now:                   func() time.Time { return mwNow },
		JWKSRefreshInterval:   time.Hour, // only an unknown kid can pick up the new key
		JWKSUnknownKIDEvery:   500 * time.Millisecond,
		JWKSUnknownKIDWaitMax: 300 * time.Millisecond,
		SessionCacheSize:      -1,
	})
	r, _ := protectedEngine(a.RequireSession())
	old := iss.Token(authtest.Session{UserID: "old"})
	expectUser(t, serve(r, bearer(old)), "old")

	newKey := iss.RotateKey()
	fresh := iss.Token(authtest.Session{UserID: "new"})
	if !strings.Contains(string(iss.JWKS()), newKey.ID) {
		t.Fatal("rotation did not publish the new kid")
	}
	start := time.Now()
	eventually(t, 3*time.Second, "a token with the new kid is accepted", func() bool {
		return serve(r, bearer(fresh)).Code == http.StatusOK
	})
	t.Logf("new kid accepted after %s", time.Since(start))
	expectUser(t, serve(r, bearer(fresh)), "new")
	expectUser(t, serve(r, bearer(old)), "old")
}

func TestJWKSRemovedKeyStopsVerifying(t *testing.T) {
	iss, hanko := hankoBehindSwitch(t, jwksServe)
	a := newAuth(t, auth.TestConfig{
		HankoAPIURL:         hanko.URL,
		Now:                 func() time.Time { return mwNow },
		JWKSRefreshInterval: 100 * time.Millisecond,
		SessionCacheSize:    -1,
	})
	r, _ := protectedEngine(a.RequireSession())
	oldKey := iss.SigningKey()
	old := iss.Token(authtest.Session{UserID: "old"})
	expectUser(t, serve(r, bearer(old)), "old")
	iss.RotateKey()
	iss.RemoveKey(oldKey.ID)
	eventually(t, 3*time.Second, "a token of a removed key is refused", func() bool {
		return serve(r, bearer(old)).Code != http.StatusOK
	})
	expectRefusal(t, serve(r, bearer(old)), http.StatusUnauthorized, auth.CodeInvalidToken)
	expectUser(t, serve(r, bearer(iss.Token(authtest.Session{UserID: "new"}))), "new")
}

// TestJWKSUnknownKIDStorm proves the bound on JWKS fetches: tokens with random
// kids (validly signed, by a key Hanko never had) arrive from 200 concurrent
// clients over about two seconds.
func TestJWKSUnknownKIDStorm(t *testing.T) {
	const (
		every   = 500 * time.Millisecond
		waitMax = 300 * time.Millisecond
		clients = 200
		spread  = 2 * time.Second
		slack   = time.Second // scheduling under -race on 2 busy cores; queued fetches would take many seconds
	)
	iss, hanko := hankoBehindSwitch(t, jwksServe)
	a := newAuth(t, auth.TestConfig{
		HankoAPIURL:           hanko.URL,
		Now:                   func() time.Time { return mwNow },
		JWKSUnknownKIDEvery:   every,
		JWKSUnknownKIDWaitMax: waitMax,
	})
	if err := a.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	rogue := genRSA(t)
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = iss.SignWith(authtest.Key{ID: authtest.RandomUUID(), Private: rogue}, iss.Claims(authtest.Session{}))
	}
	r, ran := protectedEngine(a.RequireSession())

	type result struct {
		code int
		body string
		took time.Duration
	}
	results := make([]result, clients)
	before := hanko.calls.Load()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * spread / clients)
			t0 := time.Now()
			w := serve(r, bearer(tokens[i]))
			results[i] = result{code: w.Code, body: w.Body.String(), took: time.Since(t0)}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	fetches := hanko.calls.Load() - before

	bound := 1 + int64(elapsed/every) + 1
	t.Logf("%d requests over %s: %d JWKS fetches (bound %d)", clients, elapsed, fetches, bound)
	if fetches > bound {
		t.Errorf("%d JWKS fetches in %s, want at most %d", fetches, elapsed, bound)
	}
	if fetches == 0 {
		t.Errorf("no JWKS fetch at all: unknown kids never trigger a refresh")
	}
	var slowest time.Duration
	byStatus := map[int]int{}
	for i, res := range results {
		byStatus[res.code]++
		slowest = max(slowest, res.took)
		if res.code != http.StatusUnauthorized || !strings.Contains(res.body, `"error":"invalid_token"`) {
			t.Errorf("request %d: %d %s", i, res.code, res.body)
		}
	}
	t.Logf("statuses %v, slowest request %s", byStatus, slowest)
	if slowest > waitMax+slack {
		t.Errorf("slowest request took %s, want at most %s", slowest, waitMax+slack)
	}
	if ran.Load() != 0 {
		t.Errorf("handler ran %d times", ran.Load())
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   auth.TestConfig
		inErr string
	}{
		{"credentials", auth.TestConfig{HankoAPIURL: "http://user:pw@hanko.example"}, "password"},
		{"query", auth.TestConfig{HankoAPIURL: "http://hanko.example/?x=1"}, "query"},
		{"empty URL", auth.TestConfig{}, "HankoAPIURL"},
		{"no scheme", auth.TestConfig{HankoAPIURL: "localhost:8000"}, "HankoAPIURL"},
		{"host only", auth.TestConfig{HankoAPIURL: "hanko.example"}, "HankoAPIURL"},
		{"relative", auth.TestConfig{HankoAPIURL: "/hanko"}, "HankoAPIURL"},
		{"ftp", auth.TestConfig{HankoAPIURL: "ftp://hanko.example"}, "HankoAPIURL"},
		{"file", auth.TestConfig{HankoAPIURL: "file:///etc/passwd"}, "HankoAPIURL"},
		{"javascript", auth.TestConfig{HankoAPIURL: "javascript:alert(1)"}, "HankoAPIURL"},
		{"no host", auth.TestConfig{HankoAPIURL: "http://"}, "HankoAPIURL"},
		{"bad escape", auth.TestConfig{HankoAPIURL: "http://hanko.example/%zz"}, "HankoAPIURL"},
		{"wait equal to every", auth.TestConfig{HankoAPIURL: "http://127.0.0.1:1", JWKSUnknownKIDEvery: time.Second, JWKSUnknownKIDWaitMax: time.Second}, "unknown-kid wait"},
		{"wait longer than every", auth.TestConfig{HankoAPIURL: "http://127.0.0.1:1", JWKSUnknownKIDEvery: time.Second, JWKSUnknownKIDWaitMax: 2 * time.Second}, "unknown-kid wait"},
		{"wait longer than default every", auth.TestConfig{HankoAPIURL: "http://127.0.0.1:1", JWKSUnknownKIDWaitMax: time.Minute}, "unknown-kid wait"},
		{"every shorter than default wait", auth.TestConfig{HankoAPIURL: "http://127.0.0.1:1", JWKSUnknownKIDEvery: time.Second}, "unknown-kid wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Logger = quietLogger()
			a, err := auth.NewForTest(context.Background(), tt.cfg)
			if err == nil || a != nil {
				t.Fatalf("New accepted %+v", tt.cfg)
			}
			if !strings.Contains(err.Error(), tt.inErr) {
				t.Fatalf("error %q does not mention %s", err, tt.inErr)
			}
		})
	}

	for _, cfg := range []auth.Config{
		{HankoAPIURL: "http://127.0.0.1:1", CacheSize: -1},
		{HankoAPIURL: "http://127.0.0.1:1", SessionCheckTTL: -time.Second},
	} {
		if _, err := auth.New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "negative") {
			t.Errorf("New(%+v) = %v, want an error about a negative value", cfg, err)
		}
	}

	// Good URLs are accepted even while nothing listens; the JWKS URL is
	// built without doubled slashes.
	for url, jwksURL := range map[string]string{
		"http://127.0.0.1:1":         "http://127.0.0.1:1/.well-known/jwks.json",
		"http://127.0.0.1:1/":        "http://127.0.0.1:1/.well-known/jwks.json",
		"https://127.0.0.1:1/hanko/": "https://127.0.0.1:1/hanko/.well-known/jwks.json",
	} {
		t.Run(url, func(t *testing.T) {
			a := newAuth(t, auth.TestConfig{HankoAPIURL: url, JWKSUnknownKIDWaitMax: 200 * time.Millisecond})
			err := a.Ready(context.Background())
			if err == nil || !strings.Contains(err.Error(), " "+jwksURL+":") {
				t.Fatalf("Ready = %v, want an error naming %s", err, jwksURL)
			}
		})
	}
}
