package roles

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
)

// rolesEnv is the settings of a deployment whose admin API is the stand-in,
// with a fresh SQLite database for the users' locks.
func rolesEnv(t *testing.T, adminURL string, extra ...string) func(string) string {
	env := map[string]string{
		"HANKO_API_URL":       "http://127.0.0.1:1", // not called by the roles command
		"HANKO_ADMIN_API_URL": adminURL,
		"DATABASE_URL":        storetest.SQLiteURL(t),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return func(k string) string { return env[k] }
}

func runRoles(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := apptest.RunCommand(context.Background(), Feature{}, getenv, &out, "roles", args...)
	return out.String(), err
}

func publicMetadata(t *testing.T, a *hankoadmintest.Server, id string) string {
	t.Helper()
	u, ok := a.User(id)
	if !ok || u.Metadata == nil {
		return ""
	}
	var v any
	if err := json.Unmarshal(u.Metadata.Public, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// addVerifiedUser adds a user whose one address Hanko has verified.
func addVerifiedUser(a *hankoadmintest.Server, email string) hankoadmin.User {
	return a.PutUser(hankoadmin.User{Emails: []hankoadmin.Email{{Address: email, IsPrimary: true, IsVerified: true}}})
}

func TestRolesCommand(t *testing.T) {
	admin := hankoadmintest.NewServer(nil)
	t.Cleanup(admin.Close)
	ada := addVerifiedUser(admin, "ada@example.com")
	admin.SetPublicMetadata(ada.ID, map[string]any{"team": "blue"})
	bob := addVerifiedUser(admin, "bob@example.com")
	getenv := rolesEnv(t, admin.URL)

	out, err := runRoles(t, getenv, "list")
	if err != nil || !strings.Contains(out, "None of the 2 users has a role") || !strings.Contains(out, "roles grant you@example.com admin") {
		t.Fatalf("list with no roles: %q, %v", out, err)
	}

	admin.LoginSession(ada.ID) // a session from before the grant
	out, err = runRoles(t, getenv, "grant", "ada@example.com", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Matched ada@example.com (user "+ada.ID+"): verified by Hanko.") ||
		!strings.Contains(out, `Granted "admin" to ada@example.com (user `+ada.ID+`)`) || !strings.Contains(out, "next sign-in") {
		t.Errorf("grant said %q", out)
	}
	if got := publicMetadata(t, admin, ada.ID); got != `{"roles":["admin"],"team":"blue"}` {
		t.Errorf("public metadata after grant: %s", got)
	}
	if len(admin.Sessions(ada.ID)) != 1 {
		t.Error("grant ended a session")
	}
	// Her next login's token carries the role, rendered as Hanko's template does.
	var claims struct {
		Roles []string `json:"roles"`
	}
	decodePayload(t, admin.LoginSession(ada.ID), &claims)
	if len(claims.Roles) != 1 || claims.Roles[0] != "admin" {
		t.Errorf("new token roles %q", claims.Roles)
	}

	out, err = runRoles(t, getenv, "grant", "ada@example.com", "admin")
	if err != nil || !strings.Contains(out, "already has the role \"admin\"; nothing changed") {
		t.Errorf("grant again: %q, %v", out, err)
	}
	if _, err := runRoles(t, getenv, "grant", "bob@example.com", "editor"); err != nil {
		t.Fatal(err)
	}

	out, err = runRoles(t, getenv, "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"EMAIL", "ROLES", "ada@example.com", "admin", ada.ID, "bob@example.com", "editor", "2 of 2 users have roles."} {
		if !strings.Contains(out, want) {
			t.Errorf("list does not show %q:\n%s", want, out)
		}
	}

	out, err = runRoles(t, getenv, "revoke", "ADA@example.com", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `Revoked "admin" from ada@example.com`) || !strings.Contains(out, "Ended 2 session(s)") {
		t.Errorf("revoke said %q", out)
	}
	if got := publicMetadata(t, admin, ada.ID); got != `{"roles":[],"team":"blue"}` {
		t.Errorf("public metadata after revoke: %s", got)
	}
	if len(admin.Sessions(ada.ID)) != 0 {
		t.Error("revoke left sessions")
	}

	// Revoking a role the user no longer has still ends sessions (a safe retry).
	admin.LoginSession(ada.ID)
	out, err = runRoles(t, getenv, "revoke", "ada@example.com", "admin")
	if err != nil || !strings.Contains(out, "did not have it") || !strings.Contains(out, "Ended 1 session(s)") {
		t.Errorf("revoke again: %q, %v", out, err)
	}
	if len(admin.Sessions(bob.ID)) != 0 {
		t.Errorf("bob has sessions he never had")
	}
}

func TestRolesCommandErrors(t *testing.T) {
	admin := hankoadmintest.NewServer(nil)
	t.Cleanup(admin.Close)
	admin.AddUser("ada@example.com")
	admin.AddUser("jimada@example.com")
	gone := hankoadmintest.NewServer(nil)
	gone.Close()

	tests := []struct {
		name   string
		getenv func(string) string
		args   []string
		want   []string
	}{
		{"no verb", rolesEnv(t, admin.URL), nil, []string{"say what to do", "usage:", "roles grant [--allow-unverified] EMAIL ROLE"}},
		{"unknown verb", rolesEnv(t, admin.URL), []string{"add", "a@b", "admin"}, []string{`unknown command "add"`, "usage:"}},
		{"grant without role", rolesEnv(t, admin.URL), []string{"grant", "ada@example.com"}, []string{"needs an email address and a role"}},
		{"list with arguments", rolesEnv(t, admin.URL), []string{"list", "admin"}, []string{"list takes no arguments"}},
		{"invalid role name", rolesEnv(t, admin.URL), []string{"grant", "ada@example.com", "Admin"}, []string{`"Admin" is not a valid role name`}},
		{"unknown email", rolesEnv(t, admin.URL), []string{"grant", "nobody@example.com", "admin"}, []string{`no Hanko user has the email address "nobody@example.com"`}},
		{"substring of an email is not a match", rolesEnv(t, admin.URL), []string{"revoke", "ada@example", "admin"}, []string{"no Hanko user has the email address"}},
		{"missing HANKO_ADMIN_API_URL", rolesEnv(t, ""), []string{"list"}, []string{"HANKO_ADMIN_API_URL is not set", "http://hanko:8001"}},
		{"bad HANKO_ADMIN_API_URL", rolesEnv(t, "hanko:8001"), []string{"list"}, []string{"HANKO_ADMIN_API_URL", "absolute http(s) URL"}},
		{"other settings are checked too", rolesEnv(t, admin.URL, "HANKO_API_URL", ""), []string{"list"}, []string{"HANKO_API_URL is required"}},
		{"admin API unreachable", rolesEnv(t, gone.URL), []string{"grant", "ada@example.com", "admin"}, []string{"roles grant:", "admin API"}},
		{"admin API unreachable for list", rolesEnv(t, gone.URL), []string{"list"}, []string{"roles list:", "admin API"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runRoles(t, tt.getenv, tt.args...)
			if err == nil {
				t.Fatalf("succeeded: %q", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}

	t.Run("admin API failing", func(t *testing.T) {
		admin.FailWith(http.StatusInternalServerError)
		defer admin.FailWith(0)
		_, err := runRoles(t, rolesEnv(t, admin.URL), "revoke", "ada@example.com", "admin")
		if err == nil || !strings.Contains(err.Error(), "500") {
			t.Errorf("err %v, want one naming the HTTP 500", err)
		}
	})
}

// Hanko Cloud: the API key goes to the admin API and never into a message.
func TestRolesCommandAPIKey(t *testing.T) {
	admin := hankoadmintest.NewServer(nil)
	t.Cleanup(admin.Close)
	u := addVerifiedUser(admin, "ada@example.com")
	admin.RequireAPIKey("s3cret-key")
	if _, err := runRoles(t, rolesEnv(t, admin.URL, "HANKO_ADMIN_API_KEY", "s3cret-key"), "grant", "ada@example.com", "admin"); err != nil {
		t.Fatal(err)
	}
	if got := publicMetadata(t, admin, u.ID); got != `{"roles":["admin"]}` {
		t.Errorf("metadata %s", got)
	}
	_, err := runRoles(t, rolesEnv(t, admin.URL, "HANKO_ADMIN_API_KEY", "wrong-key"), "list")
	if err == nil || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("wrong key: %v", err)
	}
	if !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong key error does not say the key was refused: %v", err)
	}
}

// The server started by run serves the admin area through the admin API in
// HANKO_ADMIN_API_URL, and a role taken away with the command closes it.
func TestRunServesTheAdminArea(t *testing.T) {
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	admin := hankoadmintest.NewServer(hanko.Issuer)
	t.Cleanup(admin.Close)
	ada := admin.AddUser("ada@example.com")
	admin.SetPublicMetadata(ada.ID, map[string]any{"roles": []string{"admin"}})

	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	env := rolesEnv(t, admin.URL)
	srv := apptest.Start(t, apptest.Binary(t), map[string]string{
		"HANKO_API_URL":       hanko.URL,
		"HANKO_ADMIN_API_URL": admin.URL,
		"DATABASE_URL":        "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
		"LOG_LEVEL":           "error",
	})
	base := srv.Base

	token := admin.LoginSession(ada.ID)
	get := func() int {
		req, _ := http.NewRequest("GET", base+"/api/admin/users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != 200 {
		t.Fatalf("admin list: %d", code)
	}
	if _, err := runRoles(t, env, "revoke", "ada@example.com", "admin"); err != nil {
		t.Fatal(err)
	}
	// The answer for her session was cached for at most HANKO_SESSION_CHECK_TTL (5s).
	deadline := time.Now().Add(10 * time.Second)
	for get() != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("the revoked admin still reaches the admin area after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func decodePayload(t *testing.T, token string, v any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// Granting a role names the address that matched and whether Hanko verified
// it, and an unverified address needs --allow-unverified.
func TestRolesGrantChecksTheAddressIsVerified(t *testing.T) {
	admin := hankoadmintest.NewServer(nil)
	t.Cleanup(admin.Close)
	eve := admin.AddUser("eve@example.com") // unverified, as AddUser makes it
	// The matched address is the one named, not the primary one.
	two := admin.PutUser(hankoadmin.User{Emails: []hankoadmin.Email{
		{Address: "dan@example.com", IsPrimary: true, IsVerified: true},
		{Address: "dan@old.example", IsVerified: false},
	}})
	getenv := rolesEnv(t, admin.URL)

	for _, tt := range []struct {
		email, user string
	}{{"EVE@example.com ", eve.ID}, {"dan@old.example", two.ID}} {
		out, err := runRoles(t, getenv, "grant", tt.email, "admin")
		if err == nil || !strings.Contains(err.Error(), "has not verified") || !strings.Contains(err.Error(), "--allow-unverified") {
			t.Fatalf("grant to an unverified address: %q, %v", out, err)
		}
		matched := strings.ToLower(strings.TrimSpace(tt.email))
		if !strings.Contains(out, "Matched "+matched+" (user "+tt.user+"): NOT verified by Hanko.") {
			t.Errorf("grant said %q", out)
		}
		if got := publicMetadata(t, admin, tt.user); got != "" {
			t.Errorf("a refused grant wrote %s", got)
		}
	}

	out, err := runRoles(t, getenv, "grant", "--allow-unverified", "eve@example.com", "admin")
	if err != nil || !strings.Contains(out, "NOT verified by Hanko") || !strings.Contains(out, `Granted "admin" to eve@example.com`) {
		t.Fatalf("grant with --allow-unverified: %q, %v", out, err)
	}
	if got := publicMetadata(t, admin, eve.ID); got != `{"roles":["admin"]}` {
		t.Errorf("metadata %s", got)
	}
	if _, err := runRoles(t, getenv, "grant", "dan@old.example", "editor", "--allow-unverified"); err != nil {
		t.Errorf("the flag after the arguments: %v", err)
	}
	out, err = runRoles(t, getenv, "grant", "dan@example.com", "viewer")
	if err != nil || !strings.Contains(out, "Matched dan@example.com (user "+two.ID+"): verified by Hanko.") {
		t.Errorf("grant to the verified address: %q, %v", out, err)
	}
	if _, err := runRoles(t, getenv, "revoke", "--allow-unverified", "eve@example.com", "admin"); err == nil {
		t.Error("revoke accepted --allow-unverified")
	}
}
