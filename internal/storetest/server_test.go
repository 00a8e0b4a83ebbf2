package storetest

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A restartable server keeps its URL and its data across Stop and Start,
// and refuses connections while stopped.
func TestServerRestart(t *testing.T) {
	srv := NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	url := srv.URL()
	srv.Stop(t)
	pingCtx, cancelPing := context.WithTimeout(ctx, 5*time.Second)
	defer cancelPing()
	if err := db.PingContext(pingCtx); err == nil {
		t.Fatal("a stopped server answers")
	}
	srv.Start(t)
	if srv.URL() != url {
		t.Errorf("the URL changed across a restart: %s, then %s", url, srv.URL())
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT n FROM kept`).Scan(&n); err != nil || n != 42 {
		t.Fatalf("after the restart: %d, %v; want 42", n, err)
	}
}

// PgBouncer's database answers through the pooler and straight, as the
// same database. (That the pooler is in transaction mode, and what that
// breaks, the tests of the code that relies on push show.)
func TestPgBouncer(t *testing.T) {
	p := PgBouncer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pooled, err := sql.Open("pgx", p.URL+"&default_query_exec_mode=simple_protocol")
	if err != nil {
		t.Fatal(err)
	}
	defer pooled.Close()
	direct, err := sql.Open("pgx", p.Direct)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if _, err := direct.ExecContext(ctx, `CREATE TABLE here (n int)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pooled.ExecContext(ctx, `INSERT INTO here VALUES (1)`); err != nil {
		t.Fatalf("through PgBouncer: %v", err)
	}
	var n int
	if err := direct.QueryRowContext(ctx, `SELECT count(*) FROM here`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("straight: %d rows, %v; want the row written through PgBouncer", n, err)
	}
}

func TestFindPgBouncer(t *testing.T) {
	dir := t.TempDir()
	exe, plain := filepath.Join(dir, "pgbouncer"), filepath.Join(dir, "not-executable")
	if err := os.WriteFile(exe, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	onPath := func(string) (string, error) { return "/on/path/pgbouncer", nil }
	notOnPath := func(string) (string, error) { return "", exec.ErrNotFound }
	tests := []struct {
		name     string
		lookPath func(string) (string, error)
		paths    []string
		want     string
	}{
		{"PATH first", onPath, []string{exe}, "/on/path/pgbouncer"},
		{"then the list", notOnPath, []string{filepath.Join(dir, "missing"), plain, exe}, exe},
		{"none", notOnPath, []string{plain, dir}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := findPgBouncer(tc.lookPath, tc.paths); got != tc.want {
				t.Errorf("findPgBouncer = %q, want %q", got, tc.want)
			}
		})
	}
}

// Without pgbouncer, a test that needs it skips with one line saying what
// to install, and fails instead under HANKO_GIN_REQUIRE_TOOLS=1.
func TestMissingPgBouncer(t *testing.T) {
	for _, tc := range []struct {
		require  string
		wantFail bool
		want     string
	}{
		{"", false, "SKIP: PgBouncer tests need pgbouncer (on PATH or in /usr/sbin): install pgbouncer"},
		{"1", true, "required because HANKO_GIN_REQUIRE_TOOLS=1"},
	} {
		cmd := helper(t, "no-pgbouncer", "PATH="+t.TempDir(), "HANKO_GIN_REQUIRE_TOOLS="+tc.require)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail || !strings.Contains(string(out), tc.want) {
			t.Errorf("HANKO_GIN_REQUIRE_TOOLS=%q: exit %v, want failure %v and %q in:\n%s", tc.require, err, tc.wantFail, tc.want, out)
		}
	}
}
