package webhooks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hanko-gin/hanko-gin/store"
)

// maxOwnersPage bounds how many owners one owners call returns.
const maxOwnersPage = 1000

// errOwnersLimit is a page size outside 1..maxOwnersPage.
var errOwnersLimit = errors.New("webhooks: owners: limit must be from 1 to 1000")

// owners returns up to limit distinct owners that have data in any per-user
// table (a table with an owner column, store.OwnerTables) and sort after the
// owner after ("" starts at the beginning), in ascending order. Page through
// all of them by passing the last one back.
func owners(ctx context.Context, s store.Store, after string, limit int) ([]string, error) {
	if limit < 1 || limit > maxOwnersPage {
		return nil, errOwnersLimit
	}
	db, err := store.DB(s)
	if err != nil {
		return nil, err
	}
	tables, err := store.OwnerTables(ctx, s)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, limit)
	if len(tables) == 0 {
		return out, nil
	}
	parts := make([]string, len(tables))
	for i, table := range tables {
		parts[i] = `SELECT owner FROM ` + table + ` WHERE owner > $1`
	}
	q := `SELECT DISTINCT owner FROM (` + strings.Join(parts, ` UNION ALL `) + `) AS owners ORDER BY owner LIMIT $2`
	rows, err := db.Read.QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("webhooks: list owners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, fmt.Errorf("webhooks: list owners: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhooks: list owners: %w", err)
	}
	return out, nil
}
