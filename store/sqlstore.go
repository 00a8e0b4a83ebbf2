package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// sqlStore implements Store for both SQLite and PostgreSQL. The queries are
// the same text for both (modernc.org/sqlite binds $1, $2, ... by position just
// as PostgreSQL does); what differs is kept in dialect.
type sqlStore struct {
	d dialect
	// w runs every write. For SQLite it is a pool of exactly one connection, so
	// writes queue in Go (honouring ctx) instead of contending for SQLite's
	// single write lock. For PostgreSQL it is the same pool as r.
	w *sql.DB
	// r runs reads.
	r *sql.DB
	// now is the clock; tests replace it.
	now func() time.Time
	// maxTodos is the most todos one owner may store.
	maxTodos int
	// writeChecks run in every owner write (WithWriteCheck).
	writeChecks []WriteCheck
	// pg is the PostgreSQL connection config (nil for SQLite), for features
	// that need a connection of their own outside the pool (LISTEN).
	pg *pgx.ConnConfig
	// features are the features' migrations (WithMigrations).
	features []featureMigrations
	// url is the DATABASE_URL given to Open (see DB).
	url string
}

// dialect is what differs between the two databases.
type dialect struct {
	name string // "sqlite" or "postgres"
	// timeArg converts a UTC, microsecond-truncated time into a query argument.
	timeArg func(time.Time) any
	// lockMigrations is run first inside the migration transaction; it must
	// block until no other process is migrating the same database.
	lockMigrations string
	// createMigrationsTable creates the schema_migrations bookkeeping table.
	createMigrationsTable string
	// createFeatureMigrationsTable creates feature_migrations, the same for
	// the features' folders (see migrationFiles).
	createFeatureMigrationsTable string
	// writeTx are the options of the owner write transactions (beginOwnerTx).
	writeTx *sql.TxOptions
	// ownerTables lists the base tables with an owner column, by name (OwnerTables).
	ownerTables string
	// lockOwner, when set, is run first in every owner write transaction with
	// ($1, $2) = (ownerLockSpace, ownerLockKey(owner)); it must block until no
	// other transaction holds the same owner's lock, and hold it to the end.
	lockOwner string
}

// sqliteTimeLayout has a fixed width so that text order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

const todoColumns = `id, title, done, created_at, updated_at`

// The two page queries: the first page, and the page after a cursor. Both
// databases answer them with a seek on the (owner, created_at DESC, id DESC)
// index and stop after LIMIT rows (TestListUsesTheIndex checks the plans).
const (
	listFirstSQL = `SELECT ` + todoColumns + ` FROM todos WHERE owner = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`
	listAfterSQL = `SELECT ` + todoColumns + ` FROM todos WHERE owner = $1 AND (created_at, id) < ($2, $3)
		ORDER BY created_at DESC, id DESC LIMIT $4`
)

func (s *sqlStore) ListTodos(ctx context.Context, owner string, page Page) (TodoPage, error) {
	if err := checkOwner(owner); err != nil {
		return TodoPage{}, err
	}
	limit := page.Limit
	if limit == 0 {
		limit = DefaultPageLimit
	}
	if limit < 1 || limit > MaxPageLimit {
		return TodoPage{}, fmt.Errorf("store: page limit must be from 1 to %d, got %d", MaxPageLimit, page.Limit)
	}
	// Keyset paging on the (owner, created_at DESC, id DESC) index: a page
	// starts right after the cursor's position, found by an index seek, so
	// every page costs the same however deep it is (OFFSET would read and
	// throw away every row before it, and shift when rows come and go). One
	// row more than asked says whether there is a next page.
	var (
		rows *sql.Rows
		err  error
	)
	if page.Cursor == "" {
		rows, err = s.r.QueryContext(ctx, listFirstSQL, owner, limit+1)
	} else {
		at, id, cerr := decodeCursor(page.Cursor)
		if cerr != nil {
			return TodoPage{}, cerr
		}
		rows, err = s.r.QueryContext(ctx, listAfterSQL, owner, s.d.timeArg(at), id, limit+1)
	}
	if err != nil {
		return TodoPage{}, fmt.Errorf("store: list todos: %w", err)
	}
	defer rows.Close()
	todos := make([]Todo, 0, min(limit+1, 64))
	for rows.Next() {
		t, err := scanTodo(rows)
		if err != nil {
			return TodoPage{}, fmt.Errorf("store: list todos: %w", err)
		}
		todos = append(todos, t)
	}
	if err := rows.Err(); err != nil {
		return TodoPage{}, fmt.Errorf("store: list todos: %w", err)
	}
	out := TodoPage{Todos: todos}
	if len(todos) > limit {
		out.Todos = todos[:limit]
		out.NextCursor = encodeCursor(todos[limit-1])
	}
	return out, nil
}

func (s *sqlStore) CreateTodo(ctx context.Context, owner, title string) (Todo, error) {
	if err := checkOwner(owner); err != nil {
		return Todo{}, err
	}
	id, err := newID()
	if err != nil {
		return Todo{}, fmt.Errorf("store: create todo: %w", err)
	}
	// The count and the insert are one transaction that no other write for
	// this owner can interleave with (beginOwnerTx), so concurrent creates
	// cannot pass the cap, and the write checks see every revocation
	// committed before it.
	tx, err := s.beginOwnerTx(ctx, owner, true)
	if err != nil {
		return Todo{}, fmt.Errorf("store: create todo: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	var n int
	// Counting at most the cap's rows keeps this cheap for an owner far
	// above a lowered cap.
	if err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM (SELECT 1 FROM todos WHERE owner = $1 LIMIT $2) AS mine`,
		owner, s.maxTodos).Scan(&n); err != nil {
		return Todo{}, fmt.Errorf("store: create todo: count: %w", err)
	}
	if n >= s.maxTodos {
		return Todo{}, &TodoLimitError{Max: s.maxTodos}
	}
	now := s.timestamp()
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO todos (id, owner, title, done, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, owner, title, false, s.d.timeArg(now), s.d.timeArg(now)); err != nil {
		return Todo{}, fmt.Errorf("store: create todo: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Todo{}, fmt.Errorf("store: create todo: commit: %w", err)
	}
	return Todo{ID: id, Title: title, Done: false, CreatedAt: now, UpdatedAt: now}, nil
}

func (s *sqlStore) GetTodo(ctx context.Context, owner, id string) (Todo, error) {
	if err := checkOwner(owner); err != nil {
		return Todo{}, err
	}
	id, ok := normalizeID(id)
	if !ok {
		return Todo{}, ErrNotFound
	}
	row := s.r.QueryRowContext(ctx,
		`SELECT `+todoColumns+` FROM todos WHERE owner = $1 AND id = $2`, owner, id)
	t, err := scanTodo(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Todo{}, ErrNotFound
	}
	if err != nil {
		return Todo{}, fmt.Errorf("store: get todo: %w", err)
	}
	return t, nil
}

func (s *sqlStore) UpdateTodo(ctx context.Context, owner, id string, patch TodoPatch) (Todo, error) {
	if patch.Title == nil && patch.Done == nil {
		// Nothing to change: answer like a read, without touching updated_at.
		return s.GetTodo(ctx, owner, id)
	}
	if err := checkOwner(owner); err != nil {
		return Todo{}, err
	}
	id, ok := normalizeID(id)
	if !ok {
		return Todo{}, ErrNotFound
	}
	tx, err := s.beginOwnerTx(ctx, owner, true)
	if err != nil {
		return Todo{}, fmt.Errorf("store: update todo: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	// A nil pointer becomes SQL NULL, and COALESCE keeps the stored value.
	row := tx.QueryRowContext(ctx,
		`UPDATE todos
		    SET title = COALESCE($3, title), done = COALESCE($4, done), updated_at = $5
		  WHERE owner = $1 AND id = $2
		RETURNING `+todoColumns,
		owner, id, patch.Title, patch.Done, s.d.timeArg(s.timestamp()))
	t, err := scanTodo(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Todo{}, ErrNotFound
	}
	if err != nil {
		return Todo{}, fmt.Errorf("store: update todo: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Todo{}, fmt.Errorf("store: update todo: commit: %w", err)
	}
	return t, nil
}

func (s *sqlStore) DeleteTodo(ctx context.Context, owner, id string) error {
	if err := checkOwner(owner); err != nil {
		return err
	}
	id, ok := normalizeID(id)
	if !ok {
		return ErrNotFound
	}
	tx, err := s.beginOwnerTx(ctx, owner, true)
	if err != nil {
		return fmt.Errorf("store: delete todo: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	res, err := tx.ExecContext(ctx, `DELETE FROM todos WHERE owner = $1 AND id = $2`, owner, id)
	if err != nil {
		return fmt.Errorf("store: delete todo: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: delete todo: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: delete todo: commit: %w", err)
	}
	return nil
}

// beginOwnerTx begins a transaction that writes owner's data and holds the
// owner's lock until it ends: on SQLite the database's write lock, taken at
// BEGIN (IMMEDIATE); on PostgreSQL a per-owner advisory lock taken first, in
// READ COMMITTED, so every later statement sees what the transactions that
// held the lock before committed. Every write of an owner's rows, and
// WithOwnerLock, goes through it, so they run one after the other. With
// check, the WithWriteCheck functions run next; their error is returned as
// it is (the caller wraps it). The caller must end the transaction.
func (s *sqlStore) beginOwnerTx(ctx context.Context, owner string, check bool) (*sql.Tx, error) {
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	if s.d.lockOwner != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockOwner, ownerLockSpace, ownerLockKey(owner)); err != nil {
			tx.Rollback() //nolint:errcheck // the error above is the one to report
			return nil, fmt.Errorf("lock owner: %w", err)
		}
	}
	if check {
		for _, c := range s.writeChecks {
			if err := c(ctx, tx, owner); err != nil {
				tx.Rollback() //nolint:errcheck // the check's error is the one to report
				return nil, err
			}
		}
	}
	return tx, nil
}

// beginWrite begins a write transaction. After a PostgreSQL restart, each
// pooled connection the server closed fails once, and database/sql hands it
// out if it was used in the last second (pgx pings only idler ones): its
// BEGIN fails, having done nothing, so it is begun again on another
// connection, up to as many times as the pool keeps idle connections. Without
// this, the first writes after a restart fail; a webhook whose write fails is
// lost for good, since Hanko does not retry.
func (s *sqlStore) beginWrite(ctx context.Context) (*sql.Tx, error) {
	for attempt := 0; ; attempt++ {
		tx, err := s.w.BeginTx(ctx, s.d.writeTx)
		if err == nil || s.d.name != postgresDialect.name || attempt == pgMaxIdleConns || ctx.Err() != nil || !pgConnGone(err) {
			return tx, err
		}
	}
}

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("store: %s does not answer: %w", s.d.name, err)
	}
	if s.w != s.r {
		if err := s.w.PingContext(ctx); err != nil {
			return fmt.Errorf("store: %s does not answer: %w", s.d.name, err)
		}
	}
	return nil
}

func (s *sqlStore) Close() error {
	err := s.r.Close()
	if s.w != s.r {
		err = errors.Join(err, s.w.Close())
	}
	return err
}

// timestamp is the current time as stored: UTC, whole microseconds, which is
// what PostgreSQL's timestamptz keeps, so both databases return equal values.
func (s *sqlStore) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// errEmptyOwner guards against a handler forgetting to pass the user id:
// an empty owner would otherwise be one shared, ownerless list.
var errEmptyOwner = errors.New("store: owner must not be empty")

func checkOwner(owner string) error {
	if owner == "" {
		return errEmptyOwner
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanTodo(sc scanner) (Todo, error) {
	var t Todo
	var created, updated dbTime
	if err := sc.Scan(&t.ID, &t.Title, &t.Done, &created, &updated); err != nil {
		return Todo{}, err
	}
	t.CreatedAt, t.UpdatedAt = created.t, updated.t
	return t, nil
}

// dbTime scans a timestamp from either database: PostgreSQL hands back a
// time.Time, SQLite the fixed-width text written by sqliteTimeLayout.
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		d.t = v.UTC()
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T into a timestamp", src)
	}
}

func (d *dbTime) parse(s string) error {
	t, err := time.Parse(sqliteTimeLayout, s)
	if err != nil {
		return fmt.Errorf("store: bad stored timestamp %q: %w", s, err)
	}
	d.t = t.UTC()
	return nil
}
