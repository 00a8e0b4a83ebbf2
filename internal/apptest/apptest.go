// Package apptest helps the features' tests: Router builds the core router
// with one feature plugged in, as main.go does; Binary and Start run the
// whole program as a process.
package apptest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
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

// Router sets f up with the settings getenv returns (nil: none set), then
// builds routes.New(d) with f's middleware and routes. It panics when f
// reports a problem with its settings. The returned Hooks hold f's other
// hooks (commands, services) for the test to run.
func Router(f app.Feature, getenv func(string) string, d routes.Deps) (*gin.Engine, *app.Hooks) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	s := config.NewSettings(getenv)
	h := &app.Hooks{}
	f.Setup(s, h)
	if err := s.Err(); err != nil {
		panic("apptest: " + err.Error())
	}
	deps := app.Deps{Auth: d.Auth, Store: d.Store, Logger: d.Logger}
	d.Middleware = append(h.Middlewares(), d.Middleware...)
	d.Routes = func(r *gin.Engine) { h.AddRoutes(r, deps) }
	d.OpenAPI = append(h.OpenAPIFragments(), d.OpenAPI...)
	return routes.New(d), h
}

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
