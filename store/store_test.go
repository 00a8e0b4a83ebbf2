package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

const (
	alice = "7e4c6a0e-6f1f-4a53-9b6e-0d5b1b8f9a01"
	bob   = "b0b0b0b0-1111-4222-8333-444455556666"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func ptr[T any](v T) *T { return &v }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustCreate(t *testing.T, s store.Store, owner, title string) store.Todo {
	t.Helper()
	td, err := s.CreateTodo(ctxT(t), owner, title)
	if err != nil {
		t.Fatalf("CreateTodo(%s, %q): %v", owner, title, err)
	}
	return td
}

// mustList returns all of owner's todos, following next cursors page by page.
func mustList(t *testing.T, s store.Store, owner string) []store.Todo {
	t.Helper()
	list, _ := listPages(t, s, owner, store.MaxPageLimit)
	return list
}

// listPages pages through owner's todos with limit, returning them all and
// the size of each page.
func listPages(t *testing.T, s store.Store, owner string, limit int) (all []store.Todo, sizes []int) {
	t.Helper()
	all = []store.Todo{}
	cursor := ""
	for {
		page, err := s.ListTodos(ctxT(t), owner, store.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListTodos(%s, limit %d, cursor %q): %v", owner, limit, cursor, err)
		}
		if page.Todos == nil {
			t.Fatalf("ListTodos(%s) returned a nil slice", owner)
		}
		all = append(all, page.Todos...)
		sizes = append(sizes, len(page.Todos))
		if page.NextCursor == "" {
			return all, sizes
		}
		if len(sizes) > 10_000 {
			t.Fatalf("ListTodos(%s) never reaches a last page", owner)
		}
		cursor = page.NextCursor
	}
}

func mustGet(t *testing.T, s store.Store, owner, id string) store.Todo {
	t.Helper()
	td, err := s.GetTodo(ctxT(t), owner, id)
	if err != nil {
		t.Fatalf("GetTodo(%s, %s): %v", owner, id, err)
	}
	return td
}

func sameTodo(a, b store.Todo) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Done == b.Done &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.CreatedAt.Location() == time.UTC && a.UpdatedAt.Location() == time.UTC
}

func assertSame(t *testing.T, what string, got, want store.Todo) {
	t.Helper()
	if !sameTodo(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, storetest.Describe(got), storetest.Describe(want))
	}
}

// steppingClock returns a clock that starts at start and advances by step on every call.
func steppingClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := now
		now = now.Add(step)
		return t
	}
}

func TestCRUD(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		ctx := ctxT(t)

		if got := mustList(t, s, alice); got == nil || len(got) != 0 {
			t.Fatalf("empty list = %#v, want a non-nil empty slice", got)
		}

		title := "Buy milk 🥛 — ünïcode and 'quotes'; DROP TABLE todos; --"
		created := mustCreate(t, s, alice, title)
		if created.Title != title || created.Done || created.ID == "" {
			t.Fatalf("created = %s", storetest.Describe(created))
		}
		if !created.CreatedAt.Equal(created.UpdatedAt) {
			t.Errorf("new todo: created_at %v != updated_at %v", created.CreatedAt, created.UpdatedAt)
		}
		assertSame(t, "GetTodo after create", mustGet(t, s, alice, created.ID), created)
		if list := mustList(t, s, alice); len(list) != 1 {
			t.Fatalf("list has %d todos, want 1", len(list))
		} else {
			assertSame(t, "ListTodos after create", list[0], created)
		}

		steps := []struct {
			name  string
			patch store.TodoPatch
			title string
			done  bool
		}{
			{"title only", store.TodoPatch{Title: ptr("Buy oat milk")}, "Buy oat milk", false},
			{"done only", store.TodoPatch{Done: ptr(true)}, "Buy oat milk", true},
			{"both", store.TodoPatch{Title: ptr("Milk bought"), Done: ptr(false)}, "Milk bought", false},
			{"same values again", store.TodoPatch{Title: ptr("Milk bought"), Done: ptr(false)}, "Milk bought", false},
			{"empty title string is stored as given", store.TodoPatch{Title: ptr("")}, "", false},
		}
		prev := created
		for _, st := range steps {
			got, err := s.UpdateTodo(ctx, alice, created.ID, st.patch)
			if err != nil {
				t.Fatalf("%s: UpdateTodo: %v", st.name, err)
			}
			want := store.Todo{ID: created.ID, Title: st.title, Done: st.done, CreatedAt: created.CreatedAt, UpdatedAt: got.UpdatedAt}
			assertSame(t, st.name+": UpdateTodo result", got, want)
			if got.UpdatedAt.Before(prev.UpdatedAt) {
				t.Errorf("%s: updated_at went back from %v to %v", st.name, prev.UpdatedAt, got.UpdatedAt)
			}
			assertSame(t, st.name+": GetTodo after update", mustGet(t, s, alice, created.ID), got)
			prev = got
		}

		if err := s.DeleteTodo(ctx, alice, created.ID); err != nil {
			t.Fatalf("DeleteTodo: %v", err)
		}
		if _, err := s.GetTodo(ctx, alice, created.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetTodo after delete: err = %v, want ErrNotFound", err)
		}
		if err := s.DeleteTodo(ctx, alice, created.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeleteTodo: err = %v, want ErrNotFound", err)
		}
		if _, err := s.UpdateTodo(ctx, alice, created.ID, store.TodoPatch{Done: ptr(true)}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateTodo after delete: err = %v, want ErrNotFound", err)
		}
		if list := mustList(t, s, alice); len(list) != 0 {
			t.Errorf("list after delete has %d todos", len(list))
		}
	})
}

func TestTimestamps(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		// A clock in another zone, with nanoseconds the databases cannot keep.
		zone := time.FixedZone("UTC+5:30", 5*3600+1800)
		start := time.Date(2031, 3, 4, 5, 6, 7, 123456789, zone)
		store.SetClock(s, steppingClock(start, 90*time.Minute+987654321))

		created := mustCreate(t, s, alice, "t")
		wantCreated := start.UTC().Truncate(time.Microsecond)
		if !created.CreatedAt.Equal(wantCreated) || created.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v, want %v (UTC, microseconds)", created.CreatedAt, wantCreated)
		}
		got := mustGet(t, s, alice, created.ID)
		if !reflect.DeepEqual(got, created) {
			t.Errorf("stored todo does not round-trip exactly:\n got  %#v\n want %#v", got, created)
		}

		updated, err := s.UpdateTodo(ctxT(t), alice, created.ID, store.TodoPatch{Done: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		wantUpdated := start.Add(90*time.Minute + 987654321).UTC().Truncate(time.Microsecond)
		if !updated.UpdatedAt.Equal(wantUpdated) || !updated.CreatedAt.Equal(wantCreated) {
			t.Errorf("after update: created %v updated %v, want %v and %v", updated.CreatedAt, updated.UpdatedAt, wantCreated, wantUpdated)
		}
		if got := mustList(t, s, alice)[0]; !reflect.DeepEqual(got, updated) {
			t.Errorf("listed todo differs from UpdateTodo's answer:\n got  %#v\n want %#v", got, updated)
		}

		// An empty patch is a read: nothing changes, not even updated_at.
		same, err := s.UpdateTodo(ctxT(t), alice, created.ID, store.TodoPatch{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(same, updated) {
			t.Errorf("empty patch changed the todo:\n got  %#v\n want %#v", same, updated)
		}
	})
}

func TestOrdering(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		clock := t0
		store.SetClock(s, func() time.Time { return clock })

		// Three todos in the same microsecond, then two a microsecond later,
		// then one a day earlier (a clock step back). Bob's are interleaved
		// and must not show up.
		var created []store.Todo
		for i := range 3 {
			created = append(created, mustCreate(t, s, alice, fmt.Sprint("same-instant-", i)))
			mustCreate(t, s, bob, "bob")
		}
		clock = t0.Add(time.Microsecond)
		for i := range 2 {
			created = append(created, mustCreate(t, s, alice, fmt.Sprint("later-", i)))
		}
		clock = t0.Add(-24 * time.Hour)
		created = append(created, mustCreate(t, s, alice, "earliest"))

		newestFirst := func(a, b store.Todo) bool { // a must come before b
			if !a.CreatedAt.Equal(b.CreatedAt) {
				return a.CreatedAt.After(b.CreatedAt)
			}
			return a.ID > b.ID
		}
		want := append([]store.Todo(nil), created...)
		for i := range want { // insertion sort with the documented order
			for j := i; j > 0 && newestFirst(want[j], want[j-1]); j-- {
				want[j], want[j-1] = want[j-1], want[j]
			}
		}
		for range 3 { // same answer every time
			got := mustList(t, s, alice)
			if len(got) != len(want) {
				t.Fatalf("got %d todos, want %d", len(got), len(want))
			}
			for i := range want {
				assertSame(t, fmt.Sprintf("position %d", i), got[i], want[i])
			}
		}
		if got := mustList(t, s, alice); got[0].Title != "later-0" && got[0].Title != "later-1" || got[5].Title != "earliest" {
			t.Errorf("order by time is wrong: first %q, last %q", got[0].Title, got[5].Title)
		}
	})
}

func TestOwnerIsolation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		ctx := ctxT(t)
		a := mustCreate(t, s, alice, "alice's secret")
		bOwn := mustCreate(t, s, bob, "bob's own")

		attacks := []struct {
			name string
			do   func() error
		}{
			{"get", func() error { _, err := s.GetTodo(ctx, bob, a.ID); return err }},
			{"get upper-case id", func() error { _, err := s.GetTodo(ctx, bob, strings.ToUpper(a.ID)); return err }},
			{"update title", func() error {
				_, err := s.UpdateTodo(ctx, bob, a.ID, store.TodoPatch{Title: ptr("pwned")})
				return err
			}},
			{"update done", func() error { _, err := s.UpdateTodo(ctx, bob, a.ID, store.TodoPatch{Done: ptr(true)}); return err }},
			{"empty patch", func() error { _, err := s.UpdateTodo(ctx, bob, a.ID, store.TodoPatch{}); return err }},
			{"delete", func() error { return s.DeleteTodo(ctx, bob, a.ID) }},
			{"owner differing only in case", func() error { return s.DeleteTodo(ctx, strings.ToUpper(alice), a.ID) }},
		}
		for _, at := range attacks {
			if err := at.do(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("bob %s of alice's todo: err = %v, want ErrNotFound", at.name, err)
			}
		}
		assertSame(t, "alice's todo after bob's attempts", mustGet(t, s, alice, a.ID), a)

		bobs := mustList(t, s, bob)
		if len(bobs) != 1 {
			t.Fatalf("bob sees %d todos, want only his own", len(bobs))
		}
		assertSame(t, "bob's list", bobs[0], bOwn)
		alices := mustList(t, s, alice)
		if len(alices) != 1 {
			t.Fatalf("alice sees %d todos, want 1", len(alices))
		}
		assertSame(t, "alice's list", alices[0], a)
		if got := mustList(t, s, "someone-else"); len(got) != 0 {
			t.Errorf("a third user sees %d todos", len(got))
		}
	})
}

func TestNotFoundAndInvalidIDs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		ctx := ctxT(t)
		kept := mustCreate(t, s, alice, "keep me")

		ids := []string{
			"",
			"1",
			"not-a-uuid",
			"00000000-0000-4000-8000-000000000000", // well-formed, absent
			strings.ReplaceAll(kept.ID, "-", ""),   // PostgreSQL would accept this form; we do not
			"{" + kept.ID + "}",
			kept.ID + "x",
			kept.ID[:35],
			" " + kept.ID[1:],
			"' OR '1'='1",
			"3f2b8c1e-9d4a-4e6b-8c2d-1a2b3c4d5e\u00e9",
			"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		}
		for _, id := range ids {
			if _, err := s.GetTodo(ctx, alice, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetTodo(%q): err = %v, want ErrNotFound", id, err)
			}
			if _, err := s.UpdateTodo(ctx, alice, id, store.TodoPatch{Done: ptr(true)}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UpdateTodo(%q): err = %v, want ErrNotFound", id, err)
			}
			if _, err := s.UpdateTodo(ctx, alice, id, store.TodoPatch{}); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UpdateTodo(%q, empty patch): err = %v, want ErrNotFound", id, err)
			}
			if err := s.DeleteTodo(ctx, alice, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteTodo(%q): err = %v, want ErrNotFound", id, err)
			}
		}
		assertSame(t, "untouched todo", mustGet(t, s, alice, kept.ID), kept)
		if n := len(mustList(t, s, alice)); n != 1 {
			t.Errorf("alice has %d todos, want 1", n)
		}

		// The canonical form in upper case names the same todo on both databases.
		upper := strings.ToUpper(kept.ID)
		assertSame(t, "GetTodo with upper-case id", mustGet(t, s, alice, upper), kept)
		if err := s.DeleteTodo(ctx, alice, upper); err != nil {
			t.Errorf("DeleteTodo with upper-case id: %v", err)
		}
	})
}

func TestEmptyOwnerRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		ctx := ctxT(t)
		id := mustCreate(t, s, alice, "x").ID
		checks := map[string]error{}
		_, checks["list"] = s.ListTodos(ctx, "", store.Page{})
		_, checks["create"] = s.CreateTodo(ctx, "", "x")
		_, checks["get"] = s.GetTodo(ctx, "", id)
		_, checks["update"] = s.UpdateTodo(ctx, "", id, store.TodoPatch{Done: ptr(true)})
		_, checks["update empty"] = s.UpdateTodo(ctx, "", id, store.TodoPatch{})
		checks["delete"] = s.DeleteTodo(ctx, "", id)
		for op, err := range checks {
			if err == nil || errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "owner") {
				t.Errorf("%s with empty owner: err = %v, want an error about the owner", op, err)
			}
		}
		if n := len(mustList(t, s, alice)); n != 1 {
			t.Errorf("alice has %d todos, want 1", n)
		}
	})
}

func TestMigrations(t *testing.T) {
	sqliteVersions, err := store.LoadMigrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pgVersions, err := store.LoadMigrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(sqliteVersions) == 0 || !reflect.DeepEqual(sqliteVersions, pgVersions) {
		t.Fatalf("SQLite and PostgreSQL migrations differ: %v vs %v", sqliteVersions, pgVersions)
	}

	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		url := b.NewURL(t)
		ctx := ctxT(t)

		first := storetest.Open(t, url)
		td := mustCreate(t, first, alice, "survives reopen")
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}
		// Open again, twice at the same time as well: migrations are a no-op now.
		second := storetest.Open(t, url)
		third := storetest.Open(t, url)
		assertSame(t, "todo after reopen", mustGet(t, second, alice, td.ID), td)
		assertSame(t, "todo via third store", mustGet(t, third, alice, td.ID), td)

		rows, err := store.WriterDB(second).QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]string{}
		for rows.Next() {
			var v int
			var n string
			if err := rows.Scan(&v, &n); err != nil {
				t.Fatal(err)
			}
			if _, dup := got[v]; dup {
				t.Errorf("version %d recorded twice", v)
			}
			got[v] = n
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if !reflect.DeepEqual(got, sqliteVersions) {
			t.Errorf("schema_migrations = %v, want %v", got, sqliteVersions)
		}
	})
}

func TestConcurrentFirstStart(t *testing.T) {
	// Several replicas starting at once on an empty database: all must come up,
	// and the schema must be created exactly once.
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		url := b.NewURL(t)
		const replicas = 6
		stores := make([]store.Store, replicas)
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range replicas {
			wg.Go(func() {
				<-start
				stores[i], errs[i] = store.Open(ctxT(t), url)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: Open: %v", i, err)
				continue
			}
			t.Cleanup(func() { stores[i].Close() })
		}
		if t.Failed() {
			return
		}
		td := mustCreate(t, stores[0], alice, "from replica 0")
		assertSame(t, "read via replica 5", mustGet(t, stores[replicas-1], alice, td.ID), td)
		var n int
		if err := store.WriterDB(stores[0]).QueryRowContext(ctxT(t), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		want, _ := store.LoadMigrations(store.Dialect(stores[0]))
		if n != len(want) {
			t.Errorf("schema_migrations has %d rows, want %d", n, len(want))
		}
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		url := b.NewURL(t)
		s := storetest.Open(t, url)
		if _, err := store.WriterDB(s).ExecContext(ctxT(t),
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_from_the_future', $1)`,
			func() any {
				if store.Dialect(s) == "sqlite" {
					return "2099-01-01T00:00:00.000000Z"
				}
				return time.Now()
			}()); err != nil {
			t.Fatal(err)
		}
		s2, err := store.Open(ctxT(t), url)
		if err == nil {
			s2.Close()
			t.Fatal("Open succeeded on a database migrated by a newer version")
		}
		if !strings.Contains(err.Error(), "schema version 9999") {
			t.Errorf("error = %v, want it to name the schema version", err)
		}
	})
}

// TestConcurrentWriters has 20 goroutines create, toggle and rename todos for
// four users at once, with readers listing all the while, and checks the final
// state exactly. On SQLite this must not produce a single SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		runWorkload(t, []store.Store{s})
	})
}

// TestTwoStoresOneSQLiteFile is the multi-process case for SQLite: two
// independent Stores (separate pools, as two server processes would have) write
// to one file at once; busy_timeout must absorb the lock contention.
func TestTwoStoresOneSQLiteFile(t *testing.T) {
	url := storetest.SQLiteURL(t)
	runWorkload(t, []store.Store{storetest.Open(t, url), storetest.Open(t, url)})
}

func runWorkload(t *testing.T, stores []store.Store) {
	const (
		goroutines = 20
		users      = 4
		perG       = 8
	)
	ctx := ctxT(t)
	owner := func(u int) string { return fmt.Sprintf("user-%d", u) }

	// One shared todo per user that every goroutine of that user hammers too.
	shared := make([]store.Todo, users)
	for u := range users {
		shared[u] = mustCreate(t, stores[0], owner(u), "shared")
	}

	type result struct {
		owner string
		want  map[string]store.Todo // id → expected final title/done
	}
	results := make([]result, goroutines)
	errs := make(chan error, goroutines*perG*8)
	var wg sync.WaitGroup
	start := make(chan struct{})
	stopReaders := make(chan struct{})
	var readers sync.WaitGroup
	for u := range users {
		readers.Go(func() {
			s := stores[u%len(stores)]
			for {
				select {
				case <-stopReaders:
					return
				case <-time.After(2 * time.Millisecond):
				}
				page, err := s.ListTodos(ctx, owner(u), store.Page{Limit: store.MaxPageLimit})
				if err != nil {
					errs <- fmt.Errorf("reader %d: %w", u, err)
					return
				}
				for _, td := range page.Todos {
					if td.ID == "" {
						errs <- fmt.Errorf("reader %d: empty id", u)
						return
					}
				}
			}
		})
	}
	for g := range goroutines {
		wg.Go(func() {
			<-start
			s := stores[g%len(stores)]
			u := g % users
			res := result{owner: owner(u), want: map[string]store.Todo{}}
			for i := range perG {
				title := fmt.Sprintf("g%02d-%02d", g, i)
				td, err := s.CreateTodo(ctx, owner(u), title)
				if err != nil {
					errs <- fmt.Errorf("g%d create: %w", g, err)
					return
				}
				// Toggle i times by reading the current value and writing its negation.
				for range i {
					cur, err := s.GetTodo(ctx, owner(u), td.ID)
					if err != nil {
						errs <- fmt.Errorf("g%d get: %w", g, err)
						return
					}
					if _, err := s.UpdateTodo(ctx, owner(u), td.ID, store.TodoPatch{Done: ptr(!cur.Done)}); err != nil {
						errs <- fmt.Errorf("g%d toggle: %w", g, err)
						return
					}
				}
				if i%3 == 0 {
					title += "-renamed"
					if _, err := s.UpdateTodo(ctx, owner(u), td.ID, store.TodoPatch{Title: &title}); err != nil {
						errs <- fmt.Errorf("g%d rename: %w", g, err)
						return
					}
				}
				if _, err := s.UpdateTodo(ctx, owner(u), shared[u].ID, store.TodoPatch{Done: ptr(true)}); err != nil {
					errs <- fmt.Errorf("g%d shared: %w", g, err)
					return
				}
				res.want[td.ID] = store.Todo{ID: td.ID, Title: title, Done: i%2 == 1}
			}
			// One extra todo per goroutine, deleted again.
			extra, err := s.CreateTodo(ctx, owner(u), "temporary")
			if err != nil {
				errs <- fmt.Errorf("g%d create extra: %w", g, err)
				return
			}
			if err := s.DeleteTodo(ctx, owner(u), extra.ID); err != nil {
				errs <- fmt.Errorf("g%d delete extra: %w", g, err)
				return
			}
			results[g] = res
		})
	}
	close(start)
	wg.Wait()
	close(stopReaders)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	for u := range users {
		want := map[string]store.Todo{shared[u].ID: {ID: shared[u].ID, Title: "shared", Done: true}}
		for _, r := range results {
			if r.owner == owner(u) {
				for id, td := range r.want {
					want[id] = td
				}
			}
		}
		list := mustList(t, stores[len(stores)-1], owner(u))
		if len(list) != len(want) || len(want) != goroutines/users*perG+1 {
			t.Errorf("%s has %d todos, want %d", owner(u), len(list), len(want))
		}
		for i, td := range list {
			w, ok := want[td.ID]
			if !ok {
				t.Errorf("%s has unexpected todo %s", owner(u), storetest.Describe(td))
				continue
			}
			if td.Title != w.Title || td.Done != w.Done {
				t.Errorf("%s: todo %s = (%q, %v), want (%q, %v)", owner(u), td.ID, td.Title, td.Done, w.Title, w.Done)
			}
			if i > 0 && list[i-1].CreatedAt.Before(td.CreatedAt) {
				t.Errorf("%s: list not newest first at %d", owner(u), i)
			}
		}
	}
}

func TestSQLiteSettingsOnEveryConnection(t *testing.T) {
	s := storetest.New(t, storetest.Backends()[0])
	ctx := ctxT(t)
	for _, p := range []struct {
		name      string
		conns     int
		queryOnly int
	}{
		{"writer", 1, 0},
		{"reader", 4, 1},
	} {
		db := store.WriterDB(s)
		if p.name == "reader" {
			db = store.ReaderDB(s)
		}
		if got := db.Stats().MaxOpenConnections; got != p.conns {
			t.Errorf("%s pool: MaxOpenConnections = %d, want %d", p.name, got, p.conns)
		}
		// Hold all connections at once, so each is a distinct pooled connection.
		var held []*sql.Conn
		for range p.conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}
		for i, c := range held {
			var journal string
			var sync, fk, busy, queryOnly int
			if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				pragma string
				dst    *int
			}{{"synchronous", &sync}, {"foreign_keys", &fk}, {"busy_timeout", &busy}, {"query_only", &queryOnly}} {
				if err := c.QueryRowContext(ctx, "PRAGMA "+q.pragma).Scan(q.dst); err != nil {
					t.Fatal(err)
				}
			}
			if journal != "wal" || sync != 2 || fk != 1 || busy != 10000 || queryOnly != p.queryOnly {
				t.Errorf("%s connection %d: journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d query_only=%d; "+
					"want wal, 2 (FULL), 1, 10000, %d", p.name, i, journal, sync, fk, busy, queryOnly, p.queryOnly)
			}
		}
		if p.name == "reader" {
			if _, err := held[0].ExecContext(ctx, `DELETE FROM todos`); err == nil {
				t.Error("a reader connection accepted a write")
			}
		}
		for _, c := range held {
			c.Close()
		}
	}
}

func TestPostgresPoolBounded(t *testing.T) {
	s := storetest.New(t, storetest.Backends()[1])
	if got := store.WriterDB(s).Stats().MaxOpenConnections; got != 10 {
		t.Errorf("MaxOpenConnections = %d, want 10", got)
	}
	if store.WriterDB(s) != store.ReaderDB(s) {
		t.Error("PostgreSQL should use one pool for reads and writes")
	}
}

func TestOpenDefaultLocation(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s := storetest.Open(t, "")
	td := mustCreate(t, s, alice, "in the default file")
	if fi, err := os.Stat(filepath.Join(dir, "data", "hanko-gin.db")); err != nil || fi.Size() == 0 {
		t.Fatalf("default database file: %v", err)
	}
	s.Close()
	again := storetest.Open(t, "sqlite://data/hanko-gin.db")
	assertSame(t, "same file through an explicit relative URL", mustGet(t, again, alice, td.ID), td)
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not an SQLite database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	l.Close()

	tests := []struct {
		url  string
		want string
	}{
		{"mysql://root:secret@localhost/app", "not supported"},
		{"sqlite://:memory:", "in-memory"},
		{"sqlite://" + filepath.ToSlash(filepath.Join(notADir, "sub", "x.db")), "create directory"},
		{"sqlite://" + filepath.ToSlash(notDB), "garbage.db"},
		{fmt.Sprintf("postgres://u:secret@127.0.0.1:%d/app?sslmode=disable&connect_timeout=5", closedPort), "connect to PostgreSQL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := store.Open(ctxT(t), tt.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestPingAndClose(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s, err := store.Open(ctxT(t), b.NewURL(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(ctxT(t)); err != nil {
			t.Fatalf("Ping on an open store: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := s.Ping(ctxT(t)); err == nil {
			t.Error("Ping after Close succeeded")
		}
	})
}
