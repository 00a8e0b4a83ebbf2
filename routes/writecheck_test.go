package routes

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"testing"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// A write a store write check refuses with ErrOwnerRevoked (a user deleted
// after their token passed) is answered as a revoked session: 401
// invalid_token with the challenge; nothing is stored.
func TestWriteRefusedForARevokedOwner(t *testing.T) {
	var revoked string
	check := func(_ context.Context, _ *sql.Tx, owner string) error {
		if owner == revoked {
			return fmt.Errorf("deleted: %w", store.ErrOwnerRevoked)
		}
		return nil
	}
	e := newTodoEnv(t, storetest.Backends()[0], store.WithWriteCheck(check))
	td := e.create(t, e.aliceToken, "before")
	revoked = e.alice
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/todos", `{"title": "after"}`},
		{"PATCH", "/api/todos/" + td.ID, `{"done": true}`},
		{"DELETE", "/api/todos/" + td.ID, ""},
	} {
		rec := e.call(t, e.aliceToken, tc.method, tc.path, "", tc.body)
		if got := rec.Header().Get("WWW-Authenticate"); got == "" {
			t.Errorf("%s %s: no WWW-Authenticate challenge", tc.method, tc.path)
		}
		assertError(t, rec, http.StatusUnauthorized, "invalid_token", "The session has ended")
	}
	if got := e.list(t, e.aliceToken); len(got) != 1 || got[0].Title != "before" || got[0].Done {
		t.Errorf("alice's todos after refused writes: %+v", got)
	}
	e.create(t, e.bobToken, "others still write")
}
