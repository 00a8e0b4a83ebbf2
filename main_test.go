package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/config"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestRunRefusesBadSettingsWithOneMessage(t *testing.T) {
	env := map[string]string{"PORT": "abc", "CORS_ALLOWED_ORIGINS": "*", "LOG_LEVEL": "chatty"}
	err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard)
	if err == nil {
		t.Fatal("run started with bad settings")
	}
	for _, want := range []string{"HANKO_API_URL", "PORT", "CORS_ALLOWED_ORIGINS", "LOG_LEVEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", want, err)
		}
	}
}

func TestRunRefusesUnknownArguments(t *testing.T) {
	if err := run(context.Background(), []string{"serve"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("run accepted an unknown argument")
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunServesAndShutsDownGracefully starts the real program, checks it
// serves a Hanko session, then cancels it (as SIGTERM does) while a request is
// in flight: the request must still get its answer and run must return nil.
func TestRunServesAndShutsDownGracefully(t *testing.T) {
	issuer := authtest.NewIssuer()
	var slowJWKS atomic.Bool
	slowStarted := make(chan struct{}, 1)
	hanko := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slowJWKS.Load() {
			select {
			case slowStarted <- struct{}{}:
			default:
			}
			time.Sleep(time.Second)
		}
		issuer.Handler().ServeHTTP(w, r)
	})}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hanko.Serve(hl)
	defer hanko.Close()

	port, metricsPort := freePort(t), freePort(t)
	env := map[string]string{
		"HANKO_API_URL": "http://" + hl.Addr().String(),
		"PORT":          strconv.Itoa(port),
		"METRICS_ADDR":  fmt.Sprintf("127.0.0.1:%d", metricsPort),
		"DATABASE_URL":  "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
	}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := new(syncBuffer)
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, logs) }()

	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if err := healthcheck(ctx, getenv); err != nil {
		t.Fatalf("healthcheck subcommand: %v", err)
	}
	scrapeMetrics(t, base, fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort), issuer.Token(authtest.Session{UserID: "user-0"}))

	// A token signed by a key the server has not seen yet makes the request
	// fetch the JWKS, which the stand-in now answers slowly.
	issuer.RotateKey()
	slowJWKS.Store(true)
	token := issuer.Token(authtest.Session{UserID: "user-1"})
	answer := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", base+"/api/protected", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answer <- -1
			return
		}
		resp.Body.Close()
		answer <- resp.StatusCode
	}()
	<-slowStarted // the request is now in the server, waiting for the JWKS
	cancel()

	if code := <-answer; code != http.StatusOK {
		t.Errorf("in-flight request during shutdown got %d, want 200", code)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was cancelled")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)); err == nil {
		t.Error("metrics listener still answers after shutdown")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", logs)
	}
	if healthcheck(context.Background(), getenv) == nil {
		t.Error("healthcheck succeeded with the server stopped")
	}
}

// scrapeMetrics sends one good request to the public port, then checks the
// metrics listener counted it and the public port does not serve /metrics.
func scrapeMetrics(t *testing.T, base, metricsURL, token string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/protected", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/protected: %d", resp.StatusCode)
	}
	resp, err = http.Get(metricsURL)
	if err != nil {
		t.Fatalf("scraping METRICS_ADDR: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET %s: %d %q", metricsURL, resp.StatusCode, ct)
	}
	for _, want := range []string{
		`hanko_gin_auth_decisions_total{result="ok"} 1` + "\n",
		`hanko_gin_http_requests_total{method="GET",route="/api/protected",status="200"} 1` + "\n",
		"hanko_gin_auth_jwks_keys_loaded 1\n",
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scrape lacks %q", want)
		}
	}
	if strings.Contains(string(body), token[strings.LastIndex(token, ".")+1:]) {
		t.Error("the token appears in the metrics")
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/metrics on the public port answered %d, want 404", resp.StatusCode)
	}
}

// A METRICS_ADDR that cannot be listened on stops start-up: nothing serves.
func TestRunRefusesToStartWhenMetricsCannotListen(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := freePort(t)
	env := map[string]string{
		"HANKO_API_URL": hanko.URL,
		"PORT":          strconv.Itoa(port),
		"METRICS_ADDR":  busy.Addr().String(),
		"DATABASE_URL":  "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
	}
	err = run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Fatalf("run = %v, want an error naming METRICS_ADDR", err)
	}
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)); err == nil {
		t.Error("the public port answers although start-up failed")
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEnvWithDotenv(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("HANKO_GIN_TEST_FROM_FILE=file\nHANKO_GIN_TEST_BOTH=file\n# comment\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HANKO_GIN_TEST_BOTH", "real")
	t.Setenv("HANKO_GIN_TEST_EMPTY", "")
	getenv := envWithDotenv(path)
	for key, want := range map[string]string{
		"HANKO_GIN_TEST_FROM_FILE": "file",
		"HANKO_GIN_TEST_BOTH":      "real", // the real environment wins
		"HANKO_GIN_TEST_EMPTY":     "",
		"HANKO_GIN_TEST_NOWHERE":   "",
	} {
		if got := getenv(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if got := envWithDotenv(filepath.Join(t.TempDir(), "missing.env"))("HANKO_GIN_TEST_BOTH"); got != "real" {
		t.Errorf("without a .env file: %q", got)
	}
}

// Start-up warns when a setting sends trust or a secret over plain http to
// another machine: Hanko's public API (its keys), and the admin API when an
// API key goes with every call.
func TestWarnPlainHTTP(t *testing.T) {
	const hanko = "https://login.example.com"
	for _, tt := range []struct {
		name                    string
		hankoURL, adminURL, key string
		want                    []string // warnings (by setting name); none when empty
	}{
		{"all https", hanko, "https://admin.example.com", "k", nil},
		{"compose: admin API on the internal network", hanko, "http://hanko:8001", "", nil},
		{"remote admin API over http, no key", hanko, "http://admin.example.com:8001", "", nil},
		{"remote admin API over http with a key", hanko, "http://admin.example.com:8001", "the-key", []string{"HANKO_ADMIN_API_URL"}},
		{"remote admin API by IP with a key", hanko, "http://10.1.2.3:8001", "the-key", []string{"HANKO_ADMIN_API_URL"}},
		{"loopback admin API with a key", hanko, "http://127.0.0.1:8001", "the-key", nil},
		{"localhost admin API with a key", hanko, "http://localhost:8001", "the-key", nil},
		{"remote Hanko over http", "http://login.example.com", "", "", []string{"HANKO_API_URL"}},
		{"both", "http://login.example.com", "http://admin.example.com", "the-key", []string{"HANKO_API_URL", "HANKO_ADMIN_API_URL"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			log := newLogger(config.Config{LogLevel: slog.LevelInfo, LogFormat: "json"}, &out)
			warnPlainHTTP(log, config.Config{HankoAPIURL: tt.hankoURL, AdminAPIURL: tt.adminURL, AdminAPIKey: tt.key})
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(tt.want) == 0 {
				if out.Len() > 0 {
					t.Fatalf("unexpected warning: %s", out.String())
				}
				return
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("%d warnings, want %d:\n%s", len(lines), len(tt.want), out.String())
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], `"level":"WARN"`) || !strings.Contains(lines[i], `"msg":"`+w+" uses plain http") {
					t.Errorf("warning %d: %s, want one about %s", i, lines[i], w)
				}
			}
			if strings.Contains(out.String(), "the-key") {
				t.Error("the API key was logged")
			}
		})
	}
}
