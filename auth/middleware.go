package auth

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// ErrorHandler answers a request the middleware refuses. It must write a
// response; the middleware aborts the chain afterwards.
// Set Config.ErrorHandler to change the body; call SetChallenge in it to keep
// the WWW-Authenticate header.
type ErrorHandler func(c *gin.Context, err *Error)

// WriteError is the default ErrorHandler: the status, a JSON body
// {"error": code, "message": sentence} and, for 401s, an RFC 6750
// WWW-Authenticate challenge.
func WriteError(c *gin.Context, err *Error) {
	SetChallenge(c, err)
	c.AbortWithStatusJSON(err.Status, gin.H{"error": err.Code, "message": err.Message})
}

// SetChallenge adds the RFC 6750 WWW-Authenticate header for a 401, and
// Retry-After when the error has one (a 503 for lack of capacity).
func SetChallenge(c *gin.Context, err *Error) {
	if err.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int((err.RetryAfter+time.Second-1)/time.Second)))
	}
	if err.Status != http.StatusUnauthorized {
		return
	}
	if err.Code == CodeUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="hanko"`)
		return
	}
	c.Header("WWW-Authenticate", `Bearer realm="hanko", error="invalid_token", error_description="`+err.Message+`"`)
}

const claimsKey = "hanko-gin/auth.claims"

// RequireSession refuses requests without a valid session and attaches the
// claims for FromContext.
func (a *Authenticator) RequireSession() gin.HandlerFunc {
	return func(c *gin.Context) {
		claims, err := a.verifyRequest(c.Request)
		if err != nil {
			a.refuse(c, err)
			return
		}
		c.Set(claimsKey, claims)
		c.Set(decisionKey, decisionOK)
		c.Next()
	}
}

// OptionalSession attaches the claims when the request carries a valid session
// and lets every other request through anonymously. It still answers 503 when a
// token was sent but cannot be judged, so a signed-in user is never silently
// treated as anonymous because Hanko is down.
func (a *Authenticator) OptionalSession() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, err := a.extract(c.Request)
		if token == "" && err == nil {
			c.Set(decisionKey, decisionOK) // anonymous requests are welcome here
			c.Next()
			return
		}
		claims, err := a.verifyToken(c.Request, token, err)
		if err != nil {
			if e, ok := errors.AsType[*Error](err); ok && e.Status == http.StatusServiceUnavailable {
				a.refuse(c, err)
				return
			}
			a.log.DebugContext(c.Request.Context(), "ignoring invalid session token", "reason", err.Error())
			c.Set(decisionKey, decisionOK) // served as anonymous
			c.Next()
			return
		}
		c.Set(claimsKey, claims)
		c.Set(decisionKey, decisionOK)
		c.Next()
	}
}

// verifyRequest extracts the request's token and verifies it.
func (a *Authenticator) verifyRequest(r *http.Request) (*Claims, error) {
	token, err := a.extract(r)
	return a.verifyToken(r, token, err)
}

func (a *Authenticator) verifyToken(r *http.Request, token string, extractErr error) (*Claims, error) {
	if extractErr != nil {
		return nil, errInvalid(extractErr)
	}
	return a.verifyFrom(r.Context(), token, a.cfg.SessionCheck, r)
}

func (a *Authenticator) refuse(c *gin.Context, err error) {
	e, ok := errors.AsType[*Error](err)
	if !ok {
		e = errUnavailable("The session cannot be checked right now; try again shortly.", err)
	}
	ctx := c.Request.Context()
	// A flood's refusals for lack of capacity are counted in Stats rather
	// than logged one by one: a warning per request would amplify the flood.
	if e.Status == http.StatusServiceUnavailable && !errors.Is(e, errNoCapacity) {
		a.log.WarnContext(ctx, "session cannot be checked", "path", c.Request.URL.Path, "reason", e.Error())
	} else {
		a.log.DebugContext(ctx, "session refused", "path", c.Request.URL.Path, "reason", e.Error())
	}
	c.Set(decisionKey, e.Code)
	a.onError(c, e)
	c.Abort()
}

// FromContext returns the verified session attached by RequireSession or
// OptionalSession.
func FromContext(c *gin.Context) (*Claims, bool) {
	v, ok := c.Get(claimsKey)
	if !ok {
		return nil, false
	}
	claims, ok := v.(*Claims)
	return claims, ok
}

const decisionKey = "hanko-gin/auth.decision"

// decisionOK is what a request that auth let through records.
const decisionOK = "ok"

// DecisionFromContext returns what the auth middleware decided about the
// request, once it has run: "ok" when it let the request through, else the
// Code of the *Error it refused the request with (CodeUnauthorized,
// CodeInvalidToken, CodeAuthUnavailable, CodeForbidden). When several auth middlewares run
// for one request, the last decision wins: a request that RequireSession let
// through and a later check refused reports the refusal. On an
// OptionalSession route, anonymous requests and ignored invalid tokens are
// let through, so they report "ok". ok is false when no auth middleware ran.
// Use it after c.Next() to count one decision per request.
func DecisionFromContext(c *gin.Context) (string, bool) {
	v, ok := c.Get(decisionKey)
	if !ok {
		return "", false
	}
	d, ok := v.(string)
	return d, ok
}
