package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// replicaCall is one request to a running replica as a session; it returns
// the status.
func replicaCall(t *testing.T, base, token, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// deliverTo posts a delivery to a replica and checks Hanko would count it
// delivered (200), with the outcome the backend reports.
func deliverTo(t *testing.T, hanko *authtest.Server, base string, w webhookstest.Webhook, outcome string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/hanko", strings.NewReader(string(webhookstest.Body(hanko.Issuer, w))))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct{ Event, Outcome string }
	_ = json.NewDecoder(resp.Body).Decode(&got)
	if resp.StatusCode != http.StatusOK || got.Event != w.Event || got.Outcome != outcome {
		t.Fatalf("delivering %s: %d %+v, want 200 %s", w.Event, resp.StatusCode, got, outcome)
	}
}

// refusedWithin polls a replica until the session's token gets 401 and says
// how long that took; it fails the test after limit.
func refusedWithin(t *testing.T, base, token string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if replicaCall(t, base, token, http.MethodGet, "/api/protected", "") == http.StatusUnauthorized {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s still accepts the token %v after the delivery", base, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReplicasHonourRevocations runs three instances of the real server on
// one PostgreSQL with HANKO_SESSION_CHECK=false (the default), delivers
// Hanko's session.delete.* and user.delete (shaped like the captured
// deliveries in auth/testdata/hanko/webhooks/session-delete) to one of
// them, and shows:
//
//   - each session event: the other two refuse exactly that session within
//     a second, while the user's other sessions keep working;
//   - user.delete: every session of the user is refused by all three within
//     a second, and no write for them succeeds on any replica, also after a
//     replica restarts; other users are untouched;
//   - an unknown event is still acknowledged.
func TestReplicasHonourRevocations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three of it; skipped with -short")
	}
	dbURL := storetest.PostgresURL(t) // skips (or fails in CI) without PostgreSQL
	bin := apptest.Binary(t)
	hanko := authtest.NewServer()
	defer hanko.Close()
	env := map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": dbURL, "LOG_LEVEL": "warn", "HANKO_SESSION_CHECK": "false"}
	replicas := make([]*apptest.Server, 3)
	for i := range replicas {
		replicas[i] = apptest.Start(t, bin, env)
	}

	alice, bob := authtest.RandomUUID(), authtest.RandomUUID()
	login := func(user string) string {
		return hanko.Token(authtest.Session{UserID: user, SessionID: authtest.RandomUUID(), Email: user[:8] + "@example.test"})
	}
	ended := map[string]string{} // event -> the alice session it ends
	for _, ev := range webhookstest.SessionDeleteEvents {
		ended[ev] = login(alice)
	}
	aliceKept, bobs := login(alice), login(bob)
	all := []string{aliceKept, bobs}
	for _, tok := range ended {
		all = append(all, tok)
	}
	for _, r := range replicas {
		for _, tok := range all {
			if got := replicaCall(t, r.Base, tok, http.MethodGet, "/api/protected", ""); got != http.StatusOK {
				t.Fatalf("%s before any delivery: %d", r.Base, got)
			}
		}
	}
	if got := replicaCall(t, replicas[0].Base, aliceKept, http.MethodPost, "/api/todos", `{"title":"alice's"}`); got != http.StatusCreated {
		t.Fatalf("alice's create: %d", got)
	}

	// Each session event, delivered to one replica (each in turn), is
	// honoured by the other two within a second.
	var slowest time.Duration
	for i, ev := range webhookstest.SessionDeleteEvents {
		to := replicas[i%3]
		deliverTo(t, hanko, to.Base, webhookstest.SessionDeleted(hanko.Issuer, ev, ended[ev]), "revoked")
		for _, r := range replicas {
			if r == to {
				if got := replicaCall(t, r.Base, ended[ev], http.MethodGet, "/api/protected", ""); got != http.StatusUnauthorized {
					t.Errorf("%s: the receiving replica answers %d for the ended session", ev, got)
				}
				continue
			}
			took := refusedWithin(t, r.Base, ended[ev], time.Second)
			slowest = max(slowest, took)
			t.Logf("%s delivered to replica %d: replica %s refuses the session after %v", ev, i%3, r.Base, took)
		}
		for _, r := range replicas {
			for _, tok := range []string{aliceKept, bobs} {
				if got := replicaCall(t, r.Base, tok, http.MethodGet, "/api/protected", ""); got != http.StatusOK {
					t.Fatalf("after %s, another session gets %d on %s", ev, got, r.Base)
				}
			}
		}
	}
	t.Logf("slowest replica to refuse an ended session: %v", slowest)

	// An event the backend does not handle is acknowledged.
	deliverTo(t, hanko, replicas[1].Base, webhookstest.Webhook{Event: "user.update.email.primary", Data: map[string]string{"id": alice}}, "ignored")

	// user.delete: all of alice's sessions end everywhere, and her writes too.
	deliverTo(t, hanko, replicas[2].Base, webhookstest.Webhook{Event: "user.delete", Data: map[string]any{"id": alice, "emails": []any{}}}, "deleted")
	for _, r := range replicas[:2] {
		t.Logf("user.delete delivered to replica 2: replica %s refuses the user's other session after %v", r.Base, refusedWithin(t, r.Base, aliceKept, time.Second))
	}
	checkAfterDeletion := func(when string) {
		t.Helper()
		for _, r := range replicas {
			for _, c := range []struct{ method, path, body string }{
				{http.MethodGet, "/api/protected", ""},
				{http.MethodPost, "/api/todos", `{"title":"after the deletion"}`},
				{http.MethodGet, "/api/todos", ""},
			} {
				if got := replicaCall(t, r.Base, aliceKept, c.method, c.path, c.body); got != http.StatusUnauthorized {
					t.Errorf("%s, %s %s as the deleted user on %s: %d, want 401", when, c.method, c.path, r.Base, got)
				}
			}
			if got := replicaCall(t, r.Base, bobs, http.MethodPost, "/api/todos", fmt.Sprintf(`{"title":"bob on %s"}`, r.Base)); got != http.StatusCreated {
				t.Errorf("%s, bob's create on %s: %d", when, r.Base, got)
			}
		}
		db := openStore(t, dbURL)
		if page, err := db.ListTodos(context.Background(), alice, store.Page{}); err != nil || len(page.Todos) != 0 {
			t.Errorf("%s, the deleted user has %d todos (%v)", when, len(page.Todos), err)
		}
	}
	checkAfterDeletion("after user.delete")

	// A restart of every replica: the list comes back from the database.
	for i, r := range replicas {
		r.Kill()
		replicas[i] = apptest.Start(t, bin, env)
	}
	checkAfterDeletion("after a restart")
	for _, tok := range ended {
		if got := replicaCall(t, replicas[0].Base, tok, http.MethodGet, "/api/protected", ""); got != http.StatusUnauthorized {
			t.Errorf("after a restart an ended session gets %d", got)
		}
	}
}
