package roles

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
)

// Roles come from public metadata only: what the user can write themselves
// (unsafe metadata) never reaches the claim, and revoking the sessions at the
// admin API ends the old token's access (Require confirms every session
// with Hanko).
func TestRequireWithAdminMetadata(t *testing.T) {
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	admin := hankoadmintest.NewServer(hanko.Issuer)
	t.Cleanup(admin.Close)
	a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: hanko.URL})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.GET("/p", Require(a, Admin), func(c *gin.Context) {
		claims, _ := auth.FromContext(c)
		c.String(http.StatusOK, claims.UserID)
	})
	serve := func(token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}

	sneaky := admin.AddUser("sneaky@example.test")
	admin.SetMetadata(sneaky.ID, hankoadmin.Metadata{
		Unsafe:  json.RawMessage(`{"roles":["admin"]}`),
		Private: json.RawMessage(`{"roles":["admin"]}`),
	})
	boss := admin.AddUser("boss@example.test")
	admin.SetPublicMetadata(boss.ID, map[string]any{"roles": []string{"admin"}, "team": "blue"})
	plain := admin.AddUser("plain@example.test")
	for _, tt := range []struct {
		name   string
		user   hankoadmin.User
		status int
	}{
		{"unsafe and private metadata grant nothing", sneaky, http.StatusForbidden},
		{"no metadata at all", plain, http.StatusForbidden},
		{"public metadata roles", boss, http.StatusOK},
	} {
		if rec := serve(admin.LoginSession(tt.user.ID)); rec.Code != tt.status || (tt.status == 200 && rec.Body.String() != tt.user.ID) {
			t.Errorf("%s: %d %s, want %d", tt.name, rec.Code, rec.Body, tt.status)
		}
	}

	token := admin.LoginSession(boss.ID)
	if rec := serve(token); rec.Code != http.StatusOK {
		t.Fatalf("boss before revocation: %d", rec.Code)
	}
	for _, s := range admin.Sessions(boss.ID) {
		req, _ := http.NewRequest(http.MethodDelete, admin.URL+"/users/"+boss.ID+"/sessions/"+s.ID, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("DELETE session: %d", resp.StatusCode)
		}
	}
	if rec := serve(token); rec.Code != http.StatusUnauthorized {
		t.Errorf("a revoked admin session: %d, want 401", rec.Code)
	}
}
