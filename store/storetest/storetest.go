// Package storetest gives tests fresh, isolated databases for both backends.
//
// SQLite databases live in t.TempDir(). PostgreSQL databases are a new schema
// in the database named by TEST_DATABASE_URL (selected with search_path, so
// every table the store creates lands in it), dropped when the test ends.
//
// When TEST_DATABASE_URL is unset, PostgreSQL tests FAIL with instructions,
// unless SKIP_POSTGRES=1, in which case they skip and say so. Run
//
//	scripts/with-postgres.sh go test -race ./...
//
// to get a throwaway server.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for creating and dropping schemas

	"github.com/hanko-gin/hanko-gin/store"
)

// Backend is a database the store can run on.
type Backend struct {
	Name string
	// NewURL returns the DATABASE_URL of a fresh, empty database that is
	// removed when t ends. It fails or skips t as described in the package doc.
	NewURL func(t testing.TB) string
}

// Backends lists SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", NewURL: SQLiteURL},
		{Name: "postgres", NewURL: PostgresURL},
	}
}

// Run runs f once per backend as a subtest named after it.
func Run(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

// SQLiteURL returns a sqlite:// URL for a new file in a fresh temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite://" + filepath.ToSlash(filepath.Join(t.TempDir(), "test.db"))
}

// PostgresURL creates a schema with a random name in TEST_DATABASE_URL's
// database and returns a URL whose search_path selects only that schema. The
// schema and everything in it are dropped when t ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("SKIP_POSTGRES") == "1" {
			t.Skip("SKIPPED: PostgreSQL test not run because SKIP_POSTGRES=1")
		}
		t.Fatal("TEST_DATABASE_URL is not set, so the PostgreSQL tests cannot run. " +
			"Run the tests through scripts/with-postgres.sh (it starts a throwaway PostgreSQL), " +
			"set TEST_DATABASE_URL=postgres://... to a database you may create schemas in, " +
			"or set SKIP_POSTGRES=1 to skip them deliberately.")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("TEST_DATABASE_URL must be a postgres:// URL, got %q", base)
	}

	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	schema := "test_" + hex.EncodeToString(rnd[:])

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open TEST_DATABASE_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema in TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a store at databaseURL and closes it when t ends.
func Open(t testing.TB, databaseURL string) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, databaseURL)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// New returns an open store on a fresh database of backend b.
func New(t testing.TB, b Backend) store.Store {
	t.Helper()
	return Open(t, b.NewURL(t))
}

// Describe is a short, stable description of a todo for test failure messages.
func Describe(td store.Todo) string {
	return fmt.Sprintf("{id=%s title=%q done=%v created=%s updated=%s}", td.ID, td.Title, td.Done,
		td.CreatedAt.Format(time.RFC3339Nano), td.UpdatedAt.Format(time.RFC3339Nano))
}
