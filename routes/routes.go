// Package routes is hanko-gin's HTTP API: the whole route table is in New.
package routes

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
	// Middleware runs before the core's (features' hooks, e.g. one that counts requests).
	Middleware []gin.HandlerFunc
	// Routes adds the features' routes, after the core's (may be nil).
	Routes func(*gin.Engine)
	// OpenAPI holds the features' fragments of the OpenAPI document, merged
	// into the core's (routes/openapi.yaml) and served at /openapi.json.
	OpenAPI [][]byte
}

// api holds the dependencies the handlers use.
type api struct {
	auth  *auth.Authenticator
	store store.Store
	log   *slog.Logger
}

// New builds the Gin engine with every route, CORS and the CSRF defence.
func New(d Deps) *gin.Engine {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	a := &api{auth: d.Auth, store: d.Store, log: d.Logger}
	doc, err := Document(d.OpenAPI...)
	if err != nil {
		// The fragments are compiled in, and the tests build this document.
		panic("routes: the OpenAPI document: " + err.Error())
	}

	r := gin.New()
	r.HandleMethodNotAllowed = true
	_ = r.SetTrustedProxies(nil) // ClientIP is the peer address unless you configure your proxies
	r.Use(d.Middleware...)       // first, so they see every request and its final status
	r.Use(
		requestLogger(d.Logger),
		recoverJSON(d.Logger),
		refuseCrossOrigin(d.AllowedOrigins),
		corsFor(d.AllowedOrigins),
		refuseUndecodableQuery, // for every route, features' included
	)
	r.NoRoute(func(c *gin.Context) { RespondError(c, ErrRouteNotFound) })
	r.NoMethod(func(c *gin.Context) { RespondError(c, ErrMethodNotAllowed) })

	r.GET("/", a.index)
	r.GET("/healthz", a.healthz)
	r.GET("/readyz", a.readyz)
	r.GET("/openapi.json", serveDocument(doc))

	r.GET("/api/public", a.public)

	private := r.Group("/api", a.auth.RequireSession())
	private.GET("/protected", a.protected)
	private.GET("/me", a.me)
	private.GET("/todos", a.listTodos)
	private.POST("/todos", a.createTodo)
	private.GET("/todos/:id", a.getTodo)
	private.PATCH("/todos/:id", a.updateTodo)
	private.DELETE("/todos/:id", a.deleteTodo)

	if d.Routes != nil {
		d.Routes(r) // the features' routes (main.go's feature list)
	}
	return r
}

// corsFor answers preflights at engine level and adds credentialed CORS
// headers for the exact allowed origins. A request from any other origin gets
// no Access-Control-* header and a 403 with the usual JSON error body.
func corsFor(origins []string) gin.HandlerFunc {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	// Retry-After is exposed so the frontend can wait as long as a 503 asks before trying again.
	handle := cors.New(cors.Config{
		AllowOrigins:     origins,
		AllowMethods:     []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete},
		AllowHeaders:     []string{"Authorization", "Content-Type"},
		ExposeHeaders:    []string{"Location", "Retry-After"},
		AllowCredentials: true,
		MaxAge:           2 * time.Hour,
	})
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		// Same-origin requests may carry Origin too; they are not CORS.
		sameOrigin := origin == "http://"+c.Request.Host || origin == "https://"+c.Request.Host
		if origin != "" && !allowed[origin] && !sameOrigin {
			RespondError(c, errOriginNotAllowed)
			return
		}
		handle(c)
	}
}

// refuseCrossOrigin is the CSRF defence: an unsafe request (POST, PATCH, PUT,
// DELETE, ...) that a browser sent from an origin that is not allowed is
// refused before any handler runs. It uses net/http's CrossOriginProtection,
// which reads Sec-Fetch-Site and Origin; requests from non-browser clients
// (no such headers) pass, as they carry no ambient cookies to abuse.
func refuseCrossOrigin(origins []string) gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	for _, o := range origins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			// config.Load refuses such origins; a caller passing one is a bug.
			panic(fmt.Sprintf("routes: allowed origin %q: %v", o, err))
		}
	}
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			RespondError(c, errCrossOrigin)
			return
		}
		c.Next()
	}
}

// refuseUndecodableQuery answers 400 for a query string that cannot be
// decoded (a stray "%", a ";"). Go's URL.Query drops such pairs silently, so
// ?cursor=%%% would otherwise read as no cursor at all and answer the first
// page; one check here covers every route that reads the query.
func refuseUndecodableQuery(c *gin.Context) {
	if _, err := url.ParseQuery(c.Request.URL.RawQuery); err != nil {
		RespondError(c, errBadQuery)
		return
	}
	c.Next()
}
