package webhooks

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
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

// router is the core router with this feature, as main builds it.
// Every exchange is checked against the OpenAPI document.
func router(t testing.TB, a *auth.Authenticator, db store.Store, log *slog.Logger) http.Handler {
	r, _ := apptest.Router(Feature{}, nil, routes.Deps{Auth: a, Store: db, AllowedOrigins: []string{frontendOrigin}, Logger: log})
	return apptest.Validated(t, Feature{}, r)
}

// webhookEnv is the real router with a stand-in Hanko, a store on one
// backend, and two users with todos.
type webhookEnv struct {
	router     http.Handler
	hanko      *authtest.Server
	close      func() error // closes the store
	logs       *apptest.LogBuffer
	alice, bob hankoadmin.User
	tokens     map[string]string // user id -> session token
}

func newWebhookEnv(t *testing.T, b storetest.Backend) *webhookEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	logs := new(apptest.LogBuffer)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL, CacheSize: auth.DefaultCacheSize, Logger: log, Audience: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	db := openStore(t, b.NewURL(t))
	admin := hankoadmintest.New(hanko.Issuer)
	e := &webhookEnv{
		router: router(t, a, db, log),
		hanko:  hanko, close: db.Close, logs: logs,
		alice: admin.AddUser("alice@example.test"), bob: admin.AddUser("bob@example.test"),
		tokens: map[string]string{},
	}
	for _, u := range []hankoadmin.User{e.alice, e.bob} {
		e.tokens[u.ID] = admin.LoginSession(u.ID)
		for i := range 3 {
			e.api(t, u.ID, http.MethodPost, "/api/todos", fmt.Sprintf(`{"title": "todo %d of %s"}`, i, u.PrimaryEmail()), http.StatusCreated)
		}
	}
	return e
}

// api calls the todo API as a user and checks the status.
func (e *webhookEnv) api(t *testing.T, userID, method, path, body string, status int) []byte {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.tokens[userID])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	if rec.Code != status {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, userID, rec.Code, status, rec.Body)
	}
	return rec.Body.Bytes()
}

// todoTitles lists a user's todos through the API.
func (e *webhookEnv) todoTitles(t *testing.T, userID string) []string {
	t.Helper()
	var out struct {
		Todos []struct{ Title string } `json:"todos"`
	}
	if err := json.Unmarshal(e.api(t, userID, http.MethodGet, "/api/todos", "", http.StatusOK), &out); err != nil {
		t.Fatal(err)
	}
	titles := []string{}
	for _, td := range out.Todos {
		titles = append(titles, td.Title)
	}
	return titles
}

// capturedHeaders are the headers of the delivery a real Hanko sent.
func capturedHeaders(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../../auth/testdata/hanko/webhooks/webhook-user.delete.headers.json")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]string
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// deliver POSTs body to /webhooks/hanko with Hanko's headers (Host and
// Content-Length come from the request itself) and extra ones.
func (e *webhookEnv) deliver(t *testing.T, body []byte, extra map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/hanko", bytes.NewReader(body))
	for k, v := range capturedHeaders(t) {
		if k != "Host" && k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	for k, v := range extra {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	return rec
}

func (e *webhookEnv) userDelete(u hankoadmin.User) []byte {
	return webhookstest.Body(e.hanko.Issuer, webhookstest.Webhook{Event: "user.delete", Data: u})
}

// answer decodes a JSON body.
func answer(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	return decodeBody(t, rec)
}

func TestWebhookUserDeleteDeletesOnlyThatUser(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newWebhookEnv(t, b)
		bobsBefore := e.todoTitles(t, e.bob.ID)
		body := e.userDelete(e.alice)

		rec := e.deliver(t, body, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("user.delete: %d %s", rec.Code, rec.Body)
		}
		if got := answer(t, rec); got["event"] != "user.delete" || got["outcome"] != "deleted" || got["deleted"] != 3.0 {
			t.Errorf("answer %v, want user.delete deleted 3", got)
		}
		if got := e.todoTitles(t, e.alice.ID); len(got) != 0 {
			t.Errorf("alice still has %v", got)
		}
		if got := e.todoTitles(t, e.bob.ID); !slices.Equal(got, bobsBefore) {
			t.Errorf("bob's todos %v, want %v", got, bobsBefore)
		}

		// Hanko does not retry, but a replay (or a second deletion path) is harmless.
		rec = e.deliver(t, body, nil)
		if got := answer(t, rec); rec.Code != http.StatusOK || got["outcome"] != "deleted" || got["deleted"] != 0.0 {
			t.Errorf("replay: %d %v, want 200 deleted 0", rec.Code, got)
		}
		if got := e.todoTitles(t, e.bob.ID); !slices.Equal(got, bobsBefore) {
			t.Errorf("after the replay bob's todos %v, want %v", got, bobsBefore)
		}

		logs := e.logs.String()
		for _, want := range []string{"event=user.delete", "user_id=" + e.alice.ID, "outcome=deleted", "deleted_rows=3", "deleted_rows=0"} {
			if !strings.Contains(logs, want) {
				t.Errorf("logs do not have %q:\n%s", want, logs)
			}
		}
		var d struct{ Token string }
		_ = json.Unmarshal(body, &d)
		if strings.Contains(logs, d.Token) || strings.Contains(logs, d.Token[strings.LastIndexByte(d.Token, '.')+1:]) {
			t.Error("the logs contain the webhook token")
		}
	})
}

func TestWebhookRefusalsDeleteNothing(t *testing.T) {
	e := newWebhookEnv(t, storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL})
	iss := e.hanko.Issuer
	del := webhookstest.Webhook{Event: "user.delete", Data: e.alice}
	delClaims := webhookstest.Claims(iss, del)
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range delClaims {
			c[k] = v
		}
		change(c)
		return c
	}
	body := func(token, event string) []byte {
		b, _ := json.Marshal(map[string]string{"token": token, "event": event})
		return b
	}
	good := e.userDelete(e.alice)
	var goodToken string
	{
		var d struct{ Token string }
		_ = json.Unmarshal(good, &d)
		goodToken = d.Token
	}
	tampered := goodToken[:len(goodToken)-10] + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, goodToken[len(goodToken)-10:])
	rogue, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	seg := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	claimsJSON, _ := json.Marshal(delClaims)
	algNone := seg(`{"alg":"none","kid":"`+iss.SigningKey().ID+`","typ":"JWT"}`) + "." + seg(string(claimsJSON)) + "."
	nonUUID := webhookstest.Body(iss, webhookstest.Webhook{Event: "user.delete", Data: map[string]any{"id": "alice"}})

	tests := []struct {
		name   string
		body   []byte
		header map[string]string
		status int
		code   string // "" for a 200
	}{
		{name: "forged (signature changed)", body: body(tampered, "user.delete"), status: 401, code: "invalid_token"},
		{name: "expired", body: webhookstest.Body(iss, webhookstest.Webhook{Event: "user.delete", Data: e.alice, IssuedAt: time.Now().Add(-6 * time.Minute)}), status: 401, code: "invalid_token"},
		{name: "foreign key", body: body(iss.SignWith(authtest.Key{ID: authtest.RandomUUID(), Private: rogue}, delClaims), "user.delete"), status: 401, code: "invalid_token"},
		{name: "foreign key under Hanko's kid", body: body(iss.SignWith(authtest.Key{ID: iss.SigningKey().ID, Private: rogue}, delClaims), "user.delete"), status: 401, code: "invalid_token"},
		{name: "alg none", body: body(algNone, "user.delete"), status: 401, code: "invalid_token"},
		{name: "wrong sub", body: body(iss.Sign(with(func(c jwt.MapClaims) { c["sub"] = e.alice.ID })), "user.delete"), status: 401, code: "invalid_token"},
		{name: "wrong audience", body: webhookstest.Body(iss, webhookstest.Webhook{Event: "user.delete", Data: e.alice, Audience: []string{"other.example"}}), status: 401, code: "invalid_token"},
		{name: "event mismatch", body: body(iss.Sign(with(func(c jwt.MapClaims) { c["evt"] = "user.create" })), "user.delete"), status: 401, code: "invalid_token"},
		{name: "session token", body: body(e.tokens[e.alice.ID], "user.delete"), status: 401, code: "invalid_token"},
		{name: "not JSON", body: []byte(`token=x&event=user.delete`), status: 400, code: "bad_request"},
		{name: "unknown field", body: []byte(`{"token":"` + goodToken + `","event":"user.delete","user_id":"` + e.alice.ID + `"}`), status: 400, code: "bad_request"},
		{name: "no token", body: []byte(`{"event":"user.delete"}`), status: 400, code: "bad_request"},
		{name: "not sent as JSON", body: good, header: map[string]string{"Content-Type": "text/plain"}, status: 400, code: "bad_request"},
		{name: "over 64 KiB", body: append(append([]byte{}, good...), bytes.Repeat([]byte(" "), 64<<10)...), status: 413, code: "payload_too_large"},
		{name: "a browser on another site", body: good, header: map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, status: 403, code: "forbidden"},
		{name: "a browser on another site, Origin only", body: good, header: map[string]string{"Origin": "https://evil.example"}, status: 403, code: "forbidden"},
		{name: "a browser on another site, Sec-Fetch-Site only", body: good, header: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403, code: "forbidden"},
		{name: "user.create is acknowledged", body: webhookstest.Body(iss, webhookstest.Webhook{Event: "user.create", Data: e.alice}), status: 200},
		{name: "email.send is acknowledged", body: webhookstest.Body(iss, webhookstest.Webhook{Event: "email.send", Data: map[string]any{"to_email_address": "alice@example.test"}}), status: 200},
		{name: "user.delete for an id that is not a UUID", body: nonUUID, status: 200},
	}
	before := map[string][]string{e.alice.ID: e.todoTitles(t, e.alice.ID), e.bob.ID: e.todoTitles(t, e.bob.ID)}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.deliver(t, tc.body, tc.header)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			got := answer(t, rec)
			if tc.code != "" {
				if len(got) != 2 || got["error"] != tc.code || got["message"] == "" {
					t.Errorf("body %v, want exactly error %q and a message", got, tc.code)
				}
			} else if got["outcome"] != "ignored" {
				t.Errorf("body %v, want outcome ignored", got)
			}
			for id, want := range before {
				if now := e.todoTitles(t, id); !slices.Equal(now, want) {
					t.Fatalf("todos of %s changed: %v, want %v", id, now, want)
				}
			}
		})
	}
	if strings.Contains(e.logs.String(), goodToken[strings.LastIndexByte(goodToken, '.')+1:]) {
		t.Error("the logs contain a webhook token's signature")
	}
	for _, want := range []string{"outcome=refused", "outcome=ignored", "event=user.create"} {
		if !strings.Contains(e.logs.String(), want) {
			t.Errorf("logs have no %q", want)
		}
	}

	// The unchanged delivery does delete: the refusals above were not a broken setup.
	if rec := e.deliver(t, good, nil); rec.Code != http.StatusOK || len(e.todoTitles(t, e.alice.ID)) != 0 {
		t.Fatalf("the genuine delivery: %d %s, alice has %v", rec.Code, rec.Body, e.todoTitles(t, e.alice.ID))
	}
}

// Hanko unreachable before its keys loaded: 503, nothing deleted; a broken
// database: 500. Hanko then logs the failure (no retry), and the purge catches up.
func TestWebhookFailuresAnswer5xx(t *testing.T) {
	t.Run("keys unavailable", func(t *testing.T) {
		hanko := authtest.NewServer()
		t.Cleanup(hanko.Close)
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		logs := new(apptest.LogBuffer)
		log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: down.URL, CacheSize: auth.DefaultCacheSize, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		r := router(t, a, openStore(t, storetest.SQLiteURL(t)), log)
		body := webhookstest.Body(hanko.Issuer, webhookstest.Webhook{Event: "user.delete", Data: map[string]string{"id": authtest.RandomUUID()}})
		req := httptest.NewRequest(http.MethodPost, "/webhooks/hanko", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if got := decodeBody(t, rec); rec.Code != http.StatusServiceUnavailable || got["error"] != "auth_unavailable" {
			t.Fatalf("%d %v, want 503 auth_unavailable", rec.Code, got)
		}
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "outcome=refused") {
			t.Errorf("a delivery lost to a Hanko outage is not logged as an error:\n%s", logs)
		}
	})
	t.Run("database fails", func(t *testing.T) {
		e := newWebhookEnv(t, storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL})
		if err := e.close(); err != nil {
			t.Fatal(err)
		}
		rec := e.deliver(t, e.userDelete(e.alice), nil)
		if got := decodeBody(t, rec); rec.Code != http.StatusInternalServerError || got["error"] != "internal_error" {
			t.Fatalf("%d %v, want 500 internal_error", rec.Code, got)
		}
		if !strings.Contains(e.logs.String(), "outcome=failed") || !strings.Contains(e.logs.String(), "purge-deleted-users") {
			t.Errorf("the failure is not logged with what to do:\n%s", e.logs)
		}
	})
}

func decodeBody(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
	}
	return m
}

// Each delivery counts once through app.Hooks.Counter (a feature that
// collects counters provides it), by Hanko's event and the outcome; refused ones never put the
// body's event in a label.
func TestWebhookDeliveriesAreCounted(t *testing.T) {
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: hanko.URL, CacheSize: auth.DefaultCacheSize, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	db := openStore(t, storetest.SQLiteURL(t))
	var mu sync.Mutex
	counts := map[string]int{}
	h := &app.Hooks{}
	h.ProvideCounters(func(name, help string, labels ...string) func(values ...string) {
		if name != "hanko_gin_webhook_deliveries_total" || !slices.Equal(labels, []string{"event", "outcome"}) {
			t.Errorf("counter %s %v", name, labels)
		}
		return func(values ...string) {
			mu.Lock()
			counts[strings.Join(values, " ")]++
			mu.Unlock()
		}
	})
	Feature{}.Setup(config.NewSettings(func(string) string { return "" }), h)
	deps := app.Deps{Auth: a, Store: db, Logger: log}
	r := apptest.Validated(t, Feature{}, routes.New(routes.Deps{Auth: a, Store: db, AllowedOrigins: []string{frontendOrigin}, Logger: log,
		Routes: func(r *gin.Engine) { h.AddRoutes(r, deps) }}))
	deliver := func(body []byte) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/webhooks/hanko", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
	user := authtest.RandomUUID()
	deliver(webhookstest.Body(hanko.Issuer, webhookstest.Webhook{Event: "user.delete", Data: map[string]any{"id": user}}))
	deliver(webhookstest.Body(hanko.Issuer, webhookstest.Webhook{Event: "user.create", Data: map[string]any{"id": user}}))
	foreign := authtest.NewIssuer() // a key Hanko never published
	deliver(webhookstest.Body(foreign, webhookstest.Webhook{Event: "user.delete", Data: map[string]any{"id": user}}))
	deliver([]byte(`{"token":"x.y.z","event":"attacker-chosen-label"}`))
	want := map[string]int{"user.delete deleted": 1, "user.create ignored": 1, "unverified refused": 2}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counted %v, want %v", counts, want)
	}
}
