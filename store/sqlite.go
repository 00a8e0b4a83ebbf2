package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the pure-Go (CGO-free) "sqlite" driver
)

// SQLite settings, applied by the driver to every new connection (they are in
// the DSN, not run once on one connection of the pool):
//
//   - journal_mode=WAL: readers never block the writer and vice versa.
//   - synchronous=FULL: every commit fsyncs the WAL before returning, so a
//     todo the API has acknowledged survives a process kill (SIGKILL, OOM kill)
//     AND an OS crash or power loss. NORMAL would survive a process kill too
//     (the WAL frames are already in the OS page cache), but may lose the last
//     commits on power loss; the Store promises "durable", and one fsync per
//     write is cheap at a todo app's write rate.
//   - busy_timeout: a connection waiting for the write lock (another process
//     on the same file, or the reader pool during a checkpoint) retries for up
//     to this long instead of failing with SQLITE_BUSY at once.
//   - _txlock=immediate: transactions take the write lock at BEGIN, so they
//     never fail halfway by trying to upgrade a read lock (which busy_timeout
//     cannot help with).
//   - foreign_keys=ON: SQLite leaves them off by default.
//
// Within one process all writes go through a pool of exactly one connection,
// so they queue in Go (respecting the request's context) rather than in
// SQLite's lock; reads use a separate pool of query-only connections.
const (
	sqliteBusyTimeout = 10 * time.Second
	sqliteReaders     = 4
)

var sqliteDialect = dialect{
	name:    "sqlite",
	timeArg: func(t time.Time) any { return t.Format(sqliteTimeLayout) },
	// BEGIN IMMEDIATE (from _txlock) already excludes other writers, in this
	// process and in any other on the same file.
	lockMigrations: "",
	writeTx:        nil,
	lockOwner:      "",
	ownerTables: `SELECT m.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS c
		WHERE m.type = 'table' AND c.name = 'owner' ORDER BY m.name`,
	createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at TEXT    NOT NULL
	)`,
	createFeatureMigrationsTable: `CREATE TABLE IF NOT EXISTS feature_migrations (
		feature    TEXT    NOT NULL,
		version    INTEGER NOT NULL,
		name       TEXT    NOT NULL,
		applied_at TEXT    NOT NULL,
		PRIMARY KEY (feature, version)
	)`,
}

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(sqliteBusyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	if readOnly {
		q.Set("_query_only", "on")
	}
	return path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string, o options) (Store, error) {
	if strings.HasPrefix(path, "file:") {
		// The driver would treat the rest as an SQLite URI and our pragmas
		// as URI parameters; a file literally named "file:..." is not worth it.
		return nil, fmt.Errorf("store: SQLite path %q must not start with \"file:\"", path)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create directory for SQLite database: %w", err)
		}
	}

	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: open SQLite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open SQLite %s: %w", path, err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	r.SetMaxIdleConns(sqliteReaders)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)

	s := &sqlStore{d: sqliteDialect, w: w, r: r, now: time.Now, maxTodos: o.maxTodosPerUser, writeChecks: o.writeChecks,
		features: o.features, url: "sqlite://" + filepath.ToSlash(path)}
	if err := retryWhileBusy(ctx, func() error { return s.migrate(ctx) }); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: SQLite %s: %w", path, err)
	}
	// WAL cannot be used on some file systems (e.g. some network mounts);
	// SQLite then silently keeps another mode. Refuse rather than run with
	// different locking and durability than documented.
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: SQLite %s: read journal mode: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		s.Close()
		return nil, fmt.Errorf("store: SQLite %s: journal_mode is %q, not WAL (is the file on a network file system?)", path, mode)
	}
	return s, nil
}

// retryWhileBusy runs f again while it fails with SQLITE_BUSY, for up to
// sqliteBusyTimeout. busy_timeout covers ordinary lock waits, but SQLite
// answers BUSY at once, without calling the busy handler, in a few cases that
// happen when several processes open a new database together (one of them
// switching it to WAL or recovering the WAL index). Only start-up needs this.
func retryWhileBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	wait := 5 * time.Millisecond
	for {
		err := f()
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// sqliteBusy is SQLite's primary result code SQLITE_BUSY.
const sqliteBusy = 5
