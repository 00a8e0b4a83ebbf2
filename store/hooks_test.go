package store_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// notesMigrations is a feature's migrations as a user would add them: a
// per-user table (an owner column) and a table that is not one.
var notesMigrations = fstest.MapFS{
	"sqlite/0001_create_notes.sql": {Data: []byte(`CREATE TABLE test_notes (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, body TEXT NOT NULL);
		CREATE TABLE "odd ""name""" (owner TEXT NOT NULL);
		CREATE TABLE test_settings (name TEXT PRIMARY KEY, owner_hint TEXT);
		CREATE VIEW test_note_owners AS SELECT owner FROM test_notes;`)},
	"postgres/0001_create_notes.sql": {Data: []byte(`CREATE TABLE test_notes (id serial PRIMARY KEY, owner text NOT NULL, body text NOT NULL);
		CREATE TABLE "odd ""name""" (owner text NOT NULL);
		CREATE TABLE test_settings (name text PRIMARY KEY, owner_hint text);
		CREATE VIEW test_note_owners AS SELECT owner FROM test_notes;`)},
}

// deleteOwner is what account deletion does: every per-user table's rows of
// owner go, in one transaction under the owner's lock.
func deleteOwner(ctx context.Context, s store.Store, owner string) (int, error) {
	var n int
	err := store.WithOwnerLock(ctx, s, owner, func(tx *sql.Tx) error {
		var err error
		n, err = store.DeleteOwnerRows(ctx, tx, owner)
		return err
	})
	return n, err
}

// A table with an owner column is a per-user table with no further code:
// deleting an owner empties their rows in it, on both databases, and leaves
// everyone else's and the tables without an owner column alone. Should the
// deletion go back to a list of tables, the notes here survive and this fails.
func TestDeleteOwnerRowsCoversEveryOwnerTable(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := ctxT(t)
		s := openWith(t, b.NewURL(t), store.WithMigrations("notes", notesMigrations))
		tables, err := store.OwnerTables(ctx, s)
		// The tables the reader adds (a tutorial's, say) are per-user tables
		// too: these must be among them, and the table without an owner
		// column must not.
		for _, want := range []string{`"test_notes"`, `"odd ""name"""`, `"todos"`} {
			if err != nil || !slices.Contains(tables, want) {
				t.Fatalf("OwnerTables = %v, %v; want %s among them", tables, err, want)
			}
		}
		if slices.Contains(tables, `"test_settings"`) {
			t.Fatalf("OwnerTables = %v: settings has no owner column", tables)
		}
		w := store.WriterDB(s)
		for _, o := range []string{alice, alice, bob} {
			mustCreate(t, s, o, "todo")
			if _, err := w.ExecContext(ctx, `INSERT INTO test_notes (owner, body) VALUES ($1, 'note')`, o); err != nil {
				t.Fatal(err)
			}
			if _, err := w.ExecContext(ctx, `INSERT INTO "odd ""name""" (owner) VALUES ($1)`, o); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.ExecContext(ctx, `INSERT INTO test_settings (name, owner_hint) VALUES ('x', $1)`, alice); err != nil {
			t.Fatal(err)
		}
		n, err := deleteOwner(ctx, s, alice)
		if err != nil || n != 6 {
			t.Fatalf("deleting alice: %d rows, %v; want 6", n, err)
		}
		count := func(q string, args ...any) int {
			var n int
			if err := w.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if got := count(`SELECT count(*) FROM test_notes WHERE owner = $1`, alice); got != 0 {
			t.Errorf("%d of alice's notes survived her deletion", got)
		}
		if got := count(`SELECT count(*) FROM test_notes WHERE owner = $1`, bob); got != 1 {
			t.Errorf("bob has %d notes, want 1", got)
		}
		if got := count(`SELECT count(*) FROM test_settings`); got != 1 {
			t.Errorf("a table without an owner column lost rows: %d left", got)
		}
		if n, err := deleteOwner(ctx, s, alice); err != nil || n != 0 {
			t.Errorf("deleting alice again: %d rows, %v; want 0", n, err)
		}
	})
}

// DeleteOwnerRows runs only in WithOwnerLock's transaction for that owner:
// elsewhere the owner's writes could land beside it.
func TestDeleteOwnerRowsNeedsTheOwnersLock(t *testing.T) {
	ctx := ctxT(t)
	s := storetest.New(t, storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL})
	tx, err := store.WriterDB(s).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DeleteOwnerRows(ctx, tx, alice); err == nil {
		t.Error("DeleteOwnerRows in a transaction of its own succeeded")
	}
	tx.Rollback()
	err = store.WithOwnerLock(ctx, s, alice, func(tx *sql.Tx) error {
		_, err := store.DeleteOwnerRows(ctx, tx, bob)
		return err
	})
	if err == nil {
		t.Error("DeleteOwnerRows for bob under alice's lock succeeded")
	}
	if err := store.WithOwnerLock(ctx, s, "", func(*sql.Tx) error { return nil }); err == nil {
		t.Error("WithOwnerLock for the empty owner succeeded")
	}
	// fn's error rolls everything back.
	boom := errors.New("boom")
	err = store.WithOwnerLock(ctx, s, alice, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO todos (id, owner, title, created_at, updated_at) VALUES ('x', $1, 't', 'a', 'a')`, alice); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithOwnerLock returned %v, want fn's error", err)
	}
	if got := mustList(t, s, alice); len(got) != 0 {
		t.Errorf("a rolled-back transaction left %d todos", len(got))
	}
}

func TestWithMigrationsRefusesBadFolders(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []store.Option
		want string
	}{
		{"registered twice", []store.Option{store.WithMigrations("notes", notesMigrations), store.WithMigrations("notes", notesMigrations)}, "registered twice"},
		{"no folder for the dialect", []store.Option{store.WithMigrations("notes", fstest.MapFS{"postgres/0001_x.sql": {}})}, "sqlite"},
		{"a gap", []store.Option{store.WithMigrations("notes", fstest.MapFS{"sqlite/0002_x.sql": {}})}, "without gaps"},
		{"no name", []store.Option{store.WithMigrations("", notesMigrations)}, "feature name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Open(ctxT(t), storetest.SQLiteURL(t), tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
