package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
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
}

// sqliteTimeLayout has a fixed width so that text order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

const todoColumns = `id, title, done, created_at, updated_at`

func (s *sqlStore) ListTodos(ctx context.Context, owner string) ([]Todo, error) {
	if err := checkOwner(owner); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx,
		`SELECT `+todoColumns+` FROM todos WHERE owner = $1 ORDER BY created_at DESC, id DESC`, owner)
	if err != nil {
		return nil, fmt.Errorf("store: list todos: %w", err)
	}
	defer rows.Close()
	todos := []Todo{}
	for rows.Next() {
		t, err := scanTodo(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list todos: %w", err)
		}
		todos = append(todos, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list todos: %w", err)
	}
	return todos, nil
}

func (s *sqlStore) CreateTodo(ctx context.Context, owner, title string) (Todo, error) {
	if err := checkOwner(owner); err != nil {
		return Todo{}, err
	}
	id, err := newID()
	if err != nil {
		return Todo{}, fmt.Errorf("store: create todo: %w", err)
	}
	now := s.timestamp()
	_, err = s.w.ExecContext(ctx,
		`INSERT INTO todos (id, owner, title, done, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, owner, title, false, s.d.timeArg(now), s.d.timeArg(now))
	if err != nil {
		return Todo{}, fmt.Errorf("store: create todo: %w", err)
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
	// A nil pointer becomes SQL NULL, and COALESCE keeps the stored value.
	row := s.w.QueryRowContext(ctx,
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
	res, err := s.w.ExecContext(ctx, `DELETE FROM todos WHERE owner = $1 AND id = $2`, owner, id)
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
	return nil
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
