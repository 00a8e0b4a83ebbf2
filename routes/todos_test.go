package routes

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/store"
	"github.com/hanko-gin/hanko-gin/store/storetest"
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

func newTodoEnv(t *testing.T, b storetest.Backend) *todoEnv {
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
	db := storetest.New(t, b)
	e := &todoEnv{
		router: New(Deps{Auth: a, Store: db, AllowedOrigins: []string{frontendOrigin}, Logger: log}),
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

func (e *todoEnv) list(t *testing.T, token string) []apiTodo {
	t.Helper()
	rec := e.call(t, token, "GET", "/api/todos", "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("list: status %d, body %s", rec.Code, rec.Body)
	}
	var out struct {
		Todos []apiTodo `json:"todos"`
	}
	decodeStrict(t, rec, &out)
	if out.Todos == nil {
		t.Fatalf("list: %s has no todos array", rec.Body)
	}
	return out.Todos
}

// snapshot is every todo of both users, straight from the store.
func (e *todoEnv) snapshot(t *testing.T) map[string][]store.Todo {
	t.Helper()
	out := map[string][]store.Todo{}
	for _, u := range []string{e.alice, e.bob} {
		l, err := e.store.ListTodos(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		out[u] = l
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
