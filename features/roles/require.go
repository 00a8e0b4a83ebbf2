package roles

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
)

// Claim is the session token's custom claim roles are read from. Hanko fills
// it from the user's public metadata with this session.jwt_template entry
// (deploy/hanko/config.yaml):
//
//	roles: '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'
//
// which gives a JSON array for {"roles": [...]}, and "" for a user without
// it. Only Hanko's admin API writes public metadata; unsafe metadata, which
// the user can write, is never read.
const Claim = "roles"

// FromClaims returns the roles a verified session holds: the Claim read by
// auth.Claims.Strings, so a JSON array of role names, or a single string for
// one role. Anything else grants nothing: no claim, "", null, numbers,
// objects, and arrays holding anything but non-empty strings. Names are exact
// and case-sensitive, each listed once. The slice is the caller's own.
func FromClaims(c *auth.Claims) []string { return c.Strings(Claim) }

// Has reports whether the session holds role, compared exactly.
func Has(c *auth.Claims, role string) bool {
	return role != "" && slices.Contains(FromClaims(c), role)
}

// Require admits a request only when its session holds at least one of
// roles, and confirms the session with Hanko (auth.Authenticator.Require):
// 403 forbidden for a session without the role (Hanko is not asked), 401 for
// a session Hanko reports ended, for example because a role was taken away
// (which ends the user's sessions), and 503 when Hanko cannot confirm it.
//
// It panics when given no role or an empty one: such a route could never be
// opened, which is a wiring bug.
func Require(a *auth.Authenticator, roles ...string) gin.HandlerFunc {
	if len(roles) == 0 || slices.Contains(roles, "") {
		panic("roles: Require needs one or more non-empty role names")
	}
	want := slices.Clone(roles)
	message := forbiddenMessage(want)
	return a.Require(func(c *auth.Claims) error {
		held := FromClaims(c)
		for _, r := range want {
			if slices.Contains(held, r) {
				return nil
			}
		}
		return auth.Forbidden(message, fmt.Errorf("has roles %q, none of %q", held, want))
	})
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
