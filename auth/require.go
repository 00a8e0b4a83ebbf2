package auth

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
)

// Require admits a request only when its session is valid, allow accepts the
// session's claims, and Hanko confirms the session; it attaches the claims for
// FromContext. It works on its own and after RequireSession or
// OptionalSession. Put it in front of privileged routes.
//
// Whatever Config.SessionCheck says, Require confirms the session with
// Hanko's POST /sessions/validate (answers reused for Config.SessionCheckTTL),
// so a session that was ended at Hanko, for example because the user lost a
// right, stops passing at once rather than when its token expires. allow runs
// on the verified claims before Hanko is asked, so a session without the
// right never causes a call to Hanko. It answers
//
//   - 401 (unauthorized, invalid_token) without a valid token, as RequireSession;
//   - 403 forbidden (CodeForbidden) when allow returns an error (Hanko is not asked);
//   - 401 invalid_token for an allowed session that Hanko reports ended;
//   - 503 auth_unavailable when Hanko cannot confirm the session: it never guesses.
//
// allow returns nil to admit. Any error refuses: return Forbidden to choose
// the sentence the client reads; any other error gets a general one. The
// error is logged at debug level, never sent. allow runs on the request path,
// possibly concurrently: it must be quick, and read the claims without
// changing them. Require panics when allow is nil, a wiring bug.
func (a *Authenticator) Require(allow func(*Claims) error) gin.HandlerFunc {
	if allow == nil {
		panic("auth: Require needs a function that decides which sessions may pass")
	}
	return func(c *gin.Context) {
		token, err := a.extract(c.Request)
		if err != nil {
			a.refuse(c, errInvalid(err))
			return
		}
		// The token's own checks and allow first: a session without the
		// right is refused here, so it can never make this backend call Hanko.
		ctx := c.Request.Context()
		claims, err := a.verify(ctx, token, false)
		if err != nil {
			a.refuse(c, err)
			return
		}
		if err := allow(claims); err != nil {
			a.refuse(c, asForbidden(claims, err))
			return
		}
		if err := a.sessions.check(ctx, token, keyOf(token), claims); err != nil {
			a.refuse(c, err)
			return
		}
		c.Set(claimsKey, claims)
		c.Set(decisionKey, decisionOK)
		c.Next()
	}
}

// Forbidden is the refusal of a signed-in user who lacks the right a route
// needs: 403 forbidden, with message (a sentence shown to the client) and
// cause (for the log, never sent). Return it from a Require predicate.
func Forbidden(message string, cause error) *Error {
	if message == "" {
		message = msgForbidden
	}
	return &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: message, Err: cause}
}

const msgForbidden = "You are signed in, but this is not open to you."

// asForbidden turns what a Require predicate returned into the 403 it answers:
// a Forbidden as it is, anything else with the general sentence. The cause
// names the user, for the log.
func asForbidden(c *Claims, err error) *Error {
	msg := msgForbidden
	if e, ok := errors.AsType[*Error](err); ok && e.Status == http.StatusForbidden && e.Message != "" {
		msg = e.Message
		if e.Err != nil {
			err = e.Err
		}
	}
	return Forbidden(msg, fmt.Errorf("user %s: %w", c.UserID, err))
}

// Strings returns the custom claim name as a list of names, for claims such
// as roles or groups that Hanko's session.jwt_template adds: a JSON array of
// strings, or a single string for a list of one. Anything else gives nil: no
// claim, "", null, numbers, objects, and arrays holding anything but
// non-empty strings (one odd element voids the whole claim, since a claim
// that is not fully understood must not grant a part of itself). Names are
// exact and case-sensitive, each listed once, in the claim's order. The
// slice is the caller's own.
func (c *Claims) Strings(name string) []string {
	if c == nil {
		return nil
	}
	switch v := c.Custom[name].(type) {
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []any:
		names := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil
			}
			if !slices.Contains(names, s) {
				names = append(names, s)
			}
		}
		if len(names) == 0 {
			return nil
		}
		return names
	}
	return nil
}
