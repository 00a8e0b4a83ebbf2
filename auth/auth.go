// Package auth verifies Hanko session tokens for Gin applications.
//
// It knows nothing about routes or storage: copy this folder into another Gin
// app, call New with your Hanko API URL, and put RequireSession (or
// OptionalSession) in front of your handlers. Handlers read the session with
// FromContext.
//
// A request goes through three small pieces: an Extractor finds the token
// (Authorization: Bearer first, then the "hanko" cookie), the Authenticator
// verifies it (RS256 against Hanko's JWKS, then optionally Hanko's
// /sessions/validate), and an ErrorHandler answers refusals.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"
)

// Config configures an Authenticator. Only HankoAPIURL is required.
type Config struct {
	// HankoAPIURL is Hanko's public API base URL, e.g. http://localhost:8000 or
	// https://<project>.hanko.io. The JWKS is read from
	// {HankoAPIURL}/.well-known/jwks.json.
	HankoAPIURL string
	// CookieName is the session cookie Hanko sets. Default "hanko".
	CookieName string
	// Audience, when not empty, requires the token's aud to contain one of these.
	Audience []string
	// Issuer, when not empty, requires the token's iss to equal it.
	Issuer string
	// Leeway tolerates clock skew on exp, iat and nbf. Default 30s.
	Leeway time.Duration
	// MaxTokenBytes refuses larger tokens before any parsing. Default 8 KiB.
	MaxTokenBytes int

	// SessionCheck confirms every locally valid token with Hanko's
	// POST /sessions/validate, so revoked sessions are refused. Answers are
	// cached for SessionCheckTTL (default 5s; negative asks Hanko on every
	// request):
	// the TTL is the longest a revoked session can still be used.
	SessionCheck    bool
	SessionCheckTTL time.Duration
	// SessionCacheSize bounds the caches of verified tokens and of session-check
	// answers (entries each). Default 10000; negative disables caching.
	SessionCacheSize int
	// SessionCacheMaxAge bounds how long a verified token is served from the
	// cache before its signature is checked again (default 30s), so a key
	// removed from Hanko's JWKS stops being honoured within
	// JWKSRefreshInterval + SessionCacheMaxAge. Entries never outlive exp.
	SessionCacheMaxAge time.Duration

	// Logger receives warnings (Hanko unreachable) and debug detail about
	// refused tokens. Tokens are never logged. Default slog.Default().
	Logger *slog.Logger
	// HTTPClient's Transport is used for calls to Hanko (optional).
	HTTPClient *http.Client
	// ErrorHandler answers refused requests. Default WriteError.
	ErrorHandler ErrorHandler
	// Now is the clock (tests pin it). Default time.Now.
	Now func() time.Time

	// JWKS timing; zero values take the defaults documented in jwks.go.
	JWKSRefreshInterval   time.Duration
	JWKSUnknownKIDEvery   time.Duration
	JWKSUnknownKIDWaitMax time.Duration
}

// Authenticator verifies session tokens and provides the Gin middleware.
type Authenticator struct {
	cfg      Config
	keys     *jwks
	verified *ttlCache[*Claims]
	flight   singleflight.Group
	sessions *sessionChecker // nil unless Config.SessionCheck
	parser   *jwt.Parser
	extract  Extractor
	onError  ErrorHandler
	log      *slog.Logger
}

// New builds an Authenticator and starts loading Hanko's keys. It returns an
// error only for bad configuration; an unreachable Hanko is reported by Ready
// and recovers by itself. Cancel ctx to stop the background refresh.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	base, err := url.Parse(strings.TrimRight(cfg.HankoAPIURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("auth: HankoAPIURL %q is not an absolute http(s) URL", cfg.HankoAPIURL)
	}
	cfg.HankoAPIURL = base.String()
	if cfg.CookieName == "" {
		cfg.CookieName = "hanko"
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.MaxTokenBytes <= 0 {
		cfg.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = WriteError
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	switch {
	case cfg.SessionCacheSize == 0:
		cfg.SessionCacheSize = DefaultCacheSize
	case cfg.SessionCacheSize < 0:
		cfg.SessionCacheSize = 0
	}
	switch {
	case cfg.SessionCheckTTL == 0:
		cfg.SessionCheckTTL = DefaultSessionCheckTTL
	case cfg.SessionCheckTTL < 0:
		cfg.SessionCheckTTL = 0
	}
	cfg.SessionCacheMaxAge = orDefault(cfg.SessionCacheMaxAge, defaultCacheMaxAge)
	o := jwksOptions{
		refreshEvery:      orDefault(cfg.JWKSRefreshInterval, defaultRefreshEvery),
		unknownKIDEvery:   orDefault(cfg.JWKSUnknownKIDEvery, defaultUnknownKIDEvery),
		unknownKIDWaitMax: orDefault(cfg.JWKSUnknownKIDWaitMax, defaultUnknownKIDWaitMax),
		client:            cfg.HTTPClient,
	}
	if o.unknownKIDWaitMax >= o.unknownKIDEvery {
		return nil, fmt.Errorf("auth: JWKSUnknownKIDWaitMax (%s) must be shorter than JWKSUnknownKIDEvery (%s), or unknown-kid requests queue up fetches", o.unknownKIDWaitMax, o.unknownKIDEvery)
	}
	keys, err := newJWKS(ctx, cfg.HankoAPIURL+"/.well-known/jwks.json", o, cfg.Logger)
	if err != nil {
		return nil, err
	}

	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithStrictDecoding(), // one spelling per token: no padding, no stray bits
	}
	if len(cfg.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(cfg.Audience...))
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	var transport http.RoundTripper
	if cfg.HTTPClient != nil {
		transport = cfg.HTTPClient.Transport
	}
	var sessions *sessionChecker
	if cfg.SessionCheck {
		sessions = newSessionChecker(cfg.HankoAPIURL, cfg.SessionCheckTTL, cfg.SessionCacheSize, transport, cfg.Now, cfg.Logger)
	}
	return &Authenticator{
		cfg:      cfg,
		keys:     keys,
		verified: newTTLCache[*Claims](cfg.SessionCacheSize),
		sessions: sessions,
		parser:   jwt.NewParser(opts...),
		extract:  FirstOf(FromAuthHeader, FromCookie(cfg.CookieName)),
		onError:  cfg.ErrorHandler,
		log:      cfg.Logger,
	}, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Defaults for the caches and the session check.
const (
	DefaultCacheSize       = 10000
	DefaultSessionCheckTTL = 5 * time.Second
	defaultCacheMaxAge     = 30 * time.Second
)

// Verify checks a session token and returns its claims. A refusal is an
// *Error: 401 invalid_token for a bad token, 503 auth_unavailable when the
// token cannot be judged because Hanko or its keys are out of reach.
//
// A token that passed full verification is remembered (by its SHA-256) until
// it expires or SessionCacheMaxAge passes, so a browser's repeated requests
// skip the RSA signature check. Concurrent first requests with one token do
// one verification. The returned Claims are shared: treat them as read-only.
func (a *Authenticator) Verify(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, errMissing()
	}
	if len(token) > a.cfg.MaxTokenBytes {
		return nil, errInvalid(fmt.Errorf("token is %d bytes, more than the %d allowed", len(token), a.cfg.MaxTokenBytes))
	}
	k := keyOf(token)
	claims, ok := a.verified.get(k, a.cfg.Now())
	if !ok {
		v, err, _ := a.flight.Do(string(k[:]), func() (any, error) {
			return a.verifyLocal(context.WithoutCancel(ctx), token, k)
		})
		if err != nil {
			return nil, err
		}
		claims = v.(*Claims)
	}
	if a.sessions != nil {
		if err := a.sessions.check(ctx, token, k, claims); err != nil {
			return nil, err
		}
	}
	return claims, nil
}

var errNotCompact = errors.New("token is not three base64url segments")

// isCompactJWS reports whether token is three unpadded base64url segments.
// Refusing everything else up front means each token has exactly one
// spelling: base64 decoders skip line breaks, so "a\nb" would otherwise verify
// as a second cache key (and a second Hanko call) for the same token.
func isCompactJWS(token string) bool {
	dots := 0
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case c == '.':
			dots++
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return dots == 2
}

// verifyLocal checks the signature against Hanko's JWKS and the claims against
// the rules, and caches the result when it passes.
func (a *Authenticator) verifyLocal(ctx context.Context, token string, k tokenKey) (*Claims, error) {
	// Only checked on a miss: a cached token passed this check when it was
	// verified, and the cache key is its exact spelling.
	if !isCompactJWS(token) {
		return nil, errInvalid(errNotCompact)
	}
	claims := new(Claims)
	if _, err := a.parser.ParseWithClaims(token, claims, a.keys.keyfunc(ctx)); err != nil {
		if errors.Is(err, errKeysUnavailable) {
			return nil, errUnavailable("Hanko's signing keys are unavailable, so the session cannot be checked; try again shortly.", err)
		}
		return nil, errInvalid(err)
	}
	until := a.cfg.Now().Add(a.cfg.SessionCacheMaxAge)
	if exp := claims.Expiry(); exp.Before(until) {
		until = exp
	}
	a.verified.put(k, claims, until)
	return claims, nil
}

// Ready reports whether tokens can be verified now (Hanko's signing keys are
// loaded). The error says why not.
func (a *Authenticator) Ready(ctx context.Context) error {
	if err := a.keys.ready(ctx); err != nil {
		return err
	}
	if a.sessions != nil {
		return a.sessions.ready(ctx)
	}
	return nil
}

// Extract returns the request's session token ("" when there is none), or an
// error when the request's token cannot be used.
func (a *Authenticator) Extract(r *http.Request) (string, error) { return a.extract(r) }
