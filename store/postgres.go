package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Pool bounds for PostgreSQL. Small on purpose: PostgreSQL's default
// max_connections is 100 and several replicas may share it.
const (
	pgMaxOpenConns    = 10
	pgMaxIdleConns    = 5
	pgConnMaxLifetime = 30 * time.Minute
	pgConnMaxIdleTime = 5 * time.Minute
)

// pgMigrationLockKey is the advisory-lock key that serializes schema migrations
// when several replicas start at once ("hankogin" in ASCII).
const pgMigrationLockKey int64 = 0x68616e6b6f67696e

// ownerLockSpace is the first key of the two-key advisory lock that
// serializes one owner's creates ("todo" in ASCII); the second key is
// ownerLockKey(owner). PostgreSQL keeps two-key locks apart from one-key ones
// such as the migration lock. Two owners whose keys collide merely wait for
// each other.
const ownerLockSpace int32 = 0x746f646f

// ownerLockKey hashes an owner into the second advisory-lock key (FNV-1a).
func ownerLockKey(owner string) int32 {
	h := fnv.New32a()
	h.Write([]byte(owner))
	return int32(h.Sum32())
}

var postgresDialect = dialect{
	name:           "postgres",
	timeArg:        func(t time.Time) any { return t },
	lockMigrations: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", pgMigrationLockKey),
	// READ COMMITTED explicitly (a server's default_transaction_isolation
	// may say otherwise): each statement sees what committed before it, so the
	// count after the lock includes the create that held the lock last. Under
	// REPEATABLE READ the snapshot would date from before the lock wait.
	writeTx:   &sql.TxOptions{Isolation: sql.LevelReadCommitted},
	lockOwner: "SELECT pg_advisory_xact_lock($1, $2)",
	ownerTables: `SELECT c.table_name FROM information_schema.columns AS c
		JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND c.column_name = 'owner' AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name`,
	createMigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL
	)`,
	createFeatureMigrationsTable: `CREATE TABLE IF NOT EXISTS feature_migrations (
		feature    text        NOT NULL,
		version    integer     NOT NULL,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL,
		PRIMARY KEY (feature, version)
	)`,
}

func openPostgres(ctx context.Context, rawURL string, o options) (Store, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx's message does not repeat the password.
		return nil, fmt.Errorf("store: DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxOpenConns)
	db.SetMaxIdleConns(pgMaxIdleConns)
	db.SetConnMaxLifetime(pgConnMaxLifetime)
	db.SetConnMaxIdleTime(pgConnMaxIdleTime)

	where := fmt.Sprintf("PostgreSQL at %s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", where, err)
	}
	s := &sqlStore{d: postgresDialect, w: db, r: db, now: time.Now, maxTodos: o.maxTodosPerUser, writeChecks: o.writeChecks, pg: cfg,
		features: o.features, url: rawURL}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w%s", where, err, poolerHint(err))
	}
	return s, nil
}

// pgConnGone reports whether err says the connection is gone (the server
// closed it: a restart, a failover, a terminated backend), rather than
// that the statement failed.
func pgConnGone(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Severity == "FATAL" || strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	return pgconn.SafeToRetry(err) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// poolerHint explains an error about prepared statements: pgx prepares and
// caches each statement on its connection by default, which a transaction
// pooler (PgBouncer before 1.21 in transaction mode) breaks by handing the
// connection's next transaction to another server connection, where the
// statement is missing or already prepared under the same name by another
// client. The URL can tell pgx not to (docs/operations.md).
func poolerHint(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || (pgErr.Code != "42P05" && pgErr.Code != "26000") {
		return ""
	}
	return " (DATABASE_URL seems to go through a transaction pooler such as PgBouncer in transaction mode, " +
		"which cannot pass prepared statements on: add default_query_exec_mode=simple_protocol to its parameters)"
}
