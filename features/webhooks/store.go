package webhooks

// The revocation list's storage: ended sessions and deleted users, whose
// tokens the app refuses before their exp (revocations.go keeps the list in
// memory and asks it on every request). Tables in migrations/<dialect>/,
// applied by the store (store.WithMigrations, see storeOptions).
//
// Every revocation is written in a transaction that also announces it: on
// PostgreSQL with pg_notify, delivered when it commits to every process
// listening (watchRevocations, one dedicated connection per process); on
// SQLite, which one process uses, to the watchers of the same Store once it
// committed. A watcher that lost its connection may have missed some: it is
// told when it is connected again, and reloads (loadRevocations).

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/hanko-gin/hanko-gin/store"
)

//go:embed migrations
var migrationFiles embed.FS

// storeOptions are what the feature adds to store.Open: its tables, and the
// check that refuses every write for a deleted user.
func storeOptions() []store.Option {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded folder is there: the build embeds it
	}
	return []store.Option{store.WithMigrations("webhooks", sub), store.WithWriteCheck(refuseRevokedUsers)}
}

// DefaultRevokedUserKeep is how long a deleted user stays revoked: longer
// than any token issued before the deletion can live. Hanko's session tokens
// live 12 hours by default (session.lifespan); set a longer keep with
// DeleteAndRevokeUser when your Hanko issues longer-lived ones.
const DefaultRevokedUserKeep = 30 * 24 * time.Hour

// Revocation is one entry of the revocation list.
type Revocation struct {
	// SessionID is the revoked session (the tokens' session_id claim), or ""
	// when the whole user is revoked.
	SessionID string `json:"s,omitempty"`
	// UserID is the revoked user (the tokens' sub); for a session, its owner.
	UserID string `json:"u"`
	// Until is when the entry goes: no token it refuses is valid after it.
	Until time.Time `json:"t"`
}

// IsUser reports whether r revokes every session of UserID.
func (r Revocation) IsUser() bool { return r.SessionID == "" }

// testClock, when set, replaces time.Now for the revocations written.
var testClock atomic.Pointer[func() time.Time]

// timestamp is the current time as stored: UTC, whole microseconds, as the
// store keeps its own times.
func timestamp() time.Time {
	now := time.Now
	if c := testClock.Load(); c != nil {
		now = *c
	}
	return now().UTC().Truncate(time.Microsecond)
}

// sqliteTimeLayout is how SQLite stores times: fixed width, so text order is
// time order (the todos' layout too).
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// timeArg turns t into a query argument for db's dialect.
func timeArg(db store.Database, t time.Time) any {
	if db.Dialect == "sqlite" {
		return t.UTC().Format(sqliteTimeLayout)
	}
	return t
}

// dbTime scans a time from either database: PostgreSQL hands back a
// time.Time, SQLite the text of sqliteTimeLayout.
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		d.t = v.UTC()
		return nil
	case string:
		t, err := time.Parse(sqliteTimeLayout, v)
		d.t = t.UTC()
		return err
	case []byte:
		t, err := time.Parse(sqliteTimeLayout, string(v))
		d.t = t.UTC()
		return err
	}
	return fmt.Errorf("webhooks: cannot scan %T into a time", src)
}

// deleteAndRevokeUser deletes everything stored for the user (every
// per-user table, store.DeleteOwnerRows) and revokes the user, in one
// transaction under the owner's lock: once it returns, every token of the
// user is on the list (kept for keep, DefaultRevokedUserKeep when 0) and
// every write for them that starts is refused by refuseRevokedUsers, so
// nothing can be stored for them after the deletion. Revoking again extends
// the entry, and deletes what was stored meanwhile (nothing, with the check).
func deleteAndRevokeUser(ctx context.Context, s store.Store, userID string, keep time.Duration) (int, Revocation, error) {
	db, err := store.DB(s)
	if err != nil {
		return 0, Revocation{}, err
	}
	if keep <= 0 {
		keep = DefaultRevokedUserKeep
	}
	at := timestamp()
	r := Revocation{UserID: userID, Until: at.Add(keep)}
	var n int
	err = store.WithOwnerLock(ctx, s, userID, func(tx *sql.Tx) error {
		var err error
		if n, err = store.DeleteOwnerRows(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO revoked_users (user_id, revoked_at, keep_until) VALUES ($1, $2, $3)
			 ON CONFLICT (user_id) DO UPDATE SET revoked_at = excluded.revoked_at,
			   keep_until = CASE WHEN excluded.keep_until > revoked_users.keep_until
			                THEN excluded.keep_until ELSE revoked_users.keep_until END`,
			userID, timeArg(db, at), timeArg(db, r.Until)); err != nil {
			return fmt.Errorf("webhooks: revoke user: %w", err)
		}
		return announce(ctx, db, tx, r)
	})
	if err != nil {
		return 0, Revocation{}, err
	}
	announced(s, db, r)
	return n, r, nil
}

// revokeSession puts one session on the list until until (the session's
// expires_at: its tokens expire no later). userID is the session's owner, for
// the record. Revoking a session twice keeps the later until.
func revokeSession(ctx context.Context, s store.Store, sessionID, userID string, until time.Time) (Revocation, error) {
	db, err := store.DB(s)
	if err != nil {
		return Revocation{}, err
	}
	if sessionID == "" || until.IsZero() {
		return Revocation{}, errors.New("webhooks: revoke session: a session id and the time it expires are required")
	}
	r := Revocation{SessionID: sessionID, UserID: userID, Until: until.UTC().Truncate(time.Microsecond)}
	err = store.WithWriteTx(ctx, s, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO revoked_sessions (session_id, user_id, revoked_at, keep_until) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (session_id) DO UPDATE SET
			   keep_until = CASE WHEN excluded.keep_until > revoked_sessions.keep_until
			                THEN excluded.keep_until ELSE revoked_sessions.keep_until END`,
			sessionID, userID, timeArg(db, timestamp()), timeArg(db, r.Until)); err != nil {
			return fmt.Errorf("webhooks: revoke session: %w", err)
		}
		return announce(ctx, db, tx, r)
	})
	if err != nil {
		return Revocation{}, err
	}
	announced(s, db, r)
	return r, nil
}

// loadRevocations returns every revocation still in force (Until after now).
func loadRevocations(ctx context.Context, s store.Store) ([]Revocation, error) {
	db, err := store.DB(s)
	if err != nil {
		return nil, err
	}
	at := timeArg(db, timestamp())
	rows, err := db.Read.QueryContext(ctx,
		`SELECT session_id, user_id, keep_until FROM revoked_sessions WHERE keep_until > $1
		 UNION ALL
		 SELECT '', user_id, keep_until FROM revoked_users WHERE keep_until > $1`, at)
	if err != nil {
		return nil, fmt.Errorf("webhooks: load revocations: %w", err)
	}
	defer rows.Close()
	var out []Revocation
	for rows.Next() {
		var r Revocation
		var until dbTime
		if err := rows.Scan(&r.SessionID, &r.UserID, &until); err != nil {
			return nil, fmt.Errorf("webhooks: load revocations: %w", err)
		}
		r.Until = until.t
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhooks: load revocations: %w", err)
	}
	return out, nil
}

// pruneRevocations deletes the revocations whose Until has passed and says
// how many went. Any replica may run it at any time.
func pruneRevocations(ctx context.Context, s store.Store) (int, error) {
	db, err := store.DB(s)
	if err != nil {
		return 0, err
	}
	at := timeArg(db, timestamp())
	total := 0
	err = store.WithWriteTx(ctx, s, func(tx *sql.Tx) error {
		for _, table := range []string{"revoked_sessions", "revoked_users"} {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE keep_until <= $1`, at)
			if err != nil {
				return fmt.Errorf("webhooks: prune %s: %w", table, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("webhooks: prune %s: %w", table, err)
			}
			total += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return total, nil
}

// refuseRevokedUsers is a store.WriteCheck (storeOptions registers it): it
// refuses, with store.ErrOwnerRevoked, every write for a user
// deleteAndRevokeUser revoked. It reads the revocation in the write's own
// transaction, after the owner's lock, so it sees every revocation committed
// before.
func refuseRevokedUsers(ctx context.Context, tx *sql.Tx, owner string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM revoked_users WHERE user_id = $1`, owner).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("webhooks: read revoked users: %w", err)
	}
	return fmt.Errorf("user %s was deleted: %w", owner, store.ErrOwnerRevoked)
}

// RevocationWatch receives what WatchRevocations sees.
type RevocationWatch struct {
	// Seen is called with each revocation any process writes from now on,
	// this one's included, once it is committed. Quick and non-blocking.
	Seen func(Revocation)
	// Connected is called when watching starts and after each reconnection:
	// revocations written meanwhile were missed, so reload then. May be nil.
	Connected func()
	// Lost is called when the PostgreSQL connection fails; another is tried
	// after a pause (100 ms, doubling up to 5 s). May be nil.
	Lost func(error)
}

// watchRevocations calls w.Seen for every revocation written from now on
// until ctx ends, and returns ctx's error then. On PostgreSQL it listens on a
// connection of its own (not one of the pool's), reconnecting whenever it
// drops and probing it every 30 s so a silently dead one is noticed. On
// SQLite it sees what this Store writes (one process uses the file).
func watchRevocations(ctx context.Context, s store.Store, w RevocationWatch) error {
	db, err := store.DB(s)
	if err != nil {
		return err
	}
	if w.Seen == nil {
		return errors.New("webhooks: WatchRevocations needs a Seen function")
	}
	if db.Dialect == "sqlite" {
		remove := localWatchers.add(s, w.Seen)
		defer remove()
		if w.Connected != nil {
			w.Connected()
		}
		<-ctx.Done()
		return ctx.Err()
	}
	pause := minListenPause
	for {
		connected, err := listen(ctx, db, w)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if connected {
			pause = minListenPause
		}
		if w.Lost != nil {
			w.Lost(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, maxListenPause)
	}
}

// Pauses between attempts to (re)connect the listening connection, how long
// it waits for a notification before probing the connection, and how long a
// connection attempt or probe may take.
const (
	minListenPause    = 100 * time.Millisecond
	maxListenPause    = 5 * time.Second
	listenProbeEvery  = 30 * time.Second
	listenDialTimeout = 10 * time.Second
)

// ListenApplicationName is the application_name of the listening
// connections (visible in pg_stat_activity).
const ListenApplicationName = "hanko-gin revocations"

// revocationChannelSQL names the notification channel of the current schema:
// replicas of one app (same database and schema) share it, and apps or test
// schemas side by side in one database do not hear each other.
const revocationChannelSQL = `SELECT 'hanko_gin_revocations_' || left(md5(current_schema()), 16)`

// listen runs one listening connection until it fails or ctx ends, and
// reports whether it got as far as listening.
func listen(ctx context.Context, db store.Database, w RevocationWatch) (bool, error) {
	cfg, err := pgx.ParseConfig(db.URL)
	if err != nil {
		return false, fmt.Errorf("webhooks: the database URL: %w", err)
	}
	cfg.RuntimeParams["application_name"] = ListenApplicationName
	// Waiting ends by a deadline on the socket, not a cancel request to
	// the server: a wait that times out leaves the connection usable.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	dialCtx, cancel := context.WithTimeout(ctx, listenDialTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(dialCtx, cfg)
	if err != nil {
		return false, fmt.Errorf("webhooks: connect for revocations: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var channel string
	if err := conn.QueryRow(dialCtx, revocationChannelSQL).Scan(&channel); err != nil {
		return false, fmt.Errorf("webhooks: revocation channel: %w", err)
	}
	if _, err := conn.Exec(dialCtx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false, fmt.Errorf("webhooks: listen for revocations: %w", err)
	}
	cancel()
	if w.Connected != nil {
		w.Connected()
	}
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenProbeEvery)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, ctx.Err()
		case err != nil && waitCtx.Err() != nil:
			// Nothing for a while: make sure the connection is alive.
			probeCtx, cancel := context.WithTimeout(ctx, listenDialTimeout)
			err = conn.Ping(probeCtx)
			cancel()
			if err != nil {
				return true, fmt.Errorf("webhooks: revocation connection: %w", err)
			}
		case err != nil:
			return true, fmt.Errorf("webhooks: revocation connection: %w", err)
		default:
			var r Revocation
			if err := json.Unmarshal([]byte(n.Payload), &r); err != nil || r.UserID == "" || r.Until.IsZero() {
				continue // not ours: the channel is public to the database's users
			}
			w.Seen(r)
		}
	}
}

// announce tells the watchers about r when tx commits: on PostgreSQL by a
// notification in tx itself, delivered by the server on commit.
func announce(ctx context.Context, db store.Database, tx *sql.Tx, r Revocation) error {
	if db.Dialect == "sqlite" {
		return nil // SQLite: announced() after the commit
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify((`+revocationChannelSQL+`), $1)`, string(payload)); err != nil {
		return fmt.Errorf("webhooks: announce revocation: %w", err)
	}
	return nil
}

// announced tells this process's watchers of an SQLite store about r, once
// committed.
func announced(s store.Store, db store.Database, r Revocation) {
	if db.Dialect == "sqlite" {
		localWatchers.publish(s, r)
	}
}

// watchers are the Seen functions of SQLite stores, by store.
type watchers struct {
	mu   sync.Mutex
	next int
	by   map[store.Store]map[int]func(Revocation)
}

var localWatchers = &watchers{by: map[store.Store]map[int]func(Revocation){}}

func (w *watchers) add(s store.Store, f func(Revocation)) (remove func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.next++
	id := w.next
	if w.by[s] == nil {
		w.by[s] = map[int]func(Revocation){}
	}
	w.by[s][id] = f
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.by[s], id)
		if len(w.by[s]) == 0 {
			delete(w.by, s)
		}
	}
}

func (w *watchers) publish(s store.Store, r Revocation) {
	w.mu.Lock()
	fs := make([]func(Revocation), 0, len(w.by[s]))
	for _, f := range w.by[s] {
		fs = append(fs, f)
	}
	w.mu.Unlock()
	for _, f := range fs {
		f(r)
	}
}
