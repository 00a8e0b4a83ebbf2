package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// signedRules are the checks of one kind of token (sessions, webhooks): the
// parser (decoding, RS256 only) and the claim rules (exp, iat, nbf, aud, iss,
// and the claims' own Validate).
type signedRules struct {
	parser    *jwt.Parser
	validator *jwt.Validator
}

func newSignedRules(opts ...jwt.ParserOption) signedRules {
	return signedRules{parser: jwt.NewParser(opts...), validator: jwt.NewValidator(opts...)}
}

// parseSigned does what jwt.Parser.ParseWithClaims does, in an order that
// puts the RSA check last: a client already over its share of the queue is
// refused first, without parsing (checkLimiter.admit); then decoding (shape, base64url, JSON), alg RS256, a
// kid of a loaded key, then the claims (exp, iat, nbf, aud, iss, sub,
// session_id...), and only then, in turn with the other checks (checkLimiter),
// the signature. So junk is refused without waiting, and only tokens that
// would be accepted with a good signature queue for one. The error wraps
// errKeysUnavailable when the keys cannot be fetched, and errNoCapacity when
// no slot was free in time; any other error means an invalid token.
func (a *Authenticator) parseSigned(ctx context.Context, r signedRules, token string, claims jwt.Claims, wait waitKey) (*jwt.Token, error) {
	if err := a.checks.admit(ctx, wait); err != nil {
		return nil, err
	}
	t, _, err := r.parser.ParseUnverified(token, claims)
	if err != nil {
		return nil, err
	}
	if t.Method != jwt.SigningMethodRS256 {
		return nil, fmt.Errorf("%w: signing method %v is invalid", jwt.ErrTokenSignatureInvalid, t.Header["alg"])
	}
	key, err := a.keys.keyfunc(ctx)(t)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", jwt.ErrTokenUnverifiable, err)
	}
	if err := r.validator.Validate(claims); err != nil {
		return nil, fmt.Errorf("%w: %w", jwt.ErrTokenInvalidClaims, err)
	}
	start, err := a.checks.acquire(ctx, wait)
	if err != nil {
		return nil, err
	}
	defer a.checks.release(start)
	a.stats.signatureChecks.Add(1)
	if a.tune.beforeCheck != nil {
		a.tune.beforeCheck()
	}
	if err := t.Method.Verify(token[:strings.LastIndexByte(token, '.')], t.Signature, key); err != nil {
		return nil, fmt.Errorf("%w: %w", jwt.ErrTokenSignatureInvalid, err)
	}
	t.Valid = true
	return t, nil
}
