package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// wired is the program as main builds it (app.Build) with only this
// feature, its services running, and a counter provider of its own.
// Every exchange is checked against the OpenAPI document.
type wired struct {
	router http.Handler
	store  store.Store
	counts map[string]int // "event outcome" -> deliveries
	mu     sync.Mutex
}

func wire(t *testing.T, hanko *authtest.Server, dbURL string) *wired {
	t.Helper()
	w := &wired{counts: map[string]int{}}
	counting := apptest.Hooks(func(h *app.Hooks) {
		h.ProvideCounters(func(name, help string, labels ...string) func(values ...string) {
			return func(values ...string) { w.mu.Lock(); w.counts[strings.Join(values, " ")]++; w.mu.Unlock() }
		})
	})
	a := apptest.App(t, map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": dbURL, "CORS_ALLOWED_ORIGINS": frontendOrigin},
		app.Options{Log: io.Discard}, counting, Feature{})
	w.router, w.store = apptest.Validated(t, Feature{}, a.Handler), a.Store
	return w
}

func (w *wired) call(t *testing.T, token, method, path, body string) int {
	t.Helper()
	return apptest.Do(w.router, apptest.Request{Method: method, Path: path, Token: token, Body: body}).Code
}

func (w *wired) deliver(t *testing.T, body []byte) map[string]any {
	t.Helper()
	rec := apptest.Do(w.router, apptest.Request{Method: http.MethodPost, Path: "/webhooks/hanko", Body: string(body)})
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
		for _, ev := range webhookstest.SessionDeleteEvents {
			tok := login(alice)
			if got := w.call(t, tok, http.MethodGet, "/api/protected", ""); got != http.StatusOK {
				t.Fatalf("before %s: %d", ev, got)
			}
			if got := w.deliver(t, webhookstest.Body(hanko.Issuer, webhookstest.SessionDeleted(hanko.Issuer, ev, tok))); got["outcome"] != "revoked" || got["event"] != ev {
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
		if got := w.deliver(t, webhookstest.Body(hanko.Issuer, webhookstest.Webhook{Event: webhookstest.EventSessionLogout, Data: map[string]string{"id": "nope", "user_id": alice}})); got["outcome"] != "ignored" {
			t.Errorf("a session event without a session id: %v, want ignored", got)
		}
		if got := w.deliver(t, webhookstest.Body(hanko.Issuer, webhookstest.Webhook{Event: "user.delete", Data: map[string]any{"id": alice}})); got["outcome"] != "deleted" || got["deleted"] != 1.0 {
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
		want := map[string]int{"user.delete deleted": 1, webhookstest.EventSessionLogout + " ignored": 1}
		for _, ev := range webhookstest.SessionDeleteEvents {
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
		rs, err := loadRevocations(t, e.db)
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
