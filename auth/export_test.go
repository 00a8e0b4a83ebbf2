package auth

import (
	"github.com/golang-jwt/jwt/v5"

	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// Test hooks for the external auth_test package.

// TestConfig is Config plus the knobs only tests turn. Unlike Config, its
// zero values mean the defaults and negative ones mean off, so that most
// tests only name what they change.
type TestConfig struct {
	HankoAPIURL      string
	CookieName       string
	Audience         []string
	Issuer           string
	SessionCheck     bool
	SessionCheckTTL  time.Duration // 0: DefaultSessionCheckTTL; negative: ask Hanko every time
	SessionCacheSize int           // 0: DefaultCacheSize; negative: no caches
	Logger           *slog.Logger
	HTTPClient       *http.Client // its Transport is Config.Transport
	ErrorHandler     ErrorHandler
	OnSessionCheck   func(outcome string, latency time.Duration)
	Revocations      Revocations
	TrustedProxies   []netip.Prefix

	Leeway                time.Duration
	MaxTokenBytes         int
	Now                   func() time.Time
	JWKSRefreshInterval   time.Duration
	JWKSUnknownKIDEvery   time.Duration
	JWKSUnknownKIDWaitMax time.Duration

	// The bound on signature checks (limit.go); zero values keep the defaults.
	CheckSlots    int
	CheckQueue    int
	CheckDeadline time.Duration
	CheckLinger   time.Duration // 0: none (tests see refusals at once); the default holds them
	CheckCPU      float64       // CPUs' worth of check time per second
	CheckBurst    time.Duration // negative: no burst (every check paced)
	// BeforeSignatureCheck runs holding a check slot, just before the RSA
	// check: a test blocks it to keep the slots busy.
	BeforeSignatureCheck func()
}

// NewForTest is New with the test knobs.
func NewForTest(ctx context.Context, tc TestConfig) (*Authenticator, error) {
	cfg := Config{
		HankoAPIURL: tc.HankoAPIURL, CookieName: tc.CookieName, Audience: tc.Audience, Issuer: tc.Issuer,
		SessionCheck: tc.SessionCheck, SessionCheckTTL: tc.SessionCheckTTL, CacheSize: tc.SessionCacheSize,
		Logger: tc.Logger, ErrorHandler: tc.ErrorHandler, OnSessionCheck: tc.OnSessionCheck,
		Revocations: tc.Revocations, TrustedProxies: tc.TrustedProxies,
	}
	switch {
	case tc.SessionCheckTTL == 0:
		cfg.SessionCheckTTL = DefaultSessionCheckTTL
	case tc.SessionCheckTTL < 0:
		cfg.SessionCheckTTL = 0
	}
	switch {
	case tc.SessionCacheSize == 0:
		cfg.CacheSize = DefaultCacheSize
	case tc.SessionCacheSize < 0:
		cfg.CacheSize = 0
	}
	if tc.HTTPClient != nil {
		cfg.Transport = tc.HTTPClient.Transport
	}
	t := defaultTuning()
	if tc.Leeway != 0 {
		t.leeway = tc.Leeway
	}
	if tc.MaxTokenBytes > 0 {
		t.maxTokenBytes = tc.MaxTokenBytes
	}
	if tc.Now != nil {
		t.now = tc.Now
	}
	if tc.JWKSRefreshInterval > 0 {
		t.jwks.refreshEvery = tc.JWKSRefreshInterval
	}
	if tc.JWKSUnknownKIDEvery > 0 {
		t.jwks.unknownKIDEvery = tc.JWKSUnknownKIDEvery
	}
	if tc.JWKSUnknownKIDWaitMax > 0 {
		t.jwks.unknownKIDWaitMax = tc.JWKSUnknownKIDWaitMax
	}
	if tc.CheckSlots > 0 {
		t.checks.slots = tc.CheckSlots
	}
	if tc.CheckQueue > 0 {
		t.checks.queue = tc.CheckQueue
	}
	if tc.CheckDeadline > 0 {
		t.checks.deadline = tc.CheckDeadline
	}
	t.checks.linger = tc.CheckLinger
	if tc.CheckCPU > 0 {
		t.checks.cpu = tc.CheckCPU
	}
	switch {
	case tc.CheckBurst > 0:
		t.checks.burst = tc.CheckBurst
	case tc.CheckBurst < 0:
		t.checks.burst = 0
	}
	t.beforeCheck = tc.BeforeSignatureCheck
	return newAuthenticator(ctx, cfg, t)
}

// DefaultMaxTokenBytes is the size bound on tokens.
var DefaultMaxTokenBytes = defaultTuning().maxTokenBytes

// SessionValidation is Hanko's /sessions/validate answer as the package decodes it.
type SessionValidation = sessionValidation

// Extractors, for the extractor tests.
type Extractor = extractor

var (
	FirstOf            = firstOf
	FromAuthHeader     = fromAuthHeader
	FromCookie         = fromCookie
	ErrAmbiguousCookie = errAmbiguousCookie
	ErrNoToken         = errNoToken
)

// Extract returns the request's token as the middleware sees it.
func (a *Authenticator) Extract(r *http.Request) (string, error) { return a.extract(r) }

// SignatureChecks counts the tokens whose signature a has checked.
func (a *Authenticator) SignatureChecks() int64 { return a.stats.signatureChecks.Load() }

// CachedTokens is the number of entries in the verified-token cache.
func (a *Authenticator) CachedTokens() int { return a.verified.len() }

// JWKSFetches is the number of HTTP requests made for the JWKS.
func (a *Authenticator) JWKSFetches() int64 { return a.keys.fetchCount() }

// ValidateClaims runs the check golang-jwt calls after its own (jwtClaims.Validate).
func ValidateClaims(c *Claims) error { return jwtClaims{c}.Validate() }

// ExpirationTime is exp as golang-jwt's validator sees it.
func ExpirationTime(c *Claims) *jwt.NumericDate { d, _ := jwtClaims{c}.GetExpirationTime(); return d }
