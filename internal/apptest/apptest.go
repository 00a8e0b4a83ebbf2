// Package apptest helps the tests of the core and the features: App and
// Router build the program as main.go does (app.Build), RunCommand runs a
// subcommand, Binary and Start run the whole program as a process, and
// LogBuffer collects a server's log.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/internal/openapitest"
	"github.com/hanko-gin/hanko-gin/routes"
)

// App builds the program with features as main.go builds it (app.Build),
// with env as its settings and opts in place of the parts a test brings
// (its own Authenticator or Store), runs its services, and stops them and
// closes it when the test ends. Bad settings fail the test.
func App(t testing.TB, env map[string]string, opts app.Options, features ...app.Feature) *app.App {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Build(ctx, config.NewSettings(func(k string) string { return env[k] }), features, opts)
	if err != nil {
		cancel()
		t.Fatalf("apptest: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.RunServices(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("apptest: a service failed: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("apptest: close: %v", err)
		}
	})
	return a
}

// Router builds the program with f alone on d's Authenticator, Store and
// Logger (app.Build with those in place), with the settings getenv returns
// (nil: none set) and d.AllowedOrigins as CORS_ALLOWED_ORIGINS. It panics
// when the settings are bad. Its services do not run.
func Router(f app.Feature, getenv func(string) string, d routes.Deps) (*gin.Engine, *app.App) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	env := func(k string) string {
		switch v := getenv(k); {
		case v != "":
			return v
		case k == "HANKO_API_URL" && d.Auth != nil:
			return "http://127.0.0.1:1" // required, but d.Auth is used
		case k == "CORS_ALLOWED_ORIGINS":
			return strings.Join(d.AllowedOrigins, ",")
		default:
			return ""
		}
	}
	a, err := app.Build(context.Background(), config.NewSettings(env), []app.Feature{f},
		app.Options{Auth: d.Auth, Store: d.Store, Logger: d.Logger})
	if err != nil {
		panic("apptest: " + err.Error())
	}
	return a.Handler, a
}

// RunCommand runs `hanko-gin name args...` with f the only feature, as the
// binary does, with the settings getenv returns, reporting to stdout.
func RunCommand(ctx context.Context, f app.Feature, getenv func(string) string, stdout io.Writer, name string, args ...string) error {
	return app.RunCommand(ctx, config.NewSettings(getenv), []app.Feature{f}, append([]string{name}, args...), stdout)
}

// Hooks is a feature made of one Setup function: a test plugs its own
// hooks in with it, e.g. a counter provider.
type Hooks func(h *app.Hooks)

// Name implements app.Feature.
func (Hooks) Name() string { return "test" }

// Setup implements app.Feature.
func (fn Hooks) Setup(_ *config.Settings, h *app.Hooks) { fn(h) }

// Validated wraps a router built with f (Router) so that every request and
// response of the test is checked against the OpenAPI document with f's
// fragment merged in (internal/openapitest): a handler that drifts from the
// document fails the test.
func Validated(t testing.TB, f app.Feature, router http.Handler) http.Handler {
	t.Helper()
	h := &app.Hooks{}
	f.Setup(config.NewSettings(func(string) string { return "" }), h)
	doc, err := routes.Document(h.OpenAPIFragments()...)
	if err != nil {
		t.Fatal(err)
	}
	return openapitest.Wrap(t, doc, router)
}

// Binary builds the program (the module's main package, CGO-free as the
// Dockerfile builds it) once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "hanko-gin-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "hanko-gin")
		build := exec.Command("go", "build", "-trimpath", "-o", builtBin, ".")
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// Server is the program running as a process.
type Server struct {
	Base string // http://127.0.0.1:PORT
	t    testing.TB
	cmd  *exec.Cmd
	out  *LogBuffer
	done chan struct{}
}

// Start runs bin in an empty directory (so no .env is read) with only env
// (PORT is chosen here) and waits until /readyz answers 200. The process is
// killed when the test ends.
func Start(t testing.TB, bin string, env map[string]string) *Server {
	t.Helper()
	port := FreePort(t)
	s := &Server{t: t, Base: "http://127.0.0.1:" + strconv.Itoa(port), out: new(LogBuffer), done: make(chan struct{})}
	s.cmd = exec.Command(bin)
	s.cmd.Dir = t.TempDir()
	if env["PORT"] != "" {
		port, _ = strconv.Atoi(env["PORT"])
		s.Base = "http://127.0.0.1:" + env["PORT"]
	}
	s.cmd.Env = []string{"PORT=" + strconv.Itoa(port)}
	for k, v := range env {
		if k != "PORT" {
			s.cmd.Env = append(s.cmd.Env, k+"="+v)
		}
	}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Kill)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-s.done:
			t.Fatalf("server exited during start-up:\n%s", s.out)
		default:
		}
		if resp, err := http.Get(s.Base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 30s:\n%s", s.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Output is what the process wrote so far.
func (s *Server) Output() string { return s.out.String() }

// Kill sends SIGKILL and waits for the process to be gone.
func (s *Server) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Error("server did not die after SIGKILL")
	}
}

// Request is a request a test sends to a handler with Do.
type Request struct {
	Method string // GET when empty
	Path   string
	Token  string // sent as Authorization: Bearer, when set
	Cookie string // sent as the hanko cookie, when set
	Body   string // sent as application/json, when set
	Header http.Header
}

// Do serves r on h and returns the recorded answer.
func Do(h http.Handler, r Request) *httptest.ResponseRecorder {
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	req := httptest.NewRequest(r.Method, r.Path, strings.NewReader(r.Body))
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.Cookie != "" {
		req.AddCookie(&http.Cookie{Name: "hanko", Value: r.Cookie})
	}
	if r.Body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Client calls a running server (Start) as one user.
type Client struct {
	Base  string // e.g. Server.Base
	Token string // sent as Authorization: Bearer, when set
}

// Do sends a request (body as JSON, when set) and returns the answer's
// status and body; err is a failure to get an answer.
func (c Client) Do(ctx context.Context, method, path, body string) (status int, b []byte, err error) {
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err = io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Must sends a request as Do does and fails t unless the answer has status;
// it decodes the body into dst when dst is not nil.
func (c Client) Must(t testing.TB, method, path, body string, status int, dst any) {
	t.Helper()
	got, b, err := c.Do(context.Background(), method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if got != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, status, b)
	}
	if dst != nil {
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// LogBuffer is a log sink safe for a server's goroutines: write to it from
// the server, read it with String from the test.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *LogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *LogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Stop sends SIGTERM, as docker stop does, and waits up to 30s for the
// process to exit; it reports whether it exited with status 0.
func (s *Server) Stop() bool {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Error("server did not stop within 30s of SIGTERM")
		s.Kill()
	}
	return s.cmd.ProcessState != nil && s.cmd.ProcessState.Success()
}

// Run runs bin with args and env (in an empty directory) to its end, at
// most 30s, and returns its output and exit error.
func Run(t testing.TB, bin string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
