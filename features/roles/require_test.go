package roles_test

// Tests of FromClaims, Has and Require: every shape a "roles" claim can take,
// and Require on its own and after RequireSession, with real RS256 tokens of
// a stand-in Hanko (authtest), which also answers /sessions/validate.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/roles"
)

func claimsFromJSON(t *testing.T, payload string) *auth.Claims {
	t.Helper()
	c := new(auth.Claims)
	if err := json.Unmarshal([]byte(payload), c); err != nil {
		t.Fatalf("decoding %s: %v", payload, err)
	}
	return c
}

func TestFromClaims(t *testing.T) {
	base := `"sub":"u-1","session_id":"s-1","exp":1796196965`
	tests := []struct {
		name  string
		extra string // claims added to the payload; "" for none
		roles []string
	}{
		{"array of one, as Hanko renders [\"admin\"]", `"roles":["admin"]`, []string{"admin"}},
		{"array of several, order kept", `"roles":["editor","admin"]`, []string{"editor", "admin"}},
		{"single string is one role", `"roles":"admin"`, []string{"admin"}},
		{"a string with a comma is one role", `"roles":"admin,editor"`, []string{"admin,editor"}},
		{"no claim", ``, nil},
		{"empty string, as Hanko renders a missing key", `"roles":""`, nil},
		{"null", `"roles":null`, nil},
		{"empty array", `"roles":[]`, nil},
		{"number", `"roles":1`, nil},
		{"object", `"roles":{"admin":true}`, nil},
		{"array with a number voids it all", `"roles":["admin",1]`, nil},
		{"array with an empty name voids it all", `"roles":["admin",""]`, nil},
		{"claim name is case-sensitive", `"Roles":["admin"]`, nil},
		{"singular role claim is not read", `"role":"admin"`, nil},
		{"unsafe metadata copied into the token is not read", `"unsafe_metadata":{"roles":["admin"]},"metadata":{"roles":["admin"]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := "{" + base
			if tt.extra != "" {
				payload += "," + tt.extra
			}
			c := claimsFromJSON(t, payload+"}")
			got := roles.FromClaims(c)
			if !slices.Equal(got, tt.roles) || (tt.roles == nil) != (got == nil) {
				t.Fatalf("FromClaims = %#v, want %#v", got, tt.roles)
			}
			for _, r := range tt.roles {
				if !roles.Has(c, r) {
					t.Errorf("Has(%q) = false", r)
				}
			}
			if want := slices.Contains(tt.roles, "admin"); roles.Has(c, "admin") != want {
				t.Errorf("Has(admin) = %v, want %v", !want, want)
			}
		})
	}
}

func TestHasIsExact(t *testing.T) {
	c := claimsFromJSON(t, `{"sub":"u","session_id":"s","exp":1796196965,"roles":["admin","team-blue"]}`)
	for _, r := range []string{"Admin", "ADMIN", " admin", "admin ", "admi", "admins", "team", "", "admin,team-blue"} {
		if roles.Has(c, r) {
			t.Errorf("Has(%q) = true for roles %q", r, roles.FromClaims(c))
		}
	}
	if !roles.Has(c, "admin") || !roles.Has(c, "team-blue") {
		t.Errorf("Has misses a role of %q", roles.FromClaims(c))
	}
	if roles.FromClaims(nil) != nil || roles.Has(nil, "admin") {
		t.Error("nil claims have roles")
	}
}

// requireHanko starts a stand-in Hanko and an Authenticator against it.
func requireHanko(t *testing.T, sessionCheck bool) (*authtest.Server, *auth.Authenticator) {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	a, err := auth.New(t.Context(), auth.Config{
		HankoAPIURL: hanko.URL, SessionCheck: sessionCheck,
		CacheSize: auth.DefaultCacheSize, SessionCheckTTL: auth.DefaultSessionCheckTTL,
	})
	if err != nil {
		t.Fatal(err)
	}
	return hanko, a
}

// roleEngine serves GET /p behind Require alone, and GET /g/p behind
// RequireSession and then Require. The handlers answer the user id and count
// their runs.
func roleEngine(a *auth.Authenticator, want ...string) (*gin.Engine, *atomic.Int64) {
	var ran atomic.Int64
	h := func(c *gin.Context) {
		ran.Add(1)
		claims, ok := auth.FromContext(c)
		if !ok {
			c.JSON(http.StatusInternalServerError, gin.H{"user": "no claims"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": claims.UserID})
	}
	r := gin.New()
	r.GET("/p", roles.Require(a, want...), h)
	r.Group("/g", a.RequireSession()).GET("/p", roles.Require(a, want...), h)
	return r, &ran
}

var rolePaths = []string{"/p", "/g/p"}

// answer is one response's status and JSON body.
type answer struct {
	status int
	body   map[string]string
}

func get(h http.Handler, path, token string) answer {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var body map[string]string
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return answer{w.Code, body}
}

func TestRequire(t *testing.T) {
	for _, sessionCheck := range []bool{false, true} {
		t.Run(map[bool]string{false: "SessionCheck off", true: "SessionCheck on"}[sessionCheck], func(t *testing.T) {
			hanko, a := requireHanko(t, sessionCheck)
			r, ran := roleEngine(a, "admin", "editor")
			withRoles := func(v any) string {
				return hanko.Token(authtest.Session{UserID: "user-1", Custom: map[string]any{"roles": v}})
			}
			forger := authtest.NewIssuer()
			forgedClaims := hanko.Claims(authtest.Session{UserID: "user-1"})
			forgedClaims["roles"] = []any{"admin"}
			forged := forger.Sign(forgedClaims)
			revoked := withRoles([]any{"admin"})
			parsed, _, err := jwt.NewParser().ParseUnverified(revoked, jwt.MapClaims{})
			if err != nil {
				t.Fatal(err)
			}
			hanko.Revoke(parsed.Claims.(jwt.MapClaims)["session_id"].(string))

			tests := []struct {
				name   string
				token  string
				status int
				code   string
			}{
				{"no token", "", 401, auth.CodeUnauthorized},
				{"garbage", "not-a-token", 401, auth.CodeInvalidToken},
				{"roles signed by another key", forged, 401, auth.CodeInvalidToken},
				{"revoked session with the role", revoked, 401, auth.CodeInvalidToken},
				{"no roles claim", hanko.Token(authtest.Session{UserID: "user-1"}), 403, auth.CodeForbidden},
				{"roles as Hanko renders a missing key", withRoles(""), 403, auth.CodeForbidden},
				{"another role", withRoles([]any{"viewer"}), 403, auth.CodeForbidden},
				{"different case", withRoles([]any{"Admin"}), 403, auth.CodeForbidden},
				{"padded", withRoles([]any{" admin"}), 403, auth.CodeForbidden},
				{"object", withRoles(map[string]any{"admin": true}), 403, auth.CodeForbidden},
				{"mixed array", withRoles([]any{"admin", 1}), 403, auth.CodeForbidden},
				{"admin", withRoles([]any{"admin"}), 200, ""},
				{"editor, the other accepted role", withRoles([]any{"viewer", "editor"}), 200, ""},
				{"a single string", withRoles("admin"), 200, ""},
			}
			for _, tt := range tests {
				for _, path := range rolePaths {
					t.Run(tt.name+" "+path, func(t *testing.T) {
						before := ran.Load()
						got := get(r, path, tt.token)
						if tt.status == 200 {
							if got.status != 200 || got.body["user"] != "user-1" {
								t.Fatalf("%+v, want 200 for user-1", got)
							}
							return
						}
						if got.status != tt.status || got.body["error"] != tt.code || got.body["message"] == "" || len(got.body) != 2 {
							t.Fatalf("%+v, want %d %s", got, tt.status, tt.code)
						}
						if ran.Load() != before {
							t.Error("the handler ran for a refused request")
						}
					})
				}
			}
		})
	}
}

func TestRequireForbiddenMessage(t *testing.T) {
	hanko, a := requireHanko(t, false)
	token := hanko.Token(authtest.Session{UserID: "user-1"})
	for _, tt := range []struct {
		roles []string
		want  string
	}{
		{[]string{"admin"}, `This needs the "admin" role, which your session does not have. If it was granted recently, sign in again.`},
		{[]string{"admin", "editor"}, `This needs one of the roles "admin", "editor", which your session does not have. If it was granted recently, sign in again.`},
	} {
		r, _ := roleEngine(a, tt.roles...)
		if got := get(r, "/p", token); got.status != 403 || got.body["error"] != "forbidden" || got.body["message"] != tt.want {
			t.Errorf("Require(%q): %+v, want 403 forbidden %q", tt.roles, got, tt.want)
		}
	}
}

// A session without the role never makes the backend call Hanko; one with
// it is confirmed with Hanko even with SessionCheck off.
func TestRequireAsksHankoOnlyForTheRole(t *testing.T) {
	hanko, a := requireHanko(t, false)
	r, ran := roleEngine(a, "admin")
	for _, v := range []any{nil, "", []any{"viewer"}, []any{"Admin"}} {
		custom := map[string]any{}
		if v != nil {
			custom["roles"] = v
		}
		token := hanko.Token(authtest.Session{UserID: "user-1", Custom: custom})
		for _, path := range rolePaths {
			for range 3 {
				if got := get(r, path, token); got.status != 403 {
					t.Fatalf("roles %v at %s: %+v, want 403", v, path, got)
				}
			}
		}
	}
	if n := hanko.ValidateCalls(); n != 0 || ran.Load() != 0 {
		t.Fatalf("tokens without the role: %d calls to Hanko, %d handler runs; want 0, 0", n, ran.Load())
	}
	admin := hanko.Token(authtest.Session{UserID: "user-1", Custom: map[string]any{"roles": []any{"admin"}}})
	if got := get(r, "/p", admin); got.status != 200 {
		t.Fatalf("admin: %+v", got)
	}
	if n := hanko.ValidateCalls(); n != 1 {
		t.Fatalf("a token with the role: %d calls to Hanko, want 1", n)
	}
}

func TestRequirePanicsWithoutARole(t *testing.T) {
	hanko, a := requireHanko(t, false)
	for _, want := range [][]string{nil, {""}, {"admin", ""}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Require(%q) did not panic", want)
				}
			}()
			roles.Require(a, want...)
		}()
	}
	// The role list is copied: changing the caller's slice afterwards changes nothing.
	want := []string{"admin"}
	mw := roles.Require(a, want...)
	want[0] = "viewer"
	r := gin.New()
	r.GET("/p", mw, func(c *gin.Context) { c.JSON(200, gin.H{"user": "in"}) })
	viewer := hanko.Token(authtest.Session{UserID: "user-1", Custom: map[string]any{"roles": []any{"viewer"}}})
	admin := hanko.Token(authtest.Session{UserID: "user-2", Custom: map[string]any{"roles": []any{"admin"}}})
	if got := get(r, "/p", viewer); got.status != 403 {
		t.Errorf("viewer: %+v", got)
	}
	if got := get(r, "/p", admin); got.status != 200 {
		t.Errorf("admin: %+v", got)
	}
}
