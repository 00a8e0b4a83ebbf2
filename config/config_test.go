package config

import (
	"errors"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"HANKO_API_URL": "https://abc.hanko.io/"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		HankoAPIURL:        "https://abc.hanko.io",
		Port:               5001,
		CORSAllowedOrigins: []string{"http://localhost:5173"},
		CookieName:         "hanko",
		SessionCheckTTL:    5 * time.Second,
		SessionCacheSize:   10000,
		LogLevel:           slog.LevelInfo,
		LogFormat:          "text",
		TodosMaxPerUser:    1000,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load defaults\n got  %+v\n want %+v", c, want)
	}
}

func TestLoadEverySetting(t *testing.T) {
	c, err := Load(env(map[string]string{
		"HANKO_API_URL":            "http://localhost:8000",
		"PORT":                     "8080",
		"CORS_ALLOWED_ORIGINS":     "http://localhost:5173, https://app.example.com",
		"HANKO_COOKIE_NAME":        "session",
		"HANKO_AUDIENCE":           "localhost,example.com",
		"HANKO_ISSUER":             "https://auth.example.com",
		"HANKO_SESSION_CHECK":      "true",
		"HANKO_SESSION_CHECK_TTL":  "0s",
		"HANKO_SESSION_CACHE_SIZE": "0",
		"DATABASE_URL":             "postgres://u:p@localhost:5432/todos",
		"LOG_LEVEL":                "debug",
		"LOG_FORMAT":               "json",
		"TODOS_MAX_PER_USER":       "25",
		"TRUSTED_PROXIES":          "10.0.0.0/8, 192.168.1.7, fd00::/8",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		HankoAPIURL:        "http://localhost:8000",
		Port:               8080,
		CORSAllowedOrigins: []string{"http://localhost:5173", "https://app.example.com"},
		CookieName:         "session",
		Audience:           []string{"localhost", "example.com"},
		Issuer:             "https://auth.example.com",
		SessionCheck:       true,
		SessionCheckTTL:    0,
		SessionCacheSize:   0,
		DatabaseURL:        "postgres://u:p@localhost:5432/todos",
		LogLevel:           slog.LevelDebug,
		LogFormat:          "json",
		TodosMaxPerUser:    25,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
			netip.MustParsePrefix("fd00::/8")},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load\n got  %+v\n want %+v", c, want)
	}
}

func TestLoadRefusesBadSettings(t *testing.T) {
	base := map[string]string{"HANKO_API_URL": "http://localhost:8000"}
	tests := []struct {
		name    string
		set     map[string]string
		mention string // the problem must name this
	}{
		{"missing Hanko URL", map[string]string{"HANKO_API_URL": ""}, "HANKO_API_URL is required"},
		{"relative Hanko URL", map[string]string{"HANKO_API_URL": "localhost:8000"}, "HANKO_API_URL"},
		{"ftp Hanko URL", map[string]string{"HANKO_API_URL": "ftp://hanko"}, "HANKO_API_URL"},
		{"port not a number", map[string]string{"PORT": "http"}, "PORT"},
		{"port out of range", map[string]string{"PORT": "70000"}, "PORT"},
		{"port zero", map[string]string{"PORT": "0"}, "PORT"},
		{"wildcard origin", map[string]string{"CORS_ALLOWED_ORIGINS": "*"}, `"*" is not allowed`},
		{"origin with path", map[string]string{"CORS_ALLOWED_ORIGINS": "http://localhost:5173/app"}, "not an origin"},
		{"origin with trailing slash", map[string]string{"CORS_ALLOWED_ORIGINS": "http://localhost:5173/"}, "not an origin"},
		{"origin without scheme", map[string]string{"CORS_ALLOWED_ORIGINS": "localhost:5173"}, "not an origin"},
		{"null origin", map[string]string{"CORS_ALLOWED_ORIGINS": "null"}, "not an origin"},
		{"upper-case origin", map[string]string{"CORS_ALLOWED_ORIGINS": "http://LocalHost:5173"}, "lower case"},
		{"origin bad port", map[string]string{"CORS_ALLOWED_ORIGINS": "http://localhost:99999"}, "CORS_ALLOWED_ORIGINS"},
		{"origin port with leading zero", map[string]string{"CORS_ALLOWED_ORIGINS": "http://localhost:05173"}, "invalid port"},
		{"origin with subdomain wildcard", map[string]string{"CORS_ALLOWED_ORIGINS": "http://*.example.com"}, "wildcards are not allowed"},
		{"origin with empty query", map[string]string{"CORS_ALLOWED_ORIGINS": "http://localhost:5173?"}, "not an origin"},
		{"Hanko URL with credentials", map[string]string{"HANKO_API_URL": "http://svc:s3cr3t@localhost:8000"}, "must not contain a user name or password"},
		{"Hanko URL with empty query", map[string]string{"HANKO_API_URL": "http://localhost:8000?"}, "without query"},
		{"audience of only commas", map[string]string{"HANKO_AUDIENCE": ","}, "HANKO_AUDIENCE"},
		{"SQLite URL with parameters", map[string]string{"DATABASE_URL": "sqlite:///tmp/x.db?mode=memory"}, "DATABASE_URL"},
		{"cookie name with space", map[string]string{"HANKO_COOKIE_NAME": "my cookie"}, "HANKO_COOKIE_NAME"},
		{"session check not a bool", map[string]string{"HANKO_SESSION_CHECK": "maybe"}, "HANKO_SESSION_CHECK"},
		{"ttl not a duration", map[string]string{"HANKO_SESSION_CHECK_TTL": "5"}, "HANKO_SESSION_CHECK_TTL"},
		{"ttl too long", map[string]string{"HANKO_SESSION_CHECK_TTL": "1h"}, "HANKO_SESSION_CHECK_TTL"},
		{"cache size negative", map[string]string{"HANKO_SESSION_CACHE_SIZE": "-1"}, "HANKO_SESSION_CACHE_SIZE"},
		{"database scheme", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"todo cap zero", map[string]string{"TODOS_MAX_PER_USER": "0"}, "TODOS_MAX_PER_USER"},
		{"todo cap negative", map[string]string{"TODOS_MAX_PER_USER": "-5"}, "TODOS_MAX_PER_USER"},
		{"todo cap not a number", map[string]string{"TODOS_MAX_PER_USER": "lots"}, "TODOS_MAX_PER_USER"},
		{"trusted proxy not a network", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}, `TRUSTED_PROXIES: "proxy.internal"`},
		{"trusted proxy bad prefix", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/40"}, "TRUSTED_PROXIES"},
		{"todo cap too high", map[string]string{"TODOS_MAX_PER_USER": "1000001"}, "from 1 to 1000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range base {
				m[k] = v
			}
			for k, v := range tc.set {
				m[k] = v
			}
			_, err := Load(env(m))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load accepted %v (err %v)", tc.set, err)
			}
			if len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], tc.mention) {
				t.Errorf("problems = %q, want one mentioning %q", ce.Problems, tc.mention)
			}
		})
	}
}

func TestLoadNamesEveryProblemAtOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"PORT":                 "-3",
		"CORS_ALLOWED_ORIGINS": "*,http://ok.example,ftp://x",
		"LOG_FORMAT":           "xml",
		"TODOS_MAX_PER_USER":   "0",
	}))
	if err == nil {
		t.Fatal("Load accepted bad settings")
	}
	msg := err.Error()
	for _, want := range []string{"invalid settings (6)", "HANKO_API_URL", "PORT", `"*"`, `"ftp://x"`, "LOG_FORMAT", "TODOS_MAX_PER_USER"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %s:\n%s", want, msg)
		}
	}
}

// A problem that two features report (both read the same setting) is listed
// once; problems of features and core come out together.
func TestSettingsCollectsEveryProblemOnce(t *testing.T) {
	s := NewSettings(env(map[string]string{"PORT": "x", "FEATURE_SETTING": " on "}))
	Read(s)
	if got := s.Get("FEATURE_SETTING", "off"); got != "on" {
		t.Errorf("Get = %q, want the trimmed value", got)
	}
	if got := s.Get("UNSET", "def"); got != "def" {
		t.Errorf("Get of an unset setting = %q, want the default", got)
	}
	s.Bad("FEATURE_SETTING %q is wrong", "on")
	s.Bad("FEATURE_SETTING %q is wrong", "on")
	var ce *Error
	if !errors.As(s.Err(), &ce) {
		t.Fatalf("Err = %v", s.Err())
	}
	want := []string{"HANKO_API_URL", "PORT", "FEATURE_SETTING"}
	if len(ce.Problems) != len(want) {
		t.Fatalf("problems = %q, want %d", ce.Problems, len(want))
	}
	for i, w := range want {
		if !strings.Contains(ce.Problems[i], w) {
			t.Errorf("problem %d = %q, want it to name %s", i, ce.Problems[i], w)
		}
	}
	if s.Core().Port != 0 || s.Core().CookieName != "hanko" {
		t.Errorf("Core = %+v", s.Core())
	}
}
