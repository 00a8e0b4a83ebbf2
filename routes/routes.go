// Package routes is hanko-gin's HTTP API: the whole route table is in New.
package routes

import (
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/store"
)

// Deps is what the API needs from the outside world.
type Deps struct {
	Auth           *auth.Authenticator
	Store          store.Store
	AllowedOrigins []string // exact origins allowed to call with credentials
	Logger         *slog.Logger
}

// api holds the dependencies the handlers use.
type api struct {
	auth  *auth.Authenticator
	store store.Store
	log   *slog.Logger
}

// New builds the Gin engine with every route, CORS and the CSRF defence.
// Configure the Authenticator with ErrorHandler: routes.AuthErrorHandler so
// auth refusals use the same error writer as everything else.
func New(d Deps) *gin.Engine {
	if os.Getenv(gin.EnvGinMode) == "" {
		gin.SetMode(gin.ReleaseMode)
	}
	a := &api{auth: d.Auth, store: d.Store, log: d.Logger}

	r := gin.New()
	r.HandleMethodNotAllowed = true
	_ = r.SetTrustedProxies(nil) // ClientIP is the peer address unless you configure your proxies
	r.Use(
		requestLogger(d.Logger),
		recoverJSON(d.Logger),
		refuseCrossOrigin(d.AllowedOrigins),
		corsFor(d.AllowedOrigins),
	)
	r.NoRoute(func(c *gin.Context) { respondError(c, errRouteNotFound) })
	r.NoMethod(func(c *gin.Context) { respondError(c, errMethodNotAllowed) })

	r.GET("/", a.index)
	r.GET("/healthz", a.healthz)
	r.GET("/readyz", a.readyz)

	r.GET("/api/public", a.public)

	private := r.Group("/api", a.auth.RequireSession())
	private.GET("/protected", a.protected)
	private.GET("/me", a.me)
	private.GET("/todos", a.listTodos)
	private.POST("/todos", a.createTodo)
	private.GET("/todos/:id", a.getTodo)
	private.PATCH("/todos/:id", a.updateTodo)
	private.DELETE("/todos/:id", a.deleteTodo)

	return r
}

// corsFor answers preflights at engine level and adds credentialed CORS
// headers for the exact allowed origins. Requests from any other origin get
// no Access-Control-* header (gin-contrib/cors answers them 403).
func corsFor(origins []string) gin.HandlerFunc {
	return cors.New(cors.Config{
		AllowOrigins:     origins,
		AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete},
		AllowHeaders:     []string{"Authorization", "Content-Type"},
		ExposeHeaders:    []string{"Location"},
		AllowCredentials: true,
		MaxAge:           2 * time.Hour,
	})
}

// refuseCrossOrigin is the CSRF defence: an unsafe request (POST, PATCH,
// DELETE, ...) that a browser sent from an origin that is not allowed is
// refused before any handler runs. It uses net/http's CrossOriginProtection,
// which reads Sec-Fetch-Site and Origin; requests from non-browser clients
// (no such headers) pass, as they carry no ambient cookies to abuse.
func refuseCrossOrigin(origins []string) gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	for _, o := range origins {
		// Origins were validated by config.Load; AddTrustedOrigin cannot fail on them.
		_ = cop.AddTrustedOrigin(o)
	}
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			respondError(c, errCrossOrigin)
			return
		}
		c.Next()
	}
}
