package auth

import (
	"context"
	"sync/atomic"
)

// stats counts what the package does; Stats reads it.
type stats struct {
	signatureChecks atomic.Int64 // tokens whose signature was checked (cache misses)
	cacheHits       atomic.Int64 // tokens served from the verified-token cache
	jwksOK          atomic.Int64 // JWKS fetches whose keys were stored
	jwksFailed      atomic.Int64 // JWKS fetches that failed (see Stats.JWKSFetchesFailed)
}

// Stats is a snapshot of an Authenticator's counters, for metrics. The
// counters only grow. Reading them costs a few atomic loads, so read them when
// metrics are scraped rather than on every request.
type Stats struct {
	// SignatureChecks counts RSA signature checks: session tokens not in the
	// verified-token cache, and tokens given to VerifyJWT, that passed every cheaper
	// check (shape, alg, kid of a loaded key, claims).
	SignatureChecks int64
	// SignatureChecksWaiting is the number of tokens waiting now for a
	// signature-check slot (not a counter). Above 0 only when new tokens
	// arrive faster than the bound on signature checks lets them be checked.
	SignatureChecksWaiting int
	// SignatureChecksRefused counts tokens refused with 503 auth_unavailable
	// (and Retry-After) because no signature-check slot was free in time: the
	// queue was full or the deadline passed.
	SignatureChecksRefused int64
	// CacheHits counts tokens served from the verified-token cache.
	CacheHits int64
	// JWKSFetchesOK counts fetches of Hanko's JWKS whose keys were loaded.
	JWKSFetchesOK int64
	// JWKSFetchesFailed counts fetches that failed: Hanko unreachable, an
	// HTTP error, a body that is not a usable JWKS. A fetch that an
	// unknown-kid request gave up because it had already spent its wait on
	// the rate limiter says nothing about Hanko and is not counted.
	JWKSFetchesFailed int64
	// KeysLoaded is the number of keys loaded now (not a counter).
	KeysLoaded int
}

// Stats returns the current counters.
func (a *Authenticator) Stats() Stats {
	return Stats{
		SignatureChecks:        a.stats.signatureChecks.Load(),
		SignatureChecksWaiting: int(a.checks.waiting.Load()),
		SignatureChecksRefused: a.checks.refused.Load(),
		CacheHits:              a.stats.cacheHits.Load(),
		JWKSFetchesOK:          a.stats.jwksOK.Load(),
		JWKSFetchesFailed:      a.stats.jwksFailed.Load(),
		KeysLoaded:             a.keys.keyCount(context.Background()),
	}
}

// Session-check outcomes passed to Config.OnSessionCheck.
const (
	SessionValid       = "valid"       // Hanko confirmed the session
	SessionInvalid     = "invalid"     // Hanko answered that the session ended (revoked, logged out, expired)
	SessionUnavailable = "unavailable" // no usable answer: unreachable, timeout, HTTP error, unexpected body
)
