// Part of the webhooks feature (docs/webhooks.md): `go run ./cmd/starter remove webhooks` deletes this file.

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// userTables lists every table that holds per-user data in an owner column
// (the Hanko user id). DeleteUserData empties them and Owners reads them: add
// your own tables here, and a deleted Hanko user's rows go with the todos.
var userTables = []string{"todos"}

// UserData is what the webhooks feature needs beyond Store: every Store that
// Open returns implements it.
type UserData interface {
	// DeleteUserData removes everything stored for owner in one transaction,
	// durable when it returns, and says how many rows went (0 when there were
	// none: deleting twice is harmless).
	DeleteUserData(ctx context.Context, owner string) (int, error)
	// Owners pages through the distinct owners that have data, ascending:
	// up to limit (1 to MaxOwnersPage) of them after the owner after.
	Owners(ctx context.Context, after string, limit int) ([]string, error)
}

// MaxOwnersPage bounds how many owners one Owners call returns.
const MaxOwnersPage = 1000

// DeleteUserData removes every row of owner in userTables in one transaction,
// committed (and, on SQLite, synced to disk) before it returns. It returns
// the number of rows it deleted; an owner with no data is not an error, so
// deleting twice is harmless.
func (s *sqlStore) DeleteUserData(ctx context.Context, owner string) (int, error) {
	if err := checkOwner(owner); err != nil {
		return 0, err
	}
	return s.deleteUserData(ctx, owner, nil)
}

// deleteUserData is DeleteUserData, running also(tx) in the same
// transaction after the deletion when it is not nil. It holds the owner's
// lock (beginOwnerTx, without the write checks), so a write that was under
// way commits before the rows are deleted, and every write after it runs its
// checks against what also wrote.
func (s *sqlStore) deleteUserData(ctx context.Context, owner string, also func(tx *sql.Tx) error) (int, error) {
	tx, err := s.beginOwnerTx(ctx, owner, false)
	if err != nil {
		return 0, fmt.Errorf("store: delete user data: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	deleted := 0
	for _, table := range userTables {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE owner = $1`, owner)
		if err != nil {
			return 0, fmt.Errorf("store: delete user data from %s: %w", table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("store: delete user data from %s: %w", table, err)
		}
		deleted += int(n)
	}
	if also != nil {
		if err := also(tx); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: delete user data: commit: %w", err)
	}
	return deleted, nil
}

// errOwnersLimit is a page size outside 1..MaxOwnersPage.
var errOwnersLimit = errors.New("store: Owners: limit must be from 1 to MaxOwnersPage")

// Owners returns up to limit distinct owners that have data in any of
// userTables and sort after the owner after ("" starts at the beginning), in
// ascending order. Page through all of them by passing the last one back.
func (s *sqlStore) Owners(ctx context.Context, after string, limit int) ([]string, error) {
	if limit < 1 || limit > MaxOwnersPage {
		return nil, errOwnersLimit
	}
	parts := make([]string, len(userTables))
	for i, table := range userTables {
		parts[i] = `SELECT owner FROM ` + table + ` WHERE owner > $1`
	}
	q := `SELECT DISTINCT owner FROM (` + strings.Join(parts, ` UNION ALL `) + `) AS owners ORDER BY owner LIMIT $2`
	rows, err := s.r.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list owners: %w", err)
	}
	defer rows.Close()
	owners := make([]string, 0, limit)
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("store: list owners: %w", err)
		}
		owners = append(owners, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list owners: %w", err)
	}
	return owners, nil
}
