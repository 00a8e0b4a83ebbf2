package routes

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// todoEnv is the real router with a stand-in Hanko, a store on one backend,
// and tokens for two users.
type todoEnv struct {
	router     http.Handler
	store      store.Store
	alice, bob string // user ids
	aliceToken string
	bobToken   string
}

func newTodoEnv(t *testing.T, b storetest.Backend, opts ...store.Option) *todoEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	log := slog.New(slog.DiscardHandler)
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL, CacheSize: auth.DefaultCacheSize, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, b.NewURL(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &todoEnv{
		router: validated(t, New(Deps{Auth: a, Store: db, AllowedOrigins: []string{frontendOrigin}, Logger: log})),
		store:  db,
		alice:  authtest.RandomUUID(),
		bob:    authtest.RandomUUID(),
	}
	e.aliceToken = hanko.Token(authtest.Session{UserID: e.alice})
	e.bobToken = hanko.Token(authtest.Session{UserID: e.bob})
	return e
}

// call sends a request with a bearer token; a non-empty body is sent as
// application/json unless contentType says otherwise ("-" sends none).
func (e *todoEnv) call(t *testing.T, token, method, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	switch {
	case contentType == "-":
	case contentType != "":
		req.Header.Set("Content-Type", contentType)
	case body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.router.ServeHTTP(rec, req)
	return rec
}

// apiTodo is a todo as the API writes it.
type apiTodo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// decodeStrict decodes body into dst, failing on fields the API should not send.
func decodeStrict(t *testing.T, rec *httptest.ResponseRecorder, dst any) {
	t.Helper()
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		t.Fatalf("response %d body does not decode as %T: %v", rec.Code, dst, err)
	}
}

func (e *todoEnv) create(t *testing.T, token, title string) apiTodo {
	t.Helper()
	rec := e.call(t, token, "POST", "/api/todos", "", fmt.Sprintf(`{"title": %q}`, title))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create %q: status %d, body %s", title, rec.Code, rec.Body)
	}
	var td apiTodo
	decodeStrict(t, rec, &td)
	return td
}

// apiList is a page of GET /api/todos.
type apiList struct {
	Todos      []apiTodo `json:"todos"`
	NextCursor *string   `json:"next_cursor"`
}

// page asks for one page of GET /api/todos with the query q.
func (e *todoEnv) page(t *testing.T, token, q string) apiList {
	t.Helper()
	rec := e.call(t, token, "GET", "/api/todos"+q, "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/todos%s: status %d, body %s", q, rec.Code, rec.Body)
	}
	var out apiList
	decodeStrict(t, rec, &out)
	if out.Todos == nil {
		t.Fatalf("list: %s has no todos array", rec.Body)
	}
	if out.NextCursor != nil && *out.NextCursor == "" {
		t.Fatalf("list: %s has an empty next_cursor; the last page leaves it out", rec.Body)
	}
	return out
}

// list is the first page with the default limit.
func (e *todoEnv) list(t *testing.T, token string) []apiTodo {
	t.Helper()
	return e.page(t, token, "").Todos
}

// allTodos is every todo of owner, straight from the store.
func allTodos(t *testing.T, s store.Store, owner string) []store.Todo {
	t.Helper()
	all := []store.Todo{}
	page := store.Page{Limit: store.MaxPageLimit}
	for {
		p, err := s.ListTodos(context.Background(), owner, page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Todos...)
		if p.NextCursor == "" {
			return all
		}
		page.Cursor = p.NextCursor
	}
}

// snapshot is every todo of both users, straight from the store.
func (e *todoEnv) snapshot(t *testing.T) map[string][]store.Todo {
	t.Helper()
	out := map[string][]store.Todo{}
	for _, u := range []string{e.alice, e.bob} {
		out[u] = allTodos(t, e.store, u)
	}
	return out
}

func assertError(t *testing.T, rec *httptest.ResponseRecorder, status int, code, msgPart string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
	var body struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	decodeStrict(t, rec, &body)
	if body.Error != code {
		t.Errorf("error = %q, want %q (message %q)", body.Error, code, body.Message)
	}
	if !strings.Contains(body.Message, msgPart) {
		t.Errorf("message = %q, want it to mention %q", body.Message, msgPart)
	}
}

func TestTodosLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newTodoEnv(t, b)

		rec := e.call(t, e.aliceToken, "GET", "/api/todos", "", "")
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"todos":[]}` {
			t.Fatalf("empty list: %d %s, want 200 {\"todos\":[]}", rec.Code, rec.Body)
		}

		before := time.Now().Add(-time.Second)
		rec = e.call(t, e.aliceToken, "POST", "/api/todos", "application/json; charset=utf-8", `  {"title": "  Write the README  "}  `+"\n")
		if rec.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		var raw map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"created_at", "done", "id", "title", "updated_at"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("todo fields = %v, want %v", keys, want)
		}
		var created apiTodo
		decodeStrict(t, rec, &created)
		if created.Title != "Write the README" || created.Done || created.ID == "" {
			t.Errorf("created = %+v, want the trimmed title, not done", created)
		}
		if loc := rec.Header().Get("Location"); loc != "/api/todos/"+created.ID {
			t.Errorf("Location = %q, want /api/todos/%s", loc, created.ID)
		}
		if got := e.call(t, e.aliceToken, "GET", rec.Header().Get("Location"), "", ""); got.Code != 200 || !strings.Contains(got.Body.String(), created.ID) {
			t.Errorf("GET Location: %d %s", got.Code, got.Body)
		}
		if created.CreatedAt.Before(before) || !created.CreatedAt.Equal(created.UpdatedAt) {
			t.Errorf("timestamps created=%v updated=%v", created.CreatedAt, created.UpdatedAt)
		}

		second := e.create(t, e.aliceToken, "Ship it")
		if got := e.list(t, e.aliceToken); len(got) != 2 || got[0].ID != second.ID || got[1].ID != created.ID {
			t.Fatalf("list = %+v, want newest first", got)
		}

		patches := []struct {
			body  string
			title string
			done  bool
		}{
			{`{"done": true}`, "Write the README", true},
			{`{"title": "Write the tutorial"}`, "Write the tutorial", true},
			{`{"title": " Polish ", "done": false}`, "Polish", false},
		}
		for _, p := range patches {
			rec := e.call(t, e.aliceToken, "PATCH", "/api/todos/"+created.ID, "", p.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("PATCH %s: %d %s", p.body, rec.Code, rec.Body)
			}
			var got apiTodo
			decodeStrict(t, rec, &got)
			if got.ID != created.ID || got.Title != p.title || got.Done != p.done || !got.CreatedAt.Equal(created.CreatedAt) {
				t.Errorf("PATCH %s = %+v, want title %q done %v", p.body, got, p.title, p.done)
			}
			stored, err := e.store.GetTodo(context.Background(), e.alice, created.ID)
			if err != nil || stored.Title != p.title || stored.Done != p.done {
				t.Errorf("after PATCH %s the store has %+v (%v)", p.body, stored, err)
			}
		}

		rec = e.call(t, e.aliceToken, "DELETE", "/api/todos/"+created.ID, "", "")
		if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
			t.Fatalf("DELETE: %d %q, want 204 and no body", rec.Code, rec.Body)
		}
		if got := e.list(t, e.aliceToken); len(got) != 1 || got[0].ID != second.ID {
			t.Errorf("after delete: %+v", got)
		}
		assertError(t, e.call(t, e.aliceToken, "DELETE", "/api/todos/"+created.ID, "", ""), 404, "not_found", "todo")
		assertError(t, e.call(t, e.aliceToken, "PATCH", "/api/todos/"+created.ID, "", `{"done":true}`), 404, "not_found", "todo")
	})
}

func TestTodosBelongToTheirOwner(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newTodoEnv(t, b)
		a1 := e.create(t, e.aliceToken, "alice 1")
		a2 := e.create(t, e.aliceToken, "alice 2")
		b1 := e.create(t, e.bobToken, "bob 1")

		if got := e.list(t, e.aliceToken); len(got) != 2 || got[0].ID != a2.ID || got[1].ID != a1.ID {
			t.Errorf("alice's list = %+v", got)
		}
		if got := e.list(t, e.bobToken); len(got) != 1 || got[0].ID != b1.ID {
			t.Errorf("bob's list = %+v", got)
		}

		before := e.snapshot(t)
		for _, id := range []string{a1.ID, strings.ToUpper(a1.ID)} {
			assertError(t, e.call(t, e.bobToken, "GET", "/api/todos/"+id, "", ""), 404, "not_found", "todo")
			assertError(t, e.call(t, e.bobToken, "PATCH", "/api/todos/"+id, "", `{"title":"pwned","done":true}`), 404, "not_found", "todo")
			assertError(t, e.call(t, e.bobToken, "PATCH", "/api/todos/"+id, "", `{"done":true}`), 404, "not_found", "todo")
			assertError(t, e.call(t, e.bobToken, "DELETE", "/api/todos/"+id, "", ""), 404, "not_found", "todo")
		}
		if after := e.snapshot(t); !reflect.DeepEqual(after, before) {
			t.Errorf("bob's attempts changed data:\n before %+v\n after  %+v", before, after)
		}
		// The same 404 as for a todo that does not exist at all: nothing leaks.
		other := e.call(t, e.bobToken, "DELETE", "/api/todos/"+authtest.RandomUUID(), "", "")
		mine := e.call(t, e.bobToken, "DELETE", "/api/todos/"+a2.ID, "", "")
		if other.Code != mine.Code || other.Body.String() != mine.Body.String() {
			t.Errorf("another user's todo answers %d %s, a missing one %d %s", mine.Code, mine.Body, other.Code, other.Body)
		}
		// Without a session nothing is reachable.
		rec := e.call(t, "", "DELETE", "/api/todos/"+a1.ID, "", "")
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("DELETE without token: %d", rec.Code)
		}
		if after := e.snapshot(t); !reflect.DeepEqual(after, before) {
			t.Errorf("data changed:\n before %+v\n after  %+v", before, after)
		}
	})
}

func TestTodoValidation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newTodoEnv(t, b)
		existing := e.create(t, e.aliceToken, "existing")
		item := "/api/todos/" + existing.ID

		long := strings.Repeat("é", 201)    // 201 runes, 402 bytes
		huge := strings.Repeat("a", 17<<10) // over the 16 KiB body limit
		tests := []struct {
			name, method, path, contentType, body string
			status                                int
			code, msg                             string
		}{
			{"create: no body", "POST", "/api/todos", "application/json", "", 400, "bad_request", "empty"},
			{"create: empty object", "POST", "/api/todos", "", `{}`, 400, "bad_request", `"title" is required`},
			{"create: title null", "POST", "/api/todos", "", `{"title": null}`, 400, "bad_request", `"title" must be a string`},
			{"create: title number", "POST", "/api/todos", "", `{"title": 42}`, 400, "bad_request", `"title" must be a string`},
			{"create: title array", "POST", "/api/todos", "", `{"title": ["a"]}`, 400, "bad_request", `"title" must be a string`},
			{"create: empty title", "POST", "/api/todos", "", `{"title": ""}`, 400, "bad_request", "must not be empty"},
			{"create: blank title", "POST", "/api/todos", "", `{"title": " \t\n "}`, 400, "bad_request", "must not be empty"},
			{"create: 201 characters", "POST", "/api/todos", "", `{"title": "` + long + `"}`, 400, "bad_request", "at most 200 characters"},
			{"create: unknown field", "POST", "/api/todos", "", `{"title": "x", "owner": "someone-else"}`, 400, "bad_request", `"owner"`},
			{"create: NUL in title", "POST", "/api/todos", "", `{"title": "a\u0000b"}`, 400, "bad_request", "control characters"},
			{"patch: newline in title", "PATCH", item, "", `{"title": "two\nlines"}`, 400, "bad_request", "control characters"},
			{"create: field name in other case", "POST", "/api/todos", "", `{"TITLE": "x"}`, 400, "bad_request", `"TITLE"`},
			{"create: done is not accepted", "POST", "/api/todos", "", `{"title": "x", "id": "` + existing.ID + `"}`, 400, "bad_request", `"id"`},
			{"create: array body", "POST", "/api/todos", "", `[{"title": "x"}]`, 400, "bad_request", "JSON object"},
			{"create: string body", "POST", "/api/todos", "", `"x"`, 400, "bad_request", "JSON object"},
			{"create: trailing garbage", "POST", "/api/todos", "", `{"title": "x"} garbage`, 400, "bad_request", "single JSON object"},
			{"create: two objects", "POST", "/api/todos", "", `{"title": "x"}{"title": "y"}`, 400, "bad_request", "single JSON object"},
			{"create: broken JSON", "POST", "/api/todos", "", `{"title": "x"`, 400, "bad_request", "not valid JSON"},
			{"create: body too large", "POST", "/api/todos", "", `{"title": "` + huge + `"}`, 400, "bad_request", "larger than 16384 bytes"},
			{"create: text/plain", "POST", "/api/todos", "text/plain", `{"title": "x"}`, 400, "bad_request", "Content-Type: application/json"},
			{"create: form", "POST", "/api/todos", "application/x-www-form-urlencoded", `title=x`, 400, "bad_request", "Content-Type: application/json"},
			{"create: no content type", "POST", "/api/todos", "-", `{"title": "x"}`, 400, "bad_request", "Content-Type: application/json"},
			{"create: json-ish type", "POST", "/api/todos", "application/jsonp", `{"title": "x"}`, 400, "bad_request", "Content-Type: application/json"},

			{"patch: empty object", "PATCH", item, "", `{}`, 400, "bad_request", "Nothing to change"},
			{"patch: done null", "PATCH", item, "", `{"done": null}`, 400, "bad_request", `"done" must be true or false`},
			{"patch: done string", "PATCH", item, "", `{"done": "true"}`, 400, "bad_request", `"done" must be true or false`},
			{"patch: done number", "PATCH", item, "", `{"done": 1}`, 400, "bad_request", `"done" must be true or false`},
			{"patch: title null", "PATCH", item, "", `{"title": null}`, 400, "bad_request", `"title" must be a string`},
			{"patch: title empty", "PATCH", item, "", `{"title": "", "done": true}`, 400, "bad_request", "must not be empty"},
			{"patch: title too long", "PATCH", item, "", `{"title": "` + long + `"}`, 400, "bad_request", "at most 200 characters"},
			{"patch: unknown field", "PATCH", item, "", `{"done": true, "created_at": "2000-01-01T00:00:00Z"}`, 400, "bad_request", `"created_at"`},
			{"patch: trailing garbage", "PATCH", item, "", `{"done": true},`, 400, "bad_request", "single JSON object"},
			{"patch: null body", "PATCH", item, "", `null`, 400, "bad_request", "JSON object"},
			{"patch: body too large", "PATCH", item, "", `{"title": "` + huge + `"}`, 400, "bad_request", "larger than 16384 bytes"},
			{"patch: text/plain", "PATCH", item, "text/plain", `{"done": true}`, 400, "bad_request", "Content-Type: application/json"},

			{"patch: id not a uuid", "PATCH", "/api/todos/not-a-uuid", "", `{"done": true}`, 404, "not_found", "todo"},
			{"patch: unknown id", "PATCH", "/api/todos/" + authtest.RandomUUID(), "", `{"done": true}`, 404, "not_found", "todo"},
			{"delete: id not a uuid", "DELETE", "/api/todos/1%27%20OR%201=1", "", "", 404, "not_found", "todo"},
			{"delete: unknown id", "DELETE", "/api/todos/" + authtest.RandomUUID(), "", "", 404, "not_found", "todo"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := e.snapshot(t)
				rec := e.call(t, e.aliceToken, tc.method, tc.path, tc.contentType, tc.body)
				assertError(t, rec, tc.status, tc.code, tc.msg)
				if after := e.snapshot(t); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused request changed data:\n before %+v\n after  %+v", before, after)
				}
			})
		}

		// The limits' edges are accepted.
		max := strings.Repeat("é", 200) // 200 runes, 400 bytes
		if got := e.create(t, e.aliceToken, "  "+max+"  "); got.Title != max {
			t.Errorf("200-character title came back as %q", got.Title)
		}
		if got := e.create(t, e.aliceToken, "x"); got.Title != "x" {
			t.Errorf("1-character title came back as %q", got.Title)
		}
		rec := e.call(t, e.aliceToken, "PATCH", item, "Application/JSON; charset=UTF-8", `{"done": false}`)
		if rec.Code != http.StatusOK {
			t.Errorf("PATCH with a charset parameter: %d %s", rec.Code, rec.Body)
		}
	})
}

// newestFirst orders todos as the API documents: created_at, then id, descending.
func newestFirst(todos []apiTodo) []apiTodo {
	out := slices.Clone(todos)
	slices.SortFunc(out, func(a, b apiTodo) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out
}

func ids(todos []apiTodo) []string {
	out := make([]string, len(todos))
	for i, td := range todos {
		out[i] = td.ID
	}
	return out
}

func TestTodosPaging(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newTodoEnv(t, b)
		var created []apiTodo
		for i := range 7 {
			created = append(created, e.create(t, e.aliceToken, fmt.Sprint("todo ", i)))
			e.create(t, e.bobToken, fmt.Sprint("bob's ", i))
		}
		want := newestFirst(created)

		// Three pages of at most three, following next_cursor.
		var got []apiTodo
		var sizes []int
		q := "?limit=3"
		for range 10 {
			rec := e.call(t, e.aliceToken, "GET", "/api/todos"+q, "", "")
			body := rec.Body.String()
			var page apiList
			decodeStrict(t, rec, &page)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET /api/todos%s: %d %s", q, rec.Code, body)
			}
			got = append(got, page.Todos...)
			sizes = append(sizes, len(page.Todos))
			if page.NextCursor == nil {
				if strings.Contains(body, "next_cursor") {
					t.Errorf("last page mentions next_cursor: %s", body)
				}
				break
			}
			q = "?limit=3&cursor=" + url.QueryEscape(*page.NextCursor)
		}
		if !slices.Equal(sizes, []int{3, 3, 1}) {
			t.Errorf("page sizes = %v, want [3 3 1]", sizes)
		}
		if !slices.Equal(ids(got), ids(want)) {
			t.Errorf("pages gave %v, want every todo once, newest first: %v", ids(got), ids(want))
		}

		// The default page is 50, and unknown query parameters change nothing.
		for _, q := range []string{"", "?_=1712345678", "?foo=bar&limit=50", "?limit=007&Limit=1"} {
			page := e.page(t, e.aliceToken, q)
			if len(page.Todos) != 7 || page.NextCursor != nil {
				t.Errorf("GET /api/todos%s: %d todos, next_cursor %v; want all 7 and none", q, len(page.Todos), page.NextCursor)
			}
		}
	})
}

func TestTodosListRefusesBadQueries(t *testing.T) {
	e := newTodoEnv(t, storetest.Backends()[0])
	for range 3 {
		e.create(t, e.aliceToken, "x")
	}
	first := e.page(t, e.aliceToken, "?limit=1")
	if first.NextCursor == nil {
		t.Fatal("no next_cursor on the first of three pages")
	}
	cursor := *first.NextCursor
	const limitMsg, cursorMsg = `"limit" must be a whole number from 1 to 200`, `"cursor" must be the "next_cursor" of an earlier page`
	tests := []struct {
		name, query, msg string
	}{
		{"limit 0", "?limit=0", limitMsg},
		{"limit 201", "?limit=201", limitMsg},
		{"negative limit", "?limit=-1", limitMsg},
		{"limit with plus sign", "?limit=%2B5", limitMsg},
		{"limit with a space", "?limit=5%20", limitMsg},
		{"limit not a number", "?limit=ten", limitMsg},
		{"limit a fraction", "?limit=1.5", limitMsg},
		{"limit in exponent form", "?limit=1e2", limitMsg},
		{"empty limit", "?limit=", limitMsg},
		{"limit overflowing int64", "?limit=99999999999999999999", limitMsg},
		{"limit twice", "?limit=3&limit=4", `"limit" must be given at most once`},
		{"garbage cursor", "?cursor=garbage", cursorMsg},
		{"empty cursor", "?cursor=", cursorMsg},
		{"cursor cut short", "?cursor=" + cursor[:len(cursor)-1], cursorMsg},
		{"cursor padded", "?cursor=" + cursor + "%3D%3D", cursorMsg},
		{"cursor as standard base64", "?cursor=" + strings.NewReplacer("-", "%2B", "_", "%2F").Replace(cursor) + "%2B", cursorMsg},
		{"cursor twice", "?cursor=" + cursor + "&cursor=" + cursor, `"cursor" must be given at most once`},
		{"good cursor, bad limit", "?cursor=" + cursor + "&limit=500", limitMsg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertError(t, e.call(t, e.aliceToken, "GET", "/api/todos"+tc.query, "", ""), 400, "bad_request", tc.msg)
		})
	}
	// Their edges are fine.
	if got := e.page(t, e.aliceToken, "?limit=1&cursor="+cursor); len(got.Todos) != 1 || got.NextCursor == nil {
		t.Errorf("limit=1 with a cursor: %d todos, next %v", len(got.Todos), got.NextCursor)
	}
	if got := e.page(t, e.aliceToken, "?limit=200"); len(got.Todos) != 3 || got.NextCursor != nil {
		t.Errorf("limit=200: %d todos, next %v", len(got.Todos), got.NextCursor)
	}
	// Without a session, no query is even looked at.
	assertError(t, e.call(t, "", "GET", "/api/todos?limit=0", "", ""), 401, "unauthorized", "")
}

// Go drops query pairs it cannot decode, so ?cursor=%%% would read as no
// cursor and answer the first page: such a query string is a 400, on every route.
func TestUndecodableQueryIsRefused(t *testing.T) {
	e := newTodoEnv(t, storetest.Backends()[0])
	for range 3 {
		e.create(t, e.aliceToken, "x")
	}
	const msg = "The query string cannot be decoded"
	for _, q := range []string{"?cursor=%%%", "?cursor=%zz", "?limit=1&cursor=%", "?limit=1;cursor=x", "?%=1", "?limit=%ZZ"} {
		paths := []string{"/api/todos", "/api/me", "/api/public", "/readyz"}
		paths = append(paths, "/api/admin/users") // feature:roles
		for _, path := range paths {
			t.Run(path+q, func(t *testing.T) {
				assertError(t, e.call(t, e.aliceToken, "GET", path+q, "", ""), 400, "bad_request", msg)
			})
		}
	}
	// Percent-encoded values still decode.
	if got := e.page(t, e.aliceToken, "?limit=%32"); len(got.Todos) != 2 {
		t.Errorf("?limit=%%32: %d todos, want 2", len(got.Todos))
	}
}

func TestTodoLimitReached(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newTodoEnv(t, b, store.WithMaxTodosPerUser(9))
		for i := range 9 {
			e.create(t, e.aliceToken, fmt.Sprint("todo ", i))
		}
		before := e.snapshot(t)
		assertError(t, e.call(t, e.aliceToken, "POST", "/api/todos", "", `{"title": "the tenth"}`),
			http.StatusConflict, "todo_limit_reached", "limit of 9 todos")
		if after := e.snapshot(t); !reflect.DeepEqual(after, before) || len(after[e.alice]) != 9 {
			t.Errorf("the refused create changed data:\n before %+v\n after  %+v", before, after)
		}
		// Reads, changes and deletes still work at the cap; a delete frees a slot.
		victim := e.list(t, e.aliceToken)[0]
		if rec := e.call(t, e.aliceToken, "PATCH", "/api/todos/"+victim.ID, "", `{"done": true}`); rec.Code != 200 {
			t.Errorf("PATCH at the cap: %d %s", rec.Code, rec.Body)
		}
		if rec := e.call(t, e.aliceToken, "DELETE", "/api/todos/"+victim.ID, "", ""); rec.Code != 204 {
			t.Fatalf("DELETE at the cap: %d %s", rec.Code, rec.Body)
		}
		e.create(t, e.aliceToken, "in the freed slot")

		// 50 concurrent creates for bob: exactly 9 are stored.
		codes := make([]int, 50)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() {
				req := httptest.NewRequest("POST", "/api/todos", strings.NewReader(fmt.Sprintf(`{"title": "bob %d"}`, i)))
				req.Header.Set("Authorization", "Bearer "+e.bobToken)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				e.router.ServeHTTP(rec, req)
				codes[i] = rec.Code
			})
		}
		wg.Wait()
		count := map[int]int{}
		for _, c := range codes {
			count[c]++
		}
		if count[201] != 9 || count[409] != 41 {
			t.Errorf("50 concurrent creates answered %v, want 9 × 201 and 41 × 409", count)
		}
		if n := len(allTodos(t, e.store, e.bob)); n != 9 {
			t.Errorf("bob has %d todos, want 9", n)
		}
	})
}

func TestTodoLimitMessageNamesTheCap(t *testing.T) {
	tests := []struct {
		cap  int
		want string
	}{
		{1, "You have reached the limit of 1 todo. Delete one to add another."},
		{2, "You have reached the limit of 2 todos. Delete one to add another."},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.cap), func(t *testing.T) {
			e := newTodoEnv(t, storetest.Backends()[0], store.WithMaxTodosPerUser(tc.cap))
			for range tc.cap {
				e.create(t, e.aliceToken, "x")
			}
			rec := e.call(t, e.aliceToken, "POST", "/api/todos", "", `{"title": "one more"}`)
			if got := strings.TrimSpace(rec.Body.String()); rec.Code != 409 || got != `{"error":"todo_limit_reached","message":"`+tc.want+`"}` {
				t.Errorf("got %d %s, want 409 with %q", rec.Code, got, tc.want)
			}
		})
	}
}
