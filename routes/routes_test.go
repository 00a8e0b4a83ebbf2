package routes

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

const frontendOrigin = "http://localhost:5173"

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode) // main sets release mode; tests keep Gin quiet too
	storetest.Main(m)         // runs the tests; stops the throwaway PostgreSQL of todos_test.go
}

// testEnv is the real router with a stand-in Hanko and a SQLite store.
type testEnv struct {
	router http.Handler
	hanko  *authtest.Server
	store  store.Store
	logs   *bytes.Buffer
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	return newTestEnvWith(t, hanko, hanko.URL)
}

func newTestEnvWith(t *testing.T, hanko *authtest.Server, hankoURL string) *testEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logs := new(bytes.Buffer)
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hankoURL, CacheSize: auth.DefaultCacheSize, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "todos.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &testEnv{
		router: validated(t, New(Deps{Auth: a, Store: db, AllowedOrigins: []string{frontendOrigin}, Logger: log})),
		hanko:  hanko, store: db, logs: logs,
	}
}

// lockedWriter lets the race detector see log writes as synchronised.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type request struct {
	method, path, body string
	header             map[string]string
}

func (e *testEnv) do(t *testing.T, r request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	return rec
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
	}
	return m
}

func TestRoutes(t *testing.T) {
	env := newTestEnv(t)
	token := env.hanko.Token(authtest.Session{UserID: "user-1", Email: "ada@example.com"})
	other := env.hanko.Token(authtest.Session{UserID: "user-2"})
	bearer := map[string]string{"Authorization": "Bearer " + token}
	cookie := map[string]string{"Cookie": "hanko=" + token}

	tests := []struct {
		name      string
		req       request
		status    int
		errorCode string         // expected "error" field, "" for success
		fields    map[string]any // expected top-level fields of a success body
	}{
		{"index", request{method: "GET", path: "/"}, 200, "", map[string]any{"service": "hanko-gin"}},
		{"healthz", request{method: "GET", path: "/healthz"}, 200, "", map[string]any{"status": "ok"}},
		{"readyz", request{method: "GET", path: "/readyz"}, 200, "", map[string]any{"status": "ready"}},
		{"public without session", request{method: "GET", path: "/api/public"}, 200, "", nil},
		{"public with session", request{method: "GET", path: "/api/public", header: bearer}, 200, "", nil},
		{"protected without token", request{method: "GET", path: "/api/protected"}, 401, "unauthorized", nil},
		{"protected with garbage", request{method: "GET", path: "/api/protected", header: map[string]string{"Authorization": "Bearer nope"}}, 401, "invalid_token", nil},
		{"protected with bearer", request{method: "GET", path: "/api/protected", header: bearer}, 200, "", map[string]any{"user_id": "user-1"}},
		{"protected with cookie", request{method: "GET", path: "/api/protected", header: cookie}, 200, "", map[string]any{"user_id": "user-1"}},
		{"two different session cookies", request{method: "GET", path: "/api/protected", header: map[string]string{"Cookie": "hanko=" + other + "; hanko=" + token}}, 401, "invalid_token", nil},
		{"me without token", request{method: "GET", path: "/api/me"}, 401, "unauthorized", nil},
		{"me", request{method: "GET", path: "/api/me", header: cookie}, 200, "", map[string]any{"user_id": "user-1"}},
		{"todos without token", request{method: "GET", path: "/api/todos"}, 401, "unauthorized", nil},
		{"unknown route", request{method: "GET", path: "/nope"}, 404, "not_found", nil},
		{"wrong method", request{method: "PUT", path: "/api/public"}, 405, "method_not_allowed", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := env.do(t, tc.req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			body := decodeBody(t, rec)
			if tc.errorCode != "" {
				if body["error"] != tc.errorCode {
					t.Errorf("error = %v, want %q", body["error"], tc.errorCode)
				}
				if msg, _ := body["message"].(string); msg == "" {
					t.Errorf("error body has no message: %v", body)
				}
				if tc.status == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without a Bearer WWW-Authenticate challenge")
				}
				return
			}
			for k, want := range tc.fields {
				if body[k] != want {
					t.Errorf("%s = %v, want %v", k, body[k], want)
				}
			}
		})
	}
}

func TestMeReturnsTheSession(t *testing.T) {
	env := newTestEnv(t)
	iat := time.Now().Add(-time.Minute).Truncate(time.Second)
	token := env.hanko.Token(authtest.Session{
		UserID: "user-1", SessionID: "session-1", Email: "ada@example.com", EmailVerified: true,
		Username: "ada", IssuedAt: iat, ExpiresAt: iat.Add(12 * time.Hour),
		Custom: map[string]any{"role": "admin", "org": map[string]any{"id": "o1"}},
	})
	rec := env.do(t, request{method: "GET", path: "/api/me", header: map[string]string{"Authorization": "Bearer " + token}})
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	want := map[string]any{
		"user_id":    "user-1",
		"session_id": "session-1",
		"email":      map[string]any{"address": "ada@example.com", "is_primary": true, "is_verified": true},
		"username":   "ada",
		"audience":   []any{"localhost"},
		"issued_at":  iat.UTC().Format(time.RFC3339),
		"expires_at": iat.Add(12 * time.Hour).UTC().Format(time.RFC3339),
		"amr":        []any{"pwd"},
		"roles":      []any{}, // a singular "role" claim is not a role (auth.Claims.Strings("roles"))
		"custom_claims": map[string]any{
			"role": "admin", "org": map[string]any{"id": "o1"},
		},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("/api/me\n got  %s\n want %s", gotJSON, wantJSON)
	}
}

func TestReadyzReportsWhatIsMissing(t *testing.T) {
	t.Run("hanko unreachable", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		url := down.URL
		down.Close() // nothing listens there any more
		env := newTestEnvWith(t, nil, url)
		rec := env.do(t, request{method: "GET", path: "/readyz"})
		if rec.Code != 503 {
			t.Fatalf("status = %d, want 503", rec.Code)
		}
		body := decodeBody(t, rec)
		msg, _ := body["message"].(string)
		if body["error"] != "not_ready" || !strings.Contains(msg, "Hanko cannot be reached") {
			t.Errorf("body = %v, want not_ready saying Hanko cannot be reached", body)
		}
		// /readyz is public: no internal URL or error chain in the body; the log has them.
		if b := rec.Body.String(); strings.Contains(b, url) || strings.Contains(b, "127.0.0.1") || strings.Contains(b, "jwks.json") || strings.Contains(b, "connect") {
			t.Errorf("the body shows internals: %s", b)
		}
		if checks := body["checks"].(map[string]any); checks["hanko"] != "unavailable" || checks["database"] != "ok" {
			t.Errorf("checks = %v", checks)
		}
		if logs := env.logs.String(); !strings.Contains(logs, "not ready") || !strings.Contains(logs, "jwks.json") {
			t.Errorf("the log does not say why:\n%s", logs)
		}
		// A token cannot be judged: 503, not a misleading 401.
		other := authtest.NewIssuer()
		rec = env.do(t, request{method: "GET", path: "/api/protected",
			header: map[string]string{"Authorization": "Bearer " + other.Token(authtest.Session{})}})
		if rec.Code != 503 || decodeBody(t, rec)["error"] != "auth_unavailable" {
			t.Errorf("protected with Hanko down: %d %s, want 503 auth_unavailable", rec.Code, rec.Body)
		}
	})
	t.Run("database closed", func(t *testing.T) {
		env := newTestEnv(t)
		env.store.Close()
		rec := env.do(t, request{method: "GET", path: "/readyz"})
		if rec.Code != 503 {
			t.Fatalf("status = %d, want 503", rec.Code)
		}
		body := decodeBody(t, rec)
		checks := body["checks"].(map[string]any)
		if checks["hanko"] != "ok" || checks["database"] != "unavailable" {
			t.Errorf("checks = %v, want hanko ok and database unavailable", checks)
		}
		if msg := body["message"]; msg != "Not ready: the database does not answer. The server log says why." {
			t.Errorf("message = %q", msg)
		}
		if logs := env.logs.String(); !strings.Contains(logs, "check=database") {
			t.Errorf("the log does not name the failing check:\n%s", logs)
		}
	})
}

func TestCORS(t *testing.T) {
	env := newTestEnv(t)
	token := env.hanko.Token(authtest.Session{})
	preflight := func(origin string) request {
		return request{method: "OPTIONS", path: "/api/todos", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "authorization,content-type",
		}}
	}
	simple := func(origin string) request {
		return request{method: "GET", path: "/api/protected", header: map[string]string{
			"Origin": origin, "Cookie": "hanko=" + token,
		}}
	}

	t.Run("allowed origin", func(t *testing.T) {
		rec := env.do(t, preflight(frontendOrigin))
		if rec.Code != http.StatusNoContent {
			t.Fatalf("preflight status = %d", rec.Code)
		}
		h := rec.Header()
		for k, want := range map[string]string{
			"Access-Control-Allow-Origin":      frontendOrigin,
			"Access-Control-Allow-Credentials": "true",
		} {
			if h.Get(k) != want {
				t.Errorf("%s = %q, want %q", k, h.Get(k), want)
			}
		}
		for _, m := range []string{"GET", "POST", "PATCH", "PUT", "DELETE"} {
			if !strings.Contains(h.Get("Access-Control-Allow-Methods"), m) {
				t.Errorf("Allow-Methods %q lacks %s", h.Get("Access-Control-Allow-Methods"), m)
			}
		}
		allowHeaders := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
		if !strings.Contains(allowHeaders, "authorization") || !strings.Contains(allowHeaders, "content-type") {
			t.Errorf("Allow-Headers = %q", allowHeaders)
		}

		rec = env.do(t, simple(frontendOrigin))
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != frontendOrigin ||
			rec.Header().Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("simple request: %d, headers %v", rec.Code, rec.Header())
		}
	})

	for _, origin := range []string{
		"http://localhost:5173.evil.example",
		"null",
		"http://localhost:5174",
		"https://localhost:5173",
		"http://evil.example",
	} {
		t.Run("refused "+origin, func(t *testing.T) {
			for _, r := range []request{preflight(origin), simple(origin)} {
				rec := env.do(t, r)
				for k := range rec.Header() {
					if strings.HasPrefix(strings.ToLower(k), "access-control-") {
						t.Errorf("%s from %q got %s: %q", r.method, origin, k, rec.Header().Get(k))
					}
				}
				if rec.Code != http.StatusForbidden || decodeBody(t, rec)["error"] != "forbidden" {
					t.Errorf("%s from %q answered %d %s, want 403 forbidden", r.method, origin, rec.Code, rec.Body)
				}
			}
		})
	}
}

func TestCrossOriginUnsafeRequestsAreRefused(t *testing.T) {
	env := newTestEnv(t)
	token := env.hanko.Token(authtest.Session{UserID: "victim"})
	post := func(h map[string]string) request {
		h["Cookie"] = "hanko=" + token
		h["Content-Type"] = "application/json"
		return request{method: "POST", path: "/api/todos", body: `{"title":"planted"}`, header: h}
	}
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"foreign Origin", map[string]string{"Origin": "http://evil.example"}, 403},
		{"look-alike Origin", map[string]string{"Origin": "http://localhost:5173.evil.example"}, 403},
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"allowed frontend origin", map[string]string{"Origin": frontendOrigin, "Sec-Fetch-Site": "same-site"}, 201},
		{"non-browser client", map[string]string{}, 201},
	}
	want := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := env.do(t, post(tc.header))
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == 403 && decodeBody(t, rec)["error"] != "forbidden" {
				t.Errorf("body = %s", rec.Body)
			}
			if tc.status == 201 {
				want++
			}
			if todos := allTodos(t, env.store, "victim"); len(todos) != want {
				t.Errorf("victim has %d todos, want %d: a refused request changed data", len(todos), want)
			}
		})
	}
}

func TestRequestLogNeverContainsTheToken(t *testing.T) {
	env := newTestEnv(t)
	token := env.hanko.Token(authtest.Session{UserID: "logged-user"})
	env.do(t, request{method: "GET", path: "/api/protected?x=1", header: map[string]string{"Cookie": "hanko=" + token}})
	env.do(t, request{method: "GET", path: "/api/me", header: map[string]string{"Authorization": "Bearer " + token}})
	env.do(t, request{method: "GET", path: "/api/me", header: map[string]string{"Authorization": "Bearer " + token + "x"}})
	logs := env.logs.String()
	sig := token[strings.LastIndex(token, ".")+1:]
	if strings.Contains(logs, sig) || strings.Contains(logs, token[:40]) || strings.Contains(logs, "x=1") {
		t.Fatalf("a token or query string leaked into the logs:\n%s", logs)
	}
	if !strings.Contains(logs, "user_id=logged-user") || !strings.Contains(logs, "status=401") {
		t.Errorf("request log lacks user id or status:\n%s", logs)
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	logs := new(bytes.Buffer)
	log := slog.New(slog.NewTextHandler(logs, nil))
	r := gin.New()
	r.Use(recoverJSON(log))
	r.GET("/boom", func(c *gin.Context) { panic("kaboom") })
	req := httptest.NewRequest("GET", "/boom", nil)
	req.Header.Set("Cookie", "hanko=secret-token-value")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != 500 || decodeBody(t, rec)["error"] != "internal_error" {
		t.Fatalf("got %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "kaboom") || strings.Contains(logs.String(), "secret-token-value") {
		t.Errorf("panic log wrong:\n%s", logs)
	}
}
