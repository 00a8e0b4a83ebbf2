package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in      string
		kind    backendKind
		path    string // SQLite path (slash form)
		wantErr string // substring of the error; empty means success
	}{
		{in: "", kind: kindSQLite, path: "data/hanko-gin.db"},
		{in: "  ", kind: kindSQLite, path: "data/hanko-gin.db"},
		{in: "sqlite:///var/lib/app/todos.db", kind: kindSQLite, path: "/var/lib/app/todos.db"},
		{in: "sqlite://data/todos.db", kind: kindSQLite, path: "data/todos.db"},
		{in: "sqlite://localhost/srv/todos.db", kind: kindSQLite, path: "/srv/todos.db"},
		{in: "sqlite:todos.db", kind: kindSQLite, path: "todos.db"},
		{in: "SQLITE:///x.db", kind: kindSQLite, path: "/x.db"},
		{in: "file:todos.db", kind: kindSQLite, path: "todos.db"},
		{in: "file:///tmp/my%20todos.db", kind: kindSQLite, path: "/tmp/my todos.db"},
		{in: "file:/tmp/t.db", kind: kindSQLite, path: "/tmp/t.db"},
		{in: "postgres://u:p@db:5432/app?sslmode=disable", kind: kindPostgres},
		{in: "postgresql://db/app", kind: kindPostgres},
		{in: "mysql://u:secret@db/app", wantErr: `scheme "mysql" is not supported`},
		{in: "data/todos.db", wantErr: "has no scheme"},
		{in: "sqlite://", wantErr: "no file path"},
		{in: "sqlite://:memory:", wantErr: "in-memory SQLite is not supported"},
		{in: "file::memory:?cache=shared", wantErr: "query parameters"},
		{in: "sqlite:///tmp/x.db?_pragma=foo", wantErr: "query parameters"},
		{in: "sqlite:///tmp/dir/", wantErr: "directory"},
		{in: "file:///tmp/%zz.db", wantErr: "bad escape"},
		{in: "postgres://u:secret@db:notaport/app", wantErr: "not a valid PostgreSQL URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseURL(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tt.in, err)
			}
			if got.kind != tt.kind {
				t.Fatalf("kind = %v, want %v", got.kind, tt.kind)
			}
			if tt.kind == kindSQLite && got.path != filepath.FromSlash(tt.path) {
				t.Errorf("path = %q, want %q", got.path, tt.path)
			}
			if tt.kind == kindPostgres && got.url != strings.TrimSpace(tt.in) {
				t.Errorf("url = %q, want it unchanged", got.url)
			}
		})
	}
}

func TestNewID(t *testing.T) {
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id, err := newID()
		if err != nil {
			t.Fatal(err)
		}
		if !v4.MatchString(id) {
			t.Fatalf("newID() = %q, not a canonical lowercase UUIDv4", id)
		}
		if seen[id] {
			t.Fatalf("newID() repeated %q", id)
		}
		seen[id] = true
		if n, ok := normalizeID(id); !ok || n != id {
			t.Fatalf("normalizeID(%q) = %q, %v", id, n, ok)
		}
	}
}

func TestNormalizeID(t *testing.T) {
	const id = "3f2b8c1e-9d4a-4e6b-8c2d-1a2b3c4d5e6f"
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{id, id, true},
		{strings.ToUpper(id), id, true},
		{"00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000", true},
		{"", "", false},
		{"nope", "", false},
		{strings.ReplaceAll(id, "-", ""), "", false},
		{"{" + id + "}", "", false},
		{id + " ", "", false},
		{" " + id[1:], "", false},
		{"3f2b8c1e-9d4a-4e6b-8c2d_1a2b3c4d5e6f", "", false},
		{"3f2b8c1g-9d4a-4e6b-8c2d-1a2b3c4d5e6f", "", false},
		{"urn:uuid:" + id, "", false},
		{"3f2b8c1e-9d4a-4e6b-8c2d-1a2b3c4d5e\u00e9", "", false}, // 36 bytes, non-ASCII
	}
	for _, tt := range tests {
		got, ok := normalizeID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normalizeID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// An error about prepared statements, which a transaction pooler causes,
// names the pooler and the URL parameter that avoids it; others get nothing.
func TestPoolerHint(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("read schema_migrations: %w", &pgconn.PgError{Code: "42P05", Message: `prepared statement "stmtcache_1" already exists`}), "default_query_exec_mode=simple_protocol"},
		{&pgconn.PgError{Code: "26000", Message: `prepared statement "stmtcache_1" does not exist`}, "transaction pooler"},
		{&pgconn.PgError{Code: "42P01", Message: `relation "todos" does not exist`}, ""},
		{errors.New("connection refused"), ""},
	}
	for _, tc := range tests {
		got := poolerHint(tc.err)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("poolerHint(%v) = %q, want it to contain %q", tc.err, got, tc.want)
		}
	}
}

// A connection the server closed is told apart from a statement that
// failed: only the first makes a write transaction begin again.
func TestPgConnGone(t *testing.T) {
	tests := []struct {
		err  error
		gone bool
	}{
		{&pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{fmt.Errorf("begin: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"}), true},
		{&pgconn.PgError{Severity: "ERROR", Code: "08006", Message: "connection failure"}, true},
		{io.ErrUnexpectedEOF, true},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{&pgconn.PgError{Severity: "ERROR", Code: "23505", Message: "duplicate key value"}, false},
		{&pgconn.PgError{Severity: "ERROR", Code: "42P05", Message: `prepared statement "x" already exists`}, false},
		{context.DeadlineExceeded, false},
		{errors.New("something else"), false},
	}
	for _, tc := range tests {
		if got := pgConnGone(tc.err); got != tc.gone {
			t.Errorf("pgConnGone(%v) = %v, want %v", tc.err, got, tc.gone)
		}
	}
}
