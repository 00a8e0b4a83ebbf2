package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Email is the "email" claim Hanko adds when the user has a primary email.
type Email struct {
	Address    string `json:"address"`
	IsPrimary  bool   `json:"is_primary"`
	IsVerified bool   `json:"is_verified"`
}

// Claims is a verified Hanko session token.
//
// Hanko's session JWT carries `sub` (the user id), `session_id`, `aud` (always
// an array), `iat`, `exp`, `email` and `username` when the user has them, `amr`
// for interactive logins, `iss` only when Hanko's session.issuer is set, and any
// custom claims from Hanko's session.jwt_template, which land in Custom.
type Claims struct {
	UserID    string    `json:"sub"`
	SessionID string    `json:"session_id"`
	Email     *Email    `json:"email,omitempty"`
	Username  string    `json:"username,omitempty"`
	Audience  []string  `json:"aud,omitempty"` // a single string becomes one element
	Issuer    string    `json:"iss,omitempty"`
	IssuedAt  time.Time `json:"iat"` // zero when absent
	NotBefore time.Time `json:"nbf"` // zero when absent
	ExpiresAt time.Time `json:"exp"` // always set on verified claims
	AMR       []string  `json:"amr,omitempty"`
	// Custom holds every claim that is not one of the above, as decoded JSON
	// (string, json.Number, bool, nil, []any, map[string]any); numbers stay
	// exact, so large integer ids survive.
	Custom map[string]any `json:"-"`
}

// registered lists the claims decoded into Claims' own fields.
var registered = map[string]bool{
	"sub": true, "session_id": true, "email": true, "username": true, "aud": true,
	"iss": true, "iat": true, "nbf": true, "exp": true, "amr": true,
}

// UnmarshalJSON decodes the payload once, keeping unknown claims in Custom.
func (c *Claims) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	// RFC 7519: exp, iat and nbf are JSON numbers. jwt.NumericDate would also
	// take a numeric string ("1795367416"), which no Hanko token carries.
	for _, name := range [...]string{"exp", "iat", "nbf"} {
		if v, ok := raw[name]; ok && !isJSONNumber(v) {
			return fmt.Errorf("claim %q is not a JSON number", name)
		}
	}
	// Decode the registered claims from their exact names only: encoding/json
	// matches struct fields case-insensitively, so a custom claim "Sub" or
	// "EXP" would otherwise overwrite sub or exp (claim names are
	// case-sensitive, RFC 7519 section 10.1.1).
	*c = Claims{}
	var (
		aud           jwt.ClaimStrings
		iat, nbf, exp *jwt.NumericDate
	)
	custom, err := decodeMembers(raw, map[string]any{
		"sub": &c.UserID, "session_id": &c.SessionID, "email": &c.Email, "username": &c.Username,
		"aud": &aud, "iss": &c.Issuer, "iat": &iat, "nbf": &nbf, "exp": &exp, "amr": &c.AMR,
	})
	if err != nil {
		return err
	}
	c.Audience, c.Custom = aud, custom
	c.IssuedAt, c.NotBefore, c.ExpiresAt = timeOf(iat), timeOf(nbf), timeOf(exp)
	return nil
}

func timeOf(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

func numericDate(t time.Time) *jwt.NumericDate {
	if t.IsZero() {
		return nil
	}
	return jwt.NewNumericDate(t)
}

// isJSONNumber reports whether v (one JSON value) is a number literal.
func isJSONNumber(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
}

// decodeMembers decodes each JSON object member named in fields into its
// target, matching names exactly, and returns the other members decoded as
// plain JSON values (nil when there are none).
func decodeMembers(raw map[string]json.RawMessage, fields map[string]any) (map[string]any, error) {
	var rest map[string]any
	for name, value := range raw {
		if target, ok := fields[name]; ok {
			if err := json.Unmarshal(value, target); err != nil {
				return nil, fmt.Errorf("claim %q: %w", name, err)
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(value))
		dec.UseNumber() // keep large integers exact
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("claim %q: %w", name, err)
		}
		if rest == nil {
			rest = make(map[string]any, len(raw))
		}
		rest[name] = v
	}
	return rest, nil
}

// jwtClaims makes Claims a jwt.Claims for golang-jwt's parser and validator,
// without putting golang-jwt's methods into Claims' API: handlers read the
// fields. It decodes through Claims.UnmarshalJSON (promoted).
type jwtClaims struct{ *Claims }

func (c jwtClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return numericDate(c.ExpiresAt), nil
}
func (c jwtClaims) GetIssuedAt() (*jwt.NumericDate, error)  { return numericDate(c.IssuedAt), nil }
func (c jwtClaims) GetNotBefore() (*jwt.NumericDate, error) { return numericDate(c.NotBefore), nil }
func (c jwtClaims) GetIssuer() (string, error)              { return c.Issuer, nil }
func (c jwtClaims) GetSubject() (string, error)             { return c.UserID, nil }
func (c jwtClaims) GetAudience() (jwt.ClaimStrings, error)  { return c.Audience, nil }

var (
	errNoSubject   = errors.New("token has no sub (user id)")
	errNoSessionID = errors.New("token has no session_id")
	errHankoToken  = errors.New(`token is one Hanko signed for itself (sub "hanko webhooks"), not a session`)
	errZeroExpiry  = errors.New("token has exp 0")
	errFarFuture   = errors.New("token has a time after the year 9999")
)

// hankoSubject is the sub of the tokens Hanko signs for its own messages (its
// webhook deliveries), with the sessions' key and aud: never a user, so never
// a session, even with a session_id.
const hankoSubject = "hanko webhooks"

// Validate is called by golang-jwt after the standard checks; it enforces the
// claims every Hanko session token has.
func (c jwtClaims) Validate() error {
	switch {
	case c.UserID == "":
		return errNoSubject
	case c.UserID == hankoSubject:
		return errHankoToken
	case c.SessionID == "":
		return errNoSessionID
	case !c.ExpiresAt.IsZero() && c.ExpiresAt.Unix() <= 0:
		return errZeroExpiry
	case c.ExpiresAt.Year() > 9999, c.IssuedAt.Year() > 9999, c.NotBefore.Year() > 9999:
		return errFarFuture
	}
	return nil
}
