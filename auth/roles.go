package auth

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// rolesClaim is the custom claim roles are read from. Hanko fills it from the
// user's public metadata with this session.jwt_template entry:
//
//	roles: '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'
//
// which gives a JSON array for {"roles": [...]}, and "" for a user without it.
const rolesClaim = "roles"

// Roles returns the roles named in the token's "roles" claim: a JSON array of
// strings, or a single string for one role. Anything else grants nothing: no
// claim, "", null, numbers, objects, and arrays holding anything but
// non-empty strings (one odd element voids the whole claim, since a claim
// this package does not fully understand must not grant a part of itself).
// Names are exact and case-sensitive, each listed once. The slice is the
// caller's own.
func (c *Claims) Roles() []string {
	if c == nil {
		return nil
	}
	switch v := c.Custom[rolesClaim].(type) {
	case string:
		if v == "" {
			return nil
		}
		return []string{v}
	case []any:
		roles := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil
			}
			if !slices.Contains(roles, s) {
				roles = append(roles, s)
			}
		}
		if len(roles) == 0 {
			return nil
		}
		return roles
	}
	return nil
}

// HasRole reports whether Roles contains role, compared exactly.
func (c *Claims) HasRole(role string) bool {
	return role != "" && slices.Contains(c.Roles(), role)
}

// RequireRole admits a request only when its session holds at least one of
// roles (see Claims.Roles), and attaches the claims for FromContext. It works
// on its own and after RequireSession or OptionalSession.
//
// Whatever Config.SessionCheck says, RequireRole confirms the session with
// Hanko's POST /sessions/validate (answers reused for Config.SessionCheckTTL),
// so a session that was revoked, for example because a role was taken away,
// stops passing at once rather than when its token expires. The role is read
// from the token before Hanko is asked, so a session without it never causes
// a call to Hanko. It answers
//
//   - 401 (unauthorized, invalid_token) without a valid token, as RequireSession;
//   - 403 forbidden (CodeForbidden) for a token without the role (Hanko is not asked);
//   - 401 invalid_token for a token with the role whose session Hanko reports ended;
//   - 503 auth_unavailable when Hanko cannot confirm the session: it never guesses.
//
// It panics when given no role or an empty one: such a route could never be
// opened, which is a wiring bug.
func (a *Authenticator) RequireRole(roles ...string) gin.HandlerFunc {
	if len(roles) == 0 || slices.Contains(roles, "") {
		panic("auth: RequireRole needs one or more non-empty role names")
	}
	want := slices.Clone(roles)
	message := forbiddenMessage(want)
	return func(c *gin.Context) {
		token, err := a.extract(c.Request)
		if err != nil {
			a.refuse(c, errInvalid(err))
			return
		}
		// The token's own checks first (signature, expiry, and the role it
		// names): a session without the role is refused here, so it can never
		// make this backend call Hanko.
		ctx := c.Request.Context()
		claims, err := a.verify(ctx, token, false)
		if err != nil {
			a.refuse(c, err)
			return
		}
		if !slices.ContainsFunc(want, claims.HasRole) {
			a.refuse(c, &Error{Status: http.StatusForbidden, Code: CodeForbidden, Message: message,
				Err: fmt.Errorf("user %s has roles %q, none of %q", claims.UserID, claims.Roles(), want)})
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

// forbiddenMessage is the sentence a session without the role gets. Roles
// reach the token at sign-in, so a role granted since needs a new sign-in.
func forbiddenMessage(roles []string) string {
	quoted := make([]string, len(roles))
	for i, r := range roles {
		quoted[i] = fmt.Sprintf("%q", r)
	}
	need := "the " + quoted[0] + " role"
	if len(roles) > 1 {
		need = "one of the roles " + strings.Join(quoted, ", ")
	}
	return "This needs " + need + ", which your session does not have. If it was granted recently, sign in again."
}
