package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openStore opens a store at url with the write check the feature registers.
func openStore(t *testing.T, url string) store.Store {
	t.Helper()
	s, err := store.Open(testCtx(t), url, storeOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// runList starts l.Run until the test ends and waits for the first load.
func runList(t *testing.T, l *Revocations, s store.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx, s) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-l.Loaded():
	case <-time.After(10 * time.Second):
		t.Fatal("the list was not loaded within 10 s")
	}
}

// session is a signed-in session: its token and claims.
type session struct {
	token  string
	claims *auth.Claims
}

func newSession(hanko *authtest.Server, userID string) session {
	c := &auth.Claims{UserID: userID, SessionID: authtest.RandomUUID()}
	tok := hanko.Token(authtest.Session{UserID: userID, SessionID: c.SessionID})
	exp := webhookstest.SessionOf(hanko.Issuer, tok).ExpiresAt
	c.ExpiresAt = exp
	return session{token: tok, claims: c}
}

// protected serves GET /p behind RequireSession of an Authenticator that asks l.
func protected(t *testing.T, hanko *authtest.Server, l *Revocations) http.Handler {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL, CacheSize: auth.DefaultCacheSize, Logger: quiet(), Revocations: l})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.GET("/p", a.RequireSession(), func(c *gin.Context) { c.Status(http.StatusNoContent) })
	return r
}

func status(h http.Handler, token string) int {
	req := httptest.NewRequest(http.MethodGet, "/p", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// The list through the auth middleware, on both databases: a revoked
// session gets 401 and the user's other sessions keep working; a revoked
// user's sessions all get 401 and nothing is stored for them any more; a
// restart (a new store and list on the same database) keeps all of it.
func TestRevocationsRefuseTokens(t *testing.T) {
	gin.SetMode(gin.TestMode)
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		url := b.NewURL(t)
		hanko := authtest.NewServer()
		t.Cleanup(hanko.Close)
		s := openStore(t, url)
		l := NewRevocations(RevocationOptions{Logger: quiet()})
		runList(t, l, s)
		h := protected(t, hanko, l)

		alice, bob := authtest.RandomUUID(), authtest.RandomUUID()
		a1, a2, a3, b1 := newSession(hanko, alice), newSession(hanko, alice), newSession(hanko, alice), newSession(hanko, bob)
		for _, ss := range []session{a1, a2, a3, b1} {
			if got := status(h, ss.token); got != http.StatusNoContent {
				t.Fatalf("before any revocation: %d", got)
			}
		}
		if _, err := s.CreateTodo(ctx, alice, "before"); err != nil {
			t.Fatal(err)
		}

		// A session ends (session.delete.*): exactly that one is refused.
		if err := l.RevokeSession(ctx, s, a1.claims.SessionID, alice, a1.claims.ExpiresAt); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{a1.token: 401, a2.token: 204, a3.token: 204, b1.token: 204}
		for tok, w := range want {
			if got := status(h, tok); got != w {
				t.Errorf("after the session ended: %d, want %d", got, w)
			}
		}
		// The user is deleted (user.delete): all of their sessions, and their writes.
		n, err := l.RevokeUser(ctx, s, alice)
		if err != nil || n != 1 {
			t.Fatalf("RevokeUser: %d, %v; want 1 row deleted", n, err)
		}
		want = map[string]int{a1.token: 401, a2.token: 401, a3.token: 401, b1.token: 204}
		for tok, w := range want {
			if got := status(h, tok); got != w {
				t.Errorf("after the user was deleted: %d, want %d", got, w)
			}
		}
		if _, err := s.CreateTodo(ctx, alice, "after"); !errors.Is(err, store.ErrOwnerRevoked) {
			t.Errorf("create after the deletion: %v, want ErrOwnerRevoked", err)
		}

		// A restart: a new store and list on the same database.
		s2 := openStore(t, url)
		l2 := NewRevocations(RevocationOptions{Logger: quiet()})
		runList(t, l2, s2)
		h2 := protected(t, hanko, l2)
		for tok, w := range want {
			if got := status(h2, tok); got != w {
				t.Errorf("after a restart: %d, want %d", got, w)
			}
		}
		if _, err := s2.CreateTodo(ctx, alice, "after a restart"); !errors.Is(err, store.ErrOwnerRevoked) {
			t.Errorf("create after a restart: %v, want ErrOwnerRevoked", err)
		}
		if l2.Len() != 2 {
			t.Errorf("the list has %d entries after a restart, want 2", l2.Len())
		}
	})
}

// Entries leave the list when they expire: a session at its expires_at
// (plus the margin for auth's clock leeway), a user after Keep.
func TestRevocationsExpire(t *testing.T) {
	ctx := testCtx(t)
	s := openStore(t, storetest.SQLiteURL(t))
	// The list's clock moves; the store's stays real (it only filters out
	// what ended before now, which nothing here did).
	now := time.Now().UTC()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	start := now
	l := NewRevocations(RevocationOptions{Logger: quiet()})
	l.now = clock
	sessionClaims := &auth.Claims{UserID: "u-1", SessionID: "s-1"}
	userClaims := &auth.Claims{UserID: "u-2", SessionID: "s-2"}
	expires := start.Add(time.Hour)
	if err := l.RevokeSession(ctx, s, "s-1", "u-1", expires); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RevokeUser(ctx, s, "u-2"); err != nil {
		t.Fatal(err)
	}
	// A session that ended long ago is not listed.
	if err := l.RevokeSession(ctx, s, "s-old", "u-1", start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at                    time.Time
		wantSession, wantUser bool
		wantLen               int
	}{
		{start, true, true, 2},
		{expires, true, true, 2},                                  // auth still accepts the token for its leeway
		{expires.Add(expiryMargin + time.Second), false, true, 1}, // ends are kept in whole seconds, rounded up
		// A deleted user stays revoked for good: Hanko's session lifespan
		// has no upper bound, so a token from before may still be valid.
		{start.Add(60 * 24 * time.Hour), false, true, 1},
	}
	for _, tt := range tests {
		setNow(tt.at)
		if err := l.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		if got := l.Revoked(sessionClaims); got != tt.wantSession {
			t.Errorf("at +%v: session revoked %v, want %v", tt.at.Sub(start), got, tt.wantSession)
		}
		if got := l.Revoked(userClaims); got != tt.wantUser {
			t.Errorf("at +%v: user revoked %v, want %v", tt.at.Sub(start), got, tt.wantUser)
		}
		if l.Len() != tt.wantLen {
			t.Errorf("at +%v: %d entries, want %d", tt.at.Sub(start), l.Len(), tt.wantLen)
		}
	}
}

// A user deleted 60 days ago, with a token Hanko issued before and that is
// still valid (Hanko's session lifespan has no upper bound): every replica
// refuses it after the database was pruned and the list reloaded, and
// nothing can be stored for the user, on both databases.
func TestDeletedUserRefusedAfter60Days(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		url := b.NewURL(t)
		s := openStore(t, url)
		hanko := authtest.NewServer()
		t.Cleanup(hanko.Close)
		l := NewRevocations(RevocationOptions{Logger: quiet()})
		user := authtest.RandomUUID()
		token := newSession(hanko, user).token
		if _, err := l.RevokeUser(ctx, s, user); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(60 * 24 * time.Hour)
		setClock(t, func() time.Time { return later })
		l.now = func() time.Time { return later }
		if _, err := pruneRevocations(ctx, s); err != nil {
			t.Fatal(err)
		}
		fresh := NewRevocations(RevocationOptions{Logger: quiet()}) // another replica, started later
		fresh.now = l.now
		for _, list := range []*Revocations{l, fresh} {
			if err := list.Load(ctx, openStore(t, url)); err != nil {
				t.Fatal(err)
			}
			if got := status(protected(t, hanko, list), token); got != http.StatusUnauthorized {
				t.Errorf("a token of a user deleted 60 days ago: %d, want 401", got)
			}
		}
		if _, err := s.CreateTodo(ctx, user, "60 days later"); !errors.Is(err, store.ErrOwnerRevoked) {
			t.Fatalf("create 60 days after the deletion: %v, want ErrOwnerRevoked", err)
		}
	})
}

// Two replicas on one PostgreSQL: what one revokes, the other refuses within
// a second, pushed (not polled: its reload interval is an hour); after its
// listening connection is killed, it reconnects and reloads, and catches the
// revocation written while it was not listening. With the listening
// connection gone for good, the periodic reload still catches up.
func TestRevocationsShared(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := testCtx(t)
	db1, db2 := openStore(t, url), openStore(t, url)
	one := NewRevocations(RevocationOptions{ReloadEvery: time.Hour, Logger: quiet()})
	two := NewRevocations(RevocationOptions{ReloadEvery: time.Hour, Logger: quiet()})
	runList(t, one, db1)
	runList(t, two, db2)

	waitRevoked := func(l *Revocations, c *auth.Claims, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for !l.Revoked(c) {
			if time.Since(start) > within {
				t.Fatalf("session %s of %s not revoked within %v", c.SessionID, c.UserID, within)
			}
			time.Sleep(time.Millisecond)
		}
		return time.Since(start)
	}
	user := authtest.RandomUUID()
	s1 := &auth.Claims{UserID: user, SessionID: authtest.RandomUUID()}
	s2 := &auth.Claims{UserID: user, SessionID: authtest.RandomUUID()}
	if err := one.RevokeSession(ctx, db1, s1.SessionID, user, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	t.Logf("a session revoked through one replica is refused by the other after %v", waitRevoked(two, s1, time.Second))
	if two.Revoked(s2) {
		t.Fatal("the user's other session is revoked too")
	}
	other := authtest.RandomUUID()
	if _, err := two.RevokeUser(ctx, db2, other); err != nil {
		t.Fatal(err)
	}
	t.Logf("a user revoked through one replica is refused by the other after %v",
		waitRevoked(one, &auth.Claims{UserID: other, SessionID: authtest.RandomUUID()}, time.Second))

	// Kill two's listening connection, and revoke at once, while it is gone.
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	reloads := two.reloads.Load()
	killListeners(t, admin, 2) // both replicas' (they are alike); both must recover
	missed := &auth.Claims{UserID: user, SessionID: authtest.RandomUUID()}
	if err := one.RevokeSession(ctx, db1, missed.SessionID, user, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	t.Logf("after the listening connections were killed: refused by the other replica after %v", waitRevoked(two, missed, 5*time.Second))
	// The read that brought it counts itself just after applying it.
	waitFor(t, "reloaded after reconnecting", 2*time.Second, func() bool { return two.reloads.Load() != reloads })
}

// Without any notification, the periodic reload catches up: on SQLite a
// revocation written by another process (another Store on the file, as the
// purge command is), on PostgreSQL one inserted behind the replicas' backs.
func TestRevocationsPeriodicReload(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		url := b.NewURL(t)
		l := NewRevocations(RevocationOptions{ReloadEvery: 200 * time.Millisecond, Logger: quiet()})
		runList(t, l, openStore(t, url))
		c := &auth.Claims{UserID: "u-silent", SessionID: "s-silent"}
		until := time.Now().Add(time.Hour)
		if b.Name == "sqlite" {
			if _, err := revokeSession(ctx, openStore(t, url), c.SessionID, c.UserID, until); err != nil {
				t.Fatal(err)
			}
		} else {
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, `INSERT INTO revoked_sessions (session_id, user_id, revoked_at, keep_until) VALUES ($1, $2, now(), $3)`,
				c.SessionID, c.UserID, until); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(2 * time.Second)
		for !l.Revoked(c) {
			if time.Now().After(deadline) {
				t.Fatal("a revocation written without notification was not loaded within 2 s (reload every 200 ms)")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// killListeners terminates the revocation listening connections of the
// database's current schema and checks there were want of them.
func killListeners(t *testing.T, admin *sql.DB, want int) {
	t.Helper()
	var killed int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()
		AND query = 'LISTEN "hanko_gin_revocations_' || left(md5(current_schema()), 16) || '"'`,
		ListenApplicationName).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != want {
		t.Fatalf("killed %d listening connections, want %d", killed, want)
	}
}

// BenchmarkRevoked is the lookup on the request path: a list of 100,000
// sessions and 10,000 users, asked about a session that is not on it (the
// common case) and one that is, from all CPUs at once.
func BenchmarkRevoked(b *testing.B) {
	l := NewRevocations(RevocationOptions{})
	until := time.Now().Add(time.Hour)
	for i := range 100_000 {
		l.add(Revocation{SessionID: benchUUID(1, i), UserID: "u", Until: until})
	}
	for i := range 10_000 {
		l.add(Revocation{UserID: benchUUID(2, i)})
	}
	for _, bc := range []struct {
		name string
		c    *auth.Claims
		want bool
	}{
		{"empty list", &auth.Claims{UserID: "x", SessionID: "y"}, false},
		{"not listed", &auth.Claims{UserID: authtest.RandomUUID(), SessionID: authtest.RandomUUID()}, false},
		{"session listed", &auth.Claims{UserID: "u", SessionID: benchUUID(1, 4242)}, true},
		{"user listed", &auth.Claims{UserID: benchUUID(2, 42), SessionID: "s"}, true},
	} {
		list := l
		if strings.HasPrefix(bc.name, "empty") {
			list = NewRevocations(RevocationOptions{})
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if list.Revoked(bc.c) != bc.want {
						panic("wrong answer")
					}
				}
			})
		})
	}
}

// Until the list is loaded, requests with credentials wait for it (and get
// 503 when it takes too long); requests without credentials never wait.
func TestRevocationsGate(t *testing.T) {
	gin.SetMode(gin.TestMode)
	l := NewRevocations(RevocationOptions{Logger: quiet()})
	r := gin.New()
	r.Use(l.Gate(100 * time.Millisecond))
	r.GET("/p", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	serve := func(header, value string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/p", nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	for _, tc := range []struct {
		name, header, value string
		loaded              bool
		want                int
	}{
		{"anonymous, not loaded", "", "", false, http.StatusNoContent},
		{"bearer, not loaded", "Authorization", "Bearer x", false, http.StatusServiceUnavailable},
		{"cookie, not loaded", "Cookie", "hanko=x", false, http.StatusServiceUnavailable},
		{"bearer, loaded", "Authorization", "Bearer x", true, http.StatusNoContent},
		{"cookie, loaded", "Cookie", "hanko=x", true, http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.loaded {
				if err := l.Load(testCtx(t), openStore(t, storetest.SQLiteURL(t))); err != nil {
					t.Fatal(err)
				}
			}
			w := serve(tc.header, tc.value)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if w.Code == http.StatusServiceUnavailable && (w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), `"error":"auth_unavailable"`)) {
				t.Errorf("503 without Retry-After or auth_unavailable: %v %s", w.Header(), w.Body)
			}
		})
	}
	// A request waiting when the load completes goes through.
	l2 := NewRevocations(RevocationOptions{Logger: quiet()})
	r2 := gin.New()
	r2.Use(l2.Gate(5 * time.Second))
	r2.GET("/p", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	s := openStore(t, storetest.SQLiteURL(t))
	go func() { time.Sleep(50 * time.Millisecond); _ = l2.Load(context.Background(), s) }()
	req := httptest.NewRequest(http.MethodGet, "/p", nil)
	req.Header.Set("Authorization", "Bearer x")
	w := httptest.NewRecorder()
	r2.ServeHTTP(w, req)
	if w.Code != http.StatusNoContent {
		t.Errorf("a request waiting for the load: %d", w.Code)
	}
}

// Entries that leave the database (pruned, or deleted by hand) leave a
// running replica at its next read of the changes, without a restart; a
// replica whose unread tombstones were deleted reads everything again. On
// SQLite a write by another process (here: another store on the same file,
// as the purge subcommand is) is seen within a second through data_version.
func TestRevocationsFollowTheDatabase(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := testCtx(t)
		url := b.NewURL(t)
		l := NewRevocations(RevocationOptions{ReloadEvery: time.Hour, Logger: quiet()})
		runList(t, l, openStore(t, url))
		other := openStore(t, url) // another replica, or the purge on SQLite
		within := func(what string, d time.Duration, cond func() bool) {
			t.Helper()
			deadline := time.Now().Add(d)
			for !cond() {
				if time.Now().After(deadline) {
					t.Fatalf("%s: not within %v", what, d)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		user, session := authtest.RandomUUID(), authtest.RandomUUID()
		if _, _, err := deleteAndRevokeUser(ctx, other, user); err != nil {
			t.Fatal(err)
		}
		if _, err := revokeSession(ctx, other, session, user, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		uc, sc := &auth.Claims{UserID: user, SessionID: "x"}, &auth.Claims{UserID: "y", SessionID: session}
		start := time.Now()
		within("revocations written by another process seen", 1500*time.Millisecond, func() bool { return l.Revoked(uc) && l.Revoked(sc) })
		t.Logf("seen after %v", time.Since(start))

		err := store.WithWriteTx(ctx, other, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM revoked_sessions WHERE session_id = $1`, session); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM revoked_users WHERE user_id = $1`, user)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fulls := l.fulls.Load()
		within("entries deleted by hand dropped", 3*time.Second, func() bool {
			_ = l.Reload(ctx, other) // PostgreSQL pushes no deletion: read the changes as the minute's reload would
			return !l.Revoked(uc) && !l.Revoked(sc)
		})
		if l.fulls.Load() != fulls {
			t.Errorf("dropping two entries read everything again")
		}

		// Tombstones older than a day go; a replica that had not read them
		// reads everything again, and ends up equal to the database.
		gone := authtest.RandomUUID()
		if _, err := revokeSession(ctx, other, gone, user, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		lagging := NewRevocations(RevocationOptions{Logger: quiet()})
		if err := lagging.Load(ctx, other); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(3 * time.Hour)
		setClock(t, func() time.Time { return later })
		if _, err := pruneRevocations(ctx, other); err != nil { // the session ended: pruned, tombstone
			t.Fatal(err)
		}
		setClock(t, func() time.Time { return later.Add(2 * tombstoneKeep) })
		if _, err := pruneRevocations(ctx, other); err != nil { // the tombstone goes
			t.Fatal(err)
		}
		before := lagging.fulls.Load()
		if err := lagging.Reload(ctx, other); err != nil {
			t.Fatal(err)
		}
		if lagging.fulls.Load() != before+1 || lagging.Revoked(&auth.Claims{UserID: "y", SessionID: gone}) {
			t.Errorf("a replica behind the tombstones: full reads %d -> %d, pruned session still revoked %v",
				before, lagging.fulls.Load(), lagging.Revoked(&auth.Claims{UserID: "y", SessionID: gone}))
		}
	})
}
