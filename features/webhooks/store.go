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
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
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

// Revocation is one entry of the revocation list.
type Revocation struct {
	// SessionID is the revoked session (the tokens' session_id claim), or ""
	// when the whole user is revoked.
	SessionID string `json:"s,omitempty"`
	// UserID is the revoked user (the tokens' sub); for a session, its owner.
	UserID string `json:"u"`
	// Until is when a session's entry goes: its tokens expire no later. Zero
	// for a user: a deleted user stays revoked for good, since a token issued
	// before the deletion may live as long as Hanko's session lifespan, which
	// has no upper bound (one small row per deleted user; Hanko never reuses
	// ids).
	Until time.Time `json:"t,omitzero"`
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
// per-user table, store.DeleteOwnerRows) and revokes the user for good, in
// one transaction under the owner's lock: once it returns, every token of the
// user is on the list and every write for them that starts is refused by
// refuseRevokedUsers, so nothing can be stored for them after the deletion.
// Revoking again deletes what was stored meanwhile (nothing, with the check).
func deleteAndRevokeUser(ctx context.Context, s store.Store, userID string) (int, Revocation, error) {
	db, err := store.DB(s)
	if err != nil {
		return 0, Revocation{}, err
	}
	r := Revocation{UserID: userID}
	var n int
	err = store.WithOwnerLock(ctx, s, userID, func(tx *sql.Tx) error {
		var err error
		if n, err = store.DeleteOwnerRows(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO revoked_users (user_id, revoked_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`,
			userID, timeArg(db, timestamp())); err != nil {
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
// expires_at plus leeway: its tokens expire no later). userID is the
// session's owner, for the record. Revoking a session twice keeps the later
// until.
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
		// Only a later end changes the row (and numbers a change).
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO revoked_sessions (session_id, user_id, revoked_at, keep_until) VALUES ($1, $2, $3, $4)
			 ON CONFLICT (session_id) DO UPDATE SET keep_until = excluded.keep_until
			 WHERE excluded.keep_until > revoked_sessions.keep_until`,
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

// change is one row changed.
type change struct {
	Revocation
	gone bool // a tombstone: the revocation left the database
}

// fullRead asks readChanges for every revocation in the database.
const fullRead int64 = -1

// readChanges calls each for every change numbered after after, in the
// order of the changes; after = fullRead reads every revocation there is, in
// no order (each appears once), and no tombstones. It returns the number of
// the last change it read (the next read starts after it) and the number up
// to which tombstones were deleted. It is one statement, so it reads one
// consistent state (see migrations/*/0002_number_changes.sql for why no
// change numbered up to seq can become visible later).
func readChanges(ctx context.Context, db store.Database, after int64, each func(change)) (seq, forgotten int64, err error) {
	q := `SELECT 'c', '', '', seq, forgotten, NULL FROM revocation_changes WHERE id = 1
		 UNION ALL
		 SELECT 's', session_id, user_id, seq, 0, keep_until FROM revoked_sessions WHERE seq > $1
		 UNION ALL
		 SELECT 'u', '', user_id, seq, 0, NULL FROM revoked_users WHERE seq > $1`
	if after != fullRead {
		q += ` UNION ALL
		 SELECT 't', session_id, user_id, seq, 0, NULL FROM revocation_tombstones WHERE seq > $1
		 ORDER BY 4`
	}
	rows, err := db.Read.QueryContext(ctx, q, after)
	if err != nil {
		return 0, 0, fmt.Errorf("webhooks: read revocations: %w", err)
	}
	defer rows.Close()
	counter := false
	var kind string
	var c change
	var n, f int64
	var until nullTime
	for rows.Next() {
		c = change{}
		if err := rows.Scan(&kind, &c.SessionID, &c.UserID, &n, &f, &until); err != nil {
			return 0, 0, fmt.Errorf("webhooks: read revocations: %w", err)
		}
		switch kind {
		case "c":
			seq, forgotten, counter = n, f, true
			continue
		case "s":
			c.Until = until.t
		case "t":
			c.gone = true
		}
		each(c)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("webhooks: read revocations: %w", err)
	}
	if !counter {
		return 0, 0, errors.New("webhooks: read revocations: revocation_changes has no row")
	}
	return seq, forgotten, nil
}

// nullTime is a dbTime that may be NULL.
type nullTime struct{ t time.Time }

func (n *nullTime) Scan(src any) error {
	if src == nil {
		n.t = time.Time{}
		return nil
	}
	var d dbTime
	err := d.Scan(src)
	n.t = d.t
	return err
}

// tombstoneKeep is how long a deleted revocation's tombstone stays: a
// replica that has not read the changes for longer reads everything again.
const tombstoneKeep = 24 * time.Hour

// pruneRevocations deletes the session revocations whose end has passed (a
// deleted user's stays for good) and the tombstones older than
// tombstoneKeep, and says how many revocations went. Any replica may run it
// at any time.
func pruneRevocations(ctx context.Context, s store.Store) (int, error) {
	db, err := store.DB(s)
	if err != nil {
		return 0, err
	}
	at := timestamp()
	var n int64
	err = store.WithWriteTx(ctx, s, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM revoked_sessions WHERE keep_until <= $1`, timeArg(db, at))
		if err != nil {
			return fmt.Errorf("webhooks: prune revoked sessions: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("webhooks: prune revoked sessions: %w", err)
		}
		old := timeArg(db, at.Add(-tombstoneKeep))
		if _, err := tx.ExecContext(ctx,
			`UPDATE revocation_changes SET forgotten = (SELECT max(seq) FROM revocation_tombstones WHERE deleted_at < $1)
			 WHERE id = 1 AND EXISTS (SELECT 1 FROM revocation_tombstones WHERE deleted_at < $1)`, old); err != nil {
			return fmt.Errorf("webhooks: prune tombstones: %w", err)
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM revocation_tombstones WHERE seq <= (SELECT forgotten FROM revocation_changes WHERE id = 1)`); err != nil {
			return fmt.Errorf("webhooks: prune tombstones: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
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

// RevocationWatch receives what watchRevocations sees.
type RevocationWatch struct {
	// Seen is called with each revocation any process writes from now on,
	// this one's included, once it is committed. Quick and non-blocking.
	Seen func(Revocation)
	// Changed says that the revocations may have changed in a way Seen does
	// not tell (SQLite: another process wrote to the file): read the changes.
	// May be nil.
	Changed func()
	// Connected is called when watching starts and after each reconnection:
	// revocations written meanwhile were missed, so read the changes then.
	// May be nil.
	Connected func()
	// Lost is called when the PostgreSQL connection fails; another is tried
	// after a pause (100 ms, doubling up to a second). May be nil.
	Lost func(error)
	// Push is called with false when the listening connection's own probe
	// did not come back (notifications do not arrive: read the changes every
	// second until they do), and with true when one came back. Until the
	// first call, treat push as not proven. May be nil.
	Push func(ok bool)
	// ListenURL, when set, is the PostgreSQL URL the listening connection
	// uses instead of the store's: straight to PostgreSQL, past a
	// transaction pooler that cannot pass notifications on.
	ListenURL string
}

// watchRevocations calls w.Seen for every revocation written from now on
// until ctx ends, and returns ctx's error then. On PostgreSQL it listens on a
// connection of its own (not one of the pool's), reconnecting whenever it
// drops, and proves every probeEvery that notifications arrive (see listen).
// On SQLite it sees what this Store writes, and checks every second whether
// another process (the purge) wrote to the file.
func watchRevocations(ctx context.Context, s store.Store, w RevocationWatch) error {
	db, err := store.DB(s)
	if err != nil {
		return err
	}
	if w.Seen == nil {
		return errors.New("webhooks: watchRevocations needs a Seen function")
	}
	if db.Dialect == "sqlite" {
		remove := localWatchers.add(s, w.Seen)
		defer remove()
		if w.Connected != nil {
			w.Connected()
		}
		if w.Push != nil {
			w.Push(true)
		}
		return watchDataVersion(ctx, db, w.Changed)
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

// dataVersionEvery is how often an SQLite store checks whether another
// process wrote to the file.
const dataVersionEvery = 500 * time.Millisecond

// watchDataVersion calls changed whenever PRAGMA data_version moves, checked
// every dataVersionEvery until ctx ends. SQLite changes it on a connection
// when any other connection, of this process or another, committed to the
// file, so it must be asked on one connection all along: it holds one of the
// store's read connections.
func watchDataVersion(ctx context.Context, db store.Database, changed func()) error {
	if changed == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	var conn *sql.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	last := int64(-1)
	tick := time.NewTicker(dataVersionEvery)
	defer tick.Stop()
	for {
		if conn == nil {
			c, err := db.Read.Conn(ctx)
			if err == nil {
				conn, last = c, -1
			}
		}
		if conn != nil {
			var v int64
			if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
				conn.Close()
				conn = nil
				changed() // cannot tell: read the changes
			} else {
				if last >= 0 && v != last {
					changed()
				}
				last = v
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Pauses between attempts to (re)connect the listening connection, how
// often it proves that notifications arrive, how long its probe may take to
// come back, and how long a connection attempt or ping may take.
const (
	minListenPause    = 100 * time.Millisecond
	maxListenPause    = time.Second
	probeEvery        = 2 * time.Second
	probeWait         = 2 * time.Second
	listenDialTimeout = 5 * time.Second
)

// ListenApplicationName is the application_name of the listening
// connections (visible in pg_stat_activity).
const ListenApplicationName = "hanko-gin revocations"

// revocationChannelSQL names the notification channel of the current schema:
// replicas of one app (same database and schema) share it, and apps or test
// schemas side by side in one database do not hear each other.
const revocationChannelSQL = `SELECT 'hanko_gin_revocations_' || left(md5(current_schema()), 16)`

// probePrefix starts the payload of a probe; a revocation's payload is JSON.
const probePrefix = "probe "

// listen runs one listening connection until it fails or ctx ends, and
// reports whether it got as far as listening.
//
// Push proves itself: every probeEvery the listener sends a notification
// addressed to itself the way revocations are sent (pg_notify through the
// store's pool, on its own connection), and waits for it to come back.
// LISTEN through a transaction pooler (PgBouncer in transaction mode) or a
// proxy "works" but the notifications never arrive, without any error: the
// probe is what notices. A probe lost while the connection still answers a
// ping means push is broken (w.Push(false)); a connection that does not
// answer is dropped and made again.
func listen(ctx context.Context, db store.Database, w RevocationWatch) (bool, error) {
	url := db.URL
	if w.ListenURL != "" {
		url = w.ListenURL
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return false, fmt.Errorf("webhooks: the listening connection's URL: %w", err)
	}
	cfg.RuntimeParams["application_name"] = ListenApplicationName
	// No prepared statements: a pooler before the server (PgBouncer before
	// 1.21 in transaction mode) cannot pass them on, and this connection runs
	// three statements in its life, so they would save nothing anyway.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
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

	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	me := probePrefix + hex.EncodeToString(nonce[:]) + " "
	var (
		sent      int          // probes sent
		waitingOn string       // the payload of the probe on its way, or ""
		sentAt    time.Time    // when it left
		nextProbe = time.Now() // the first probe goes at once
	)
	for {
		wake := nextProbe
		if waitingOn != "" {
			wake = sentAt.Add(probeWait)
		}
		waitCtx, cancel := context.WithDeadline(ctx, wake)
		n, err := conn.WaitForNotification(waitCtx)
		// Asked before cancel, which would make every error look like the
		// end of the wait: a connection the server closed (a restart) must
		// be made again, not probed in a loop.
		waited := err != nil && waitCtx.Err() != nil && !conn.IsClosed()
		cancel()
		switch {
		case ctx.Err() != nil:
			return true, ctx.Err()
		case waited:
			if waitingOn != "" {
				// The probe did not come back. A connection that still
				// answers is one notifications do not reach.
				waitingOn = ""
				pingCtx, cancel := context.WithTimeout(ctx, listenDialTimeout)
				err := conn.Ping(pingCtx)
				cancel()
				if err != nil {
					return true, fmt.Errorf("webhooks: revocation connection: %w", err)
				}
				if w.Push != nil {
					w.Push(false)
				}
				continue
			}
			sent++
			payload := me + strconv.Itoa(sent)
			sendCtx, cancel := context.WithTimeout(ctx, probeWait)
			_, err := db.Read.ExecContext(sendCtx, `SELECT pg_notify(($1), $2)`, channel, payload)
			cancel()
			nextProbe = time.Now().Add(probeEvery)
			if err != nil {
				continue // the database is not answering the pool: nothing to prove now
			}
			waitingOn, sentAt = payload, time.Now()
		case err != nil:
			return true, fmt.Errorf("webhooks: revocation connection: %w", err)
		case strings.HasPrefix(n.Payload, probePrefix):
			if n.Payload == waitingOn {
				waitingOn = ""
				if w.Push != nil {
					w.Push(true)
				}
			}
		default:
			var r Revocation
			if err := json.Unmarshal([]byte(n.Payload), &r); err != nil || r.UserID == "" || (!r.IsUser() && r.Until.IsZero()) {
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
