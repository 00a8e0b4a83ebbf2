package app_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
)

// counts is a counter provider that records every event as name=values.
type counts map[string][]string

func (c counts) provide(name, _ string, _ ...string) func(...string) {
	return func(values ...string) { c[name] = append(c[name], values...) }
}

func TestCounterCountsOnlyWithAProvider(t *testing.T) {
	for _, tc := range []struct {
		name        string
		provider    string // "before", "after" the Counter call, or "none"
		wantCounted bool
	}{
		{"provider registered first", "before", true},
		{"provider registered later (feature order must not matter)", "after", true},
		{"no provider: counting does nothing", "none", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h app.Hooks
			got := counts{}
			if tc.provider == "before" {
				h.ProvideCounters(got.provide)
			}
			inc := h.Counter("deliveries_total", "help", "event")
			if tc.provider == "after" {
				h.ProvideCounters(got.provide)
			}
			inc("user.delete")
			inc("session.delete")
			want := counts{}
			if tc.wantCounted {
				want["deliveries_total"] = []string{"user.delete", "session.delete"}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("counted %v, want %v", got, want)
			}
		})
	}
}

// newApp builds the program with the given test features against a stand-in
// Hanko and a fresh SQLite database.
func newApp(t *testing.T, env map[string]string, features ...app.Feature) (*app.App, *authtest.Server) {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	env["HANKO_API_URL"] = hanko.URL
	env["DATABASE_URL"] = "sqlite://" + filepath.Join(t.TempDir(), "app.db")
	return apptest.App(t, env, app.Options{Log: io.Discard}, features...), hanko
}

func protected(t *testing.T, a *app.App, token string) int {
	t.Helper()
	return apptest.Do(a.Handler, apptest.Request{Path: "/api/protected", Token: token}).Code
}

// Two features each add a revocation source: a session is refused when any
// of them revokes it, and served when none does.
func TestRevocationSourcesCombine(t *testing.T) {
	revokes := func(user string) app.Feature {
		return apptest.Hooks(func(h *app.Hooks) {
			h.Revocations(auth.RevocationsFunc(func(c *auth.Claims) bool { return c.UserID == user }))
		})
	}
	a, hanko := newApp(t, map[string]string{}, revokes("alice"), revokes("bob"))
	for user, want := range map[string]int{"alice": http.StatusUnauthorized, "bob": http.StatusUnauthorized, "carol": http.StatusOK} {
		if got := protected(t, a, hanko.Token(authtest.Session{UserID: user})); got != want {
			t.Errorf("%s: %d, want %d", user, got, want)
		}
	}
}

// Two features each observe the session check: both see every call.
func TestSessionCheckObserversAllCalled(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]string{}
	observer := func(name string) app.Feature {
		return apptest.Hooks(func(h *app.Hooks) {
			h.OnSessionCheck(func(outcome string, _ time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				seen[name] = append(seen[name], outcome)
			})
		})
	}
	a, hanko := newApp(t, map[string]string{"HANKO_SESSION_CHECK": "true"}, observer("first"), observer("second"))
	if got := protected(t, a, hanko.Token(authtest.Session{UserID: "ada"})); got != http.StatusOK {
		t.Fatalf("protected: %d", got)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string][]string{"first": {auth.SessionValid}, "second": {auth.SessionValid}}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("observers saw %v, want %v", seen, want)
	}
}

// Routes hooks only register; OnStart hooks run once the routes are in
// place, before Build returns, and a failing one stops start-up.
func TestStartHooks(t *testing.T) {
	var order []string
	f := apptest.Hooks(func(h *app.Hooks) {
		h.Routes(func(*gin.Engine, app.Deps) { order = append(order, "routes") })
		h.OnStart(func(_ context.Context, d app.Deps) error {
			if d.Store == nil || d.Auth == nil {
				t.Error("OnStart without the store or the authenticator")
			}
			order = append(order, "start")
			return nil
		})
	})
	newApp(t, map[string]string{}, f)
	if !reflect.DeepEqual(order, []string{"routes", "start"}) {
		t.Errorf("ran %v, want routes then start", order)
	}

	failing := apptest.Hooks(func(h *app.Hooks) {
		h.OnStart(func(context.Context, app.Deps) error { return errors.New("the list did not load") })
	})
	hanko := authtest.NewServer()
	defer hanko.Close()
	env := map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "app.db")}
	_, err := app.Build(t.Context(), config.NewSettings(func(k string) string { return env[k] }), []app.Feature{failing}, app.Options{Log: io.Discard})
	if err == nil || err.Error() != "the list did not load" {
		t.Errorf("Build with a failing start hook: %v", err)
	}
}
