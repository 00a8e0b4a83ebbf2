package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// wired is the program as main builds it with only this feature: its Auth
// and Store hooks applied, its middleware, routes and services running.
type wired struct {
	router http.Handler
	store  store.Store
	counts map[string]int // "event outcome" -> deliveries
	mu     sync.Mutex
}

func wire(t *testing.T, hanko *authtest.Server, dbURL string) *wired {
	t.Helper()
	w := &wired{counts: map[string]int{}}
	h := &app.Hooks{}
	h.ProvideCounters(func(name, help string, labels ...string) func(values ...string) {
		return func(values ...string) { w.mu.Lock(); w.counts[strings.Join(values, " ")]++; w.mu.Unlock() }
	})
	s := config.NewSettings(func(string) string { return "" })
	Feature{}.Setup(s, h)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cfg := auth.Config{HankoAPIURL: hanko.URL, CacheSize: auth.DefaultCacheSize, Logger: log}
	h.ApplyAuth(&cfg)
	a, err := auth.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dbURL, h.StoreOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	w.store = db
	deps := app.Deps{Auth: a, Store: db, Logger: log}
	w.router = routes.New(routes.Deps{Auth: a, Store: db, AllowedOrigins: []string{frontendOrigin}, Logger: log,
		Middleware: h.Middlewares(), Routes: func(r *gin.Engine) { h.AddRoutes(r, deps) }})
	var services sync.WaitGroup
	for _, svc := range h.Services() {
		services.Go(func() {
			if err := svc(ctx, deps); err != nil {
				t.Errorf("service: %v", err)
			}
		})
	}
	t.Cleanup(func() { cancel(); services.Wait(); db.Close() })
	return w
}

func (w *wired) call(t *testing.T, token, method, path, body string) int {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	w.router.ServeHTTP(rec, req)
	return rec.Code
}

func (w *wired) deliver(t *testing.T, body []byte) map[string]any {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/hanko", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.router.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("delivery: %d %s", rec.Code, rec.Body)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	return got
}

// The feature as main wires it, on both databases: each session.delete.*
// ends exactly that session; user.delete ends every session of the user and
// refuses their writes, also after a restart; a session event without a
// session id is acknowledged and ignored; each delivery is counted.
func TestWebhooksRevokeThroughTheWiredProgram(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		hanko := authtest.NewServer()
		t.Cleanup(hanko.Close)
		url := b.NewURL(t)
		w := wire(t, hanko, url)
		alice, bob := authtest.RandomUUID(), authtest.RandomUUID()
		login := func(user string) string {
			return hanko.Token(authtest.Session{UserID: user, SessionID: authtest.RandomUUID()})
		}
		kept, bobs := login(alice), login(bob)
		if got := w.call(t, kept, http.MethodPost, "/api/todos", `{"title":"a"}`); got != http.StatusCreated {
			t.Fatalf("create: %d", got)
		}
		for _, ev := range authtest.SessionDeleteEvents {
			tok := login(alice)
			if got := w.call(t, tok, http.MethodGet, "/api/protected", ""); got != http.StatusOK {
				t.Fatalf("before %s: %d", ev, got)
			}
			if got := w.deliver(t, hanko.WebhookBody(hanko.SessionDeleted(ev, tok))); got["outcome"] != "revoked" || got["event"] != ev {
				t.Errorf("%s answered %v, want outcome revoked", ev, got)
			}
			if got := w.call(t, tok, http.MethodGet, "/api/protected", ""); got != http.StatusUnauthorized {
				t.Errorf("after %s the session gets %d, want 401", ev, got)
			}
			if got := w.call(t, kept, http.MethodGet, "/api/protected", ""); got != http.StatusOK {
				t.Errorf("after %s the user's other session gets %d, want 200", ev, got)
			}
		}
		// A session event whose data names no session is acknowledged, and ignored.
		if got := w.deliver(t, hanko.WebhookBody(authtest.Webhook{Event: authtest.EventSessionLogout, Data: map[string]string{"id": "nope", "user_id": alice}})); got["outcome"] != "ignored" {
			t.Errorf("a session event without a session id: %v, want ignored", got)
		}
		if got := w.deliver(t, hanko.WebhookBody(authtest.Webhook{Event: "user.delete", Data: map[string]any{"id": alice}})); got["outcome"] != "deleted" || got["deleted"] != 1.0 {
			t.Errorf("user.delete answered %v, want deleted 1", got)
		}
		for _, c := range []struct{ method, path, body string }{
			{http.MethodGet, "/api/protected", ""},
			{http.MethodPost, "/api/todos", `{"title":"back"}`},
		} {
			if got := w.call(t, kept, c.method, c.path, c.body); got != http.StatusUnauthorized {
				t.Errorf("after user.delete, %s %s: %d, want 401", c.method, c.path, got)
			}
		}
		// Even a write that passed auth (straight to the store) is refused.
		if _, err := w.store.CreateTodo(context.Background(), alice, "behind auth's back"); err == nil {
			t.Error("the store took a write for the deleted user")
		}
		if got := w.call(t, bobs, http.MethodPost, "/api/todos", `{"title":"b"}`); got != http.StatusCreated {
			t.Errorf("bob's create: %d", got)
		}
		want := map[string]int{"user.delete deleted": 1, authtest.EventSessionLogout + " ignored": 1}
		for _, ev := range authtest.SessionDeleteEvents {
			want[ev+" revoked"]++
		}
		w.mu.Lock()
		if fmt.Sprint(w.counts) != fmt.Sprint(want) {
			t.Errorf("counted %v, want %v", w.counts, want)
		}
		w.mu.Unlock()

		// A restart: a new program on the same database.
		w2 := wire(t, hanko, url)
		if got := w2.call(t, kept, http.MethodGet, "/api/protected", ""); got != http.StatusUnauthorized {
			t.Errorf("after a restart the deleted user's session gets %d", got)
		}
		if got := w2.call(t, kept, http.MethodPost, "/api/todos", `{"title":"back"}`); got != http.StatusUnauthorized {
			t.Errorf("after a restart the deleted user's create gets %d", got)
		}
		if got := w2.call(t, bobs, http.MethodGet, "/api/protected", ""); got != http.StatusOK {
			t.Errorf("after a restart bob gets %d", got)
		}
	})
}

// The purge revokes the users it deletes: their writes are refused at once,
// and a running server's list has them after its next load.
func TestPurgeRevokesTheUsersItDeletes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newPurgeEnv(t, b)
		if _, err := e.purge(t); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		rs, err := loadRevocations(ctx, e.db)
		if err != nil {
			t.Fatal(err)
		}
		revoked := map[string]bool{}
		for _, r := range rs {
			if r.IsUser() {
				revoked[r.UserID] = true
			}
		}
		for _, id := range e.deleted {
			if !revoked[id] {
				t.Errorf("the purge deleted %s but did not revoke them", id)
			}
		}
		for _, id := range e.alive {
			if revoked[id] {
				t.Errorf("the purge revoked %s, whom Hanko still knows", id)
			}
		}
	})
}
