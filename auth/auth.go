// Package auth verifies Hanko session tokens for Gin applications.
//
// It knows nothing about routes or storage: copy this folder into another Gin
// app, call New with your Hanko API URL, put RequireSession (or
// OptionalSession) in front of your handlers, and read the session in a
// handler with FromContext. See the package example.
//
// A request's token is taken from "Authorization: Bearer" first, then from the
// session cookie Hanko sets ("hanko"). It is verified against Hanko's JWKS
// (RS256 only) and, with Config.SessionCheck, confirmed with Hanko's
// POST /sessions/validate. Require admits only sessions your predicate
// accepts (for example a role in a custom claim, see Claims.Strings) and
// always confirms the session with Hanko. Config.Revocations, when set, is a
// revocation list (sessions ended by logout or at Hanko, deleted users) asked
// from memory on every request after the signature check. Refusals are *Error values, answered by
// Config.ErrorHandler (WriteError unless you set one).
//
// New tokens wait for their signature check in a fair queue with a bounded
// share of the CPU, so a flood of forged tokens cannot crowd out signed-in
// users (Config.TrustedProxies). VerifyJWT verifies the other tokens Hanko
// signs with the same keys, under the same bound, for the caller to read.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"
)

// Defaults for Config. Zero values in Config mean "off" (see each field), so
// pass these to get the recommended behaviour.
const (
	DefaultCookieName      = "hanko"
	DefaultCacheSize       = 10000
	DefaultSessionCheckTTL = 5 * time.Second
)

// Config configures an Authenticator. Only HankoAPIURL is required.
type Config struct {
	// HankoAPIURL is Hanko's public API base URL, e.g. http://localhost:8000 or
	// https://<project>.hanko.io (see CheckHankoURL). The keys are read from
	// {HankoAPIURL}/.well-known/jwks.json.
	HankoAPIURL string
	// CookieName is the session cookie Hanko sets. Empty means DefaultCookieName.
	CookieName string
	// Audience, when not empty, requires the token's aud to contain one of these.
	Audience []string
	// Issuer, when not empty, requires the token's iss to equal it.
	Issuer string

	// SessionCheck confirms every locally valid token with Hanko's
	// POST /sessions/validate, so revoked sessions are refused. Require
	// confirms its sessions this way whatever SessionCheck says.
	SessionCheck bool
	// SessionCheckTTL is how long Hanko's answer for a token is reused: the
	// longest a revoked session can still be used. 0 asks Hanko on every
	// request; DefaultSessionCheckTTL is a good value.
	SessionCheckTTL time.Duration
	// CacheSize bounds the caches of verified tokens and of session-check
	// answers (entries each). A verified token is then checked once per
	// process, until it expires or Hanko stops publishing its key. 0 turns
	// caching off (an RSA check on every request); DefaultCacheSize is a good value.
	CacheSize int

	// Logger receives warnings (Hanko unreachable) and debug detail about
	// refused tokens. Tokens are never logged. Nil means slog.Default().
	Logger *slog.Logger
	// Transport carries the calls to Hanko. Nil means a pooled transport with
	// short timeouts.
	Transport http.RoundTripper
	// ErrorHandler answers refused requests. Nil means WriteError.
	ErrorHandler ErrorHandler
	// OnSessionCheck, when set, is called after each call to Hanko's
	// /sessions/validate (answers reused from the cache make no call) with the
	// outcome (SessionValid, SessionInvalid or SessionUnavailable) and how
	// long the call took: for a latency metric. It runs on the request's
	// path, possibly concurrently, so it must be quick and safe for
	// concurrent use. Nil means nothing is called.
	OnSessionCheck func(outcome string, latency time.Duration)
	// TrustedProxies are the networks of your reverse proxies (load
	// balancer, ingress), whose X-Forwarded-For is believed. New tokens wait
	// for their signature check in a fair queue by client, so that one
	// client cannot take the checks from others however many connections it
	// opens; a client is the request's peer address, or, when the peer is in
	// one of these networks, the address X-Forwarded-For names (read from
	// the right, past these networks). Nil believes no header: right when
	// clients connect directly, wrong behind a proxy (every request would be
	// one client).
	TrustedProxies []netip.Prefix
	// Revocations, when set, is asked about every session whose signature
	// checked out (cached tokens included), before any session check: a
	// session it reports revoked is refused with 401 invalid_token, like a
	// session Hanko reports ended, and Hanko is not asked. Nil revokes nothing.
	Revocations Revocations
}

// Revocations is a revocation list the Authenticator consults on every
// request: sessions that ended (logout, revocation at Hanko, a deleted user)
// before their token's exp. The app implements it, for example fed by Hanko's
// session.delete.* and user.delete webhooks; this package only asks.
//
// Revoked runs on the request path of every authenticated request, possibly
// concurrently: it must answer from memory (no I/O, no waiting on a lock held
// during I/O), quickly, and be safe for concurrent use. The claims are
// verified and shared: read them, never change them.
type Revocations interface {
	Revoked(c *Claims) bool
}

// RevocationsFunc adapts a function to the Revocations interface.
type RevocationsFunc func(c *Claims) bool

// Revoked calls f(c).
func (f RevocationsFunc) Revoked(c *Claims) bool { return f(c) }

// tuning holds what only tests change (see export_test.go).
type tuning struct {
	leeway        time.Duration // clock skew tolerated on exp, iat and nbf
	maxTokenBytes int           // larger tokens are refused before parsing
	maxJWTBytes   int           // larger tokens are refused by VerifyJWT before parsing
	now           func() time.Time
	jwks          jwksTiming
	checks        checkLimits // the bound on signature checks (limit.go)
	beforeCheck   func()      // called holding a check slot, before the RSA check
}

func defaultTuning() tuning {
	return tuning{
		leeway:        30 * time.Second,
		maxTokenBytes: 8 << 10,  // Hanko's tokens are about 1.1 KiB
		maxJWTBytes:   64 << 10, // Hanko's webhook tokens carry a user: about 2 KiB, and it can grow
		now:           time.Now,
		jwks:          defaultJWKSTiming,
		checks:        defaultCheckLimits(),
	}
}

// Authenticator verifies session tokens and provides the Gin middleware.
type Authenticator struct {
	cfg      Config
	tune     tuning
	keys     *jwks
	verified *ttlCache[verifiedToken]
	flight   singleflight.Group
	sessions *sessionChecker // every request with Config.SessionCheck; always for Require
	parser   signedRules
	others   signedRules // for VerifyJWT: no iss check, Hanko sets one only on sessions
	checks   *checkLimiter
	extract  extractor
	onError  ErrorHandler
	log      *slog.Logger
	stats    stats
}

// sessionLane is the lane of session tokens in the signature-check queue.
const sessionLane = ""

// clientOf returns the fair-queue client of r; "" (one client) when r is nil.
func (a *Authenticator) clientOf(r *http.Request) string {
	if r == nil {
		return ""
	}
	return clientKey(r, a.cfg.TrustedProxies)
}

// verifiedToken is a cache entry: the claims of a token whose signature was
// checked, and the key that signed it.
type verifiedToken struct {
	claims *Claims
	kid    string
}

// New builds an Authenticator and starts loading Hanko's keys. It returns an
// error only for bad configuration; an unreachable Hanko is reported by Ready
// and recovers by itself. Cancel ctx to stop the background refresh.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	return newAuthenticator(ctx, cfg, defaultTuning())
}

func newAuthenticator(ctx context.Context, cfg Config, tune tuning) (*Authenticator, error) {
	base, err := CheckHankoURL(cfg.HankoAPIURL)
	if err != nil {
		return nil, fmt.Errorf("auth: HankoAPIURL: %w", err)
	}
	cfg.HankoAPIURL = base
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = WriteError
	}
	if cfg.CacheSize < 0 || cfg.SessionCheckTTL < 0 {
		return nil, errors.New("auth: CacheSize and SessionCheckTTL must not be negative (0 turns them off)")
	}
	a := &Authenticator{
		cfg:      cfg,
		tune:     tune,
		verified: newTTLCache[verifiedToken](cfg.CacheSize),
		extract:  firstOf(fromAuthHeader, fromCookie(cfg.CookieName)),
		onError:  cfg.ErrorHandler,
		log:      cfg.Logger,
		checks:   newCheckLimiter(tune.checks, time.Now),
	}
	a.keys, err = newJWKS(ctx, cfg.HankoAPIURL+"/.well-known/jwks.json", tune.jwks, cfg.Transport, cfg.Logger, a.forgetKeys, &a.stats)
	if err != nil {
		return nil, err
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(tune.leeway),
		jwt.WithTimeFunc(tune.now),
		jwt.WithStrictDecoding(), // one spelling per token: no padding, no stray bits
	}
	if len(cfg.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(cfg.Audience...))
	}
	a.others = newSignedRules(opts...)
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	a.parser = newSignedRules(opts...)
	// Always built (it makes no call until asked): privileged routes confirm
	// every session whatever Config.SessionCheck says.
	a.sessions = newSessionChecker(cfg.HankoAPIURL, cfg.SessionCheckTTL, cfg.CacheSize, cfg.Transport, tune.now, cfg.Logger)
	a.sessions.observe = cfg.OnSessionCheck
	return a, nil
}

// CheckHankoURL reports whether raw is a usable Hanko API base URL: absolute
// http(s), with a host, and without credentials, query or fragment. It returns
// the URL without a trailing slash. New calls it; call it yourself to report a
// bad setting together with others at start-up.
func CheckHankoURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "", errors.New("is required: your Hanko API URL, e.g. http://localhost:8000 or https://<project-id>.hanko.io")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || strings.ContainsAny(raw, "?#"):
		return "", fmt.Errorf("%q must be an absolute http(s) URL such as http://localhost:8000, without query or fragment", raw)
	case u.User != nil:
		return "", errors.New("must not contain a user name or password (it would be shown in logs and /readyz)")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// Verify checks a session token and returns its claims. A refusal is an
// *Error: 401 invalid_token for a bad token, 503 auth_unavailable when the
// token cannot be judged because Hanko or its keys are out of reach, or
// because too many new tokens are waiting for a signature check (a flood of
// forgeries; then with RetryAfter set, see limit.go).
//
// A token that passed full verification is remembered (by its SHA-256) until
// it expires or Hanko stops publishing the key that signed it, so its RSA
// signature is checked once. Concurrent first requests with one token do one
// verification. The returned Claims are shared: treat them as read-only.
func (a *Authenticator) Verify(ctx context.Context, token string) (*Claims, error) {
	return a.verify(ctx, token, a.cfg.SessionCheck)
}

// verify is Verify, asking Hanko's /sessions/validate when confirm is set.
func (a *Authenticator) verify(ctx context.Context, token string, confirm bool) (*Claims, error) {
	return a.verifyFrom(ctx, token, confirm, nil)
}

// verifyFrom is verify for a token r sent (nil: no request), whose signature
// check waits in r's client queue.
func (a *Authenticator) verifyFrom(ctx context.Context, token string, confirm bool, r *http.Request) (*Claims, error) {
	if token == "" {
		return nil, errMissing()
	}
	if len(token) > a.tune.maxTokenBytes {
		return nil, errInvalid(fmt.Errorf("token is %d bytes, more than the %d allowed", len(token), a.tune.maxTokenBytes))
	}
	k := keyOf(token)
	v, ok := a.verified.get(k, a.tune.now())
	if ok {
		a.stats.cacheHits.Add(1)
	} else {
		wait := waitKey{lane: sessionLane, client: a.clientOf(r)}
		got, err, _ := a.flight.Do(string(k[:]), func() (any, error) {
			return a.verifyLocal(context.WithoutCancel(ctx), token, k, wait)
		})
		if err != nil {
			return nil, err
		}
		v = got.(verifiedToken)
	}
	// In memory, on every request: a cached token is refused from the moment
	// its session is on the list.
	if r := a.cfg.Revocations; r != nil && r.Revoked(v.claims) {
		return nil, errRevoked(errSessionRevoked)
	}
	if confirm {
		if err := a.sessions.check(ctx, token, k, v.claims); err != nil {
			return nil, err
		}
	}
	return v.claims, nil
}

var errNotCompact = errors.New("token is not three base64url segments")

// errSessionRevoked is the cause of a refusal by Config.Revocations.
var errSessionRevoked = errors.New("the session is on the revocation list (it ended at Hanko, or its user was deleted)")

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
func (a *Authenticator) verifyLocal(ctx context.Context, token string, k tokenKey, wait waitKey) (verifiedToken, error) {
	// Only checked on a miss: a cached token passed this check when it was
	// verified, and the cache key is its exact spelling.
	if !isCompactJWS(token) {
		return verifiedToken{}, errInvalid(errNotCompact)
	}
	claims := new(Claims)
	parsed, err := a.parseSigned(ctx, a.parser, token, &jwtClaims{claims}, wait)
	if err != nil {
		if errors.Is(err, errNoCapacity) {
			return verifiedToken{}, errBusy("sessions", err)
		}
		if errors.Is(err, errKeysUnavailable) {
			return verifiedToken{}, errUnavailable("Hanko's signing keys are unavailable, so the session cannot be checked; try again shortly.", err)
		}
		return verifiedToken{}, errInvalid(err)
	}
	v := verifiedToken{claims: claims}
	v.kid, _ = parsed.Header["kid"].(string)
	a.verified.put(k, v, claims.ExpiresAt)
	// A refresh that removed this key while the signature was being checked
	// has already swept the cache: take the entry back out.
	if !a.keys.has(ctx, v.kid) {
		a.verified.delete(k)
	}
	return v, nil
}

// forgetKeys drops the cached tokens signed by keys Hanko no longer publishes,
// so they are refused from the refresh that sees the key gone.
func (a *Authenticator) forgetKeys(kids map[string]bool) {
	n := a.verified.deleteIf(func(v verifiedToken) bool { return kids[v.kid] })
	a.log.Info("Hanko stopped publishing signing keys; sessions signed by them are refused from now on",
		"removed_keys", len(kids), "forgotten_tokens", n)
}

// Ready reports whether tokens can be verified now (Hanko's signing keys are
// loaded, and with SessionCheck, Hanko answers). The error says why not.
func (a *Authenticator) Ready(ctx context.Context) error {
	if err := a.keys.ready(ctx); err != nil {
		return err
	}
	if a.cfg.SessionCheck {
		return a.sessions.ready(ctx)
	}
	return nil
}
