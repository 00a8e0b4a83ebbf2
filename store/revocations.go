// Part of the webhooks feature (docs/webhooks.md): `go run ./cmd/starter remove webhooks` deletes this file.

package store

// The revocation list's storage: ended sessions and deleted users, whose
// tokens the app refuses before their exp (features/webhooks keeps the list
// in memory and asks it on every request). Tables in
// migrations/<dialect>/webhooks.
//
// Every revocation is written in a transaction that also announces it: on
// PostgreSQL with pg_notify, delivered when it commits to every process
// listening (WatchRevocations, one dedicated connection per process); on
// SQLite, which one process uses, to the watchers of the same Store once it
// committed. A watcher that lost its connection may have missed some: it is
// told when it is connected again, and reloads (LoadRevocations).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

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

var errNotOurStore = errors.New("store: revocations need a Store returned by store.Open")

func sqlStoreOf(s Store) (*sqlStore, error) {
	ss, ok := s.(*sqlStore)
	if !ok {
		return nil, errNotOurStore
	}
	return ss, nil
}

// DeleteAndRevokeUser is DeleteUserData that also revokes the user, in the
// same transaction and under the owner's lock: once it returns, every token
// of the user is on the list (kept for keep, DefaultRevokedUserKeep when 0)
// and every write for them that starts is refused by RefuseRevokedUsers, so
// nothing can be stored for them after the deletion. Revoking again extends
// the entry, and deletes what was stored meanwhile (nothing, with the check).
func DeleteAndRevokeUser(ctx context.Context, s Store, userID string, keep time.Duration) (int, Revocation, error) {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return 0, Revocation{}, err
	}
	if err := checkOwner(userID); err != nil {
		return 0, Revocation{}, err
	}
	if keep <= 0 {
		keep = DefaultRevokedUserKeep
	}
	now := ss.timestamp()
	r := Revocation{UserID: userID, Until: now.Add(keep)}
	n, err := ss.deleteUserData(ctx, userID, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO revoked_users (user_id, revoked_at, keep_until) VALUES ($1, $2, $3)
			 ON CONFLICT (user_id) DO UPDATE SET revoked_at = excluded.revoked_at,
			   keep_until = CASE WHEN excluded.keep_until > revoked_users.keep_until
			                THEN excluded.keep_until ELSE revoked_users.keep_until END`,
			userID, ss.d.timeArg(now), ss.d.timeArg(r.Until)); err != nil {
			return fmt.Errorf("store: revoke user: %w", err)
		}
		return ss.announce(ctx, tx, r)
	})
	if err != nil {
		return 0, Revocation{}, err
	}
	ss.announced(r)
	return n, r, nil
}

// RevokeSession puts one session on the list until until (the session's
// expires_at: its tokens expire no later). userID is the session's owner, for
// the record. Revoking a session twice keeps the later until.
func RevokeSession(ctx context.Context, s Store, sessionID, userID string, until time.Time) (Revocation, error) {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return Revocation{}, err
	}
	if sessionID == "" || until.IsZero() {
		return Revocation{}, errors.New("store: revoke session: a session id and the time it expires are required")
	}
	r := Revocation{SessionID: sessionID, UserID: userID, Until: until.UTC().Truncate(time.Microsecond)}
	tx, err := ss.w.BeginTx(ctx, ss.d.writeTx)
	if err != nil {
		return Revocation{}, fmt.Errorf("store: revoke session: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO revoked_sessions (session_id, user_id, revoked_at, keep_until) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (session_id) DO UPDATE SET
		   keep_until = CASE WHEN excluded.keep_until > revoked_sessions.keep_until
		                THEN excluded.keep_until ELSE revoked_sessions.keep_until END`,
		sessionID, userID, ss.d.timeArg(ss.timestamp()), ss.d.timeArg(r.Until)); err != nil {
		return Revocation{}, fmt.Errorf("store: revoke session: %w", err)
	}
	if err := ss.announce(ctx, tx, r); err != nil {
		return Revocation{}, err
	}
	if err := tx.Commit(); err != nil {
		return Revocation{}, fmt.Errorf("store: revoke session: commit: %w", err)
	}
	ss.announced(r)
	return r, nil
}

// LoadRevocations returns every revocation still in force (Until after now).
func LoadRevocations(ctx context.Context, s Store) ([]Revocation, error) {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return nil, err
	}
	now := ss.d.timeArg(ss.timestamp())
	rows, err := ss.r.QueryContext(ctx,
		`SELECT session_id, user_id, keep_until FROM revoked_sessions WHERE keep_until > $1
		 UNION ALL
		 SELECT '', user_id, keep_until FROM revoked_users WHERE keep_until > $1`, now)
	if err != nil {
		return nil, fmt.Errorf("store: load revocations: %w", err)
	}
	defer rows.Close()
	var out []Revocation
	for rows.Next() {
		var r Revocation
		var until dbTime
		if err := rows.Scan(&r.SessionID, &r.UserID, &until); err != nil {
			return nil, fmt.Errorf("store: load revocations: %w", err)
		}
		r.Until = until.t
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: load revocations: %w", err)
	}
	return out, nil
}

// PruneRevocations deletes the revocations whose Until has passed and says
// how many went. Any replica may run it at any time.
func PruneRevocations(ctx context.Context, s Store) (int, error) {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return 0, err
	}
	now := ss.d.timeArg(ss.timestamp())
	total := 0
	for _, table := range []string{"revoked_sessions", "revoked_users"} {
		res, err := ss.w.ExecContext(ctx, `DELETE FROM `+table+` WHERE keep_until <= $1`, now)
		if err != nil {
			return total, fmt.Errorf("store: prune %s: %w", table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("store: prune %s: %w", table, err)
		}
		total += int(n)
	}
	return total, nil
}

// RefuseRevokedUsers is a WriteCheck (register it with WithWriteCheck): it
// refuses, with ErrOwnerRevoked, every write for a user DeleteAndRevokeUser
// revoked. It reads the revocation in the write's own transaction, after the
// owner's lock, so it sees every revocation committed before.
func RefuseRevokedUsers(ctx context.Context, tx *sql.Tx, owner string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM revoked_users WHERE user_id = $1`, owner).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("store: read revoked users: %w", err)
	}
	return fmt.Errorf("user %s was deleted: %w", owner, ErrOwnerRevoked)
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

// WatchRevocations calls w.Seen for every revocation written from now on
// until ctx ends, and returns ctx's error then. On PostgreSQL it listens on a
// connection of its own (not one of the pool's), reconnecting whenever it
// drops and probing it every 30 s so a silently dead one is noticed. On
// SQLite it sees what this Store writes (one process uses the file).
func WatchRevocations(ctx context.Context, s Store, w RevocationWatch) error {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return err
	}
	if w.Seen == nil {
		return errors.New("store: WatchRevocations needs a Seen function")
	}
	if ss.pg == nil {
		remove := localWatchers.add(ss, w.Seen)
		defer remove()
		if w.Connected != nil {
			w.Connected()
		}
		<-ctx.Done()
		return ctx.Err()
	}
	pause := minListenPause
	for {
		connected, err := ss.listen(ctx, w)
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
func (s *sqlStore) listen(ctx context.Context, w RevocationWatch) (bool, error) {
	cfg := s.pg.Copy()
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
		return false, fmt.Errorf("store: connect for revocations: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var channel string
	if err := conn.QueryRow(dialCtx, revocationChannelSQL).Scan(&channel); err != nil {
		return false, fmt.Errorf("store: revocation channel: %w", err)
	}
	if _, err := conn.Exec(dialCtx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return false, fmt.Errorf("store: listen for revocations: %w", err)
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
				return true, fmt.Errorf("store: revocation connection: %w", err)
			}
		case err != nil:
			return true, fmt.Errorf("store: revocation connection: %w", err)
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
func (s *sqlStore) announce(ctx context.Context, tx *sql.Tx, r Revocation) error {
	if s.pg == nil {
		return nil // SQLite: announced() after the commit
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify((`+revocationChannelSQL+`), $1)`, string(payload)); err != nil {
		return fmt.Errorf("store: announce revocation: %w", err)
	}
	return nil
}

// announced tells this process's watchers of an SQLite store about r, once
// committed.
func (s *sqlStore) announced(r Revocation) {
	if s.pg == nil {
		localWatchers.publish(s, r)
	}
}

// watchers are the Seen functions of SQLite stores, by store.
type watchers struct {
	mu   sync.Mutex
	next int
	by   map[*sqlStore]map[int]func(Revocation)
}

var localWatchers = &watchers{by: map[*sqlStore]map[int]func(Revocation){}}

func (w *watchers) add(s *sqlStore, f func(Revocation)) (remove func()) {
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

func (w *watchers) publish(s *sqlStore, r Revocation) {
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
