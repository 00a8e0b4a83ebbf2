package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/testenv"
)

// pgbouncerPaths are where PgBouncer is looked for after PATH: Debian
// installs it in /usr/sbin, which is not on every user's PATH. A variable
// for the tests.
var pgbouncerPaths = []string{"/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer"}

const missingPgBouncer = "PgBouncer tests need pgbouncer (on PATH or in /usr/sbin): install pgbouncer"

// Pooled is a fresh PostgreSQL database reached two ways.
type Pooled struct {
	// URL goes through a PgBouncer in transaction mode, as DATABASE_URL
	// does in a deployment behind such a pooler. PgBouncer before 1.21
	// cannot pass prepared statements on in transaction mode: add
	// default_query_exec_mode=simple_protocol to use it with pgx.
	URL string
	// Direct goes straight to PostgreSQL (what DATABASE_LISTEN_URL is for).
	Direct string
}

// PgBouncer creates a database of its own in the PostgreSQL of the package
// doc, starts a PgBouncer in transaction mode in front of it on a free
// loopback port, and stops and drops both when t ends. The database is a
// whole database, not a schema: PgBouncer does not pass search_path on.
// Without pgbouncer it skips t with one line, or fails it under
// HANKO_GIN_REQUIRE_TOOLS=1. As root, PgBouncer runs as nobody.
func PgBouncer(t testing.TB) Pooled {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("storetest: this package's TestMain must call storetest.Main(m), which stops the throwaway PostgreSQL after the tests")
	}
	bouncer := findPgBouncer(exec.LookPath, pgbouncerPaths)
	if bouncer == "" {
		testenv.Missing(t, missingPgBouncer)
	}
	base, u := baseURL(t)
	name := uniqueName(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open TEST_DATABASE_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create a database for PgBouncer: %v", err)
	}
	t.Cleanup(func() { // runs after PgBouncer's stop, registered below
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	direct := *u
	direct.Path = "/" + name
	p := Pooled{Direct: direct.String()}

	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	user := "postgres"
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	password, _ := u.User.Password()
	b, err := startPgBouncer(bouncer, name, fmt.Sprintf("host=%s port=%s dbname=%s user=%s", host, port, name, user), password)
	if err != nil {
		t.Fatalf("storetest: PgBouncer: %v", err)
	}
	t.Cleanup(func() {
		if err := b.stop(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	pooled := url.URL{Scheme: "postgres", User: url.User(user), Host: fmt.Sprintf("127.0.0.1:%d", b.port), Path: "/" + name, RawQuery: "sslmode=disable"}
	p.URL = pooled.String()
	return p
}

// findPgBouncer returns pgbouncer's path: on PATH, else the first of paths
// that is an executable file; "" when there is none.
func findPgBouncer(lookPath func(string) (string, error), paths []string) string {
	if p, err := lookPath("pgbouncer"); err == nil {
		return p
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

type bouncer struct {
	dir    string
	port   int
	cmd    *exec.Cmd
	exited <-chan struct{}
}

// startPgBouncer starts pgbouncer in transaction mode on a free loopback
// port, serving the database reached by connstr under name, and waits until
// it answers.
func startPgBouncer(path, name, connstr, password string) (*bouncer, error) {
	removeStaleDirs()
	cred, err := unprivileged()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", staleDirPrefix+"bouncer-*")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*bouncer, error) {
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
	if password != "" {
		connstr += " password=" + password
	}
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		// auth_type any: clients are not authenticated (loopback, a test),
		// and PgBouncer logs in to PostgreSQL as the user of connstr.
		ini := fmt.Sprintf(`[databases]
%s = %s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
logfile = %s
`, name, connstr, port, filepath.Join(dir, "pgbouncer.log"))
		iniPath := filepath.Join(dir, "pgbouncer.ini")
		if err := os.WriteFile(iniPath, []byte(ini), 0o644); err != nil {
			return fail(err)
		}
		b := &bouncer{dir: dir, port: port, cmd: exec.Command(path, iniPath)}
		b.cmd.Dir, b.cmd.Env, b.cmd.SysProcAttr = dir, childEnv(), procAttr(cred)
		if b.exited, err = startOnOwnThread(b.cmd); err != nil {
			return fail(err)
		}
		err = b.waitReady(name)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == 4 {
			return fail(err)
		}
	}
}

// waitReady waits until a query through PgBouncer is answered.
func (b *bouncer) waitReady(name string) error {
	logPath := filepath.Join(b.dir, "pgbouncer.log")
	db, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable&default_query_exec_mode=simple_protocol", b.port, name))
	if err != nil {
		b.kill()
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var one int
		err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-b.exited:
			out, _ := os.ReadFile(logPath)
			if strings.Contains(string(out), "Address already in use") {
				return errPortTaken
			}
			return fmt.Errorf("pgbouncer exited during start-up (%v):\n%s", b.cmd.ProcessState, out)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.kill()
			out, _ := os.ReadFile(logPath)
			return fmt.Errorf("pgbouncer did not answer within 30s (last error: %v):\n%s", err, out)
		}
	}
}

func (b *bouncer) kill() {
	_ = b.cmd.Process.Kill()
	<-b.exited
}

// stop ends PgBouncer (it keeps nothing worth a graceful shutdown) and
// removes its directory.
func (b *bouncer) stop() error {
	b.kill()
	if err := os.RemoveAll(b.dir); err != nil {
		return fmt.Errorf("remove PgBouncer's directory: %v", err)
	}
	return nil
}
