package webhooks

// The revocation list: ended sessions and deleted users, asked by
// the auth middleware on every request (auth.Config.Revocations) after the
// signature check, from memory. It is fed by Hanko's webhooks (user.delete,
// session.delete.*) and by the purge, through the database, so it survives a
// restart and every replica sees it:
//
//   - A revocation is written to the database (store.go), in the
//     same transaction that deletes a deleted user's data, and added to this
//     replica's list at once.
//   - The other replicas hear of it when it commits: PostgreSQL pushes it
//     (LISTEN/NOTIFY on one dedicated connection per replica), in well under
//     a second. SQLite is one process: its list is told in-process.
//   - A replica that lost its listening connection reloads the whole list
//     when it is back, and every ReloadEvery anyway (the safety net).
//   - Writes for a deleted user are refused in their own transaction by
//     refuseRevokedUsers, so even a request that passed this list a
//     moment before the deletion stores nothing after it.

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/store"
)

// Defaults of RevocationOptions.
const (
	DefaultReloadEvery = time.Minute
	DefaultPruneEvery  = time.Hour
)

// expiryMargin is added to a session's expires_at: auth accepts a token up to
// 30 s after its exp (clock skew), so the entry must outlive that.
const expiryMargin = time.Minute

// RevocationOptions configures a Revocations list. Zero values mean the defaults.
type RevocationOptions struct {
	// Keep is how long a deleted user stays revoked: longer than any token
	// issued before the deletion can live (Hanko's session.lifespan, 12 h by
	// default). 0 means DefaultRevokedUserKeep (30 days).
	Keep time.Duration
	// ReloadEvery is how often the whole list is read again from the
	// database, the safety net for a notification that never arrived.
	ReloadEvery time.Duration
	// PruneEvery is how often expired revocations are deleted from the database.
	PruneEvery time.Duration
	// Logger receives warnings (database unreachable). Nil means slog.Default().
	Logger *slog.Logger
}

// Revocations is the in-memory revocation list. It implements
// auth.Revocations: put it into auth.Config.Revocations, and run Run beside
// the server. Its methods are safe for concurrent use.
//
// Lookups take no lock: the entries live in two sync.Maps, which since Go
// 1.24 are concurrent hash tries read with atomic loads of published nodes
// (read-copy-update style), so a lookup costs two hash-trie probes and never
// waits for a writer. Writers (rare: a logout, a deletion) serialise on a
// mutex among themselves only.
type Revocations struct {
	opts RevocationOptions
	log  *slog.Logger
	now  func() time.Time

	sessions sync.Map // session id -> time.Time until which it is refused
	users    sync.Map // user id -> time.Time until which all their sessions are refused
	size     atomic.Int64
	writeMu  sync.Mutex // serialises writers; readers never take it

	loaded  chan struct{} // closed after the first successful Load
	isReady atomic.Bool   // the same, for the request path
	once    sync.Once
	reloads atomic.Int64
}

// NewRevocations returns an empty list. Load fills it from a Store (one
// from store.Open), Run keeps it current; both, and the Revoke methods, take
// the Store, which the app opens after auth is configured.
func NewRevocations(opts RevocationOptions) *Revocations {
	if opts.Keep <= 0 {
		opts.Keep = DefaultRevokedUserKeep
	}
	if opts.ReloadEvery <= 0 {
		opts.ReloadEvery = DefaultReloadEvery
	}
	if opts.PruneEvery <= 0 {
		opts.PruneEvery = DefaultPruneEvery
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Revocations{opts: opts, log: log, now: time.Now, loaded: make(chan struct{})}
}

var _ auth.Revocations = (*Revocations)(nil)

// Revoked reports whether c's session or c's user is on the list. It is
// what the auth middleware asks on every request: memory only, no lock.
func (l *Revocations) Revoked(c *auth.Claims) bool {
	if l.size.Load() == 0 {
		return false
	}
	if _, ok := l.sessions.Load(c.SessionID); ok {
		return true
	}
	_, ok := l.users.Load(c.UserID)
	return ok
}

// Len is the number of entries (sessions and users) on the list.
func (l *Revocations) Len() int { return int(l.size.Load()) }

// Loaded is closed once the list was first read from the database.
func (l *Revocations) Loaded() <-chan struct{} { return l.loaded }

// Gate is a middleware for the first moments after a start: until the list
// was first read from the database, a request that carries credentials (an
// Authorization header or a cookie) waits for it, up to wait, and gets 503
// auth_unavailable (Retry-After: 1) if it is still not loaded; without the
// gate, a revoked token could pass in that moment. Once loaded it costs one
// atomic load per request.
func (l *Revocations) Gate(wait time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if l.isReady.Load() || (c.GetHeader("Authorization") == "" && c.GetHeader("Cookie") == "") {
			c.Next()
			return
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-l.loaded:
			c.Next()
		case <-t.C:
			c.Header("Retry-After", "1")
			auth.WriteError(c, &auth.Error{Status: http.StatusServiceUnavailable, Code: auth.CodeAuthUnavailable,
				Message: "The session cannot be checked right now; try again shortly.",
				Err:     errors.New("the revocation list has not been loaded from the database yet")})
		case <-c.Request.Context().Done():
			c.Abort()
		}
	}
}

// RevokeUser deletes everything stored for the user and revokes every
// session they have, in one transaction (deleteAndRevokeUser), and
// puts the user on this replica's list before it returns; the other replicas
// hear of it when it commits. It returns the number of rows deleted.
// Revoking a user twice is harmless.
func (l *Revocations) RevokeUser(ctx context.Context, s store.Store, userID string) (int, error) {
	n, r, err := deleteAndRevokeUser(ctx, s, userID, l.opts.Keep)
	if err != nil {
		return 0, err
	}
	l.add(r)
	return n, nil
}

// RevokeSession revokes one session (its tokens' session_id) of userID until
// expiresAt, the session's end (its tokens expire no later); a zero
// expiresAt keeps it for Keep. It is on this replica's list before it
// returns; the other replicas hear of it when it commits.
func (l *Revocations) RevokeSession(ctx context.Context, s store.Store, sessionID, userID string, expiresAt time.Time) error {
	if sessionID == "" {
		return errors.New("webhooks: revoke session: no session id")
	}
	until := expiresAt.Add(expiryMargin)
	if expiresAt.IsZero() {
		until = l.now().Add(l.opts.Keep)
	}
	r, err := revokeSession(ctx, s, sessionID, userID, until)
	if err != nil {
		return err
	}
	l.add(r)
	return nil
}

// add puts r on the list unless it has already expired; an entry already
// there keeps the later of the two ends.
func (l *Revocations) add(r Revocation) {
	if !r.Until.After(l.now()) {
		return
	}
	m, key := &l.sessions, r.SessionID
	if r.IsUser() {
		m, key = &l.users, r.UserID
	}
	if key == "" {
		return
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if old, ok := m.Load(key); ok {
		if old.(time.Time).Before(r.Until) {
			m.Store(key, r.Until)
		}
		return
	}
	m.Store(key, r.Until)
	l.size.Add(1)
}

// Load reads every revocation in force from the database into the list and
// drops the entries that have expired.
func (l *Revocations) Load(ctx context.Context, s store.Store) error {
	rs, err := loadRevocations(ctx, s)
	if err != nil {
		return err
	}
	for _, r := range rs {
		l.add(r)
	}
	l.dropExpired()
	l.reloads.Add(1)
	l.once.Do(func() { l.isReady.Store(true); close(l.loaded) })
	return nil
}

// dropExpired removes the entries whose end has passed.
func (l *Revocations) dropExpired() {
	now := l.now()
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	for _, m := range []*sync.Map{&l.sessions, &l.users} {
		m.Range(func(k, v any) bool {
			if !v.(time.Time).After(now) {
				m.Delete(k)
				l.size.Add(-1)
			}
			return true
		})
	}
}

// Run keeps the list current until ctx ends: it loads it, listens for the
// revocations every replica writes (watchRevocations), reloads it
// after every reconnection and every ReloadEvery, and prunes the database
// every PruneEvery. Database errors are logged and retried, never returned:
// it returns nil when ctx ends.
func (l *Revocations) Run(ctx context.Context, s store.Store) error {
	reload := make(chan struct{}, 1)
	poke := func() {
		select {
		case reload <- struct{}{}:
		default:
		}
	}
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		err := watchRevocations(ctx, s, RevocationWatch{
			Seen:      l.add,
			Connected: poke, // anything written while not listening was missed
			Lost: func(err error) {
				l.log.Warn("revocation list: lost the database connection that pushes revocations; reconnecting (the list is reloaded then)", "error", err)
			},
		})
		if err != nil && ctx.Err() == nil {
			l.log.Error("revocation list: cannot watch the database; relying on the periodic reload", "error", err)
		}
	}()
	defer func() { <-watchDone }()

	l.reload(ctx, s)
	l.prune(ctx, s)
	reloadTick := time.NewTicker(l.opts.ReloadEvery)
	defer reloadTick.Stop()
	pruneTick := time.NewTicker(l.opts.PruneEvery)
	defer pruneTick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-reload:
			l.reload(ctx, s)
		case <-reloadTick.C:
			l.reload(ctx, s)
		case <-pruneTick.C:
			l.prune(ctx, s)
		}
	}
}

func (l *Revocations) reload(ctx context.Context, s store.Store) {
	if err := l.Load(ctx, s); err != nil && ctx.Err() == nil {
		l.log.Warn("revocation list: reload from the database failed; retrying", "error", err, "retry_in", l.opts.ReloadEvery)
	}
}

func (l *Revocations) prune(ctx context.Context, s store.Store) {
	n, err := pruneRevocations(ctx, s)
	switch {
	case err != nil && ctx.Err() == nil:
		l.log.Warn("revocation list: pruning expired revocations failed", "error", err)
	case n > 0:
		l.log.Info("revocation list: pruned expired revocations", "pruned", n)
	}
}
