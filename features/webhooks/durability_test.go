package webhooks

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// TestWebhookDeletionSurvivesSIGKILL: once Hanko has its 200 for user.delete,
// the deletion is on disk. The real binary is killed right after the answer
// and started again on the same database.
func TestWebhookDeletionSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it; skipped with -short")
	}
	bin := apptest.Binary(t)
	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := hankoadmintest.New(hanko.Issuer)

	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dbURL := b.NewURL(t)
			gone, stays := admin.AddUser(""), admin.AddUser("")
			goneC := &durClient{t: t, token: admin.LoginSession(gone.ID)}
			staysC := &durClient{t: t, token: admin.LoginSession(stays.ID)}

			srv := apptest.Start(t, bin, map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": dbURL, "LOG_LEVEL": "warn"})
			goneC.base, staysC.base = srv.Base, srv.Base
			for _, title := range []string{"one", "two", "three"} {
				goneC.create(title)
				staysC.create(title)
			}
			status, err := webhookstest.Deliver(context.Background(), hanko.Issuer, srv.Base+"/webhooks/hanko", webhookstest.Webhook{Event: "user.delete", Data: gone})
			if err != nil || status != http.StatusOK {
				t.Fatalf("delivery: %d, %v", status, err)
			}
			srv.Kill()

			srv = apptest.Start(t, bin, map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": dbURL, "LOG_LEVEL": "warn"})
			goneC.base, staysC.base = srv.Base, srv.Base
			// The deleted user is revoked too: their token is refused, and
			// their data is gone from the database.
			goneC.do(http.MethodGet, "/api/todos", "", http.StatusUnauthorized, nil)
			goneC.do(http.MethodPost, "/api/todos", `{"title":"back"}`, http.StatusUnauthorized, nil)
			db := openStore(t, dbURL)
			if page, err := db.ListTodos(context.Background(), gone.ID, store.Page{}); err != nil || len(page.Todos) != 0 {
				t.Errorf("after SIGKILL the deleted user has %d todos again (%v)", len(page.Todos), err)
			}
			if got := staysC.list(); len(got) != 3 {
				t.Errorf("after SIGKILL the other user has %d todos, want 3", len(got))
			}
		})
	}
}

// durClient calls the todo API of the running binary as one user.
type durClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *durClient) do(method, path, body string, status int, dst any) {
	c.t.Helper()
	apptest.Client{Base: c.base, Token: c.token}.Must(c.t, method, path, body, status, dst)
}

func (c *durClient) create(title string) {
	c.do(http.MethodPost, "/api/todos", `{"title":"`+title+`"}`, http.StatusCreated, nil)
}

func (c *durClient) list() []json.RawMessage {
	var page struct{ Todos []json.RawMessage }
	c.do(http.MethodGet, "/api/todos", "", http.StatusOK, &page)
	return page.Todos
}
