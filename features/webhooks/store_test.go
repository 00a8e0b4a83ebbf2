package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

const (
	revUser    = "115fe21c-aca5-4252-8020-3d39b703e67a"
	revSession = "d7d4a2a9-a06c-42ef-9642-2ee9b08989f8"
)

func sortRevocations(rs []Revocation) []Revocation {
	slices.SortFunc(rs, func(a, b Revocation) int {
		return strings.Compare(a.SessionID+"/"+a.UserID, b.SessionID+"/"+b.UserID)
	})
	return rs
}

func TestRevocationsStorage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		url := b.NewURL(t)
		now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		s := openWith(t, url, storeOptions()...)
		setClock(t, clock)

		kept := mustCreate(t, s, "other-user", "kept")
		mustCreate(t, s, revUser, "deleted with the user")
		mustCreate(t, s, revUser, "this one too")

		// A session: kept until its expires_at; revoked again, the later one wins.
		expires := time.Date(2026, 12, 2, 14, 35, 48, 599065000, time.UTC)
		if _, err := revokeSession(ctx, s, revSession, revUser, expires.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := revokeSession(ctx, s, revSession, revUser, expires); err != nil {
			t.Fatal(err)
		}
		if _, err := revokeSession(ctx, s, revSession, revUser, expires.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := revokeSession(ctx, s, "", revUser, expires); err == nil {
			t.Error("RevokeSession without a session id succeeded")
		}
		if _, err := revokeSession(ctx, s, revSession, revUser, time.Time{}); err == nil {
			t.Error("RevokeSession without an expiry succeeded")
		}

		// The user: data gone and revoked in one call.
		n, r, err := deleteAndRevokeUser(ctx, s, revUser)
		if err != nil || n != 2 {
			t.Fatalf("DeleteAndRevokeUser: %d rows, %v; want 2", n, err)
		}
		if want := (Revocation{UserID: revUser}); !reflect.DeepEqual(r, want) || !r.IsUser() {
			t.Errorf("revocation %+v, want %+v", r, want)
		}
		if _, err := s.CreateTodo(ctx, revUser, "after the deletion"); !errors.Is(err, store.ErrOwnerRevoked) {
			t.Fatalf("create after the deletion: %v, want ErrOwnerRevoked", err)
		}
		if _, err := s.CreateTodo(ctx, "other-user", "others still write"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetTodo(ctx, "other-user", kept.ID); err != nil {
			t.Fatal(err)
		}

		want := sortRevocations([]Revocation{
			{SessionID: revSession, UserID: revUser, Until: expires},
			{UserID: revUser},
		})
		// Survives a restart: a new Store on the same database reads them back,
		// and still refuses the user's writes.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2 := openWith(t, url, storeOptions()...)
		setClock(t, clock)
		got, err := loadRevocations(t, s2)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(sortRevocations(got), want) {
			t.Fatalf("after a restart:\n got %+v\nwant %+v", got, want)
		}
		if _, err := s2.CreateTodo(ctx, revUser, "after a restart"); !errors.Is(err, store.ErrOwnerRevoked) {
			t.Fatalf("create after a restart: %v, want ErrOwnerRevoked", err)
		}

		// Pruning: nothing is due yet; past the session's expiry it goes;
		// the deleted user never does.
		for _, step := range []struct {
			at         time.Time
			wantPruned int
			wantLeft   int
		}{
			{now, 0, 2},
			{expires, 1, 1},                      // keep_until <= now: gone exactly at its time
			{now.Add(60 * 24 * time.Hour), 0, 1}, // a deleted user stays revoked for good
			{now.Add(10 * 365 * 24 * time.Hour), 0, 1},
		} {
			at := step.at
			setClock(t, func() time.Time { return at })
			live, err := loadRevocations(t, s2)
			if err != nil || len(live) != step.wantLeft {
				t.Errorf("at %v: %d live revocations (%v), want %d", at, len(live), err, step.wantLeft)
			}
			pruned, err := pruneRevocations(ctx, s2)
			if err != nil || pruned != step.wantPruned {
				t.Errorf("at %v: pruned %d (%v), want %d", at, pruned, err, step.wantPruned)
			}
		}
		if _, err := s2.CreateTodo(ctx, revUser, "ten years later"); !errors.Is(err, store.ErrOwnerRevoked) {
			t.Fatalf("create ten years after the deletion: %v, want ErrOwnerRevoked", err)
		}
	})
}

// A core without the feature (after `starter remove webhooks`) migrates a
// fresh database and one the feature already used; adding the feature later
// adds its tables; both dialects' folders hold the same versions.
func TestCoreWithoutWebhooksMigrates(t *testing.T) {
	versions := func(dialect string) []string {
		entries, err := fs.ReadDir(migrationFiles, "migrations/"+dialect)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	if sq, pg := versions("sqlite"), versions("postgres"); len(sq) == 0 || !reflect.DeepEqual(sq, pg) {
		t.Fatalf("the feature's migrations differ or are missing: sqlite %v, postgres %v", sq, pg)
	}
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		url := b.NewURL(t)
		hasTable := func(s store.Store) bool {
			_, err := readDB(t, s).Read.ExecContext(ctx, `SELECT count(*) FROM revoked_users`)
			return err == nil
		}
		open := func(withWebhooks bool) store.Store {
			var opts []store.Option
			if withWebhooks {
				opts = storeOptions()
			}
			s, err := store.Open(ctx, url, opts...)
			if err != nil {
				t.Fatalf("Open (webhooks %v): %v", withWebhooks, err)
			}
			return s
		}
		core := open(false)
		if hasTable(core) {
			t.Fatal("a core without the webhooks migrations created revoked_users")
		}
		td := mustCreate(t, core, alice, "from the core")
		core.Close()

		full := open(true)
		if !hasTable(full) {
			t.Fatal("adding the feature did not create its tables")
		}
		if _, _, err := deleteAndRevokeUser(ctx, full, "someone"); err != nil {
			t.Fatal(err)
		}
		full.Close()

		again := open(false) // the feature removed after it was used
		defer again.Close()
		assertSame(t, "todo", mustGet(t, again, alice, td.ID), td)
		var n int
		if err := readDB(t, again).Read.QueryRowContext(ctx, `SELECT count(*) FROM feature_migrations WHERE feature = 'webhooks'`).Scan(&n); err != nil || n != len(versions("sqlite")) {
			t.Errorf("feature_migrations has %d webhooks rows (%v), want %d", n, err, len(versions("sqlite")))
		}
	})
}

// watcher collects what WatchRevocations reports.
type watcher struct {
	mu        sync.Mutex
	seen      []Revocation
	connected int
	lost      int
	changed   chan struct{}
}

func watch(t *testing.T, s store.Store) *watcher {
	t.Helper()
	w := &watcher{changed: make(chan struct{}, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- watchRevocations(ctx, s, RevocationWatch{
			Seen: func(r Revocation) {
				w.mu.Lock()
				w.seen = append(w.seen, r)
				w.mu.Unlock()
				w.changed <- struct{}{}
			},
			Connected: func() { w.mu.Lock(); w.connected++; w.mu.Unlock(); w.changed <- struct{}{} },
			Lost:      func(error) { w.mu.Lock(); w.lost++; w.mu.Unlock(); w.changed <- struct{}{} },
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("WatchRevocations ended with %v, want context.Canceled", err)
		}
	})
	w.waitFor(t, "connected", time.Duration(10)*time.Second, func() bool { return w.connected >= 1 })
	return w
}

// waitFor waits up to d for cond (called under w.mu) and fails t otherwise.
func (w *watcher) waitFor(t *testing.T, what string, d time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(d)
	for {
		w.mu.Lock()
		ok := cond()
		w.mu.Unlock()
		if ok {
			return time.Since(start)
		}
		select {
		case <-w.changed:
		case <-deadline:
			t.Fatalf("not %s within %v", what, d)
		}
	}
}

func (w *watcher) sawSession(id string) func() bool {
	return func() bool {
		return slices.ContainsFunc(w.seen, func(r Revocation) bool { return r.SessionID == id })
	}
}

func (w *watcher) sawUser(id string) func() bool {
	return func() bool {
		return slices.ContainsFunc(w.seen, func(r Revocation) bool { return r.IsUser() && r.UserID == id })
	}
}

// Revocations written through one store are pushed to the watchers: on
// SQLite those of the same Store; on PostgreSQL every process's, within a
// second, and again after the listening connection was killed.
func TestWatchRevocations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		url := b.NewURL(t)
		writer := openWith(t, url, storeOptions()...)
		reader := writer
		if b.Name == "postgres" {
			reader = openWith(t, url, storeOptions()...) // another replica
		}
		w := watch(t, reader)
		until := time.Now().Add(time.Hour)

		if _, err := revokeSession(ctx, writer, revSession, revUser, until); err != nil {
			t.Fatal(err)
		}
		took := w.waitFor(t, "told of the session", time.Second, w.sawSession(revSession))
		t.Logf("session revocation seen after %v", took)
		if _, _, err := deleteAndRevokeUser(ctx, writer, revUser); err != nil {
			t.Fatal(err)
		}
		took = w.waitFor(t, "told of the user", time.Second, w.sawUser(revUser))
		t.Logf("user revocation seen after %v", took)

		// A rolled-back revocation is never announced.
		_, _, err := deleteAndRevokeUser(ctx, writer, "")
		if err == nil {
			t.Fatal("revoking the empty user succeeded")
		}
		if b.Name != "postgres" {
			return
		}
		// Kill the listening connection: the watcher is told it lost it, and
		// told again when it is connected (when the app reloads).
		admin, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		w.mu.Lock()
		connected := w.connected
		w.mu.Unlock()
		var killed int
		if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1 AND pid <> pg_backend_pid()
			AND query = 'LISTEN "hanko_gin_revocations_' || left(md5(current_schema()), 16) || '"'`,
			ListenApplicationName).Scan(&killed); err != nil || killed != 1 {
			t.Fatalf("killed %d listening connections (%v), want 1", killed, err)
		}
		w.waitFor(t, "told of the lost connection", 5*time.Second, func() bool { return w.lost >= 1 })
		w.waitFor(t, "connected again", 5*time.Second, func() bool { return w.connected > connected })
		const later = "29336977-bc18-4d94-a91d-8dbeb45d6127"
		if _, err := revokeSession(ctx, writer, later, revUser, until); err != nil {
			t.Fatal(err)
		}
		w.waitFor(t, "told of a revocation after reconnecting", time.Second, w.sawSession(later))
	})
}

// A write racing DeleteAndRevokeUser either commits before the deletion
// (and is deleted by it) or sees the revocation (RefuseRevokedUsers) and
// stores nothing: once the deletion returned, the user has no data, and
// nothing can be stored for them. (Without the owner's lock in the deletion,
// PostgreSQL lets a create that checked before the revocation commit after
// the deletion: this test then fails.)
func TestDeleteAndRevokeUserRacingWrites(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		s := openWith(t, b.NewURL(t), storeOptions()...)
		const victim = "victim"
		for round := range 5 {
			owner := fmt.Sprintf("%s-%d", victim, round)
			var stored, refused atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						_, err := s.CreateTodo(ctx, owner, "racing")
						switch {
						case err == nil:
							stored.Add(1)
						case errors.Is(err, store.ErrOwnerRevoked):
							refused.Add(1)
							return
						default:
							t.Errorf("create: %v", err)
							return
						}
					}
				})
			}
			// Let some creates land, then delete and revoke in one transaction.
			for stored.Load() < 3 {
				time.Sleep(time.Millisecond)
			}
			if _, _, err := deleteAndRevokeUser(ctx, s, owner); err != nil {
				t.Fatal(err)
			}
			// Every create that starts from now on is refused.
			if _, err := s.CreateTodo(ctx, owner, "late"); !errors.Is(err, store.ErrOwnerRevoked) {
				t.Fatalf("create after the deletion: %v, want ErrOwnerRevoked", err)
			}
			close(stop)
			wg.Wait()
			page, err := s.ListTodos(ctx, owner, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Todos) != 0 {
				t.Fatalf("round %d: %d todos stored after the deletion (%d creates succeeded, %d refused)",
					round, len(page.Todos), stored.Load(), refused.Load())
			}
		}
	})
}

// loadRevocations reads every revocation in force from the database.
func loadRevocations(t *testing.T, s store.Store) ([]Revocation, error) {
	t.Helper()
	var out []Revocation
	_, _, err := readChanges(testCtx(t), readDB(t, s), fullRead, func(c change) {
		if c.IsUser() || c.Until.After(timestamp()) {
			out = append(out, c.Revocation)
		}
	})
	return out, err
}
