package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// openWith opens a store on url with options and closes it when t ends.
func openWith(t *testing.T, url string, opts ...store.Option) store.Store {
	t.Helper()
	s, err := store.Open(ctxT(t), url, opts...)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// groupClock returns a clock that gives the same instant to `group`
// consecutive calls, then moves on by a millisecond.
func groupClock(start time.Time, group int) func() time.Time {
	var mu sync.Mutex
	calls := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := start.Add(time.Duration(calls/group) * time.Millisecond)
		calls++
		return t
	}
}

// newestFirst sorts todos in the documented list order.
func newestFirst(todos []store.Todo) []store.Todo {
	out := slices.Clone(todos)
	slices.SortFunc(out, func(a, b store.Todo) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

func assertSameList(t *testing.T, what string, got, want []store.Todo) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d todos, want %d", what, len(got), len(want))
	}
	for i := range want {
		assertSame(t, fmt.Sprintf("%s: position %d", what, i), got[i], want[i])
	}
}

func TestPaging(t *testing.T) {
	start := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		n, limit  int
		group     int // todos created in the same microsecond
		wantSizes []int
	}{
		{"7 todos, 3 per page", 7, 3, 1, []int{3, 3, 1}},
		{"7 todos in one microsecond, 3 per page", 7, 3, 7, []int{3, 3, 1}},
		{"pairs of ties split by page boundaries", 7, 3, 2, []int{3, 3, 1}},
		{"6 todos, 3 per page: no empty last page", 6, 3, 1, []int{3, 3}},
		{"one per page in one microsecond", 4, 1, 4, []int{1, 1, 1, 1}},
		{"no todos", 0, 3, 1, []int{0}},
		{"fewer than the limit", 5, store.MaxPageLimit, 1, []int{5}},
		{"limit 0 means the default", store.DefaultPageLimit + 1, 0, 3, []int{store.DefaultPageLimit, 1}},
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := storetest.New(t, b)
				store.SetClock(s, groupClock(start, tt.group))
				var created []store.Todo
				for i := range tt.n {
					created = append(created, mustCreate(t, s, alice, fmt.Sprint("todo ", i)))
					mustCreate(t, s, bob, fmt.Sprint("bob's ", i)) // same instants, other owner
				}
				got, sizes := listPages(t, s, alice, tt.limit)
				if !slices.Equal(sizes, tt.wantSizes) {
					t.Errorf("page sizes = %v, want %v", sizes, tt.wantSizes)
				}
				assertSameList(t, "all pages", got, newestFirst(created))
			})
		}
	})
}

// TestPagingStableWhileTodosChange: todos added or removed between two pages
// neither repeat nor hide any todo that was there all along, even when the
// todo the cursor came from is deleted.
func TestPagingStableWhileTodosChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		ctx := ctxT(t)
		store.SetClock(s, groupClock(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC), 2))
		var created []store.Todo
		for i := range 7 {
			created = append(created, mustCreate(t, s, alice, fmt.Sprint("todo ", i)))
		}
		want := newestFirst(created)

		first, err := s.ListTodos(ctx, alice, store.Page{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		assertSameList(t, "first page", first.Todos, want[:3])
		if first.NextCursor == "" {
			t.Fatal("first of three pages has no next cursor")
		}

		// Meanwhile: the cursor's own todo and an unseen one are deleted, a
		// seen one is renamed, and two new ones are added.
		for _, td := range []store.Todo{want[2], want[4]} {
			if err := s.DeleteTodo(ctx, alice, td.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.UpdateTodo(ctx, alice, want[0].ID, store.TodoPatch{Title: ptr("renamed")}); err != nil {
			t.Fatal(err)
		}
		newer := []store.Todo{mustCreate(t, s, alice, "new 1"), mustCreate(t, s, alice, "new 2")}

		for range 2 { // the same cursor gives the same page again
			second, err := s.ListTodos(ctx, alice, store.Page{Limit: 3, Cursor: first.NextCursor})
			if err != nil {
				t.Fatal(err)
			}
			assertSameList(t, "second page", second.Todos, []store.Todo{want[3], want[5], want[6]})
			if second.NextCursor != "" {
				t.Errorf("last page has next cursor %q", second.NextCursor)
			}
		}
		// The new todos are on a fresh first page.
		fresh, err := s.ListTodos(ctx, alice, store.Page{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		newer = newestFirst(newer) // they may share a microsecond (the clock gives pairs)
		if ids := []string{fresh.Todos[0].ID, fresh.Todos[1].ID, fresh.Todos[2].ID}; !slices.Equal(ids, []string{newer[0].ID, newer[1].ID, want[0].ID}) {
			t.Errorf("fresh first page = %v, want the two new todos, then the renamed one", ids)
		}
	})
}

// TestCursorIsOnlyAPosition: a cursor from alice's list, used by bob, pages
// through bob's own todos from that position and shows nothing of alice's.
func TestCursorIsOnlyAPosition(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		store.SetClock(s, groupClock(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC), 1))
		var bobs []store.Todo
		for i := range 4 {
			mustCreate(t, s, alice, fmt.Sprint("alice ", i))
			bobs = append(bobs, mustCreate(t, s, bob, fmt.Sprint("bob ", i)))
		}
		// Alice's first page holds alice 3 and alice 2; its cursor sits just
		// before alice 2, between bob 1 and bob 2.
		page, err := s.ListTodos(ctxT(t), alice, store.Page{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ListTodos(ctxT(t), bob, store.Page{Limit: store.MaxPageLimit, Cursor: page.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		assertSameList(t, "bob's todos after alice's cursor", got.Todos, []store.Todo{bobs[1], bobs[0]})
	})
}

func TestListTodosRefusesBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		ctx := ctxT(t)
		for range 3 {
			mustCreate(t, s, alice, "x")
		}
		page, err := s.ListTodos(ctx, alice, store.Page{Limit: 1})
		if err != nil || page.NextCursor == "" {
			t.Fatalf("first page: %+v, %v", page, err)
		}
		good := page.NextCursor
		tests := []struct {
			name      string
			page      store.Page
			badCursor bool
		}{
			{"garbage cursor", store.Page{Cursor: "garbage"}, true},
			{"cursor cut short", store.Page{Cursor: good[:len(good)-1]}, true},
			{"cursor with padding", store.Page{Cursor: good + "="}, true},
			{"SQL in the cursor", store.Page{Cursor: "' OR 1=1 --"}, true},
			{"negative limit", store.Page{Limit: -1}, false},
			{"limit above the most", store.Page{Limit: store.MaxPageLimit + 1}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := s.ListTodos(ctx, alice, tt.page)
				switch {
				case tt.badCursor && !errors.Is(err, store.ErrBadCursor):
					t.Errorf("err = %v, want ErrBadCursor", err)
				case !tt.badCursor && (err == nil || errors.Is(err, store.ErrBadCursor) || !strings.Contains(err.Error(), "limit")):
					t.Errorf("err = %v, want an error about the limit", err)
				}
			})
		}
		if got, _ := listPages(t, s, alice, store.MaxPageLimit); len(got) != 3 {
			t.Errorf("limit %d: %d todos, want 3", store.MaxPageLimit, len(got))
		}
	})
}

// TestListUsesTheIndex: the page after a cursor is an index seek in
// created_at DESC, id DESC order, not a scan, sort or OFFSET.
func TestListUsesTheIndex(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		ctx := ctxT(t)
		args := []any{alice, store.TimeArg(s, time.Now().UTC().Truncate(time.Microsecond)), "3f2b8c1e-9d4a-4e6b-8c2d-1a2b3c4d5e6f", 51}
		var plan []string
		if store.Dialect(s) == "sqlite" {
			rows, err := store.ReaderDB(s).QueryContext(ctx, "EXPLAIN QUERY PLAN "+store.ListAfterSQL, args...)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			want := "SEARCH todos USING INDEX todos_owner_created_at (owner=? AND (created_at,id)<(?,?))"
			if len(plan) != 1 || plan[0] != want {
				t.Errorf("plan = %q, want [%q]", plan, want)
			}
			return
		}
		// PostgreSQL picks a sequential scan for tiny tables; forbid it to see
		// whether the index can answer the query by itself.
		tx, err := store.ReaderDB(s).BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, "EXPLAIN "+store.ListAfterSQL, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, strings.TrimSpace(line))
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		for _, want := range []string{"Index Scan using todos_owner_created_at on todos", "Index Cond: ((owner = ", ") AND (ROW(created_at, id) < ROW("} {
			if !strings.Contains(text, want) {
				t.Errorf("plan does not contain %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "Sort") || strings.Contains(text, "Filter") {
			t.Errorf("plan sorts or filters rows instead of seeking:\n%s", text)
		}
	})
}

func TestTodoLimit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		url := b.NewURL(t)
		s := openWith(t, url, store.WithMaxTodosPerUser(9))
		ctx := ctxT(t)

		var created []store.Todo
		for i := range 9 {
			created = append(created, mustCreate(t, s, alice, fmt.Sprint("todo ", i)))
		}
		refused := func(s store.Store, max int) {
			t.Helper()
			td, err := s.CreateTodo(ctx, alice, "one too many")
			var le *store.TodoLimitError
			if !errors.Is(err, store.ErrTodoLimit) || !errors.As(err, &le) || le.Max != max {
				t.Fatalf("create past the cap: %s, %v; want a *TodoLimitError with Max %d", storetest.Describe(td), err, max)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(max)) {
				t.Errorf("error %q does not name the cap", err)
			}
		}
		refused(s, 9)
		assertSameList(t, "after the refused 10th", mustList(t, s, alice), newestFirst(created))

		// The cap is per owner.
		mustCreate(t, s, bob, "bob's first")

		// Deleting one makes room for exactly one more.
		if err := s.DeleteTodo(ctx, alice, created[0].ID); err != nil {
			t.Fatal(err)
		}
		created = append(created[1:], mustCreate(t, s, alice, "in the freed slot"))
		refused(s, 9)
		assertSameList(t, "after refilling", mustList(t, s, alice), newestFirst(created))

		// A lower cap refuses creates and deletes nothing; a higher one allows more.
		refused(openWith(t, url, store.WithMaxTodosPerUser(5)), 5)
		if n := len(mustList(t, s, alice)); n != 9 {
			t.Errorf("alice has %d todos after a lower cap, want 9", n)
		}
		mustCreate(t, openWith(t, url), alice, "the default cap is 1000")
	})
}

// TestTodoLimitUnderConcurrentCreates: 50 concurrent creates for each of two
// owners, through two stores on one database (as two replicas would), against
// a cap of 9: exactly 9 succeed per owner and exactly those are stored.
func TestTodoLimitUnderConcurrentCreates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		url := b.NewURL(t)
		stores := []store.Store{openWith(t, url, store.WithMaxTodosPerUser(9)), openWith(t, url, store.WithMaxTodosPerUser(9))}
		const perOwner = 50
		owners := []string{alice, bob}
		var (
			mu      sync.Mutex
			stored  = map[string][]string{} // owner → ids acknowledged
			refused = map[string]int{}
			wg      sync.WaitGroup
		)
		start := make(chan struct{})
		errs := make(chan error, len(owners)*perOwner)
		for g := range len(owners) * perOwner {
			wg.Go(func() {
				owner, s := owners[g%len(owners)], stores[g/len(owners)%len(stores)]
				<-start
				td, err := s.CreateTodo(context.Background(), owner, fmt.Sprint("create ", g))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					stored[owner] = append(stored[owner], td.ID)
				case errors.Is(err, store.ErrTodoLimit):
					refused[owner]++
				default:
					errs <- fmt.Errorf("create %d: %w", g, err)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, owner := range owners {
			if len(stored[owner]) != 9 || refused[owner] != perOwner-9 {
				t.Errorf("%s: %d creates acknowledged, %d refused; want 9 and %d", owner, len(stored[owner]), refused[owner], perOwner-9)
			}
			var ids []string
			for _, td := range mustList(t, stores[0], owner) {
				ids = append(ids, td.ID)
			}
			slices.Sort(ids)
			slices.Sort(stored[owner])
			if !slices.Equal(ids, stored[owner]) {
				t.Errorf("%s: stored %v, acknowledged %v", owner, ids, stored[owner])
			}
		}
	})
}

func TestOpenRefusesBadTodoCap(t *testing.T) {
	for _, n := range []int{0, -1, store.MaxTodosPerUserLimit + 1} {
		url := storetest.SQLiteURL(t)
		s, err := store.Open(ctxT(t), url, store.WithMaxTodosPerUser(n))
		if err == nil {
			s.Close()
			t.Errorf("Open accepted a cap of %d", n)
		} else if !strings.Contains(err.Error(), "todos per user") || !strings.Contains(err.Error(), fmt.Sprint(n)) {
			t.Errorf("cap %d: error %q does not say what is wrong", n, err)
		}
	}
	for _, n := range []int{1, store.MaxTodosPerUserLimit} {
		s := openWith(t, storetest.SQLiteURL(t), store.WithMaxTodosPerUser(n))
		mustCreate(t, s, alice, fmt.Sprint("cap ", n))
	}
}
