package app_test

import (
	"reflect"
	"testing"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
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

func TestApplyAuthRunsHooksInOrder(t *testing.T) {
	var h app.Hooks
	h.Auth(func(c *auth.Config) { c.CookieName = "first" })
	h.Auth(func(c *auth.Config) { c.CookieName += "+second" })
	var c auth.Config
	h.ApplyAuth(&c)
	if c.CookieName != "first+second" {
		t.Fatalf("CookieName = %q, want the hooks applied in registration order", c.CookieName)
	}
}
