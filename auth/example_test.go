package auth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// Protect routes of a Gin app with Hanko sessions. In your app, HankoAPIURL
// is your Hanko (e.g. http://localhost:8000 or https://<project>.hanko.io);
// here a stand-in Hanko from authtest signs the tokens.
func Example() {
	hanko := authtest.NewServer()
	defer hanko.Close()

	ctx, stop := context.WithCancel(context.Background())
	defer stop() // ends the background JWKS refresh
	authn, err := auth.New(ctx, auth.Config{
		HankoAPIURL:     hanko.URL,
		CacheSize:       auth.DefaultCacheSize,
		SessionCheck:    true, // also ask Hanko, so logged-out sessions are refused
		SessionCheckTTL: auth.DefaultSessionCheckTTL,
	})
	if err != nil {
		log.Fatal(err) // only bad configuration fails here; a Hanko outage does not
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api := r.Group("/api", authn.RequireSession())
	api.GET("/me", func(c *gin.Context) {
		claims, _ := auth.FromContext(c)
		c.JSON(http.StatusOK, gin.H{"user_id": claims.UserID, "email": claims.Email.Address})
	})

	call := func(token string) {
		req := httptest.NewRequest(http.MethodGet, "/api/me", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token) // or the "hanko" cookie
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	session := authtest.Session{UserID: "9f1c7f3e-5d0b-4d0e-9d47-6f2a1c3b8e11", Email: "ada@example.com"}
	call(hanko.Token(session))
	call("")
	// Output:
	// 200 {"email":"ada@example.com","user_id":"9f1c7f3e-5d0b-4d0e-9d47-6f2a1c3b8e11"}
	// 401 {"error":"unauthorized","message":"A session token is required."}
}

// Answer refusals in your own shape; SetChallenge keeps the RFC 6750
// WWW-Authenticate header on 401s.
func ExampleErrorHandler() {
	hanko := authtest.NewServer()
	defer hanko.Close()
	authn, err := auth.New(context.Background(), auth.Config{
		HankoAPIURL: hanko.URL,
		CacheSize:   auth.DefaultCacheSize,
		ErrorHandler: func(c *gin.Context, e *auth.Error) {
			auth.SetChallenge(c, e)
			c.AbortWithStatusJSON(e.Status, gin.H{"problem": e.Code, "detail": e.Message})
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/private", authn.RequireSession(), func(c *gin.Context) { c.String(http.StatusOK, "secret") })

	req := httptest.NewRequest(http.MethodGet, "/private", nil)
	req.Header.Set("Authorization", "Bearer not-a-token")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	fmt.Println(rec.Header().Get("WWW-Authenticate"))
	// Output:
	// 401 {"detail":"The session token is invalid or has expired.","problem":"invalid_token"}
	// Bearer realm="hanko", error="invalid_token", error_description="The session token is invalid or has expired."
}
