package routes

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
)

// index describes the service and links to its routes.
func (a *api) index(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"service": "hanko-gin",
		"links": gin.H{
			"health":    "/healthz",
			"ready":     "/readyz",
			"public":    "/api/public",
			"protected": "/api/protected",
			"me":        "/api/me",
			"todos":     "/api/todos",
		},
	})
}

// healthz is liveness: the process serves HTTP.
func (a *api) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz is readiness: 200 only when Hanko's signing keys are loaded (and, with
// the session check on, Hanko answers) and the database answers. It is public,
// so its body says what is wrong in plain words only; the URLs and the error
// chains that say why go to the log.
func (a *api) readyz(c *gin.Context) {
	ctx := c.Request.Context()
	checks := gin.H{}
	var reasons []string
	for _, dep := range []struct {
		name, problem string
		check         func(context.Context) error
	}{
		{"hanko", "Hanko cannot be reached or has not published its signing keys, so sessions cannot be checked", a.auth.Ready},
		{"database", "the database does not answer", a.store.Ping},
	} {
		if err := checkWithTimeout(ctx, dep.check); err != nil {
			a.log.WarnContext(ctx, "not ready", "check", dep.name, "error", err.Error())
			checks[dep.name] = "unavailable"
			reasons = append(reasons, dep.problem)
			continue
		}
		checks[dep.name] = "ok"
	}
	if len(reasons) > 0 {
		msg := "Not ready: " + strings.Join(reasons, "; ") + ". The server log says why."
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "not_ready", "message": msg, "checks": checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": checks})
}

// messageResponse is the body of /api/public and /api/protected.
type messageResponse struct {
	Message string `json:"message"`
	UserID  string `json:"user_id,omitempty"`
}

// public needs no session.
func (a *api) public(c *gin.Context) {
	c.JSON(http.StatusOK, messageResponse{Message: "This is public: no session needed."})
}

// protected needs a session; the user id comes from the verified token.
func (a *api) protected(c *gin.Context) {
	claims := mustClaims(c)
	c.JSON(http.StatusOK, messageResponse{
		Message: "You have a valid Hanko session.",
		UserID:  claims.UserID,
	})
}

// meResponse is the session's user as /api/me returns it.
type meResponse struct {
	UserID    string      `json:"user_id"`
	SessionID string      `json:"session_id"`
	Email     *auth.Email `json:"email"`
	Username  string      `json:"username,omitempty"`
	Audience  []string    `json:"audience"`
	Issuer    string      `json:"issuer,omitempty"`
	IssuedAt  time.Time   `json:"issued_at"`
	ExpiresAt time.Time   `json:"expires_at"`
	AMR       []string    `json:"amr,omitempty"`
	// Every other claim, as the token has it: Hanko's session.jwt_template adds them. They are
	// passed on uninterpreted; whatever gives one a meaning reads it from here.
	CustomClaims map[string]any `json:"custom_claims,omitempty"`
}

// me returns what the session token says about the user.
func (a *api) me(c *gin.Context) {
	claims := mustClaims(c)
	aud := claims.Audience
	if aud == nil {
		aud = []string{}
	}
	c.JSON(http.StatusOK, meResponse{
		UserID:       claims.UserID,
		SessionID:    claims.SessionID,
		Email:        claims.Email,
		Username:     claims.Username,
		Audience:     aud,
		Issuer:       claims.Issuer,
		IssuedAt:     claims.IssuedAt.UTC(),
		ExpiresAt:    claims.ExpiresAt.UTC(),
		AMR:          claims.AMR,
		CustomClaims: claims.Custom,
	})
}

// mustClaims returns the session of a route behind RequireSession. Its absence
// is a wiring bug, so it panics (answered as a 500 by recoverJSON).
func mustClaims(c *gin.Context) *auth.Claims {
	claims, ok := auth.FromContext(c)
	if !ok {
		panic("routes: handler needs auth.RequireSession in front of it")
	}
	return claims
}
