package roles

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

const frontendOrigin = "http://localhost:5173"

// TestMain keeps Gin quiet and stops the throwaway PostgreSQL after the tests.
func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	storetest.Main(m)
}

type request struct {
	method, path, body string
	header             map[string]string
}

// adminEnv is the real router with a stand-in Hanko (public API and admin
// API on their own ports, sharing one issuer, as in Hanko) and a store.
type adminEnv struct {
	router http.Handler
	store  store.Store
	logs   *apptest.LogBuffer
	iss    *authtest.Issuer
	admin  *hankoadmintest.Admin
	// Failure switches: a request for which they return true gets a 502.
	adminFail atomic.Pointer[func(*http.Request) bool]
	hankoFail atomic.Bool // POST /sessions/validate fails
	adminSrv  *httptest.Server
	newRouter func(t *testing.T) http.Handler // another replica: its own Authenticator and caches

	ada, bob, cy hankoadmin.User // admin; no metadata; "admin" only in unsafe metadata
}

type adminEnvOptions struct {
	backend     storetest.Backend
	noAdminAPI  bool          // Deps.Admin nil (HANKO_ADMIN_API_URL unset)
	adminTimout time.Duration // the admin client's timeout; 0: hankoadmin's default
	sessionTTL  time.Duration // auth.Config.SessionCheckTTL; 0: Hanko is asked on every admin request
}

func newAdminEnv(t *testing.T, o adminEnvOptions) *adminEnv {
	t.Helper()
	if o.backend.Name == "" {
		o.backend = storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL}
	}
	e := &adminEnv{iss: authtest.NewIssuer()}
	e.admin = hankoadmintest.New(e.iss)
	inner := e.iss.Handler()
	hanko := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sessions/validate" && e.hankoFail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(hanko.Close)
	adminHandler := e.admin.Handler()
	e.adminSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := e.adminFail.Load(); f != nil && (*f)(r) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"code":502,"message":"Bad Gateway"}`))
			return
		}
		adminHandler.ServeHTTP(w, r)
	}))
	t.Cleanup(e.adminSrv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e.logs = new(apptest.LogBuffer)
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var client *hankoadmin.Client
	if !o.noAdminAPI {
		var opts []hankoadmin.Option
		if o.adminTimout > 0 {
			opts = append(opts, hankoadmin.WithTimeout(o.adminTimout))
		}
		var err error
		if client, err = hankoadmin.New(e.adminSrv.URL, "", opts...); err != nil {
			t.Fatal(err)
		}
	}
	e.store = storetest.New(t, o.backend)
	e.newRouter = func(t *testing.T) http.Handler {
		t.Helper()
		// SessionCheckTTL 0 by default: every admin request asks Hanko, so a revocation shows at once.
		a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL, CacheSize: auth.DefaultCacheSize, SessionCheckTTL: o.sessionTTL, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		area := &adminArea{auth: a, store: e.store, log: log, admin: client}
		// Every exchange is checked against the OpenAPI document.
		return apptest.Validated(t, Feature{}, routes.New(routes.Deps{Auth: a, Store: e.store, AllowedOrigins: []string{frontendOrigin}, Logger: log, Routes: area.adminRoutes}))
	}
	e.router = e.newRouter(t)

	e.ada = e.admin.AddUser("ada@example.test")
	e.admin.SetPublicMetadata(e.ada.ID, map[string]any{"roles": []string{"admin"}, "team": "blue"})
	e.bob = e.admin.AddUser("bob@example.test")
	e.cy = e.admin.AddUser("cy@example.test")
	e.admin.SetMetadata(e.cy.ID, hankoadmin.Metadata{Unsafe: json.RawMessage(`{"roles":["admin"]}`)})
	return e
}

func (e *adminEnv) failAdmin(f func(*http.Request) bool) { e.adminFail.Store(&f) }

// call sends a request with the token as Bearer (none when "").
func (e *adminEnv) call(t *testing.T, token, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return e.callAt(t, e.router, token, method, path, body)
}

// callAt is call on another replica's router.
func (e *adminEnv) callAt(t *testing.T, router http.Handler, token, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return e.sendAt(t, router, request{method: method, path: path, body: body, header: h})
}

func (e *adminEnv) send(t *testing.T, r request) *httptest.ResponseRecorder {
	t.Helper()
	return e.sendAt(t, e.router, r)
}

func (e *adminEnv) sendAt(t *testing.T, router http.Handler, r request) *httptest.ResponseRecorder {
	t.Helper()
	var body *strings.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(r.method, r.path, body)
	} else {
		req = httptest.NewRequest(r.method, r.path, nil)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	return rec
}

// adminCalls counts the admin API requests served so far that start with prefix ("" for all).
func (e *adminEnv) adminCalls(prefix string) int {
	n := 0
	for _, r := range e.admin.Requests() {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func expectAPIError(t *testing.T, rec *httptest.ResponseRecorder, status int, code, msgPart string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	msg, _ := body["message"].(string)
	if len(body) != 2 || body["error"] != code || msg == "" {
		t.Fatalf("body %v, want exactly error %q and a message", body, code)
	}
	if !strings.Contains(msg, msgPart) {
		t.Errorf("message %q does not mention %q", msg, msgPart)
	}
}

func rolesBody(r ...string) string {
	if r == nil {
		r = []string{}
	}
	b, _ := json.Marshal(map[string]any{"roles": r})
	return string(b)
}

func TestAdminRoutesNeedTheAdminRole(t *testing.T) {
	e := newAdminEnv(t, adminEnvOptions{})
	forger := authtest.NewIssuer()
	forged := forger.Token(authtest.Session{UserID: e.ada.ID, Email: "ada@example.test", Custom: map[string]any{"roles": []any{"admin"}}})
	selfMinted := e.iss.Token(authtest.Session{UserID: e.bob.ID, Custom: map[string]any{"roles": "Admin"}})
	put := rolesBody("editor")
	target := "/api/admin/users/" + e.bob.ID + "/roles"

	for _, tt := range []struct {
		name   string
		token  string
		status int
		code   string
	}{
		{"no session", "", 401, "unauthorized"},
		{"garbage", "nope", 401, "invalid_token"},
		{"roles admin signed by another key", forged, 401, "invalid_token"},
		{"a user without roles", e.admin.LoginSession(e.bob.ID), 403, "forbidden"},
		{"admin only in unsafe metadata", e.admin.LoginSession(e.cy.ID), 403, "forbidden"},
		{"a differently cased role", selfMinted, 403, "forbidden"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := e.adminCalls("")
			expectAPIError(t, e.call(t, tt.token, "GET", "/api/admin/users", ""), tt.status, tt.code, "")
			expectAPIError(t, e.call(t, tt.token, "PUT", target, put), tt.status, tt.code, "")
			if n := e.adminCalls(""); n != before {
				t.Errorf("a refused request reached Hanko's admin API (%d calls)", n-before)
			}
		})
	}
	t.Run("the admin", func(t *testing.T) {
		tok := e.admin.LoginSession(e.ada.ID)
		if rec := e.call(t, tok, "GET", "/api/admin/users", ""); rec.Code != 200 {
			t.Fatalf("GET: %d %s", rec.Code, rec.Body)
		}
		if rec := e.call(t, tok, "PUT", target, put); rec.Code != 200 {
			t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("the 403 says how to get the role", func(t *testing.T) {
		expectAPIError(t, e.call(t, e.admin.LoginSession(e.bob.ID), "GET", "/api/admin/users", ""), 403, "forbidden", `"admin" role`)
	})
}

func TestAdminListUsers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAdminEnv(t, adminEnvOptions{backend: b})
		ctx := context.Background()
		for _, owner := range []string{e.ada.ID, e.ada.ID, e.bob.ID} {
			if _, err := e.store.CreateTodo(ctx, owner, "x"); err != nil {
				t.Fatal(err)
			}
		}
		e.admin.PutUser(hankoadmin.User{}) // no address: invisible in Hanko's list, as in Hanko
		tok := e.admin.LoginSession(e.ada.ID)

		rec := e.call(t, tok, "GET", "/api/admin/users", "")
		if rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var got adminUsersResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got.Page != 1 || got.PerPage != 20 || got.Total != 3 || got.HasNext || len(got.Users) != 3 {
			t.Fatalf("page %+v", got)
		}
		want := map[string]struct {
			email string
			roles []string
			todos int
		}{
			e.ada.ID: {"ada@example.test", []string{"admin"}, 2},
			e.bob.ID: {"bob@example.test", []string{}, 1},
			e.cy.ID:  {"cy@example.test", []string{}, 0},
		}
		for _, u := range got.Users {
			w, ok := want[u.ID]
			if !ok {
				t.Errorf("unexpected user %+v", u)
				continue
			}
			hu, _ := e.admin.User(u.ID)
			if u.Email == nil || *u.Email != w.email || !slices.Equal(u.Roles, w.roles) || u.TodoCount != w.todos || !u.CreatedAt.Equal(hu.CreatedAt) {
				t.Errorf("user %s = %+v (email %v), want %+v created %v", u.ID, u, u.Email, w, hu.CreatedAt)
			}
		}
		if !strings.Contains(rec.Body.String(), `"roles":[]`) {
			t.Error("a user without roles is not listed with roles: []")
		}

		// Paging through to Hanko.
		rec = e.call(t, tok, "GET", "/api/admin/users?page=2&per_page=2", "")
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if got.Page != 2 || got.PerPage != 2 || got.Total != 3 || got.HasNext || len(got.Users) != 1 {
			t.Fatalf("page 2 of 2: %+v", got)
		}
		if !slices.Contains(e.admin.Requests(), "GET /users?page=2&per_page=2") {
			t.Errorf("Hanko was not asked for page 2: %q", e.admin.Requests())
		}

		before := e.adminCalls("")
		for _, q := range []string{"page=0", "page=-1", "page=abc", "page=1.5", "page=10001", "page=01", "per_page=0", "per_page=101", "per_page=", "page="} {
			expectAPIError(t, e.call(t, tok, "GET", "/api/admin/users?"+q, ""), 400, "bad_request", "must be a whole number")
		}
		if e.adminCalls("") != before {
			t.Error("bad paging reached Hanko's admin API")
		}
	})
}

func TestAdminSetRoles(t *testing.T) {
	e := newAdminEnv(t, adminEnvOptions{})
	e.admin.SetMetadata(e.bob.ID, hankoadmin.Metadata{
		Public:  json.RawMessage(`{"team":"red"}`),
		Private: json.RawMessage(`{"plan":"pro"}`),
	})
	adaTok := e.admin.LoginSession(e.ada.ID)
	bobOld := e.admin.LoginSession(e.bob.ID)
	path := "/api/admin/users/" + e.bob.ID + "/roles"

	// Grant: stored next to the other metadata; no session ends.
	rec := e.call(t, adaTok, "PUT", path, rolesBody("admin", "editor", "admin"))
	if rec.Code != 200 {
		t.Fatalf("grant: %d %s", rec.Code, rec.Body)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != fmt.Sprintf(`{"id":%q,"roles":["admin","editor"],"removed":[],"sessions_ended":0}`, e.bob.ID) {
		t.Errorf("grant answered %s", got)
	}
	bob, _ := e.admin.User(e.bob.ID)
	if pub := string(bob.Metadata.Public); pub != `{"roles":["admin","editor"],"team":"red"}` && pub != `{"team":"red","roles":["admin","editor"]}` {
		t.Errorf("bob's public metadata %s", pub)
	}
	if string(bob.Metadata.Private) != `{"plan":"pro"}` {
		t.Errorf("bob's private metadata %s", bob.Metadata.Private)
	}
	// Bob's old token predates the grant: still no admin. His next sign-in has it.
	expectAPIError(t, e.call(t, bobOld, "GET", "/api/admin/users", ""), 403, "forbidden", "sign in again")
	bobNew := e.admin.LoginSession(e.bob.ID)
	if rec := e.call(t, bobNew, "GET", "/api/admin/users", ""); rec.Code != 200 {
		t.Fatalf("bob with the new token: %d %s", rec.Code, rec.Body)
	}

	// Removal: every session of bob ends at Hanko, so his admin token stops at once.
	rec = e.call(t, adaTok, "PUT", path, rolesBody("editor"))
	if rec.Code != 200 {
		t.Fatalf("remove: %d %s", rec.Code, rec.Body)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != fmt.Sprintf(`{"id":%q,"roles":["editor"],"removed":["admin"],"sessions_ended":2}`, e.bob.ID) {
		t.Errorf("remove answered %s", got)
	}
	expectAPIError(t, e.call(t, bobNew, "GET", "/api/admin/users", ""), 401, "invalid_token", "ended")
	if rec := e.call(t, bobNew, "GET", "/api/me", ""); rec.Code != 200 {
		t.Errorf("/api/me (JWKS only) %d: plain routes follow HANKO_SESSION_CHECK, as before", rec.Code)
	}
	bob, _ = e.admin.User(e.bob.ID)
	if !strings.Contains(string(bob.Metadata.Public), `"team":"red"`) || string(bob.Metadata.Private) != `{"plan":"pro"}` {
		t.Errorf("other metadata lost: %s %s", bob.Metadata.Public, bob.Metadata.Private)
	}
	// The patches sent were merge patches of public_metadata.roles only.
	if n := e.adminCalls("PATCH /users/" + e.bob.ID + "/metadata"); n != 2 {
		t.Errorf("%d metadata patches, want 2", n)
	}

	// Nobody demotes themselves; other changes to one's own roles are fine.
	self := "/api/admin/users/" + e.ada.ID + "/roles"
	before := e.adminCalls("")
	expectAPIError(t, e.call(t, adaTok, "PUT", self, rolesBody()), 409, "cannot_remove_own_admin", "your own admin role")
	expectAPIError(t, e.call(t, adaTok, "PUT", self, rolesBody("editor")), 409, "cannot_remove_own_admin", "")
	expectAPIError(t, e.call(t, adaTok, "PUT", "/api/admin/users/"+strings.ToUpper(e.ada.ID)+"/roles", rolesBody()), 409, "cannot_remove_own_admin", "")
	if e.adminCalls("") != before {
		t.Error("a refused self-demotion reached Hanko's admin API")
	}
	if rec := e.call(t, adaTok, "PUT", self, rolesBody("admin", "editor")); rec.Code != 200 {
		t.Fatalf("ada adding a role to herself: %d %s", rec.Code, rec.Body)
	}
	if rec := e.call(t, adaTok, "GET", "/api/admin/users", ""); rec.Code != 200 {
		t.Fatalf("ada is still admin: %d %s", rec.Code, rec.Body)
	}

	// Unknown users.
	expectAPIError(t, e.call(t, adaTok, "PUT", "/api/admin/users/"+authtest.RandomUUID()+"/roles", rolesBody("admin")), 404, "not_found", "No Hanko user")
	before = e.adminCalls("")
	expectAPIError(t, e.call(t, adaTok, "PUT", "/api/admin/users/not-a-uuid/roles", rolesBody("admin")), 404, "not_found", "No Hanko user")
	if e.adminCalls("") != before {
		t.Error("a malformed user id was sent to Hanko")
	}

	if strings.Contains(e.logs.String(), adaTok) || strings.Contains(e.logs.String(), bobNew) {
		t.Error("a session token was logged")
	}
	if !strings.Contains(e.logs.String(), "roles changed") {
		t.Error("role changes are not logged")
	}
}

func TestAdminSetRolesValidation(t *testing.T) {
	e := newAdminEnv(t, adminEnvOptions{})
	tok := e.admin.LoginSession(e.ada.ID)
	path := "/api/admin/users/" + e.bob.ID + "/roles"
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("r%d", i)
	}
	for _, tt := range []struct {
		name, contentType, body, msg string
		readsRoles                   bool // refused after reading the users' roles (a name may be held already), before any write
	}{
		{"not JSON content type", "text/plain", rolesBody("admin"), "Content-Type: application/json", false},
		{"empty body", "application/json", "", "empty", false},
		{"not JSON", "application/json", `{"roles": [`, "not valid JSON", false},
		{"no roles", "application/json", `{}`, `"roles" is required`, false},
		{"roles null", "application/json", `{"roles": null}`, "must be an array", false},
		{"roles a string", "application/json", `{"roles": "admin"}`, "must be an array", false},
		{"roles an object", "application/json", `{"roles": {"admin": true}}`, "must be an array", false},
		{"a number in roles", "application/json", `{"roles": ["admin", 1]}`, "must be an array", false},
		{"nested array", "application/json", `{"roles": [["admin"]]}`, "must be an array", false},
		{"upper case", "application/json", rolesBody("Admin"), `"Admin" is not a valid role name`, true},
		{"empty name", "application/json", rolesBody(""), "not a valid role name", false},
		{"space", "application/json", rolesBody("team blue"), "not a valid role name", true},
		{"too long", "application/json", rolesBody("a" + strings.Repeat("b", 32)), "not a valid role name", true},
		{"eleven roles", "application/json", rolesBody(eleven...), "at most 10 roles", true},
		{"unknown field", "application/json", `{"roles": [], "user": "x"}`, `Unknown field "user"`, false},
		{"differently cased field", "application/json", `{"Roles": ["admin"]}`, `Unknown field "Roles"`, false},
		{"two objects", "application/json", `{"roles": []} {"roles": ["admin"]}`, "single JSON object", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, writes := e.adminCalls(""), e.adminCalls("PATCH ")+e.adminCalls("DELETE ")
			h := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": tt.contentType}
			expectAPIError(t, e.send(t, request{method: "PUT", path: path, body: tt.body, header: h}), 400, "bad_request", tt.msg)
			if !tt.readsRoles && e.adminCalls("") != before {
				t.Error("an invalid request reached Hanko's admin API")
			}
			if e.adminCalls("PATCH ")+e.adminCalls("DELETE ") != writes {
				t.Error("an invalid request changed something at Hanko")
			}
		})
	}
	// Ten valid names pass.
	if rec := e.call(t, tok, "PUT", path, rolesBody(eleven[:10]...)); rec.Code != 200 {
		t.Fatalf("ten roles: %d %s", rec.Code, rec.Body)
	}
}

func TestAdminAnswers503WhenHankoCannotAnswer(t *testing.T) {
	t.Run("admin API not configured", func(t *testing.T) {
		e := newAdminEnv(t, adminEnvOptions{noAdminAPI: true})
		tok := e.admin.LoginSession(e.ada.ID)
		expectAPIError(t, e.call(t, tok, "GET", "/api/admin/users", ""), 503, "admin_unavailable", "HANKO_ADMIN_API_URL")
		expectAPIError(t, e.call(t, tok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody("admin")), 503, "admin_unavailable", "HANKO_ADMIN_API_URL")
	})
	t.Run("admin API failing", func(t *testing.T) {
		e := newAdminEnv(t, adminEnvOptions{})
		tok := e.admin.LoginSession(e.ada.ID)
		e.admin.FailWith(http.StatusInternalServerError)
		expectAPIError(t, e.call(t, tok, "GET", "/api/admin/users", ""), 503, "admin_unavailable", "cannot be reached")
		expectAPIError(t, e.call(t, tok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody("admin")), 503, "admin_unavailable", "cannot be reached")
		e.admin.FailWith(0)
		// One user's metadata failing fails the page: no roles are guessed.
		e.failAdmin(func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, e.cy.ID+"/metadata") })
		expectAPIError(t, e.call(t, tok, "GET", "/api/admin/users", ""), 503, "admin_unavailable", "")
	})
	t.Run("admin API hanging", func(t *testing.T) {
		e := newAdminEnv(t, adminEnvOptions{adminTimout: 200 * time.Millisecond})
		tok := e.admin.LoginSession(e.ada.ID)
		e.admin.Stall(true)
		t.Cleanup(func() { e.admin.Stall(false) })
		start := time.Now()
		expectAPIError(t, e.call(t, tok, "GET", "/api/admin/users", ""), 503, "admin_unavailable", "")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("admin API gone", func(t *testing.T) {
		e := newAdminEnv(t, adminEnvOptions{})
		tok := e.admin.LoginSession(e.ada.ID)
		e.adminSrv.Close()
		expectAPIError(t, e.call(t, tok, "GET", "/api/admin/users", ""), 503, "admin_unavailable", "")
		expectAPIError(t, e.call(t, tok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody("admin")), 503, "admin_unavailable", "")
	})
	t.Run("roles saved but sessions not ended", func(t *testing.T) {
		e := newAdminEnv(t, adminEnvOptions{})
		tok := e.admin.LoginSession(e.ada.ID)
		e.admin.SetPublicMetadata(e.bob.ID, map[string]any{"roles": []string{"admin"}})
		bobTok := e.admin.LoginSession(e.bob.ID)
		e.failAdmin(func(r *http.Request) bool { return r.Method == http.MethodDelete })
		expectAPIError(t, e.call(t, tok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody()), 503, "admin_unavailable", "roles were saved")
		if rec := e.call(t, bobTok, "GET", "/api/admin/users", ""); rec.Code != 200 {
			t.Fatalf("the stand-in ended bob's session although DELETE failed: %d", rec.Code)
		}
		if !strings.Contains(e.logs.String(), "sessions were not ended") {
			t.Error("the partial failure is not logged")
		}
	})
	t.Run("Hanko cannot confirm the session", func(t *testing.T) {
		e := newAdminEnv(t, adminEnvOptions{})
		tok := e.admin.LoginSession(e.ada.ID)
		e.hankoFail.Store(true)
		before := e.adminCalls("")
		expectAPIError(t, e.call(t, tok, "GET", "/api/admin/users", ""), 503, "auth_unavailable", "")
		expectAPIError(t, e.call(t, tok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody("admin")), 503, "auth_unavailable", "")
		if e.adminCalls("") != before {
			t.Error("an unconfirmed session reached Hanko's admin API")
		}
		if rec := e.call(t, tok, "GET", "/api/me", ""); rec.Code != 200 {
			t.Errorf("/api/me %d: plain routes keep working from the JWKS", rec.Code)
		}
	})
}

// PUT goes through the same CORS and CSRF defence as the other unsafe methods.
func TestAdminPutCORSAndCSRF(t *testing.T) {
	e := newAdminEnv(t, adminEnvOptions{})
	tok := e.admin.LoginSession(e.ada.ID)
	path := "/api/admin/users/" + e.bob.ID + "/roles"
	cookie := "hanko=" + tok

	rec := e.send(t, request{method: "OPTIONS", path: path, header: map[string]string{
		"Origin": frontendOrigin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type",
	}})
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "PUT") ||
		rec.Header().Get("Access-Control-Allow-Origin") != frontendOrigin {
		t.Fatalf("PUT preflight: %d %v", rec.Code, rec.Header())
	}

	for _, tt := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"cookie from a foreign origin", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"cookie with cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cookie from the frontend", map[string]string{"Origin": frontendOrigin, "Sec-Fetch-Site": "same-site"}, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := e.adminCalls("PATCH ")
			h := map[string]string{"Cookie": cookie, "Content-Type": "application/json"}
			for k, v := range tt.header {
				h[k] = v
			}
			rec := e.send(t, request{method: "PUT", path: path, body: rolesBody("editor"), header: h})
			if rec.Code != tt.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			if tt.status == 403 {
				expectAPIError(t, rec, 403, "forbidden", "Cross-origin")
				if e.adminCalls("PATCH ") != before {
					t.Error("a cross-origin PUT changed roles")
				}
			}
		})
	}
}

func TestMeShowsRoles(t *testing.T) {
	e := newAdminEnv(t, adminEnvOptions{})
	for _, tt := range []struct {
		user hankoadmin.User
		want string
	}{
		{e.ada, `["admin"]`}, {e.bob, `[]`}, {e.cy, `[]`},
	} {
		rec := e.call(t, e.admin.LoginSession(tt.user.ID), "GET", "/api/me", "")
		var me struct {
			Roles json.RawMessage `json:"roles"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil || rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if string(me.Roles) != tt.want {
			t.Errorf("%s: roles %s, want %s", tt.user.PrimaryEmail(), me.Roles, tt.want)
		}
	}
}

// A demoted admin changes no role, even where this replica still holds
// Hanko's cached "valid" for their session: the write asks Hanko for the
// caller's own roles. The replica that demoted them forgets their cached
// answers, so there they are refused at once.
func TestAdminDemotedAdminChangesNoRole(t *testing.T) {
	e := newAdminEnv(t, adminEnvOptions{sessionTTL: time.Minute})
	e.admin.SetPublicMetadata(e.bob.ID, map[string]any{"roles": []string{"admin"}})
	adaTok, bobTok := e.admin.LoginSession(e.ada.ID), e.admin.LoginSession(e.bob.ID)
	other := e.newRouter(t) // a second replica, with its own caches
	for _, r := range []http.Handler{e.router, other} {
		for _, tok := range []string{adaTok, bobTok} {
			if rec := e.callAt(t, r, tok, "GET", "/api/admin/users", ""); rec.Code != 200 { // Hanko's "valid" is now cached
				t.Fatalf("before the demotion: %d %s", rec.Code, rec.Body)
			}
		}
	}

	// The id as the admin typed it: Hanko's ids are case-insensitive UUIDs.
	rec := e.call(t, adaTok, "PUT", "/api/admin/users/"+strings.ToUpper(e.bob.ID)+"/roles", rolesBody())
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"removed":["admin"]`) {
		t.Fatalf("demoting bob: %d %s", rec.Code, rec.Body)
	}

	// The other replica still holds "valid" for bob's session, but his writes are refused.
	patches := e.adminCalls("PATCH ")
	for _, body := range []string{rolesBody(), rolesBody("editor")} {
		expectAPIError(t, e.callAt(t, other, bobTok, "PUT", "/api/admin/users/"+e.ada.ID+"/roles", body), 403, "forbidden", "no longer lists the admin role")
		expectAPIError(t, e.callAt(t, other, bobTok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody("admin")), 403, "forbidden", "")
	}
	if n := e.adminCalls("PATCH "); n != patches {
		t.Errorf("the demoted admin changed roles (%d patches)", n-patches)
	}
	if ada, _ := e.admin.User(e.ada.ID); !strings.Contains(string(ada.Metadata.Public), `"admin"`) {
		t.Errorf("ada lost her role: %s", ada.Metadata.Public)
	}
	// This replica forgot bob's cached answers: his session, ended at Hanko, is refused at once.
	expectAPIError(t, e.call(t, bobTok, "GET", "/api/admin/users", ""), 401, "invalid_token", "ended")
	expectAPIError(t, e.call(t, bobTok, "PUT", "/api/admin/users/"+e.ada.ID+"/roles", rolesBody()), 401, "invalid_token", "ended")
	// Ada's cached answer is untouched, and her writes still work.
	if rec := e.call(t, adaTok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody("editor")); rec.Code != 200 {
		t.Fatalf("ada after the demotion: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(e.logs.String(), "no longer lists the caller as admin") {
		t.Error("the refused write is not logged")
	}

	// A caller Hanko no longer knows (deleted meanwhile) changes nothing either.
	e.admin.SetPublicMetadata(e.cy.ID, map[string]any{"roles": []string{"admin"}})
	cyTok := e.admin.LoginSession(e.cy.ID)
	if rec := e.call(t, cyTok, "GET", "/api/admin/users", ""); rec.Code != 200 {
		t.Fatalf("cy: %d %s", rec.Code, rec.Body)
	}
	e.admin.DeleteUser(e.cy.ID)
	expectAPIError(t, e.call(t, cyTok, "PUT", "/api/admin/users/"+e.bob.ID+"/roles", rolesBody()), 403, "forbidden", "")
}

// A user who holds a role the API would not add (set in the Hanko console)
// can still lose another role: only the names being added are validated.
func TestAdminSetRolesKeepsRolesSetInTheConsole(t *testing.T) {
	e := newAdminEnv(t, adminEnvOptions{})
	e.admin.SetPublicMetadata(e.bob.ID, map[string]any{"roles": []string{"admin", "Billing"}})
	tok := e.admin.LoginSession(e.ada.ID)
	path := "/api/admin/users/" + e.bob.ID + "/roles"

	rec := e.call(t, tok, "PUT", path, rolesBody("Billing"))
	if rec.Code != 200 {
		t.Fatalf("removing admin from a holder of Billing: %d %s", rec.Code, rec.Body)
	}
	if got := strings.TrimSpace(rec.Body.String()); got != fmt.Sprintf(`{"id":%q,"roles":["Billing"],"removed":["admin"],"sessions_ended":0}`, e.bob.ID) {
		t.Errorf("answered %s", got)
	}
	writes := e.adminCalls("PATCH ")
	expectAPIError(t, e.call(t, tok, "PUT", path, rolesBody("Billing", "Sales")), 400, "bad_request", `"Sales" is not a valid role name`)
	if e.adminCalls("PATCH ") != writes {
		t.Error("a refused name was written")
	}
	if rec := e.call(t, tok, "PUT", path, rolesBody("editor")); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"removed":["Billing"]`) {
		t.Fatalf("removing Billing: %d %s", rec.Code, rec.Body)
	}
}
