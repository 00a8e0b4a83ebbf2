package config

import (
	"errors"
	"log/slog"
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
		"METRICS_ADDR":             "127.0.0.1:9090",
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
		"HANKO_ADMIN_API_URL":      "http://hanko:8001",
		"HANKO_ADMIN_API_KEY":      "key-123",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		HankoAPIURL:        "http://localhost:8000",
		Port:               8080,
		MetricsAddr:        "127.0.0.1:9090",
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
		AdminAPIURL:        "http://hanko:8001",
		AdminAPIKey:        "key-123",
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
		{"metrics address without port", map[string]string{"METRICS_ADDR": "127.0.0.1"}, "METRICS_ADDR"},
		{"metrics address as a URL", map[string]string{"METRICS_ADDR": "http://127.0.0.1:9090"}, "must be host:port"},
		{"metrics address with a path", map[string]string{"METRICS_ADDR": "localhost:9090/metrics"}, "METRICS_ADDR"},
		{"metrics port zero", map[string]string{"METRICS_ADDR": "127.0.0.1:0"}, "port from 1 to 65535"},
		{"metrics port out of range", map[string]string{"METRICS_ADDR": "127.0.0.1:65536"}, "port from 1 to 65535"},
		{"metrics port by name", map[string]string{"METRICS_ADDR": "127.0.0.1:http"}, "port from 1 to 65535"},
		{"metrics port with leading zero", map[string]string{"METRICS_ADDR": "127.0.0.1:09090"}, "port from 1 to 65535"},
		{"metrics on the default public port", map[string]string{"METRICS_ADDR": "127.0.0.1:5001"}, "the public PORT"},
		{"metrics on the public port", map[string]string{"PORT": "8080", "METRICS_ADDR": ":8080"}, "the public PORT"},
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
		{"todo cap too high", map[string]string{"TODOS_MAX_PER_USER": "1000001"}, "from 1 to 1000000"},
		{"relative admin API URL", map[string]string{"HANKO_ADMIN_API_URL": "hanko:8001"}, "HANKO_ADMIN_API_URL"},
		{"admin API URL without host", map[string]string{"HANKO_ADMIN_API_URL": "http://"}, "HANKO_ADMIN_API_URL"},
		{"admin API URL with credentials", map[string]string{"HANKO_ADMIN_API_URL": "https://u:secret@x.hanko.io"}, "must not carry credentials"},
		{"admin API URL with a query", map[string]string{"HANKO_ADMIN_API_URL": "http://hanko:8001?x=1"}, "HANKO_ADMIN_API_URL"},
		{"admin API key with a space", map[string]string{"HANKO_ADMIN_API_URL": "https://x.hanko.io", "HANKO_ADMIN_API_KEY": "abc def"}, "HANKO_ADMIN_API_KEY"},
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

func TestLoadAcceptsMetricsAddresses(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:9090", ":9090", "[::1]:9090", "localhost:9090", "metrics.internal:9100", "0.0.0.0:5002"} {
		c, err := Load(env(map[string]string{"HANKO_API_URL": "http://localhost:8000", "METRICS_ADDR": addr}))
		if err != nil || c.MetricsAddr != addr {
			t.Errorf("METRICS_ADDR %q: MetricsAddr %q, err %v", addr, c.MetricsAddr, err)
		}
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

// The admin API key and passwords in the admin API URL never appear in a
// problem (the message is printed at start-up and by the purge).
func TestLoadNeverShowsAdminSecrets(t *testing.T) {
	_, err := Load(env(map[string]string{
		"HANKO_API_URL":       "http://localhost:8000",
		"HANKO_ADMIN_API_URL": "https://svc:pa55word@x.hanko.io?q",
		"HANKO_ADMIN_API_KEY": "sk_live_\x01abc",
	}))
	if err == nil {
		t.Fatal("Load accepted the settings")
	}
	for _, secret := range []string{"pa55word", "sk_live", "abc"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows %q:\n%v", secret, err)
		}
	}
	if !strings.Contains(err.Error(), "HANKO_ADMIN_API_URL") || !strings.Contains(err.Error(), "HANKO_ADMIN_API_KEY") {
		t.Errorf("the error does not name both settings:\n%v", err)
	}
}
