package auth_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

func TestStatsCountsSignatureChecksAndCacheHits(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	r, _ := protectedEngine(a.RequireSession())
	token := hanko.Token(authtest.Session{UserID: "user-1"})
	if got := a.Stats(); got.SignatureChecks != 0 || got.CacheHits != 0 || got.KeysLoaded != 1 || got.JWKSFetchesOK != 1 || got.JWKSFetchesFailed != 0 {
		t.Fatalf("after start-up: %+v, want no checks, 1 key from 1 good fetch", got)
	}
	for range 3 {
		expectUser(t, serve(r, cookie(token)), "user-1")
	}
	expectRefusal(t, serve(r, bearer(tamper(token))), http.StatusUnauthorized, auth.CodeInvalidToken)
	expectRefusal(t, serve(r, request{}), http.StatusUnauthorized, auth.CodeUnauthorized)
	// The good token: one RSA check, then two hits; the tampered one: an RSA
	// check that fails. The missing token reaches neither.
	if got := a.Stats(); got.SignatureChecks != 2 || got.CacheHits != 2 {
		t.Errorf("Stats = %+v, want 2 signature checks and 2 cache hits", got)
	}

	hanko.RotateKey()
	expectUser(t, serve(r, bearer(hanko.Token(authtest.Session{UserID: "user-2"}))), "user-2")
	if got := a.Stats(); got.KeysLoaded != 2 || got.JWKSFetchesOK != 2 || got.JWKSFetchesFailed != 0 {
		t.Errorf("after a rotation: %+v, want 2 keys from 2 good fetches", got)
	}
}

// Each failed fetch counts once, whether the transport fails (dropped
// connection) or the answer does (HTTP 500, not JSON, no keys).
func TestStatsCountsJWKSFetchOutcomes(t *testing.T) {
	for _, tt := range []struct {
		name string
		mode int32
	}{{"HTTP 500", jwksHTTP500}, {"garbage JSON", jwksGarbage}, {"connection dropped", jwksDrop}, {"empty key set", jwksEmpty}} {
		t.Run(tt.name, func(t *testing.T) {
			_, hanko := hankoBehindSwitch(t, tt.mode)
			a := newAuth(t, auth.TestConfig{
				HankoAPIURL:           hanko.URL,
				Now:                   func() time.Time { return mwNow },
				JWKSUnknownKIDEvery:   200 * time.Millisecond,
				JWKSUnknownKIDWaitMax: 100 * time.Millisecond,
			})
			// New made the first fetch before returning.
			if got := a.Stats(); got.JWKSFetchesOK != 0 || got.JWKSFetchesFailed < 1 || got.KeysLoaded != 0 {
				t.Fatalf("Hanko failing: %+v, want failed fetches and no keys", got)
			}
			hanko.setMode(jwksServe)
			eventually(t, 5*time.Second, "keys load once Hanko answers", func() bool { return a.Stats().JWKSFetchesOK == 1 })
			// The retries are sequential, so every failing answer was counted
			// before the good one loaded the keys.
			got := a.Stats()
			if got.KeysLoaded != 1 || got.JWKSFetchesFailed != hanko.served[tt.mode].Load() {
				t.Errorf("after recovery: %+v, want 1 key and %d failed fetches (as served)", got, hanko.served[tt.mode].Load())
			}
		})
	}
}

// sessionCheckHanko serves the JWKS of iss and answers /sessions/validate
// with HTTP 500 while fail is set.
func sessionCheckHanko(t *testing.T, iss *authtest.Issuer, fail *atomic.Bool) string {
	t.Helper()
	next := iss.Handler()
	h := newSwitchableJWKS(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() && r.URL.Path == "/sessions/validate" {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r)
	}))
	return h.URL
}

func TestOnSessionCheckReportsEachCallToHanko(t *testing.T) {
	iss := authtest.NewIssuer(authtest.WithClock(func() time.Time { return mwNow }))
	var mu sync.Mutex
	var fail atomic.Bool
	type call struct {
		outcome string
		latency time.Duration
	}
	var calls []call
	a := newAuth(t, auth.TestConfig{
		HankoAPIURL:  sessionCheckHanko(t, iss, &fail),
		Now:          func() time.Time { return mwNow },
		SessionCheck: true,
		OnSessionCheck: func(outcome string, latency time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, call{outcome, latency})
		},
	})
	r, _ := protectedEngine(a.RequireSession())
	good := iss.Token(authtest.Session{UserID: "user-1"})
	revoked := iss.Token(authtest.Session{UserID: "user-2", SessionID: "ended"})
	iss.Revoke("ended")
	down := iss.Token(authtest.Session{UserID: "user-3"})

	steps := []struct {
		name   string
		token  string
		fail   bool
		status int
		report string // "" when no call to Hanko is expected
	}{
		{"valid session", good, false, http.StatusOK, auth.SessionValid},
		{"same token again: cached answer", good, false, http.StatusOK, ""},
		{"revoked session", revoked, false, http.StatusUnauthorized, auth.SessionInvalid},
		{"Hanko answers 500", down, true, http.StatusServiceUnavailable, auth.SessionUnavailable},
	}
	for _, s := range steps {
		fail.Store(s.fail)
		mu.Lock()
		before := len(calls)
		mu.Unlock()
		w := serve(r, bearer(s.token))
		if w.Code != s.status {
			t.Fatalf("%s: status %d, want %d; %s", s.name, w.Code, s.status, w.Body)
		}
		mu.Lock()
		got := calls[before:]
		mu.Unlock()
		switch {
		case s.report == "" && len(got) != 0:
			t.Errorf("%s: reported %v, want no call", s.name, got)
		case s.report != "" && (len(got) != 1 || got[0].outcome != s.report):
			t.Errorf("%s: reported %v, want one %q", s.name, got, s.report)
		case s.report != "" && (got[0].latency <= 0 || got[0].latency > 3*time.Second):
			t.Errorf("%s: latency %s is not the duration of a call bounded by its 3s timeout", s.name, got[0].latency)
		}
	}
}

// decisionEngine serves GET /p through mws; the outermost middleware records
// the decision after the chain ran, as a metrics middleware does.
func decisionEngine(mws ...gin.HandlerFunc) (*gin.Engine, func() (string, bool)) {
	var mu sync.Mutex
	var decision string
	var seen bool
	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Next()
		mu.Lock()
		defer mu.Unlock()
		decision, seen = auth.DecisionFromContext(c)
	})
	r.GET("/p", append(mws, func(c *gin.Context) { c.Status(http.StatusNoContent) })...)
	return r, func() (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		return decision, seen
	}
}

func TestDecisionFromContext(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	_, downHanko := hankoBehindSwitch(t, jwksDrop)
	down := newAuth(t, auth.TestConfig{HankoAPIURL: downHanko.URL, Now: func() time.Time { return mwNow }})
	good := hanko.Token(authtest.Session{UserID: "user-1"})
	unjudgeable := hanko.Token(authtest.Session{UserID: "user-2"}) // for the Authenticator without keys

	tests := []struct {
		name   string
		mws    []gin.HandlerFunc
		req    request
		status int
		want   string // "" means no decision recorded
	}{
		{"required, valid", []gin.HandlerFunc{a.RequireSession()}, cookie(good), 204, "ok"},
		{"required, no token", []gin.HandlerFunc{a.RequireSession()}, request{}, 401, auth.CodeUnauthorized},
		{"required, bad token", []gin.HandlerFunc{a.RequireSession()}, bearer(tamper(good)), 401, auth.CodeInvalidToken},
		{"required, keys unavailable", []gin.HandlerFunc{down.RequireSession()}, bearer(unjudgeable), 503, auth.CodeAuthUnavailable},
		{"optional, valid", []gin.HandlerFunc{a.OptionalSession()}, bearer(good), 204, "ok"},
		{"optional, anonymous", []gin.HandlerFunc{a.OptionalSession()}, request{}, 204, "ok"},
		{"optional, bad token served as anonymous", []gin.HandlerFunc{a.OptionalSession()}, bearer(tamper(good)), 204, "ok"},
		{"optional, keys unavailable", []gin.HandlerFunc{down.OptionalSession()}, bearer(unjudgeable), 503, auth.CodeAuthUnavailable},
		{"two middlewares: the later refusal wins", []gin.HandlerFunc{a.OptionalSession(), a.RequireSession()}, request{}, 401, auth.CodeUnauthorized},
		{"two middlewares, both let through", []gin.HandlerFunc{a.RequireSession(), a.OptionalSession()}, cookie(good), 204, "ok"},
		{"no auth middleware", nil, cookie(good), 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, decision := decisionEngine(tt.mws...)
			if w := serve(r, tt.req); w.Code != tt.status {
				t.Fatalf("status %d, want %d; %s", w.Code, tt.status, w.Body)
			}
			got, ok := decision()
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("DecisionFromContext = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
	if err := down.Ready(context.Background()); err == nil {
		t.Error("the Authenticator behind a dropped JWKS is ready; the 503 cases test nothing")
	}
}
