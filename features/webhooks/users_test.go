package webhooks

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

func TestDeleteUserDeletesEveryOwnerTable(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		url := b.NewURL(t)
		s := openStore(t, url)
		ctx := testCtx(t)
		for _, title := range []string{"a1", "a2", "a3"} {
			mustCreate(t, s, alice, title)
		}
		bobs := []store.Todo{mustCreate(t, s, bob, "b1"), mustCreate(t, s, bob, "b2")}
		slices.Reverse(bobs) // newest first, as listed

		tests := []struct {
			name      string
			owner     string
			want      int
			aliceLeft int
		}{
			{"deletes all of the owner's rows", alice, 3, 0},
			{"a second delivery deletes nothing and is fine", alice, 0, 0},
			{"an owner who never stored anything", "c0c0c0c0-1111-4222-8333-444455556666", 0, 0},
			{"an id in another case is another owner", "B0B0B0B0-1111-4222-8333-444455556666", 0, 0},
		}
		for _, tc := range tests {
			n, err := deleteUser(ctx, s, tc.owner)
			if err != nil || n != tc.want {
				t.Fatalf("%s: DeleteUserData(%s) = %d, %v; want %d", tc.name, tc.owner, n, err, tc.want)
			}
			if got := mustList(t, s, alice); len(got) != tc.aliceLeft {
				t.Errorf("%s: alice has %d todos, want %d", tc.name, len(got), tc.aliceLeft)
			}
			// Another user's data is never touched.
			got := mustList(t, s, bob)
			if len(got) != len(bobs) {
				t.Fatalf("%s: bob has %d todos, want %d", tc.name, len(got), len(bobs))
			}
			for i := range got {
				assertSame(t, tc.name+": bob's todo", got[i], bobs[i])
			}
		}
		if _, err := deleteUser(ctx, s, ""); err == nil {
			t.Error("DeleteUserData with an empty owner succeeded")
		}
		// A cancelled request deletes nothing.
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := deleteUser(cancelled, s, bob); err == nil {
			t.Error("DeleteUserData with a cancelled context succeeded")
		}
		if got := mustList(t, s, bob); len(got) != 2 {
			t.Errorf("after a cancelled delete bob has %d todos, want 2", len(got))
		}
		// What was deleted stays deleted for a new connection to the database.
		again := openStore(t, url)
		if got := mustList(t, again, alice); len(got) != 0 {
			t.Errorf("reopened: alice has %d todos", len(got))
		}
		if got := mustList(t, again, bob); len(got) != 2 {
			t.Errorf("reopened: bob has %d todos", len(got))
		}
	})
}

func TestOwnersPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := openStore(t, b.NewURL(t))
		ctx := testCtx(t)
		if got, err := owners(ctx, s, "", 10); err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Owners of an empty database = %#v, %v; want an empty list", got, err)
		}
		ids := []string{
			"00000000-0000-4000-8000-000000000007",
			"0a000000-0000-4000-8000-000000000001",
			"7e4c6a0e-6f1f-4a53-9b6e-0d5b1b8f9a01",
			"b0b0b0b0-1111-4222-8333-444455556666",
			"bc37215a-ab10-40b3-8136-3fa02ebfd450",
			"f0000000-0000-4000-8000-000000000000",
			"ffffffff-ffff-4fff-bfff-ffffffffffff",
		}
		for i, o := range ids {
			for j := range i%3 + 1 { // several todos for some owners: each owner is listed once
				mustCreate(t, s, o, "todo "+string(rune('a'+j)))
			}
		}
		all := func(limit int) [][]string {
			t.Helper()
			var pages [][]string
			after := ""
			for {
				page, err := owners(ctx, s, after, limit)
				if err != nil {
					t.Fatalf("Owners(%q, %d): %v", after, limit, err)
				}
				if len(page) == 0 {
					return pages
				}
				if len(page) > limit {
					t.Fatalf("Owners(%q, %d) returned %d", after, limit, len(page))
				}
				pages = append(pages, page)
				after = page[len(page)-1]
			}
		}
		for _, limit := range []int{1, 3, 7, maxOwnersPage} {
			pages := all(limit)
			if got := slices.Concat(pages...); !slices.Equal(got, ids) {
				t.Errorf("limit %d: owners %v, want %v", limit, got, ids)
			}
			if want := (len(ids) + limit - 1) / limit; len(pages) != want {
				t.Errorf("limit %d: %d pages, want %d", limit, len(pages), want)
			}
		}
		if _, err := deleteUser(ctx, s, ids[2]); err != nil {
			t.Fatal(err)
		}
		if got := slices.Concat(all(2)...); !slices.Equal(got, slices.Delete(slices.Clone(ids), 2, 3)) {
			t.Errorf("after deleting %s: owners %v", ids[2], got)
		}
		for _, limit := range []int{0, -1, maxOwnersPage + 1} {
			if _, err := owners(ctx, s, "", limit); err == nil {
				t.Errorf("Owners with limit %d succeeded", limit)
			}
		}
		if none, err := owners(ctx, s, ids[len(ids)-1], 5); err != nil || len(none) != 0 {
			t.Errorf("Owners after the last owner = %v, %v", none, err)
		}
	})
}

// deleteUser deletes and revokes owner, as user.delete and the purge do.
func deleteUser(ctx context.Context, s store.Store, owner string) (int, error) {
	n, _, err := deleteAndRevokeUser(ctx, s, owner)
	return n, err
}

// A table someone adds with an owner column is emptied by user.delete (and
// the purge) with no further code, on both databases.
func TestUserDeleteEmptiesAnAddedOwnerTable(t *testing.T) {
	notes := fstest.MapFS{
		"sqlite/0001_create_notes.sql":   {Data: []byte(`CREATE TABLE test_notes (owner TEXT NOT NULL, body TEXT NOT NULL)`)},
		"postgres/0001_create_notes.sql": {Data: []byte(`CREATE TABLE test_notes (owner text NOT NULL, body text NOT NULL)`)},
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		s := openWith(t, b.NewURL(t), append(storeOptions(), store.WithMigrations("notes", notes))...)
		err := store.WithOwnerLock(ctx, s, alice, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO test_notes (owner, body) VALUES ($1, 'hers'), ($2, 'his')`, alice, bob)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		list := NewRevocations(RevocationOptions{Logger: quiet()})
		if n, err := list.RevokeUser(ctx, s, alice); err != nil || n != 1 {
			t.Fatalf("RevokeUser: %d rows, %v; want 1", n, err)
		}
		var left []string
		rows, err := readDB(t, s).Read.QueryContext(ctx, `SELECT body FROM test_notes ORDER BY body`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var body string
			if err := rows.Scan(&body); err != nil {
				t.Fatal(err)
			}
			left = append(left, body)
		}
		if !slices.Equal(left, []string{"his"}) {
			t.Fatalf("notes after deleting alice: %v, want [his]", left)
		}
	})
}
