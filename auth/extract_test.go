package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
)

func TestFromAuthHeader(t *testing.T) {
	tests := []struct {
		name   string
		values []string // Authorization header values; nil = none
		want   string
	}{
		{"none", nil, ""},
		{"empty", []string{""}, ""},
		{"bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi"},
		{"lower-case scheme", []string{"bearer abc"}, "abc"},
		{"mixed-case scheme", []string{"bEaReR abc"}, "abc"},
		{"surrounding spaces", []string{"Bearer   abc  "}, "abc"},
		{"tab after token", []string{"Bearer abc\t"}, "abc"},
		{"scheme only", []string{"Bearer"}, ""},
		{"scheme and space", []string{"Bearer "}, ""},
		{"scheme and spaces", []string{"Bearer    "}, ""},
		{"no space", []string{"Bearerabc"}, ""},
		{"tab instead of space", []string{"Bearer\tabc"}, ""},
		{"basic", []string{"Basic dXNlcjpwYXNz"}, ""},
		{"other scheme with bearer inside", []string{"Token Bearer abc"}, ""},
		{"bare token", []string{"abc.def.ghi"}, ""},
		{"leading space", []string{" Bearer abc"}, ""},
		{"first header wins", []string{"Bearer first", "Bearer second"}, "first"},
		{"inner space kept", []string{"Bearer a b"}, "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.values {
				r.Header.Add("Authorization", v)
			}
			if got, err := auth.FromAuthHeader(r); got != tt.want || err != nil {
				t.Fatalf("FromAuthHeader(%q) = %q, want %q", tt.values, got, tt.want)
			}
		})
	}
}

func TestFromCookie(t *testing.T) {
	tests := []struct {
		name    string
		cookies []*http.Cookie
		raw     string // a raw Cookie header instead
		want    string
	}{
		{"none", nil, "", ""},
		{"hanko", []*http.Cookie{{Name: "hanko", Value: "tok"}}, "", "tok"},
		{"other name", []*http.Cookie{{Name: "hanko_x", Value: "tok"}}, "", ""},
		{"name differs in case", []*http.Cookie{{Name: "Hanko", Value: "tok"}}, "", ""},
		{"among others", []*http.Cookie{{Name: "a", Value: "1"}, {Name: "hanko", Value: "tok"}, {Name: "b", Value: "2"}}, "", "tok"},
		{"two equal", nil, "hanko=one; hanko=one", "one"},
		{"an empty one and a token", nil, "hanko=; hanko=tok", "tok"},
		{"quoted value", nil, `hanko="tok"`, "tok"},
		{"empty value", nil, "hanko=", ""},
	}
	ex := auth.FromCookie("hanko")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, c := range tt.cookies {
				r.AddCookie(c)
			}
			if tt.raw != "" {
				r.Header.Set("Cookie", tt.raw)
			}
			if got, err := ex(r); got != tt.want || err != nil {
				t.Fatalf("got %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

// Two different session cookies are refused, never one of them picked: the
// second could have been tossed in by a sibling host.
func TestFromCookieRefusesTwoDifferentValues(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "hanko=attacker; other=x; hanko=victim")
	if got, err := auth.FromCookie("hanko")(r); got != "" || !errors.Is(err, auth.ErrAmbiguousCookie) {
		t.Fatalf("got %q, %v, want ErrAmbiguousCookie", got, err)
	}
}

func TestFirstOf(t *testing.T) {
	fixed := func(s string) auth.Extractor { return func(*http.Request) (string, error) { return s, nil } }
	failing := func(*http.Request) (string, error) { return "", auth.ErrAmbiguousCookie }
	var calls []string
	spy := func(name, s string) auth.Extractor {
		return func(*http.Request) (string, error) { calls = append(calls, name); return s, nil }
	}
	tests := []struct {
		name  string
		ex    auth.Extractor
		want  string
		calls []string
	}{
		{"none", auth.FirstOf(), "", nil},
		{"all empty", auth.FirstOf(fixed(""), fixed("")), "", nil},
		{"first wins", auth.FirstOf(fixed("a"), fixed("b")), "a", nil},
		{"skips empty", auth.FirstOf(fixed(""), fixed("b")), "b", nil},
		{"stops at the first token", auth.FirstOf(spy("1", ""), spy("2", "x"), spy("3", "y")), "x", []string{"1", "2"}},
		{"stops at the first error", auth.FirstOf(spy("1", ""), failing, spy("3", "y")), "", []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls = nil
			if got, _ := tt.ex(httptest.NewRequest(http.MethodGet, "/", nil)); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if tt.calls != nil && len(calls) != len(tt.calls) {
				t.Fatalf("extractors called %v, want %v", calls, tt.calls)
			}
		})
	}
}

// TestAuthenticatorExtract checks the Authenticator's own order: Bearer
// first, then the configured cookie.
func TestAuthenticatorExtract(t *testing.T) {
	a := newAuth(t, auth.TestConfig{HankoAPIURL: "http://127.0.0.1:1", CookieName: "sess", JWKSUnknownKIDWaitMax: 100 * time.Millisecond})
	tests := []struct {
		name   string
		header string
		cookie *http.Cookie
		want   string
	}{
		{"nothing", "", nil, ""},
		{"bearer", "Bearer h", nil, "h"},
		{"configured cookie", "", &http.Cookie{Name: "sess", Value: "c"}, "c"},
		{"default cookie name ignored", "", &http.Cookie{Name: "hanko", Value: "c"}, ""},
		{"bearer before cookie", "Bearer h", &http.Cookie{Name: "sess", Value: "c"}, "h"},
		{"non-bearer header falls back to cookie", "Basic x", &http.Cookie{Name: "sess", Value: "c"}, "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			if tt.cookie != nil {
				r.AddCookie(tt.cookie)
			}
			if got, err := a.Extract(r); got != tt.want || err != nil {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
