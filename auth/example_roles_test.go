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

// Admit only sessions whose token carries a role. Hanko puts the roles there
// from the user's public metadata, with this session.jwt_template claim:
//
//	roles: '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'
//
// RequireRole also confirms each session with Hanko (SessionCheck or not),
// so a session ended at Hanko stops opening the route at once.
func ExampleAuthenticator_RequireRole() {
	hanko := authtest.NewServer()
	defer hanko.Close()
	authn, err := auth.New(context.Background(), auth.Config{
		HankoAPIURL:     hanko.URL,
		CacheSize:       auth.DefaultCacheSize,
		SessionCheckTTL: auth.DefaultSessionCheckTTL,
	})
	if err != nil {
		log.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/reports", authn.RequireRole("editor", "admin"), func(c *gin.Context) {
		claims, _ := auth.FromContext(c)
		c.JSON(http.StatusOK, gin.H{"roles": claims.Roles()})
	})

	call := func(roles any) {
		token := hanko.Token(authtest.Session{Custom: map[string]any{"roles": roles}})
		req := httptest.NewRequest(http.MethodGet, "/reports", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	call([]string{"editor"})
	call("") // what Hanko renders for a user without roles
	// Output:
	// 200 {"roles":["editor"]}
	// 403 {"error":"forbidden","message":"This needs one of the roles \"editor\", \"admin\", which your session does not have. If it was granted recently, sign in again."}
}
