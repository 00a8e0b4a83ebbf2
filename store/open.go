package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// DefaultSQLitePath is where the database lives when DATABASE_URL is empty.
// It is relative to the working directory the server starts in.
const DefaultSQLitePath = "data/hanko-gin.db"

// Open connects to the database named by databaseURL, creates or upgrades the
// schema, and returns a ready Store. The caller must Close it.
//
// Accepted forms:
//
//	""                                  SQLite at ./data/hanko-gin.db (directory created)
//	sqlite:///abs/path.db               SQLite at /abs/path.db
//	sqlite://relative/path.db           SQLite at ./relative/path.db
//	file:relative.db, file:///abs.db    SQLite at that path
//	postgres://user:pass@host:5432/db   PostgreSQL (postgresql:// too); pgx URL parameters such
//	                                    as sslmode or search_path are passed through
//
// Anything else is refused with an error naming the accepted forms.
func Open(ctx context.Context, databaseURL string, opts ...Option) (Store, error) {
	o := options{maxTodosPerUser: DefaultMaxTodosPerUser}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxTodosPerUser < 1 || o.maxTodosPerUser > MaxTodosPerUserLimit {
		return nil, fmt.Errorf("store: the most todos per user must be from 1 to %d, got %d", MaxTodosPerUserLimit, o.maxTodosPerUser)
	}
	t, err := parseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case kindSQLite:
		return openSQLite(ctx, t.path, o)
	default:
		return openPostgres(ctx, t.url, o)
	}
}

// Option changes a default of Open.
type Option func(*options)

type options struct {
	maxTodosPerUser int
	writeChecks     []WriteCheck
	features        []featureMigrations
}

// WithMaxTodosPerUser sets how many todos one owner may store, from 1 to
// MaxTodosPerUserLimit (default DefaultMaxTodosPerUser). Lowering it deletes
// nothing: an owner above the new cap can still read and delete, not create.
func WithMaxTodosPerUser(n int) Option {
	return func(o *options) { o.maxTodosPerUser = n }
}

// WriteCheck is run inside every transaction that writes an owner's todos
// (CreateTodo, UpdateTodo, DeleteTodo), after the owner's lock is taken and
// before anything is written; tx is that transaction. An error refuses the
// write: it is rolled back and the method returns the error (wrapped). To
// refuse because the owner may no longer write, return an error matching
// ErrOwnerRevoked.
//
// The owner's lock is the one WithOwnerLock takes too, so a check that reads
// what such a transaction wrote (a revocation, for example) sees it once that
// transaction committed, and a write that passed the check is committed
// before that transaction goes on. The check must be a quick read of
// the database through tx; it runs on every write.
type WriteCheck func(ctx context.Context, tx *sql.Tx, owner string) error

// WithWriteCheck adds check to the checks every owner write runs (see
// WriteCheck). Several run in the order given; nil is ignored.
func WithWriteCheck(check WriteCheck) Option {
	return func(o *options) {
		if check != nil {
			o.writeChecks = append(o.writeChecks, check)
		}
	}
}

// CheckURL reports whether Open would accept databaseURL, without connecting.
func CheckURL(databaseURL string) error {
	_, err := parseURL(databaseURL)
	return err
}

type backendKind int

const (
	kindSQLite backendKind = iota + 1
	kindPostgres
)

// target is a parsed DATABASE_URL.
type target struct {
	kind backendKind
	path string // SQLite file path
	url  string // PostgreSQL connection URL, unchanged
}

const acceptedForms = `use "sqlite:///path/to/file.db", "file:path/to/file.db", ` +
	`"postgres://user:password@host:5432/dbname", or leave it empty for ` + DefaultSQLitePath

func parseURL(raw string) (target, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return target{kind: kindSQLite, path: filepath.FromSlash(DefaultSQLitePath)}, nil
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok {
		return target{}, fmt.Errorf("store: DATABASE_URL %q has no scheme: %s", redact(raw), acceptedForms)
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		if _, err := url.Parse(raw); err != nil {
			return target{}, fmt.Errorf("store: DATABASE_URL is not a valid PostgreSQL URL: %w", errors.Unwrap(err))
		}
		return target{kind: kindPostgres, url: raw}, nil
	case "sqlite", "file":
		p, err := sqlitePath(rest)
		if err != nil {
			return target{}, fmt.Errorf("store: DATABASE_URL %q: %w", raw, err)
		}
		return target{kind: kindSQLite, path: p}, nil
	default:
		return target{}, fmt.Errorf("store: DATABASE_URL scheme %q is not supported: %s", scheme, acceptedForms)
	}
}

// sqlitePath turns the part after "sqlite:" or "file:" into a file path.
// "//host/path" is accepted only for an empty host or localhost, like file URLs.
func sqlitePath(rest string) (string, error) {
	if strings.ContainsAny(rest, "?#") {
		return "", errors.New("query parameters and fragments are not supported for SQLite; the store sets its own pragmas")
	}
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		rest = after
		if h, p, ok := strings.Cut(rest, "/"); ok && strings.EqualFold(h, "localhost") {
			rest = "/" + p
		}
	}
	p, err := url.PathUnescape(rest)
	if err != nil {
		return "", fmt.Errorf("bad escape in path: %w", err)
	}
	switch {
	case p == "":
		return "", errors.New("no file path given")
	case p == ":memory:" || strings.HasPrefix(p, ":memory:"):
		return "", errors.New("in-memory SQLite is not supported: data would vanish on restart and not be shared between connections; give a file path")
	case strings.HasSuffix(p, "/"):
		return "", errors.New("path names a directory; give a file path such as data/hanko-gin.db")
	}
	return filepath.FromSlash(p), nil
}

// redact hides a password if someone put a PostgreSQL-like URL with a typo'd scheme.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}
