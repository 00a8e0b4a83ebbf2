package store

// What a feature with tables of its own uses: its migrations run by Open
// (WithMigrations), transactions that hold an owner's lock (WithOwnerLock) or
// just write (WithWriteTx), the per-user tables found from the schema
// (DeleteOwnerRows, OwnerTables), and the database itself for its reads (DB).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

// WithMigrations registers a feature's own migrations: fsys holds one folder
// per dialect, sqlite/ and postgres/, of NNNN_description.sql files numbered
// from 0001 without gaps (both folders the same versions). Open applies the
// pending ones after the core's, in the same transaction, and records them in
// feature_migrations under feature, apart from the core's numbering: removing
// the feature leaves the core's schema_migrations as it was, and its tables
// stay in the database unused. A feature embeds the folders from its own
// directory:
//
//	//go:embed migrations
//	var migrations embed.FS
//	...
//	sub, _ := fs.Sub(migrations, "migrations")
//	h.Store(store.WithMigrations("notes", sub))
func WithMigrations(feature string, fsys fs.FS) Option {
	return func(o *options) {
		o.features = append(o.features, featureMigrations{name: feature, fsys: fsys})
	}
}

type featureMigrations struct {
	name string
	fsys fs.FS
}

// WithOwnerLock runs fn in one write transaction that holds owner's lock,
// and commits it when fn returns nil (rolls it back otherwise and returns
// fn's error). The lock is the one every todo write takes, so the owner's
// writes and fn run one after the other, across replicas: on PostgreSQL a
// per-owner advisory lock (READ COMMITTED, so fn sees everything committed by
// the transactions that held the lock before), on SQLite the database's write
// lock. The write checks (WithWriteCheck) do not run: fn is the writer that
// decides (account deletion, a role change); for a write the owner asked for,
// use WithOwnerWrite. s must come from Open.
func WithOwnerLock(ctx context.Context, s Store, owner string, fn func(tx *sql.Tx) error) error {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return err
	}
	if err := checkOwner(owner); err != nil {
		return err
	}
	return ss.ownerTx(ctx, owner, false, fn)
}

// WithOwnerWrite is WithOwnerLock for a write the owner asked for (a route
// that stores a row of theirs): the write checks (WithWriteCheck) run first,
// in the same transaction, under the same lock. So a write for a user whose
// sessions were revoked (a deleted account) is refused with ErrOwnerRevoked
// and stores nothing, even when it raced the revocation: nothing lands after
// a revocation was acknowledged. The todo writes work the same way.
func WithOwnerWrite(ctx context.Context, s Store, owner string, fn func(tx *sql.Tx) error) error {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return err
	}
	if err := checkOwner(owner); err != nil {
		return err
	}
	return ss.ownerTx(ctx, owner, true, fn)
}

func (ss *sqlStore) ownerTx(ctx context.Context, owner string, check bool, fn func(tx *sql.Tx) error) error {
	tx, err := ss.beginOwnerTx(ctx, owner, check)
	if errors.Is(err, ErrOwnerRevoked) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store: owner transaction: %w", err)
	}
	ownerTxs.Store(tx, ownerTx{s: ss, owner: owner})
	defer ownerTxs.Delete(tx)
	return finish(tx, fn)
}

// WithWriteTx runs fn in one write transaction (no owner's lock) and commits
// it when fn returns nil. On SQLite it queues behind the other writes of this
// process, as they all do. s must come from Open.
func WithWriteTx(ctx context.Context, s Store, fn func(tx *sql.Tx) error) error {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return err
	}
	tx, err := ss.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: write transaction: begin: %w", err)
	}
	return finish(tx, fn)
}

func finish(tx *sql.Tx, fn func(tx *sql.Tx) error) error {
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// OwnerTables lists the per-user tables: every table of the current schema
// (PostgreSQL) or database (SQLite) with a column named owner, which holds
// the Hanko user id. Nothing registers them: a table you add with an owner
// column is one, and account deletion empties it (DeleteOwnerRows). The
// names come sorted and quoted, ready to paste into SQL. s must come from Open.
func OwnerTables(ctx context.Context, s Store) ([]string, error) {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return nil, err
	}
	return ss.ownerTables(ctx, ss.r)
}

// querier runs a query: a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *sqlStore) ownerTables(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, s.d.ownerTables)
	if err != nil {
		return nil, fmt.Errorf("store: find the tables with an owner column: %w", err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: find the tables with an owner column: %w", err)
		}
		tables = append(tables, quoteIdent(name))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: find the tables with an owner column: %w", err)
	}
	return tables, nil
}

// quoteIdent quotes an SQL identifier the same way for both databases.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// ownerTxs are the transactions WithOwnerLock is running: *sql.Tx → ownerTx.
var ownerTxs sync.Map

type ownerTx struct {
	s     *sqlStore
	owner string
}

// DeleteOwnerRows deletes owner's rows from every per-user table
// (OwnerTables) and says how many went. tx must be the transaction
// WithOwnerLock gave for the same owner, so no write for the owner lands
// between the deletion and whatever else the transaction records (a
// revocation, for example).
func DeleteOwnerRows(ctx context.Context, tx *sql.Tx, owner string) (int, error) {
	v, ok := ownerTxs.Load(tx)
	if !ok || v.(ownerTx).owner != owner || owner == "" {
		return 0, errors.New("store: DeleteOwnerRows needs the transaction WithOwnerLock runs for the same owner")
	}
	tables, err := v.(ownerTx).s.ownerTables(ctx, tx)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, table := range tables {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE owner = $1`, owner)
		if err != nil {
			return 0, fmt.Errorf("store: delete the owner's rows from %s: %w", table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: delete the owner's rows from %s: %w", table, err)
		}
		deleted += int(n)
	}
	return deleted, nil
}

// Database is the database behind a Store from Open, for a feature's own
// queries. Write through WithOwnerLock or WithWriteTx, which take the locks
// the store's own writes take.
type Database struct {
	// Dialect is "sqlite" or "postgres".
	Dialect string
	// Read runs reads (on SQLite, read-only connections).
	Read *sql.DB
	// URL is the DATABASE_URL the store was opened with: for a connection
	// of one's own, such as PostgreSQL's LISTEN.
	URL string
}

// DB returns the database behind s, which must come from Open.
func DB(s Store) (Database, error) {
	ss, err := sqlStoreOf(s)
	if err != nil {
		return Database{}, err
	}
	return Database{Dialect: ss.d.name, Read: ss.r, URL: ss.url}, nil
}

var errNotOurStore = errors.New("store: this needs a Store returned by store.Open")

func sqlStoreOf(s Store) (*sqlStore, error) {
	ss, ok := s.(*sqlStore)
	if !ok {
		return nil, errNotOurStore
	}
	return ss, nil
}
