package auth

// Tests of the remote session check (HANKO_SESSION_CHECK): a stand-in for
// Hanko's POST /sessions/validate that answers like the captured fixtures and
// can be told to fail in every way a real deployment sees, and an injected
// clock instead of sleeps.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// scKey is one 2048-bit signing key shared by this package's session and cache
// tests (generating RSA keys is slow; tests need fresh kids, not fresh primes).
var scKey = sync.OnceValue(func() authtest.Key {
	return authtest.NewIssuer().SigningKey()
})

// scClock is a settable clock for Config.Now and the stand-in.
type scClock struct {
	mu  sync.Mutex
	now time.Time
}

func newSCClock() *scClock { return &scClock{now: time.Now().Truncate(time.Second)} }

func (c *scClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *scClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// hankoMode is how the stand-in answers POST /sessions/validate.
type hankoMode int32

const (
	hankoNormal     hankoMode = iota // like Hanko: 200 {"is_valid":...}
	hankoHang                        // never answers (until the client gives up or the test ends)
	hanko500                         // 500 with Hanko's JSON error body
	hankoHTML                        // 200 text/html, as a proxy's error page
	hankoClose                       // closes the connection without answering
	hankoBadJSON                     // 200 application/json without is_valid
	hankoBadGateway                  // every path, JWKS included, answers 502
)

// fakeHanko is authtest's Hanko with a switchable failure mode on
// /sessions/validate, optional idle_expires_at in valid answers, an optional
// gate that holds validate calls, and a record of every validate call.
type fakeHanko struct {
	*authtest.Issuer
	srv  *httptest.Server
	now  func() time.Time
	mode atomic.Int32

	idleFor atomic.Int64 // > 0: valid answers carry idle_expires_at = now+idleFor

	release     chan struct{} // closed at test end: frees hanging handlers
	releaseOnce sync.Once

	gateMu sync.Mutex
	gate   chan struct{} // when set, validate calls wait for it to close

	mu    sync.Mutex
	calls []string // session_token of every POST /sessions/validate
}

func newFakeHanko(t testing.TB, clock func() time.Time) *fakeHanko {
	t.Helper()
	f := &fakeHanko{
		Issuer:  authtest.NewIssuer(authtest.WithKey(scKey()), authtest.WithClock(clock)),
		now:     clock,
		release: make(chan struct{}),
	}
	inner := f.Issuer.Handler()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hankoMode(f.mode.Load()) == hankoBadGateway {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != "/sessions/validate" {
			inner.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var in struct {
			SessionToken string `json:"session_token"`
		}
		_ = json.Unmarshal(body, &in)
		f.mu.Lock()
		f.calls = append(f.calls, in.SessionToken)
		f.mu.Unlock()
		f.gateMu.Lock()
		gate := f.gate
		f.gateMu.Unlock()
		if gate != nil {
			<-gate
		}
		switch hankoMode(f.mode.Load()) {
		case hankoHang:
			select {
			case <-f.release:
			case <-r.Context().Done():
			}
			return
		case hanko500:
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"code":500,"message":"Internal Server Error"}`+"\n")
			return
		case hankoHTML:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")
			return
		case hankoClose:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		case hankoBadJSON:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"valid":true}`+"\n")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		idle := time.Duration(f.idleFor.Load())
		if idle <= 0 {
			inner.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			panic(err)
		}
		if m["is_valid"] == true {
			m["idle_expires_at"] = f.now().Add(idle).UTC().Format(time.RFC3339Nano)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m)
	}))
	t.Cleanup(f.Close)
	return f
}

// Close frees hanging handlers and stops the server (it may be called twice).
func (f *fakeHanko) Close() {
	f.releaseOnce.Do(func() { close(f.release) })
	f.srv.Close()
}

func (f *fakeHanko) setMode(m hankoMode) { f.mode.Store(int32(m)) }

// holdValidate makes validate calls wait until the returned func is called.
func (f *fakeHanko) holdValidate() (open func()) {
	g := make(chan struct{})
	f.gateMu.Lock()
	f.gate = g
	f.gateMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.gateMu.Lock()
			f.gate = nil
			f.gateMu.Unlock()
			close(g)
		})
	}
}

func (f *fakeHanko) validateCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// newCheckedAuth builds an Authenticator with the session check on against f,
// with its keys loaded. edit may change the config before New.
func newCheckedAuth(t testing.TB, f *fakeHanko, clock func() time.Time, edit func(*TestConfig)) *Authenticator {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := TestConfig{HankoAPIURL: f.srv.URL, SessionCheck: true, Now: clock, Logger: discardLogger}
	if edit != nil {
		edit(&cfg)
	}
	a, err := NewForTest(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.keys.ready(ctx); err != nil {
		t.Fatalf("keys not loaded: %v", err)
	}
	return a
}

// protectedRouter serves GET /p behind RequireSession.
func protectedRouter(a *Authenticator) *gin.Engine {
	r := gin.New()
	r.GET("/p", a.RequireSession(), func(c *gin.Context) {
		claims, _ := FromContext(c)
		c.JSON(http.StatusOK, gin.H{"user_id": claims.UserID})
	})
	return r
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// get sends GET /p with the token as a Bearer token and returns status and body.
func get(t testing.TB, h http.Handler, token string) (int, errorBody) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/p", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body errorBody
	if rec.Code != http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Errorf("status %d with a body that is not JSON: %q", rec.Code, rec.Body.String())
		}
	}
	return rec.Code, body
}

func TestSessionCheckLiveRevokedAndTTL(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	const ttl = 5 * time.Second
	a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCheckTTL = ttl })
	r := protectedRouter(a)

	sid := authtest.RandomUUID()
	token := hanko.Token(authtest.Session{SessionID: sid})
	other := hanko.Token(authtest.Session{}) // another live session, never revoked

	if code, body := get(t, r, token); code != http.StatusOK {
		t.Fatalf("live session: %d %+v, want 200", code, body)
	}
	if n := hanko.validateCalls(); n != 1 {
		t.Fatalf("after the first request: %d validate calls, want 1", n)
	}
	hanko.Revoke(sid)

	// Within the TTL the cached "valid" answer is used: that staleness is the
	// documented price of the cache, and no more remote calls are made.
	clock.Advance(ttl - time.Millisecond)
	if code, _ := get(t, r, token); code != http.StatusOK {
		t.Fatalf("within the TTL the cached answer should be used, got %d", code)
	}
	if n := hanko.validateCalls(); n != 1 {
		t.Fatalf("within the TTL: %d validate calls, want 1", n)
	}

	// Once the TTL has passed, Hanko is asked again and the revocation is seen.
	clock.Advance(time.Millisecond)
	code, body := get(t, r, token)
	if code != http.StatusUnauthorized || body.Error != CodeInvalidToken {
		t.Fatalf("revoked session after the TTL: %d %+v, want 401 invalid_token", code, body)
	}
	if !strings.Contains(body.Message, "session has ended") {
		t.Errorf("revoked message %q does not say the session ended", body.Message)
	}
	if n := hanko.validateCalls(); n != 2 {
		t.Fatalf("after the TTL: %d validate calls, want 2", n)
	}

	// The negative answer is cached for the TTL too, and no longer.
	clock.Advance(ttl - time.Millisecond)
	if code, _ := get(t, r, token); code != http.StatusUnauthorized {
		t.Fatalf("revoked, cached: %d, want 401", code)
	}
	if n := hanko.validateCalls(); n != 2 {
		t.Fatalf("negative answer within the TTL: %d validate calls, want 2", n)
	}
	clock.Advance(time.Millisecond)
	if code, _ := get(t, r, token); code != http.StatusUnauthorized {
		t.Fatalf("revoked after a second TTL: %d, want 401", code)
	}
	if n := hanko.validateCalls(); n != 3 {
		t.Fatalf("negative answer after the TTL: %d validate calls, want 3 (not cached beyond the TTL)", n)
	}

	// Another session of the same stand-in is unaffected.
	if code, body := get(t, r, other); code != http.StatusOK {
		t.Fatalf("other live session: %d %+v", code, body)
	}
	// And Verify says the same without HTTP.
	if _, err := a.Verify(context.Background(), other); err != nil {
		t.Fatalf("Verify(live) = %v", err)
	}
	_, err := a.Verify(context.Background(), token)
	if e, ok := errors.AsType[*Error](err); !ok || e.Status != http.StatusUnauthorized || !errors.Is(err, errSessionEnded) {
		t.Fatalf("Verify(revoked) = %v, want 401 wrapping errSessionEnded", err)
	}
}

func TestSessionCheckTTLZeroAsksEveryTime(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCheckTTL = -1 })
	token := hanko.Token(authtest.Session{})
	for i := 1; i <= 3; i++ {
		if _, err := a.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		if n := hanko.validateCalls(); n != i {
			t.Fatalf("request %d: %d validate calls, want %d (no answer cache)", i, n, i)
		}
	}
	if n := a.sessions.answers.len(); n != 0 {
		t.Fatalf("answer cache holds %d entries with caching off", n)
	}
}

// settleGoroutines waits until the goroutine count is back to at most want.
func settleGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutine leak: %d goroutines, %d before\n%s", n, want, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func closeIdle(a *Authenticator) {
	if a.sessions != nil {
		a.sessions.client.CloseIdleConnections()
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections() // keyfunc's
}

func TestSessionCheckHankoFailures(t *testing.T) {
	tests := []struct {
		name    string
		mode    hankoMode
		down    bool // Hanko stops listening after the keys are loaded
		message string
		slow    bool // takes the whole client timeout
	}{
		{name: "down", down: true, message: "unreachable"},
		{name: "hangs", mode: hankoHang, message: "timed out", slow: true},
		{name: "500", mode: hanko500, message: "failed"},
		{name: "HTML", mode: hankoHTML, message: "unexpected answer"},
		{name: "JSON without is_valid", mode: hankoBadJSON, message: "unexpected answer"},
		{name: "closes the connection", mode: hankoClose, message: "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			func() {
				clock := newSCClock()
				hanko := newFakeHanko(t, clock.Now)
				defer hanko.Close()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				a, err := NewForTest(ctx, TestConfig{HankoAPIURL: hanko.srv.URL, SessionCheck: true, Now: clock.Now, Logger: discardLogger})
				if err != nil {
					t.Fatal(err)
				}
				defer closeIdle(a)
				if err := a.Ready(ctx); err != nil {
					t.Fatalf("not ready while Hanko is up: %v", err)
				}
				r := protectedRouter(a)
				token := hanko.Token(authtest.Session{})
				if tt.down {
					hanko.Close()
				}
				hanko.setMode(tt.mode)

				start := time.Now()
				code, body := get(t, r, token)
				took := time.Since(start)
				if code != http.StatusServiceUnavailable || body.Error != CodeAuthUnavailable {
					t.Fatalf("got %d %+v, want 503 auth_unavailable", code, body)
				}
				if !strings.Contains(body.Message, tt.message) {
					t.Errorf("message %q does not say %q", body.Message, tt.message)
				}
				limit := time.Second
				if tt.slow {
					limit = sessionCheckTimeout + time.Second
					if took < sessionCheckTimeout-100*time.Millisecond {
						t.Errorf("gave up after %v, before the %v timeout", took, sessionCheckTimeout)
					}
				}
				if took > limit {
					t.Errorf("answered after %v, want within %v", took, limit)
				}
				if !tt.down && hanko.validateCalls() != 1 {
					t.Errorf("%d validate calls, want 1", hanko.validateCalls())
				}
				if !tt.down {
					// For outageMemo after a failure, other requests fail fast
					// without calling Hanko (no pile-up of timeouts)...
					hanko.setMode(hankoNormal)
					other := hanko.Token(authtest.Session{})
					start := time.Now()
					if code, _ := get(t, r, other); code != http.StatusServiceUnavailable || time.Since(start) > 500*time.Millisecond {
						t.Errorf("right after a failure: %d after %v, want a fast 503", code, time.Since(start))
					}
					if hanko.validateCalls() != 1 {
						t.Errorf("%d validate calls during the outage memo, want still 1", hanko.validateCalls())
					}
					// ...and failures are not cached beyond it: once Hanko
					// answers again, so do we.
					clock.Advance(outageMemo)
					if code, body := get(t, r, token); code != http.StatusOK {
						t.Fatalf("after Hanko recovered: %d %+v, want 200", code, body)
					}
				}
			}()
			settleGoroutines(t, before)
		})
	}
}

func TestSessionCheckLocallyInvalidTokensMakeNoRemoteCall(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.Audience = []string{"localhost"} })
	r := protectedRouter(a)

	stranger := authtest.NewIssuer(authtest.WithKey(authtest.Key{ID: authtest.RandomUUID(), Private: scKey().Private}))
	valid := hanko.Token(authtest.Session{})
	tampered := flipSignatureByte(t, valid)
	now := clock.Now()
	noSession := hanko.Claims(authtest.Session{})
	delete(noSession, "session_id")
	hs256 := jwt.NewWithClaims(jwt.SigningMethodHS256, hanko.Claims(authtest.Session{}))
	hs256.Header["kid"] = scKey().ID
	hsToken, _ := hs256.SignedString([]byte("secret"))

	tests := []struct{ name, token string }{
		{"expired", hanko.Token(authtest.Session{IssuedAt: now.Add(-13 * time.Hour), ExpiresAt: now.Add(-time.Hour)})},
		{"issued in the future", hanko.Token(authtest.Session{IssuedAt: now.Add(time.Hour)})},
		{"tampered signature", tampered},
		{"unknown kid", stranger.Token(authtest.Session{})},
		{"no session_id", hanko.Sign(noSession)},
		{"wrong audience", hanko.Token(authtest.Session{Audience: []string{"evil.example"}})},
		{"HS256", hsToken},
		{"garbage", "not-a-jwt"},
		{"too large", valid + strings.Repeat("A", DefaultMaxTokenBytes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, r, tt.token)
			if code != http.StatusUnauthorized || body.Error != CodeInvalidToken {
				t.Fatalf("got %d %+v, want 401 invalid_token", code, body)
			}
			if n := hanko.validateCalls(); n != 0 {
				t.Fatalf("%d validate calls for a token that fails locally, want 0", n)
			}
		})
	}
	if code, _ := get(t, r, valid); code != http.StatusOK || hanko.validateCalls() != 1 {
		t.Fatalf("valid token: %d with %d validate calls, want 200 with 1", code, hanko.validateCalls())
	}
}

// flipSignatureByte changes one byte of a token's decoded signature (changing
// only the last base64url character could touch padding bits alone).
func flipSignatureByte(t testing.TB, token string) string {
	t.Helper()
	i := strings.LastIndexByte(token, '.')
	sig, err := jwt.NewParser().DecodeSegment(token[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)/2] ^= 0x01
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

func TestSessionCheckConcurrentRequestsOneRemoteCall(t *testing.T) {
	for _, tt := range []struct {
		name string
		ttl  time.Duration
	}{
		{"answers cached", 5 * time.Second},
		// Without the answer cache only singleflight keeps it to one call.
		{"answers not cached", -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := newSCClock()
			hanko := newFakeHanko(t, clock.Now)
			a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCheckTTL = tt.ttl })
			r := protectedRouter(a)
			token := hanko.Token(authtest.Session{})
			open := hanko.holdValidate()
			defer open()

			const n = 50
			var started, done sync.WaitGroup
			codes := make([]int, n)
			started.Add(n)
			done.Add(n)
			for i := range n {
				go func() {
					defer done.Done()
					started.Done()
					codes[i], _ = get(t, r, token)
				}()
			}
			started.Wait()
			// Let every request reach the in-flight call before Hanko answers.
			deadline := time.Now().Add(5 * time.Second)
			for hanko.validateCalls() == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			open()
			done.Wait()
			for i, c := range codes {
				if c != http.StatusOK {
					t.Fatalf("request %d: %d, want 200", i, c)
				}
			}
			if got := hanko.validateCalls(); got != 1 {
				t.Fatalf("%d concurrent requests with one token made %d validate calls, want 1", n, got)
			}
		})
	}
}

func TestSessionCheckCacheBounded(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	const size = cacheShards
	a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCacheSize = size })
	if c := a.sessions.answers.capacity(); c != size {
		t.Fatalf("answer cache capacity %d, want %d", c, size)
	}
	const tokens = 3 * size
	for i := range tokens {
		if _, err := a.Verify(context.Background(), hanko.Token(authtest.Session{})); err != nil {
			t.Fatal(err)
		}
		if n := a.sessions.answers.len(); n > size {
			t.Fatalf("after %d tokens the answer cache holds %d entries, more than %d", i+1, n, size)
		}
		if n := a.verified.len(); n > size {
			t.Fatalf("after %d tokens the verified cache holds %d entries, more than %d", i+1, n, size)
		}
	}
	if n := a.sessions.answers.len(); n < size/2 {
		t.Fatalf("answer cache holds only %d entries after %d tokens: is it caching at all?", n, tokens)
	}
	if n := hanko.validateCalls(); n != tokens {
		t.Fatalf("%d validate calls for %d distinct tokens", n, tokens)
	}
}

func TestSessionCheckNeverCachedBeyondExpiry(t *testing.T) {
	const ttl = time.Minute
	t.Run("token exp", func(t *testing.T) {
		clock := newSCClock()
		hanko := newFakeHanko(t, clock.Now)
		a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCheckTTL = ttl })
		now := clock.Now()
		token := hanko.Token(authtest.Session{IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(10 * time.Second)})
		if _, err := a.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		clock.Advance(10*time.Second - time.Millisecond)
		if _, err := a.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		if n := hanko.validateCalls(); n != 1 {
			t.Fatalf("before exp: %d validate calls, want 1", n)
		}
		// Past exp (but within the local leeway) the cached answer is gone:
		// Hanko is asked again, and it says the session has expired.
		clock.Advance(time.Millisecond)
		_, err := a.Verify(context.Background(), token)
		if e, ok := errors.AsType[*Error](err); !ok || e.Status != http.StatusUnauthorized {
			t.Fatalf("after exp: %v, want 401", err)
		}
		if n := hanko.validateCalls(); n != 2 {
			t.Fatalf("after exp: %d validate calls, want 2 (answer cached beyond exp)", n)
		}
	})
	t.Run("idle_expires_at", func(t *testing.T) {
		clock := newSCClock()
		hanko := newFakeHanko(t, clock.Now)
		hanko.idleFor.Store(int64(3 * time.Second))
		a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCheckTTL = ttl })
		token := hanko.Token(authtest.Session{})
		if _, err := a.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		clock.Advance(3*time.Second - time.Millisecond)
		if _, err := a.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		if n := hanko.validateCalls(); n != 1 {
			t.Fatalf("before idle_expires_at: %d validate calls, want 1", n)
		}
		clock.Advance(time.Millisecond)
		if _, err := a.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
		if n := hanko.validateCalls(); n != 2 {
			t.Fatalf("at idle_expires_at: %d validate calls, want 2 (answer cached beyond idle_expires_at)", n)
		}
	})
}

func TestSessionCheckAnswerForAnotherSessionIsRefused(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	a := newCheckedAuth(t, hanko, clock.Now, nil)
	token := hanko.Token(authtest.Session{})
	// A proxy that caches POST answers (or a misrouted call) returns another
	// session's answer: that must not confirm this session.
	otherAnswer := hanko.Validate(hanko.Token(authtest.Session{}))
	a.sessions.client.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := json.Marshal(otherAnswer)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
	})
	_, err := a.Verify(context.Background(), token)
	if e, ok := errors.AsType[*Error](err); !ok || e.Status != http.StatusServiceUnavailable {
		t.Fatalf("answer for another session: %v, want 503", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSessionCheckReadyReportsHanko(t *testing.T) {
	clock := newSCClock()
	t.Run("session check on", func(t *testing.T) {
		hanko := newFakeHanko(t, clock.Now)
		a := newCheckedAuth(t, hanko, clock.Now, nil)
		ctx := context.Background()
		if err := a.Ready(ctx); err != nil {
			t.Fatalf("Ready while Hanko is up: %v", err)
		}
		hanko.Close()
		if err := a.Ready(ctx); err != nil {
			t.Fatalf("Ready within %v of a good probe = %v, want the remembered answer", readyMemo, err)
		}
		clock.Advance(readyMemo)
		err := a.Ready(ctx)
		if err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("Ready with Hanko down = %v, want an error saying it is unreachable", err)
		}
		closeIdle(a)
	})
	t.Run("session check on, Hanko failing", func(t *testing.T) {
		hanko := newFakeHanko(t, clock.Now)
		a := newCheckedAuth(t, hanko, clock.Now, nil)
		hanko.setMode(hankoBadGateway)
		if err := a.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "502") {
			t.Fatalf("Ready with Hanko answering 502 = %v, want an error naming HTTP 502", err)
		}
	})
	t.Run("JWKS mode keeps working with keys loaded", func(t *testing.T) {
		hanko := newFakeHanko(t, clock.Now)
		a := newCheckedAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCheck = false })
		token := hanko.Token(authtest.Session{})
		hanko.Close()
		if err := a.Ready(context.Background()); err != nil {
			t.Fatalf("JWKS mode, keys loaded, Hanko down: Ready = %v, want nil", err)
		}
		if _, err := a.Verify(context.Background(), token); err != nil {
			t.Fatalf("JWKS mode, Hanko down: Verify = %v", err)
		}
	})
}

// fixture reads a file of testdata/hanko.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hanko", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonValue decodes b keeping numbers exact, for semantic comparison.
func jsonValue(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return v
}

func TestSessionValidationFixturesRoundTrip(t *testing.T) {
	valid := fixture(t, "validate-valid.json")
	var withCustom map[string]any
	if err := json.Unmarshal(valid, &withCustom); err != nil {
		t.Fatal(err)
	}
	withCustom["idle_expires_at"] = "2026-11-22T06:10:16.123456789Z"
	claims := withCustom["claims"].(map[string]any)
	claims["role"] = "admin"
	claims["org"] = map[string]any{"id": json.Number("12345678901234567890"), "tags": []any{"a", "b"}, "ratio": json.Number("0.25")}
	claims["beta"] = true
	claims["nothing"] = nil
	claims["username"] = "ada"
	claims["issuer"] = "https://auth.example.com"
	custom, err := json.Marshal(withCustom)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		raw  []byte
	}{
		{"validate-valid.json", valid},
		{"validate-invalid.json", fixture(t, "validate-invalid.json")},
		{"validate-revoked.json", fixture(t, "validate-revoked.json")},
		{"validate-tampered.json", fixture(t, "validate-tampered.json")},
		{"valid with jwt_template claims and idle_expires_at", custom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v sessionValidation
			if err := json.Unmarshal(tt.raw, &v); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := jsonValue(t, out), jsonValue(t, tt.raw); !reflect.DeepEqual(got, want) {
				t.Fatalf("re-marshalled answer differs:\n got %s\nwant %s", out, tt.raw)
			}
		})
	}

	// Spot-check the decoded fields against the fixture's token.
	var v sessionValidation
	if err := json.Unmarshal(custom, &v); err != nil {
		t.Fatal(err)
	}
	var tokenClaims struct {
		Sub       string `json:"sub"`
		SessionID string `json:"session_id"`
		Exp       int64  `json:"exp"`
	}
	if err := json.Unmarshal(fixture(t, "token.claims.json"), &tokenClaims); err != nil {
		t.Fatal(err)
	}
	switch {
	case !v.IsValid || v.Claims == nil:
		t.Fatalf("decoded %+v", v)
	case v.Claims.Subject != tokenClaims.Sub || v.Claims.SessionID != tokenClaims.SessionID || v.UserID != tokenClaims.Sub:
		t.Errorf("subject/session %q/%q, want %q/%q", v.Claims.Subject, v.Claims.SessionID, tokenClaims.Sub, tokenClaims.SessionID)
	case !v.Claims.Expiration.Equal(time.Unix(tokenClaims.Exp, 0)):
		t.Errorf("expiration %v, want unix %d", v.Claims.Expiration, tokenClaims.Exp)
	case v.IdleExpiresAt == nil || v.IdleExpiresAt.UnixNano() != time.Date(2026, 11, 22, 6, 10, 16, 123456789, time.UTC).UnixNano():
		t.Errorf("idle_expires_at %v", v.IdleExpiresAt)
	case v.Claims.Email == nil || v.Claims.Email.Address != "t-84a349c4e101@example.test" || !v.Claims.Email.IsPrimary:
		t.Errorf("email %+v", v.Claims.Email)
	case v.Claims.Custom["role"] != "admin" || v.Claims.Custom["beta"] != true || len(v.Claims.Custom) != 4:
		t.Errorf("custom claims %#v", v.Claims.Custom)
	}
}

// TestStandInAnswersLikeHanko proves the stand-in is a faithful model: for a
// token with the captured token's claims, at the captured time, it answers
// exactly what the real Hanko answered; for a bad token, byte for byte the same.
func TestStandInAnswersLikeHanko(t *testing.T) {
	var claims jwt.MapClaims
	if err := json.Unmarshal(fixture(t, "token.claims.json"), &claims); err != nil {
		t.Fatal(err)
	}
	iat := int64(claims["iat"].(float64))
	clock := &scClock{now: time.Unix(iat+3600, 0)}
	hanko := newFakeHanko(t, clock.Now)
	token := hanko.Sign(claims)

	post := func(body string) []byte {
		t.Helper()
		resp, err := http.Post(hanko.srv.URL+"/sessions/validate", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("stand-in answered %s %q", resp.Status, resp.Header.Get("Content-Type"))
		}
		return b
	}
	got := post(`{"session_token":"` + token + `"}`)
	if !reflect.DeepEqual(jsonValue(t, got), jsonValue(t, fixture(t, "validate-valid.json"))) {
		t.Fatalf("valid: stand-in answered\n%s\nHanko answered\n%s", got, fixture(t, "validate-valid.json"))
	}
	if got, want := post(`{"session_token":"garbage"}`), fixture(t, "validate-invalid.json"); !bytes.Equal(got, want) {
		t.Fatalf("invalid: stand-in answered %q, Hanko %q", got, want)
	}
	if got, want := post(`{"session_token":"`+flipSignatureByte(t, token)+`"}`), fixture(t, "validate-tampered.json"); !bytes.Equal(got, want) {
		t.Fatalf("tampered: stand-in answered %q, Hanko %q", got, want)
	}
	hanko.Revoke(claims["session_id"].(string))
	if got, want := post(`{"session_token":"`+token+`"}`), fixture(t, "validate-revoked.json"); !bytes.Equal(got, want) {
		t.Fatalf("revoked: stand-in answered %q, Hanko %q", got, want)
	}
}
