package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/golang-jwt/jwt/v5"
)

// VerifyJWT verifies raw, a JWT that Hanko signed with its session keys but
// that is not a session token (Hanko signs its webhook deliveries this way),
// and returns its claims, the JSON object of its payload, for the caller to
// interpret. The checks are those of a session token, less what only
// sessions have: RS256 with a kid of Hanko's JWKS (unknown kids refreshed at
// the same bounded rate), exp required, iat and nbf not in the future (with
// the same leeway), aud when Config.Audience is set; iss is not checked (Hanko
// puts one only into session tokens). A token with a session_id is refused:
// a session token is only ever accepted by Verify and the middleware. Tokens
// verified here are not cached, and never accepted as sessions.
//
// The signature check waits for the same bounded, fair share of the CPU as
// sessions' (see InLane and FromRequest), after every cheaper check,
// including CheckClaims: so a token of the wrong kind never waits for one.
//
// A refusal is an *Error: 401 invalid_token for a bad token, 503
// auth_unavailable when Hanko's keys cannot be fetched or no signature-check
// slot was free in time (then with RetryAfter set). Its Message is safe to
// send; its Err says why, for logs, and never holds the token.
func (a *Authenticator) VerifyJWT(ctx context.Context, raw string, opts ...VerifyOption) (json.RawMessage, error) {
	var o verifyOptions
	for _, opt := range opts {
		opt(&o)
	}
	if len(raw) > a.tune.maxJWTBytes {
		return nil, errInvalidJWT(fmt.Errorf("token is %d bytes, more than the %d allowed", len(raw), a.tune.maxJWTBytes))
	}
	if !isCompactJWS(raw) {
		return nil, errInvalidJWT(errNotCompact)
	}
	claims := &rawClaims{check: o.check}
	wait := waitKey{lane: o.lane, client: a.clientOf(o.request)}
	if _, err := a.parseSigned(ctx, a.others, raw, claims, wait); err != nil {
		if errors.Is(err, errNoCapacity) {
			return nil, errBusy("tokens", err)
		}
		if errors.Is(err, errKeysUnavailable) {
			return nil, errUnavailable("Hanko's signing keys are unavailable, so the token cannot be checked; try again shortly.", err)
		}
		return nil, errInvalidJWT(err)
	}
	return claims.raw, nil
}

// A VerifyOption adjusts VerifyJWT.
type VerifyOption func(*verifyOptions)

type verifyOptions struct {
	lane    string
	request *http.Request
	check   func(claims json.RawMessage) error
}

// InLane has the token's signature check wait in its own lane, apart from
// session tokens and from other lanes: the lanes take turns, so a flood of
// one kind of token cannot delay another. Name one lane per kind of token
// (a constant, never request data), e.g. "webhooks". Without it the token
// waits in the session tokens' lane.
func InLane(name string) VerifyOption {
	return func(o *verifyOptions) { o.lane = name }
}

// FromRequest has the token's signature check wait in the queue of r's
// client (its peer address, or X-Forwarded-For from Config.TrustedProxies),
// so that one client cannot take the checks from others. Without it every
// token counts as one client's.
func FromRequest(r *http.Request) VerifyOption {
	return func(o *verifyOptions) { o.request = r }
}

// CheckClaims runs check on the token's claims (its payload, a JSON object)
// after the standard checks and before the signature's: refuse there what is
// not the kind of token you expect, so it costs no signature check. The
// claims are not yet verified: only decide what to refuse, act on the claims
// VerifyJWT returns. An error refuses the token (401 invalid_token).
func CheckClaims(check func(claims json.RawMessage) error) VerifyOption {
	return func(o *verifyOptions) { o.check = check }
}

// rawClaims are a token's claims for VerifyJWT: the registered ones by their
// exact names (claim names are case-sensitive; encoding/json's field matching
// is not), and the whole payload for the caller.
type rawClaims struct {
	raw        json.RawMessage
	audience   jwt.ClaimStrings
	issuedAt   *jwt.NumericDate
	notBefore  *jwt.NumericDate
	expiresAt  *jwt.NumericDate
	hasSession bool
	check      func(json.RawMessage) error
}

func (c *rawClaims) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for _, name := range [...]string{"exp", "iat", "nbf"} {
		if v, ok := m[name]; ok && !isJSONNumber(v) {
			return fmt.Errorf("claim %q is not a JSON number", name)
		}
	}
	c.audience, c.issuedAt, c.notBefore, c.expiresAt = nil, nil, nil, nil
	for name, dst := range map[string]any{"aud": &c.audience, "iat": &c.issuedAt, "nbf": &c.notBefore, "exp": &c.expiresAt} {
		if v, ok := m[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return fmt.Errorf("claim %q: %w", name, err)
			}
		}
	}
	_, c.hasSession = m["session_id"]
	c.raw = append(json.RawMessage(nil), bytes.TrimSpace(data)...)
	return nil
}

func (c *rawClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.expiresAt, nil }
func (c *rawClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.issuedAt, nil }
func (c *rawClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.notBefore, nil }
func (c *rawClaims) GetIssuer() (string, error)                   { return "", nil }
func (c *rawClaims) GetSubject() (string, error)                  { return "", nil }
func (c *rawClaims) GetAudience() (jwt.ClaimStrings, error)       { return c.audience, nil }

// errSessionToken refuses a session token offered to VerifyJWT.
var errSessionToken = errors.New("token has a session_id: a session token is verified by Verify, never by VerifyJWT")

// Validate is called by golang-jwt after the standard checks.
func (c *rawClaims) Validate() error {
	switch {
	case c.hasSession:
		return errSessionToken
	case c.expiresAt != nil && c.expiresAt.Unix() <= 0:
		return errZeroExpiry
	case timeOf(c.expiresAt).Year() > 9999, timeOf(c.issuedAt).Year() > 9999, timeOf(c.notBefore).Year() > 9999:
		return errFarFuture
	}
	if c.check != nil {
		return c.check(c.raw)
	}
	return nil
}

func errInvalidJWT(cause error) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken,
		Message: "The token is invalid or has expired.", Err: cause}
}
