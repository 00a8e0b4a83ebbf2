package storetest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/testenv"
)

// pgBinGlob is where Debian and Ubuntu's postgresql packages put the server
// binaries, which are not on PATH there. A variable for the tests.
var pgBinGlob = "/usr/lib/postgresql/*/bin"

// staleDirPrefix names the temporary directories of throwaway servers, so that
// one left behind by a killed test binary can be found and removed.
const staleDirPrefix = "hanko-gin-pg-"

const missingPostgres = "PostgreSQL tests need PostgreSQL's server binaries (initdb on PATH or under " +
	"/usr/lib/postgresql/*/bin): install postgresql, or set TEST_DATABASE_URL=postgres://... to use a server you have"

var (
	mainCalled atomic.Bool
	skipped    atomic.Int64 // tests that found no PostgreSQL, for Main's summary

	serverOnce sync.Once
	server     *pgServer
	serverErr  error
)

// Main runs the tests of a package that uses PostgresURL, Backends or Run,
// then stops the throwaway PostgreSQL its tests started, if any, and exits.
// Every such package calls it from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// Should the test binary die before Main returns (a panic, a -timeout,
// SIGKILL), the kernel kills the server with it (Linux) and the next run
// removes the directory it left behind.
func Main(m *testing.M) {
	mainCalled.Store(true)
	code := m.Run()
	if n := skipped.Load(); n > 0 && code == 0 {
		// go test prints this in a package directory and with -v; a test's
		// own skip message shows only with -v.
		fmt.Fprintf(os.Stderr, "storetest: SKIPPED %d PostgreSQL tests: %s\n", n, missingPostgres)
	}
	if server != nil {
		if err := server.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "storetest:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// throwawayURL returns the URL of this test binary's own PostgreSQL, starting
// it on first use.
func throwawayURL(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() {
		bin := findBinDir(exec.LookPath, pgBinGlob)
		if bin == "" {
			return
		}
		start := time.Now()
		server, serverErr = startServer(bin)
		if serverErr == nil {
			t.Logf("storetest: started %s on 127.0.0.1:%d in %v", server.version, server.port, time.Since(start).Round(time.Millisecond))
		}
	})
	if serverErr != nil {
		t.Fatalf("storetest: throwaway PostgreSQL: %v", serverErr)
	}
	if server == nil {
		skipped.Add(1) // counted before Missing, which ends t
		testenv.Missing(t, missingPostgres)
	}
	return server.url
}

// findBinDir returns the directory holding initdb and postgres: initdb's on
// PATH, else the newest version under glob; "" when there is none.
func findBinDir(lookPath func(string) (string, error), glob string) string {
	usable := func(dir string) bool {
		for _, p := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if p, err := lookPath("initdb"); err == nil {
		// Debian links only some programs into /usr/bin; postgres sits next to
		// the real initdb.
		if real, err := filepath.EvalSymlinks(p); err == nil && usable(filepath.Dir(real)) {
			return filepath.Dir(real)
		}
	}
	dirs, _ := filepath.Glob(glob)
	// Newest first by version number: 16 before 9.6.
	version := func(dir string) []int {
		var v []int
		for _, f := range strings.Split(filepath.Base(filepath.Dir(dir)), ".") {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil
			}
			v = append(v, n)
		}
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int { return slices.Compare(version(b), version(a)) })
	for _, d := range dirs {
		if version(d) != nil && usable(d) {
			return d
		}
	}
	return ""
}

type pgServer struct {
	dir     string // removed by stop
	url     string
	port    int
	version string
	bin     string      // the server binaries' directory
	data    string      // the cluster's data directory
	cred    *credential // who postgres runs as (nil: the current user)
	cmd     *exec.Cmd
	exited  <-chan struct{} // closed once cmd has exited
}

// startServer creates a cluster in a new temporary directory and starts a
// postgres on a free loopback port. As root, both run as nobody: PostgreSQL
// refuses to run as root.
func startServer(bin string) (*pgServer, error) {
	removeStaleDirs()
	cred, err := unprivileged()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", staleDirPrefix+"*")
	if err != nil {
		return nil, err
	}
	s := &pgServer{dir: dir, bin: bin, cred: cred, data: filepath.Join(dir, "data")}
	fail := func(err error) (*pgServer, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(err)
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", s.data, "-U", "postgres", "--auth=trust",
		"--no-locale", "-E", "UTF8", "--no-sync", "--no-instructions")
	var out bytes.Buffer
	initdb.Dir, initdb.Env, initdb.SysProcAttr = dir, childEnv(), procAttr(cred)
	initdb.Stdout, initdb.Stderr = &out, &out
	exited, err := startOnOwnThread(initdb)
	if err != nil {
		return fail(err)
	}
	<-exited
	if !initdb.ProcessState.Success() {
		as := ""
		if cred != nil {
			as = " as nobody (running as root), who must be able to write to " + dir
		}
		return fail(fmt.Errorf("initdb%s: %v\n%s", as, initdb.ProcessState, out.Bytes()))
	}
	if out, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output(); err == nil {
		s.version = strings.TrimSpace(strings.TrimPrefix(string(out), "postgres (PostgreSQL) "))
		s.version = "PostgreSQL " + s.version
	}

	// The free port can be taken between asking for it and postgres binding
	// it; try again with another one then.
	for attempt := 0; ; attempt++ {
		s.port, err = freePort()
		if err != nil {
			return fail(err)
		}
		err = s.run()
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == 4 {
			return fail(err)
		}
	}
}

var errPortTaken = errors.New("port taken")

// run starts postgres on s.port and waits until it accepts connections.
func (s *pgServer) run() error {
	bin, data, cred := s.bin, s.data, s.cred
	logPath := filepath.Join(s.dir, "postgres.log")
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close() // postgres has its own copy of the descriptor
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		// Disposable: the tests check the application's durability (they kill
		// our binary), not PostgreSQL's.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	s.cmd.Dir, s.cmd.Env, s.cmd.SysProcAttr = s.dir, childEnv(), procAttr(cred)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if s.exited, err = startOnOwnThread(s.cmd); err != nil {
		return err
	}

	s.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	db, err := sql.Open("pgx", s.url)
	if err != nil {
		s.kill()
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			out, _ := os.ReadFile(logPath)
			if strings.Contains(string(out), "could not bind") {
				return errPortTaken
			}
			return fmt.Errorf("postgres exited during start-up (%v):\n%s", s.cmd.ProcessState, out)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres did not accept connections within 60s (last error: %v):\n%s", err, out)
		}
	}
}

// startOnOwnThread starts cmd and waits for it in the background; the channel
// is closed once it has exited. The kernel sends the parent-death signal
// (procAttr) when the thread that started the child ends, not only when the
// process does, so the child is started from a thread that lives as long as it.
func startOnOwnThread(cmd *exec.Cmd) (<-chan struct{}, error) {
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait() // the caller reads cmd.ProcessState
		close(exited)
	}()
	return exited, <-started
}

// stop shuts the server down at once (SIGQUIT: immediate shutdown, no
// checkpoint) and removes its directory.
func (s *pgServer) stop() error {
	if err := quit(s.cmd.Process); err != nil {
		s.kill()
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.kill()
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("remove the throwaway PostgreSQL's directory: %v", err)
	}
	return nil
}

// kill ends postgres at once and waits for it; its own child processes exit
// when they see it gone.
func (s *pgServer) kill() {
	_ = s.cmd.Process.Kill()
	<-s.exited
}

// removeStaleDirs deletes the directories of throwaway servers whose test
// binary is gone (it was killed before it could clean up). Errors are ignored:
// a directory that cannot be removed is someone else's.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), staleDirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue // still being created, or not ours
		}
		if pid, err := strconv.Atoi(string(b)); err == nil && !processAlive(pid) {
			os.RemoveAll(d)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the environment of initdb and postgres: none of the caller's
// PG* variables or locale settings.
func childEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH")}
}

type credential struct{ Uid, Gid uint32 }

// unprivileged returns the user to run PostgreSQL as: nil (the current user)
// unless running as root where procAttr can switch users, then nobody.
func unprivileged() (*credential, error) {
	if !canSwitchUser || os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL must run as another user, but user nobody is unknown: %v", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("user nobody: %v", err)
	}
	return &credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
