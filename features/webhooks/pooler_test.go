package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// logRecorder is a slog.Handler that keeps every record's level and
// message, for tests that count warnings.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *logRecorder) WithGroup(string) slog.Handler      { return r }

// at returns the messages logged at level, in order.
func (r *logRecorder) at(level slog.Level) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var msgs []string
	for _, rec := range r.records {
		if rec.Level == level {
			msgs = append(msgs, rec.Message)
		}
	}
	return msgs
}

// replica is one instance's revocation list on its own store, with its log.
type replica struct {
	list *Revocations
	db   store.Store
	log  *logRecorder
}

// startReplicas runs n replicas whose stores use databaseURL and whose
// listeners use listenURL ("" for databaseURL), each reading the changes
// every hour only, so what arrives sooner was pushed or polled.
func startReplicas(t *testing.T, n int, databaseURL, listenURL string) []replica {
	t.Helper()
	rs := make([]replica, n)
	for i := range rs {
		rs[i].log = &logRecorder{}
		rs[i].db = openStore(t, databaseURL)
		rs[i].list = NewRevocations(RevocationOptions{ReloadEvery: time.Hour, ListenURL: listenURL, Logger: slog.New(rs[i].log)})
		runList(t, rs[i].list, rs[i].db)
	}
	return rs
}

// logoutDelay revokes a new session through from and returns how long to
// waits until it refuses it; it fails t after limit.
func logoutDelay(t *testing.T, from, to replica, limit time.Duration) time.Duration {
	t.Helper()
	c := &auth.Claims{UserID: authtest.RandomUUID(), SessionID: authtest.RandomUUID()}
	if to.list.Revoked(c) {
		t.Fatal("a new session is refused before its logout")
	}
	if err := from.list.RevokeSession(testCtx(t), from.db, c.SessionID, c.UserID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for !to.list.Revoked(c) {
		if time.Since(start) > limit {
			t.Fatalf("the other replica still accepts a session %v after its logout", limit)
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(start)
}

// waitFor polls cond every 10 ms for up to d and fails t with what otherwise.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Two replicas whose DATABASE_URL goes through a PgBouncer in transaction
// mode (1.18: no prepared statements there, so the URL asks pgx for the
// simple protocol), started by the test:
//
//   - Listening through the pooler, notifications never arrive. Each
//     replica's probe notices: it logs exactly one warning, naming a
//     transaction pooler and DATABASE_LISTEN_URL, and reads the changes every
//     second, so a logout through one is refused by the other within 3 s
//     (goal: 1 s; the delays are logged).
//   - With DATABASE_LISTEN_URL straight to PostgreSQL, push works: the other
//     replica is told by push and refuses the session within a second
//     (milliseconds, logged), and nothing is logged above info.
func TestRevocationsBehindPgBouncer(t *testing.T) {
	p := storetest.PgBouncer(t) // skips (or fails in CI) without pgbouncer
	pooled := p.URL + "&default_query_exec_mode=simple_protocol"

	t.Run("listening through the pooler", func(t *testing.T) {
		rs := startReplicas(t, 2, pooled, "")
		// The first probe leaves at once and is given 2 s.
		for i, r := range rs {
			waitFor(t, fmt.Sprintf("warned on replica %d", i+1), 10*time.Second, func() bool { return len(r.log.at(slog.LevelWarn)) > 0 })
		}
		var delays []time.Duration
		for i := range 6 { // over about 6 s: three more probes lost each
			from, to := rs[i%2], rs[(i+1)%2]
			delays = append(delays, logoutDelay(t, from, to, 3*time.Second).Round(time.Millisecond))
		}
		t.Logf("logouts through one replica refused by the other after %v (polled every second)", delays)
		for i, r := range rs {
			warns := r.log.at(slog.LevelWarn)
			if len(warns) != 1 || !strings.Contains(warns[0], "transaction pooler") || !strings.Contains(warns[0], "DATABASE_LISTEN_URL") {
				t.Errorf("replica %d logged warnings %q, want exactly one naming a transaction pooler and DATABASE_LISTEN_URL", i+1, warns)
			}
			if r.list.pushOK.Load() {
				t.Errorf("replica %d trusts push through the pooler", i+1)
			}
		}
	})

	t.Run("DATABASE_LISTEN_URL straight to PostgreSQL", func(t *testing.T) {
		rs := startReplicas(t, 2, pooled, p.Direct)
		for i, r := range rs {
			waitFor(t, fmt.Sprintf("push proven on replica %d", i+1), 10*time.Second, r.list.pushOK.Load)
		}
		var delays []time.Duration
		for i := range 6 {
			from, to := rs[i%2], rs[(i+1)%2]
			pushed := to.list.pushed.Load()
			delays = append(delays, logoutDelay(t, from, to, time.Second).Round(10*time.Microsecond))
			if to.list.pushed.Load() == pushed {
				t.Errorf("logout %d: the other replica was not told by push", i+1)
			}
			time.Sleep(time.Second) // spread over a few probes
		}
		t.Logf("logouts through one replica refused by the other after %v (pushed)", delays)
		for i, r := range rs {
			if warns := r.log.at(slog.LevelWarn); len(warns) != 0 {
				t.Errorf("replica %d logged warnings %q, want none", i+1, warns)
			}
			if !r.list.pushOK.Load() {
				t.Errorf("replica %d does not trust push straight to PostgreSQL", i+1)
			}
		}
	})
}

// The same with the real server, twice, its DATABASE_URL through PgBouncer:
// session.delete delivered to one is refused by the other within 3 s, and
// each logs exactly one warning, naming the pooler; with DATABASE_LISTEN_URL
// straight to PostgreSQL, within a second and no warning at all.
func TestServersBehindPgBouncer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two of it; skipped with -short")
	}
	p := storetest.PgBouncer(t) // skips (or fails in CI) without pgbouncer
	bin := apptest.Binary(t)
	hanko := authtest.NewServer()
	defer hanko.Close()
	for _, tc := range []struct {
		name      string
		listenURL string
		limit     time.Duration
		warnings  int
	}{
		{"listening through the pooler", "", 3 * time.Second, 1},
		{"DATABASE_LISTEN_URL straight to PostgreSQL", p.Direct, time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": p.URL + "&default_query_exec_mode=simple_protocol",
				"DATABASE_LISTEN_URL": tc.listenURL, "LOG_LEVEL": "warn", "HANKO_SESSION_CHECK": "false"}
			servers := []*apptest.Server{apptest.Start(t, bin, env), apptest.Start(t, bin, env)}
			time.Sleep(probeEvery + probeWait + time.Second) // the first probe's fate is known
			var took []time.Duration
			for i := range 4 {
				from, to := servers[i%2], servers[(i+1)%2]
				tok := hanko.Token(authtest.Session{UserID: authtest.RandomUUID(), SessionID: authtest.RandomUUID()})
				if got := replicaCall(t, to.Base, tok, http.MethodGet, "/api/protected", ""); got != http.StatusOK {
					t.Fatalf("before the logout: %d", got)
				}
				deliverTo(t, hanko, from.Base, webhookstest.SessionDeleted(hanko.Issuer, webhookstest.SessionDeleteEvents[0], tok), "revoked")
				took = append(took, refusedWithin(t, to.Base, tok, tc.limit).Round(time.Millisecond))
			}
			t.Logf("session.delete delivered to one server, refused by the other after %v", took)
			for i, s := range servers {
				out := s.Output()
				warns := strings.Count(out, "level=WARN")
				pooler := strings.Count(out, "transaction pooler")
				if warns != tc.warnings || pooler != tc.warnings {
					t.Errorf("server %d logged %d warnings (%d naming the pooler), want %d:\n%s", i+1, warns, pooler, tc.warnings, out)
				}
			}
		})
	}
}
