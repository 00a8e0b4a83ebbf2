package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
)

// TestMain stops the throwaway PostgreSQL that TestTodosSurviveSIGKILL starts.
func TestMain(m *testing.M) { storetest.Main(m) }

// TestTodosSurviveSIGKILL builds the real binary (CGO-free, as the Dockerfile
// does), writes todos over HTTP, kills the process with SIGKILL, starts it
// again on the same database and checks that every write the API acknowledged
// is there: first a known sequence of creates, updates and a delete, then
// concurrent creates cut off mid-flight by the kill.
func TestTodosSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it; skipped with -short")
	}
	bin := apptest.Binary(t)

	hanko := authtest.NewServer()
	defer hanko.Close()

	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dbURL := b.NewURL(t)
			user := authtest.RandomUUID()
			c := &durClient{t: t, token: hanko.Token(authtest.Session{UserID: user})}

			// Round 1: a known sequence, acknowledged one request at a time.
			srv := apptest.Start(t, bin, map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": dbURL, "LOG_LEVEL": "warn"})
			c.base = srv.Base
			want := map[string]durTodo{} // by id
			var order []string           // ids, oldest first
			for i := range 12 {
				td := c.create(fmt.Sprintf("todo %02d", i))
				want[td.ID] = td
				order = append(order, td.ID)
			}
			for _, id := range order[:6] {
				td := c.patch(id, `{"done": true}`)
				want[id] = td
			}
			renamed := c.patch(order[7], `{"title": "renamed ✓"}`)
			want[order[7]] = renamed
			c.delete(order[3])
			delete(want, order[3])
			srv.Kill()

			srv = apptest.Start(t, bin, map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": dbURL, "LOG_LEVEL": "warn"})
			c.base = srv.Base
			got := c.list()
			if len(got) != len(want) {
				t.Fatalf("after SIGKILL: %d todos, want %d", len(got), len(want))
			}
			for i, td := range got {
				w, ok := want[td.ID]
				if !ok || td.Title != w.Title || td.Done != w.Done || !td.CreatedAt.Equal(w.CreatedAt) || !td.UpdatedAt.Equal(w.UpdatedAt) {
					t.Errorf("after SIGKILL, todo %d = %+v, want %+v", i, td, w)
				}
				if i > 0 && got[i-1].CreatedAt.Before(td.CreatedAt) {
					t.Errorf("not newest first at %d", i)
				}
			}

			// Round 2: eight clients create todos as fast as they can; the
			// process is killed while requests are in flight. Every todo whose
			// 201 arrived must survive; a request cut off may or may not have
			// been applied, but nothing else may appear.
			var (
				mu        sync.Mutex
				acked     = map[string]bool{} // titles answered 201
				attempted = map[string]bool{} // titles sent
			)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := 0; ctx.Err() == nil; i++ {
						title := fmt.Sprintf("burst g%d-%d", g, i)
						mu.Lock()
						attempted[title] = true
						mu.Unlock()
						if c.tryCreate(ctx, title) {
							mu.Lock()
							acked[title] = true
							mu.Unlock()
						}
					}
				})
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 60 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("only %d creates acknowledged in 30s", n)
				}
				time.Sleep(5 * time.Millisecond)
			}
			srv.Kill() // requests are still in flight
			cancel()
			wg.Wait()

			srv = apptest.Start(t, bin, map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": dbURL, "LOG_LEVEL": "warn"})
			c.base = srv.Base
			stored := map[string]bool{}
			for _, td := range c.list() {
				if strings.HasPrefix(td.Title, "burst ") {
					stored[td.Title] = true
					if !attempted[td.Title] {
						t.Errorf("unexpected todo %q after restart", td.Title)
					}
				} else if _, ok := want[td.ID]; !ok {
					t.Errorf("unexpected todo %+v after restart", td)
				}
			}
			for title := range acked {
				if !stored[title] {
					t.Errorf("acknowledged todo %q was lost by SIGKILL", title)
				}
			}
			t.Logf("%d creates acknowledged before SIGKILL, %d stored after restart", len(acked), len(stored))
			srv.Kill()
		})
	}
}

type durTodo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type durClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *durClient) client() apptest.Client { return apptest.Client{Base: c.base, Token: c.token} }

func (c *durClient) must(method, path, body string, status int, dst any) {
	c.t.Helper()
	c.client().Must(c.t, method, path, body, status, dst)
}

func (c *durClient) create(title string) durTodo {
	c.t.Helper()
	var td durTodo
	c.must("POST", "/api/todos", fmt.Sprintf(`{"title": %q}`, title), http.StatusCreated, &td)
	return td
}

// tryCreate reports whether the server acknowledged the create with 201.
func (c *durClient) tryCreate(ctx context.Context, title string) bool {
	status, _, err := c.client().Do(ctx, "POST", "/api/todos", fmt.Sprintf(`{"title": %q}`, title))
	return err == nil && status == http.StatusCreated
}

func (c *durClient) patch(id, body string) durTodo {
	c.t.Helper()
	var td durTodo
	c.must("PATCH", "/api/todos/"+id, body, http.StatusOK, &td)
	return td
}

func (c *durClient) delete(id string) {
	c.t.Helper()
	c.must("DELETE", "/api/todos/"+id, "", http.StatusNoContent, nil)
}

// list returns every todo, following next_cursor page by page.
func (c *durClient) list() []durTodo {
	c.t.Helper()
	var all []durTodo
	path := "/api/todos?limit=200"
	for range 1000 {
		var out struct {
			Todos      []durTodo `json:"todos"`
			NextCursor string    `json:"next_cursor"`
		}
		c.must("GET", path, "", http.StatusOK, &out)
		all = append(all, out.Todos...)
		if out.NextCursor == "" {
			return all
		}
		path = "/api/todos?limit=200&cursor=" + url.QueryEscape(out.NextCursor)
	}
	c.t.Fatal("GET /api/todos never reached a last page")
	return nil
}
