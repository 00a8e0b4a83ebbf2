package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
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
		return nil, fmt.Errorf("store: %s: %w", where, err)
	}
	return s, nil
}
