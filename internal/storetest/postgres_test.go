package storetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/internal/testenv"
)

func TestMain(m *testing.M) { Main(m) }

func TestFindBinDir(t *testing.T) {
	root := t.TempDir()
	// mk creates dir with the named programs in it (executable unless
	// prefixed with "-") and returns dir.
	mk := func(dir string, programs ...string) string {
		dir = filepath.Join(root, dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, p := range programs {
			mode := os.FileMode(0o755)
			if name, ok := strings.CutPrefix(p, "-"); ok {
				p, mode = name, 0o644
			}
			if err := os.WriteFile(filepath.Join(dir, p), []byte("#!/bin/sh\n"), mode); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	debian := mk("lib/postgresql/15/bin", "initdb", "postgres")
	mk("lib/postgresql/9.6/bin", "initdb", "postgres")
	mk("lib/postgresql/13/bin", "initdb", "postgres")
	mk("lib/postgresql/16/bin", "initdb") // incomplete: no server
	mk("lib/postgresql/devel/bin", "initdb", "postgres")
	mk("other/postgresql/17/bin", "initdb", "-postgres") // not executable
	onlyInitdb := mk("usr/bin", "initdb")
	full := mk("opt/pg/bin", "initdb", "postgres")
	linkDir := mk("usr/local/bin")
	if err := os.Symlink(filepath.Join(debian, "initdb"), filepath.Join(linkDir, "initdb")); err != nil {
		t.Fatal(err)
	}

	onPath := func(dir string) func(string) (string, error) {
		return func(name string) (string, error) {
			if dir == "" {
				return "", exec.ErrNotFound
			}
			return filepath.Join(dir, name), nil
		}
	}
	tests := []struct {
		name string
		path string // directory whose initdb is on PATH
		glob string
		want string
	}{
		{"initdb on PATH with postgres beside it", full, filepath.Join(root, "lib/postgresql/*/bin"), full},
		{"initdb on PATH is a link to the real one", linkDir, "", debian},
		{"initdb on PATH without postgres falls back to the glob", onlyInitdb, filepath.Join(root, "lib/postgresql/*/bin"), debian},
		{"newest complete version by number, not by spelling", "", filepath.Join(root, "lib/postgresql/*/bin"), debian},
		{"postgres not executable", "", filepath.Join(root, "other/postgresql/*/bin"), ""},
		{"nothing anywhere", "", filepath.Join(root, "none/*/bin"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := findBinDir(onPath(tc.path), tc.glob); got != tc.want {
				t.Errorf("findBinDir = %q, want %q", got, tc.want)
			}
		})
	}
}

// helperEnv is set in the environment of a copy of this test binary that
// runs TestHelperProcess in the mode it names.
const helperEnv = "STORETEST_HELPER"

// TestHelperProcess is not a test by itself: the tests below run it in a child
// process to see how PostgresURL ends a test binary's tests, or to kill one.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("runs only as a child of the tests below")
	case "no-binaries":
		pgBinGlob = filepath.Join(t.TempDir(), "*") // PATH is an empty directory too
		PostgresURL(t)
	case "no-pgbouncer":
		pgbouncerPaths = nil // and PATH is an empty directory
		PgBouncer(t)
	case "start":
		PostgresURL(t)
		// Tell the parent where the server is, then wait to be killed.
		os.Stdout.WriteString(fmt.Sprintf("storetest-helper: %d %s\n", server.cmd.Process.Pid, server.dir))
		select {}
	}
}

// helper runs TestHelperProcess in mode, with the given extra environment.
func helper(t *testing.T, mode string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{helperEnv + "=" + mode}, env...)...)
	return cmd
}

// TestMissingPostgres: without server binaries and without
// TEST_DATABASE_URL, a PostgreSQL test skips with one line saying how to run
// it, and fails instead under HANKO_GIN_REQUIRE_TOOLS=1.
func TestMissingPostgres(t *testing.T) {
	tests := []struct {
		name     string
		env      []string
		wantFail bool
		want     []string
	}{
		{"skips", []string{"HANKO_GIN_REQUIRE_TOOLS="}, false, []string{
			"SKIP: PostgreSQL tests need PostgreSQL's server binaries (initdb on PATH or under /usr/lib/postgresql/*/bin): install postgresql, or set TEST_DATABASE_URL",
			"--- SKIP: TestHelperProcess",
			"storetest: SKIPPED 1 PostgreSQL tests: PostgreSQL tests need"}},
		{"fails when required", []string{"HANKO_GIN_REQUIRE_TOOLS=1"}, true, []string{
			"PostgreSQL tests need PostgreSQL's server binaries", "required because HANKO_GIN_REQUIRE_TOOLS=1",
			"--- FAIL: TestHelperProcess"}},
		{"TEST_DATABASE_URL is used instead", []string{"HANKO_GIN_REQUIRE_TOOLS=", "TEST_DATABASE_URL=mysql://elsewhere"}, true, []string{
			`TEST_DATABASE_URL must be a postgres:// URL, got "mysql://elsewhere"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := helper(t, "no-binaries", append([]string{"PATH=" + t.TempDir(), "TEST_DATABASE_URL="}, tc.env...)...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if failed := errors.As(err, &exit); failed != tc.wantFail || (err != nil && !failed) {
				t.Errorf("exit: %v, want failure %v\n%s", err, tc.wantFail, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// BenchmarkStartServer measures what the first PostgreSQL test of a package
// pays: initdb, start, first connection; and the stop after the tests.
//
//	go test -run '^$' -bench StartServer -benchtime 5x ./internal/storetest
func BenchmarkStartServer(b *testing.B) {
	bin := findBinDir(exec.LookPath, pgBinGlob)
	if bin == "" {
		testenv.Missing(b, missingPostgres)
	}
	for b.Loop() {
		s, err := startServer(bin)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.stop(); err != nil {
			b.Fatal(err)
		}
	}
}
