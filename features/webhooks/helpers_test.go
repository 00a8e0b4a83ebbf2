package webhooks

import (
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

const (
	alice = "a11ce000-1111-4222-8333-444455556666"
	bob   = "b0b0b0b0-1111-4222-8333-444455556666"
)

// setClock makes the revocations written until the test ends use clock.
func setClock(t *testing.T, clock func() time.Time) {
	t.Helper()
	testClock.Store(&clock)
	t.Cleanup(func() { testClock.Store(nil) })
}

// openWith opens a store at url with opts, closed when the test ends.
func openWith(t *testing.T, url string, opts ...store.Option) store.Store {
	t.Helper()
	s, err := store.Open(testCtx(t), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustCreate(t *testing.T, s store.Store, owner, title string) store.Todo {
	t.Helper()
	td, err := s.CreateTodo(testCtx(t), owner, title)
	if err != nil {
		t.Fatalf("CreateTodo(%s, %q): %v", owner, title, err)
	}
	return td
}

// mustList returns all of owner's todos, newest first.
func mustList(t *testing.T, s store.Store, owner string) []store.Todo {
	t.Helper()
	var all []store.Todo
	cursor := ""
	for {
		page, err := s.ListTodos(testCtx(t), owner, store.Page{Limit: store.MaxPageLimit, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListTodos(%s): %v", owner, err)
		}
		all = append(all, page.Todos...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

func mustGet(t *testing.T, s store.Store, owner, id string) store.Todo {
	t.Helper()
	td, err := s.GetTodo(testCtx(t), owner, id)
	if err != nil {
		t.Fatalf("GetTodo(%s, %s): %v", owner, id, err)
	}
	return td
}

func assertSame(t *testing.T, what string, got, want store.Todo) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.Done != want.Done ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("%s:\n got  %s\n want %s", what, storetest.Describe(got), storetest.Describe(want))
	}
}

// readDB is the database behind s, for reads.
func readDB(t *testing.T, s store.Store) store.Database {
	t.Helper()
	db, err := store.DB(s)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
