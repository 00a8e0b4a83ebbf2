package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFiles holds the core's migrations, one folder per dialect. Files
// are named NNNN_description.sql, numbered from 0001 without gaps, and both
// folders must hold the same versions. A file, once released, is never
// edited: add a new one instead. Features bring their own (WithMigrations).
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(dialectName string) ([]migration, error) {
	return readMigrations(migrationFiles, path.Join("migrations", dialectName))
}

// loadFeatureMigrations reads the dialect's migrations of each registered
// feature, by feature name.
func loadFeatureMigrations(features []featureMigrations, dialectName string) (map[string][]migration, error) {
	out := map[string][]migration{}
	for _, f := range features {
		if f.name == "" || f.fsys == nil {
			return nil, errors.New("store: WithMigrations needs a feature name and its migrations")
		}
		if _, dup := out[f.name]; dup {
			return nil, fmt.Errorf("store: the migrations of feature %q are registered twice", f.name)
		}
		ms, err := readMigrations(f.fsys, dialectName)
		if err != nil {
			return nil, fmt.Errorf("store: feature %s: %w", f.name, err)
		}
		out[f.name] = ms
	}
	return out, nil
}

// readMigrations reads the NNNN_description.sql files of one folder.
func readMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			return nil, fmt.Errorf("unexpected folder %s in %s", name, dir)
		}
		if !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("unexpected file %s in %s", name, dir)
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s is not named NNNN_description.sql", dir, name)
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migrations in %s are not numbered 1..%d without gaps (found %d at position %d)", dir, len(ms), m.version, i+1)
		}
	}
	return ms, nil
}

// migrate brings the schema up to date in one transaction: either every
// pending migration is applied or none is. Running it again is a no-op.
//
// Concurrent start-ups are serialized: on PostgreSQL by a transaction-scoped
// advisory lock taken before anything else, on SQLite by BEGIN IMMEDIATE (the
// database's write lock, waited for up to busy_timeout; openSQLite also retries
// the few BUSY answers SQLite gives without waiting).
func (s *sqlStore) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.d.name)
	if err != nil {
		return err
	}
	features, err := loadFeatureMigrations(s.features, s.d.name)
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	if s.d.lockMigrations != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockMigrations); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.createMigrationsTable); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}

	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	for v := range applied {
		if v > len(ms) {
			return fmt.Errorf("migrate: the database has schema version %d but this build only knows up to %d; "+
				"it was migrated by a newer version of hanko-gin", v, len(ms))
		}
	}

	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: apply %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, s.d.timeArg(s.timestamp())); err != nil {
			return fmt.Errorf("migrate: record %s: %w", m.name, err)
		}
	}
	if len(features) > 0 {
		if err := s.migrateFeatures(ctx, tx, features); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// migrateFeatures applies the pending migrations of each feature folder, in
// the order of the feature names, inside migrate's transaction.
func (s *sqlStore) migrateFeatures(ctx context.Context, tx *sql.Tx, features map[string][]migration) error {
	if _, err := tx.ExecContext(ctx, s.d.createFeatureMigrationsTable); err != nil {
		return fmt.Errorf("migrate: create feature_migrations: %w", err)
	}
	names := make([]string, 0, len(features))
	for name := range features {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, feature := range names {
		ms := features[feature]
		applied := map[int]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT version FROM feature_migrations WHERE feature = $1`, feature)
		if err != nil {
			return fmt.Errorf("migrate: read feature_migrations: %w", err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("migrate: read feature_migrations: %w", err)
			}
			applied[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("migrate: read feature_migrations: %w", err)
		}
		for v := range applied {
			if v > len(ms) {
				return fmt.Errorf("migrate: the database has version %d of the %s feature's tables but this build only knows up to %d; "+
					"it was migrated by a newer version of hanko-gin", v, feature, len(ms))
			}
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate: apply %s/%s: %w", feature, m.name, err)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO feature_migrations (feature, version, name, applied_at) VALUES ($1, $2, $3, $4)`,
				feature, m.version, m.name, s.d.timeArg(s.timestamp())); err != nil {
				return fmt.Errorf("migrate: record %s/%s: %w", feature, m.name, err)
			}
		}
	}
	return nil
}
