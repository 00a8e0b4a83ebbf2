package webhooks

// The revocation list: ended sessions and deleted users, asked by the auth
// middleware on every request (auth.Config.Revocations) after the signature
// check, from memory. It is fed by Hanko's webhooks (user.delete,
// session.delete.*) and by the purge, through the database, so it survives a
// restart and every replica sees it:
//
//   - A revocation is written to the database (store.go), in the same
//     transaction that deletes a deleted user's data, and added to this
//     replica's list at once.
//   - The other replicas hear of it when it commits: PostgreSQL pushes it
//     (LISTEN/NOTIFY on one dedicated connection per replica), in well under
//     a second. SQLite is one process: its list is told in-process, and a
//     write by another process (the purge) is noticed within a second.
//   - Push proves itself with a probe every few seconds; while it is not
//     proven (a transaction pooler, a lost connection), the replica reads the
//     changes every second. It reads them every ReloadEvery anyway.
//   - Reading the changes is incremental: every change is numbered in the
//     database, and a deleted revocation leaves a numbered tombstone, so a
//     read costs what changed since the last one, and entries that left the
//     database leave every replica too.
//   - Writes for a deleted user are refused in their own transaction by
//     refuseRevokedUsers, so even a request that passed this list a moment
//     before the deletion stores nothing after it.

import (
	"context"
	"encoding/hex"
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

// pollEvery is how often the changes are read while push is not proven.
const pollEvery = time.Second

// expiryMargin is added to a session's expires_at: auth accepts a token up to
// 30 s after its exp (clock skew), so the entry must outlive that.
const expiryMargin = time.Minute

// unknownSessionKeep is how long a session whose end Hanko did not say is
// kept: longer than Hanko's default session lifespan (12 h).
const unknownSessionKeep = 30 * 24 * time.Hour

// RevocationOptions configures a Revocations list. Zero values mean the defaults.
type RevocationOptions struct {
	// ReloadEvery is how often the changes are read from the database when
	// push works, the safety net for a notification that never arrived.
	ReloadEvery time.Duration
	// PruneEvery is how often ended session revocations are deleted from
	// the database (a deleted user's stay for good).
	PruneEvery time.Duration
	// ListenURL, when set, is where the PostgreSQL listening connection goes
	// instead of the store's URL (DATABASE_LISTEN_URL): straight to
	// PostgreSQL when the store goes through a transaction pooler.
	ListenURL string
	// Logger receives warnings (database unreachable, push not arriving).
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Revocations is the in-memory revocation list. It implements
// auth.Revocations: put it into auth.Config.Revocations, and run Run beside
// the server. Its methods are safe for concurrent use.
type Revocations struct {
	opts RevocationOptions
	log  *slog.Logger
	now  func() time.Time

	set *entrySet

	// writeMu serialises the writers: local additions and the reading of
	// changes, which must not interleave (a read that started before a local
	// addition committed must not undo it). Readers never take it.
	writeMu sync.Mutex
	seq     int64 // the last change read, fullRead before the first

	loaded  chan struct{} // closed after the first successful Load
	isReady atomic.Bool   // the same, for the request path
	once    sync.Once
	reloads atomic.Int64 // reads of the changes
	fulls   atomic.Int64 // of which full reads
	pushOK  atomic.Bool  // notifications arrive (the probe came back)
	pushed  atomic.Int64 // revocations heard by push
}

// NewRevocations returns an empty list. Load fills it from a Store (one
// from store.Open), Run keeps it current; both, and the Revoke methods, take
// the Store, which the app opens after auth is configured.
func NewRevocations(opts RevocationOptions) *Revocations {
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
	return &Revocations{opts: opts, log: log, now: time.Now, loaded: make(chan struct{}), seq: fullRead, set: newEntrySet(0)}
}

var _ auth.Revocations = (*Revocations)(nil)

// Revoked reports whether c's session or c's user is on the list. It is
// what the auth middleware asks on every request: memory only, one read
// lock of one shard of 64.
func (l *Revocations) Revoked(c *auth.Claims) bool {
	if l.set.size.Load() == 0 {
		return false
	}
	return l.set.hasSession(c.SessionID) || l.set.hasUser(c.UserID)
}

// Len is the number of entries (sessions and users) on the list.
func (l *Revocations) Len() int { return int(l.set.size.Load()) }

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

// RevokeUser deletes everything stored for the user (every table with an
// owner column) and revokes every session they have, for good, in one
// transaction (deleteAndRevokeUser), and puts the user on this replica's list
// before it returns; the other replicas hear of it when it commits. It
// returns the number of rows deleted. Revoking a user twice is harmless.
func (l *Revocations) RevokeUser(ctx context.Context, s store.Store, userID string) (int, error) {
	n, r, err := deleteAndRevokeUser(ctx, s, userID)
	if err != nil {
		return 0, err
	}
	l.add(r)
	return n, nil
}

// RevokeSession revokes one session (its tokens' session_id) of userID until
// expiresAt, the session's end (its tokens expire no later), plus a margin
// for auth's leeway; a zero expiresAt keeps it for 30 days. It is on this
// replica's list before it returns; the other replicas hear of it when it
// commits.
func (l *Revocations) RevokeSession(ctx context.Context, s store.Store, sessionID, userID string, expiresAt time.Time) error {
	if sessionID == "" {
		return errors.New("webhooks: revoke session: no session id")
	}
	until := expiresAt.Add(expiryMargin)
	if expiresAt.IsZero() {
		until = l.now().Add(unknownSessionKeep)
	}
	r, err := revokeSession(ctx, s, sessionID, userID, until)
	if err != nil {
		return err
	}
	l.add(r)
	return nil
}

// add puts r on the list unless it has already ended; a session already
// there keeps the later of the two ends.
func (l *Revocations) add(r Revocation) {
	if r.UserID == "" && r.SessionID == "" {
		return
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if r.IsUser() {
		l.set.addUser(r.UserID)
		return
	}
	if until := unixCeil(r.Until); until > l.now().Unix() {
		l.set.extendSession(r.SessionID, until)
	}
}

// Load reads every revocation from the database into the list, replacing
// what it held.
func (l *Revocations) Load(ctx context.Context, s store.Store) error {
	return l.read(ctx, s, true)
}

// Reload reads what changed in the database since the last read: new and
// changed revocations, and those that left it.
func (l *Revocations) Reload(ctx context.Context, s store.Store) error {
	return l.read(ctx, s, false)
}

func (l *Revocations) read(ctx context.Context, s store.Store, full bool) error {
	db, err := store.DB(s)
	if err != nil {
		return err
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	after := l.seq
	if full {
		after = fullRead
	}
	now := l.now().Unix()
	if after != fullRead {
		seq, forgotten, err := readChanges(ctx, db, after, func(c change) { l.set.apply(c, now) })
		if err != nil {
			return err
		}
		if forgotten <= after {
			l.seq = seq
			l.reloads.Add(1)
			return nil
		}
		// Tombstones this replica has not read were deleted: read it all.
	}
	fresh := newEntrySet(l.set.size.Load())
	seq, _, err := readChanges(ctx, db, fullRead, func(c change) { fresh.apply(c, now) })
	if err != nil {
		return err
	}
	l.set.replace(fresh)
	l.fulls.Add(1)
	l.seq = seq
	l.reloads.Add(1)
	l.once.Do(func() { l.isReady.Store(true); close(l.loaded) })
	return nil
}

// Run keeps the list current until ctx ends: it loads it, listens for the
// revocations every replica writes (watchRevocations), reads the changes
// after every reconnection, every second while push is not proven, and every
// ReloadEvery anyway, and prunes the database every PruneEvery. Database
// errors are logged and retried, never returned: it returns nil when ctx
// ends.
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
		err := watchRevocations(ctx, s, l.watch(poke))
		if err != nil && ctx.Err() == nil {
			l.log.Error("revocation list: cannot watch the database; reading its changes every second", "error", err)
		}
	}()
	defer func() { <-watchDone }()

	if l.isReady.Load() {
		l.reload(ctx, s)
	} else {
		l.load(ctx, s)
	}
	l.prune(ctx, s)
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
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
		case <-poll.C:
			if !l.isReady.Load() {
				l.load(ctx, s)
			} else if !l.pushOK.Load() {
				l.reload(ctx, s)
			}
		case <-reloadTick.C:
			l.reload(ctx, s)
		case <-pruneTick.C:
			l.prune(ctx, s)
		}
	}
}

// watch is what Run tells watchRevocations: it pokes a read of the changes
// when some may have been missed, and passes what the listener reports on to
// a pushHealth, which keeps pushOK and the log. Its functions are called from
// one goroutine.
func (l *Revocations) watch(poke func()) RevocationWatch {
	h := &pushHealth{log: l.log, ok: &l.pushOK}
	return RevocationWatch{
		Seen: func(r Revocation) {
			l.pushed.Add(1)
			l.add(r)
		},
		Changed:   poke,
		Connected: poke, // anything written while not listening was missed
		ListenURL: l.opts.ListenURL,
		Lost:      h.lost,
		Push: func(ok bool) {
			if h.probe(ok) {
				poke()
			}
		},
	}
}

// recoverAfter is how many probes in a row must come back before push is
// trusted again after it failed. One is not enough: a probe that takes about
// as long as probeWait (a slow or busy database) comes back, then does not,
// and each turn would stop and restart the polling and log it. Three cost
// about 6 s more of polling, once per outage.
const recoverAfter = 3

// pushHealth turns what the listener reports (a lost connection, each
// probe's fate) into whether push is trusted (ok: while it is not, Run reads
// the changes every second) and into the log: one warning per cause when an
// outage starts, and one line when push is trusted again, however the probes
// flap in between. Not safe for concurrent use: the listener's goroutine
// calls it.
type pushHealth struct {
	log *slog.Logger
	ok  *atomic.Bool
	// outage: push failed and has not been trusted since.
	outage bool
	// warnedLost, warnedProbe: the warning for each cause was logged in
	// this outage.
	warnedLost, warnedProbe bool
	// streak counts the probes back in a row during an outage.
	streak int
}

// lost: the listening connection failed.
func (h *pushHealth) lost(err error) {
	h.ok.Store(false)
	h.outage, h.streak = true, 0
	if !h.warnedLost {
		h.warnedLost = true
		h.log.Warn("revocation list: lost the database connection that pushes revocations; reconnecting, and reading the changes every second meanwhile", "error", err)
	}
}

// probe: the listener's probe came back (true) or did not (false). It
// reports whether push has just become trusted: then the changes are read
// once more, for anything written before it was.
func (h *pushHealth) probe(back bool) (trusted bool) {
	if !back {
		h.ok.Store(false)
		h.outage, h.streak = true, 0
		if !h.warnedProbe {
			h.warnedProbe = true
			h.log.Warn("revocation list: notifications from PostgreSQL do not arrive (the listener's own probe did not come back), " +
				"most likely because DATABASE_URL goes through a transaction pooler such as PgBouncer in transaction mode, or a proxy " +
				"that does not pass LISTEN/NOTIFY on; set DATABASE_LISTEN_URL to a URL straight to PostgreSQL. " +
				"Until push works, the changes are read every second")
		}
		return false
	}
	if !h.outage {
		return !h.ok.Swap(true) // the first proof after a start
	}
	h.streak++
	if h.streak < recoverAfter {
		return false
	}
	h.outage, h.streak = false, 0
	if h.warnedLost || h.warnedProbe {
		h.log.Info("revocation list: push works again; reading the changes every second stopped")
	}
	h.warnedLost, h.warnedProbe = false, false
	h.ok.Store(true)
	return true
}

func (l *Revocations) load(ctx context.Context, s store.Store) {
	if err := l.Load(ctx, s); err != nil && ctx.Err() == nil {
		l.log.Warn("revocation list: loading from the database failed; retrying every second", "error", err)
	}
}

func (l *Revocations) reload(ctx context.Context, s store.Store) {
	if err := l.Reload(ctx, s); err != nil && ctx.Err() == nil {
		l.log.Warn("revocation list: reading the changes from the database failed; retrying", "error", err)
	}
}

func (l *Revocations) prune(ctx context.Context, s store.Store) {
	n, err := pruneRevocations(ctx, s)
	switch {
	case err != nil && ctx.Err() == nil:
		l.log.Warn("revocation list: pruning ended session revocations failed", "error", err)
	case n > 0:
		l.log.Info("revocation list: pruned ended session revocations", "pruned", n)
	}
	l.writeMu.Lock()
	l.set.dropEnded(l.now().Unix())
	l.writeMu.Unlock()
}

// unixCeil is t in whole seconds, rounded up: an entry never ends early.
func unixCeil(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// entrySet holds the entries in memory, small: a session or user id from
// Hanko is a UUID, kept as its 16 bytes, and a session's end as Unix seconds,
// in maps split into 64 shards, each behind a read-write lock, so lookups
// from many cores rarely touch the same lock. Ids that are not lowercase
// UUIDs (never from Hanko, but the list does not assume it) go in one more
// map by their text.
type entrySet struct {
	shards [shardCount]shard
	other  shard // keyed by text; its id maps are unused
	size   atomic.Int64
}

const shardCount = 64

type uuid [16]byte

type shard struct {
	mu            sync.RWMutex
	sessions      map[uuid]int64 // session id -> end (Unix seconds)
	users         map[uuid]struct{}
	otherSessions map[string]int64
	otherUsers    map[string]struct{}
}

// newEntrySet returns an empty set sized for about n entries.
func newEntrySet(n int64) *entrySet {
	e := &entrySet{}
	per := int(n)/shardCount + 1
	for i := range e.shards {
		e.shards[i].sessions = make(map[uuid]int64, per)
		e.shards[i].users = map[uuid]struct{}{}
	}
	e.other.otherSessions = map[string]int64{}
	e.other.otherUsers = map[string]struct{}{}
	return e
}

// parseUUID reads the canonical lowercase form of a UUID.
func parseUUID(s string) (uuid, bool) {
	var u uuid
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return u, false
		}
		u[j] = hi<<4 | lo
		j++
		i += 2
	}
	return u, true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (u uuid) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

func (e *entrySet) shardOf(u uuid) *shard { return &e.shards[u[15]%shardCount] }

func (e *entrySet) hasSession(id string) bool {
	if u, ok := parseUUID(id); ok {
		sh := e.shardOf(u)
		sh.mu.RLock()
		_, found := sh.sessions[u]
		sh.mu.RUnlock()
		return found
	}
	e.other.mu.RLock()
	_, found := e.other.otherSessions[id]
	e.other.mu.RUnlock()
	return found
}

func (e *entrySet) hasUser(id string) bool {
	if u, ok := parseUUID(id); ok {
		sh := e.shardOf(u)
		sh.mu.RLock()
		_, found := sh.users[u]
		sh.mu.RUnlock()
		return found
	}
	e.other.mu.RLock()
	_, found := e.other.otherUsers[id]
	e.other.mu.RUnlock()
	return found
}

// setSession sets a session's end; keepLater keeps a later end already there.
func (e *entrySet) setSession(id string, until int64, keepLater bool) {
	if u, ok := parseUUID(id); ok {
		sh := e.shardOf(u)
		sh.mu.Lock()
		old, had := sh.sessions[u]
		if !had || !keepLater || old < until {
			sh.sessions[u] = until
		}
		sh.mu.Unlock()
		if !had {
			e.size.Add(1)
		}
		return
	}
	e.other.mu.Lock()
	old, had := e.other.otherSessions[id]
	if !had || !keepLater || old < until {
		e.other.otherSessions[id] = until
	}
	e.other.mu.Unlock()
	if !had {
		e.size.Add(1)
	}
}

func (e *entrySet) extendSession(id string, until int64) { e.setSession(id, until, true) }

func (e *entrySet) deleteSession(id string) {
	had := false
	if u, ok := parseUUID(id); ok {
		sh := e.shardOf(u)
		sh.mu.Lock()
		if _, had = sh.sessions[u]; had {
			delete(sh.sessions, u)
		}
		sh.mu.Unlock()
	} else {
		e.other.mu.Lock()
		if _, had = e.other.otherSessions[id]; had {
			delete(e.other.otherSessions, id)
		}
		e.other.mu.Unlock()
	}
	if had {
		e.size.Add(-1)
	}
}

func (e *entrySet) addUser(id string) {
	had := false
	if u, ok := parseUUID(id); ok {
		sh := e.shardOf(u)
		sh.mu.Lock()
		if _, had = sh.users[u]; !had {
			sh.users[u] = struct{}{}
		}
		sh.mu.Unlock()
	} else {
		e.other.mu.Lock()
		if _, had = e.other.otherUsers[id]; !had {
			e.other.otherUsers[id] = struct{}{}
		}
		e.other.mu.Unlock()
	}
	if !had {
		e.size.Add(1)
	}
}

func (e *entrySet) deleteUser(id string) {
	had := false
	if u, ok := parseUUID(id); ok {
		sh := e.shardOf(u)
		sh.mu.Lock()
		if _, had = sh.users[u]; had {
			delete(sh.users, u)
		}
		sh.mu.Unlock()
	} else {
		e.other.mu.Lock()
		if _, had = e.other.otherUsers[id]; had {
			delete(e.other.otherUsers, id)
		}
		e.other.mu.Unlock()
	}
	if had {
		e.size.Add(-1)
	}
}

// apply makes the entries follow one change read: the database is the
// truth, so a changed session takes its stored end.
func (e *entrySet) apply(c change, now int64) {
	switch {
	case c.gone && c.IsUser():
		e.deleteUser(c.UserID)
	case c.gone:
		e.deleteSession(c.SessionID)
	case c.IsUser():
		e.addUser(c.UserID)
	default:
		if until := unixCeil(c.Until); until > now {
			e.setSession(c.SessionID, until, false)
		} else {
			e.deleteSession(c.SessionID)
		}
	}
}

// replace makes the entries those of fresh (a full read), shard by shard;
// fresh is not used after.
func (e *entrySet) replace(fresh *entrySet) {
	for i := range e.shards {
		sh := &e.shards[i]
		sh.mu.Lock()
		sh.sessions, sh.users = fresh.shards[i].sessions, fresh.shards[i].users
		sh.mu.Unlock()
	}
	e.other.mu.Lock()
	e.other.otherSessions, e.other.otherUsers = fresh.other.otherSessions, fresh.other.otherUsers
	e.other.mu.Unlock()
	e.size.Store(fresh.size.Load())
}

// dropEnded removes the sessions whose end has passed.
func (e *entrySet) dropEnded(now int64) {
	drop := func(sh *shard) {
		sh.mu.Lock()
		for k, until := range sh.sessions {
			if until <= now {
				delete(sh.sessions, k)
				e.size.Add(-1)
			}
		}
		for k, until := range sh.otherSessions {
			if until <= now {
				delete(sh.otherSessions, k)
				e.size.Add(-1)
			}
		}
		sh.mu.Unlock()
	}
	for i := range e.shards {
		drop(&e.shards[i])
	}
	drop(&e.other)
}
