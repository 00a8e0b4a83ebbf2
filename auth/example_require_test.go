package auth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// Admit only sessions whose token says the user may see reports. Hanko puts
// custom claims such as "groups" in the token through its
// session.jwt_template, for example from the user's public metadata:
//
//	groups: '{{ with .User.Metadata }}{{ .Public "groups" }}{{ end }}'
//
// Require also confirms each admitted session with Hanko (SessionCheck or
// not), so a session ended at Hanko stops opening the route at once.
func ExampleAuthenticator_Require() {
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
	readsReports := func(c *auth.Claims) error {
		if slices.Contains(c.Strings("groups"), "finance") {
			return nil
		}
		return auth.Forbidden("Reports are for the finance group.", nil)
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/reports", authn.Require(readsReports), func(c *gin.Context) {
		claims, _ := auth.FromContext(c)
		c.JSON(http.StatusOK, gin.H{"groups": claims.Strings("groups")})
	})

	call := func(groups any) {
		token := hanko.Token(authtest.Session{Custom: map[string]any{"groups": groups}})
		req := httptest.NewRequest(http.MethodGet, "/reports", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	call([]string{"finance"})
	call("") // what Hanko renders for a user without the metadata key
	// Output:
	// 200 {"groups":["finance"]}
	// 403 {"error":"forbidden","message":"Reports are for the finance group."}
}
