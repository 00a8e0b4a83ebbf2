// Package storetest gives tests fresh, isolated databases for both backends.
//
// SQLite databases live in t.TempDir(). PostgreSQL databases are a new schema
// (selected with search_path, so every table the store creates lands in it),
// dropped when the test ends, in one of:
//
//   - the database named by TEST_DATABASE_URL, when it is set;
//   - otherwise a throwaway PostgreSQL that the test binary starts on first
//     use from the server binaries (initdb on PATH or under
//     /usr/lib/postgresql/*/bin) on a free loopback port, in a temporary
//     directory that is removed when the tests end. As root it runs as nobody.
//
// Where neither is available, PostgreSQL tests skip with one line saying how
// to run them, or fail under HANKO_GIN_REQUIRE_TOOLS=1 (see internal/testenv).
// A package whose tests use PostgreSQL calls Main from its TestMain.
//
// Two more for tests of what happens around the database: PgBouncer puts a
// PgBouncer in transaction mode in front of a fresh database, and NewServer
// starts a PostgreSQL of the test's own that it may stop and start again.
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

// PostgresURL creates a schema with a random name in the PostgreSQL database
// described in the package doc and returns a URL whose search_path selects
// only that schema. The schema and everything in it are dropped when t ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("storetest: this package's TestMain must call storetest.Main(m), which stops the throwaway PostgreSQL after the tests")
	}
	base, u := baseURL(t)
	schema := uniqueName(t)

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

// baseURL is TEST_DATABASE_URL, or else a throwaway server's URL, as given
// and parsed; the tests' schemas and databases are made in it.
func baseURL(t testing.TB) (string, *url.URL) {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = throwawayURL(t)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("TEST_DATABASE_URL must be a postgres:// URL, got %q", base)
	}
	return base, u
}

// uniqueName is a fresh name for a test's schema or database.
func uniqueName(t testing.TB) string {
	t.Helper()
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	return "test_" + hex.EncodeToString(rnd[:])
}
