package storetest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/testenv"
)

// Server is a throwaway PostgreSQL of one test's own, which the test may stop
// and start again on the same port with the same data: a database restart as
// the application sees it. Unlike PostgresURL's shared server, it costs an
// initdb (about a second); use it only for tests that stop the server.
type Server struct {
	s       *pgServer
	running bool
}

// NewServer creates and starts a PostgreSQL of t's own, stopped and removed
// when t ends. Without PostgreSQL's server binaries it skips t with one
// line, or fails it under HANKO_GIN_REQUIRE_TOOLS=1. TEST_DATABASE_URL does
// not stand in for it: a test cannot restart someone else's server.
func NewServer(t testing.TB) *Server {
	t.Helper()
	bin := findBinDir(exec.LookPath, pgBinGlob)
	if bin == "" {
		testenv.Missing(t, missingPostgres)
	}
	start := time.Now()
	s, err := startServer(bin)
	if err != nil {
		t.Fatalf("storetest: throwaway PostgreSQL: %v", err)
	}
	t.Logf("storetest: started a restartable %s on 127.0.0.1:%d in %v", s.version, s.port, time.Since(start).Round(time.Millisecond))
	srv := &Server{s: s, running: true}
	t.Cleanup(func() {
		if err := srv.stopAndRemove(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return srv
}

// URL is the server's postgres database, as the superuser postgres; it stays
// the same across Stop and Start.
func (srv *Server) URL() string { return srv.s.url }

// Stop shuts the server down as an operator's restart does (a fast
// shutdown: sessions are ended, a checkpoint written) and returns once it has
// exited.
func (srv *Server) Stop(t testing.TB) {
	t.Helper()
	if !srv.running {
		t.Fatal("storetest: Stop: the server is not running")
	}
	if err := shutDown(srv.s.cmd.Process); err != nil {
		t.Fatalf("storetest: stop PostgreSQL: %v", err)
	}
	select {
	case <-srv.s.exited:
	case <-time.After(30 * time.Second):
		srv.s.kill()
		t.Fatal("storetest: PostgreSQL did not stop within 30 s of a fast shutdown; killed it")
	}
	srv.running = false
}

// Start starts the stopped server again on its port, and returns once it
// accepts connections.
func (srv *Server) Start(t testing.TB) {
	t.Helper()
	if srv.running {
		t.Fatal("storetest: Start: the server is running")
	}
	if err := srv.s.run(); err != nil {
		t.Fatalf("storetest: start PostgreSQL again on port %d: %v", srv.s.port, err)
	}
	srv.running = true
}

func (srv *Server) stopAndRemove() error {
	if srv.running {
		return srv.s.stop()
	}
	if err := os.RemoveAll(srv.s.dir); err != nil {
		return fmt.Errorf("remove the throwaway PostgreSQL's directory: %v", err)
	}
	return nil
}
