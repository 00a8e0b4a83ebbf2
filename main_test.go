package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
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
	err := run(context.Background(), []string{"serve"}, func(string) string { return "" }, io.Discard)
	if err == nil {
		t.Fatal("run accepted an unknown argument")
	}
	// The message lists the subcommands: healthcheck and the features' ones.
	for _, want := range append([]string{"healthcheck"}, commandNames()...) {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not list %q: %v", want, err)
		}
	}
}

// commandNames are the subcommands the features register.
func commandNames() []string {
	h := &app.Hooks{}
	for _, f := range features {
		f.Setup(config.NewSettings(func(string) string { return "" }), h)
	}
	var names []string
	for _, c := range h.Commands() {
		names = append(names, c.Name)
	}
	return names
}

// startServer runs the program in process with env (PORT is chosen here
// unless env sets it), waits until /readyz answers 200 and returns its base
// URL and its log. The program is stopped, as by SIGTERM, when the test ends.
func startServer(t *testing.T, env map[string]string) (base string, logs *apptest.LogBuffer) {
	t.Helper()
	if env["PORT"] == "" {
		env["PORT"] = strconv.Itoa(freePort(t))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs = new(apptest.LogBuffer)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, logs) }()
	t.Cleanup(func() { cancel(); <-done })
	base = "http://127.0.0.1:" + env["PORT"]
	waitFor(t, func() bool {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("run returned during start-up: %v\n%s", err, logs)
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return base, logs
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

	port := freePort(t)
	env := map[string]string{
		"HANKO_API_URL": "http://" + hl.Addr().String(),
		"PORT":          strconv.Itoa(port),
		"DATABASE_URL":  "sqlite://" + filepath.Join(t.TempDir(), "todos.db"),
	}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := new(apptest.LogBuffer)
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
	if err := run(ctx, []string{"healthcheck"}, getenv, io.Discard); err != nil {
		t.Fatalf("healthcheck subcommand: %v", err)
	}

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
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", logs)
	}
	if run(context.Background(), []string{"healthcheck"}, getenv, io.Discard) == nil {
		t.Error("healthcheck succeeded with the server stopped")
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
