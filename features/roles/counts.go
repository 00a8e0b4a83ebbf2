package roles

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hanko-gin/hanko-gin/store"
)

// countBatch is how many owners one countTodos query names: an admin page
// (at most 100 users) is one query, far inside both databases' limit on
// parameters.
const countBatch = 500

// countTodos returns how many todos each of owners has, every owner named (0
// for none), for the admin user list: one GROUP BY query per countBatch
// owners, on the store's read connections. s must come from store.Open.
func countTodos(ctx context.Context, s store.Store, owners []string) (map[string]int, error) {
	db, err := store.DB(s)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(owners))
	args := make([]any, 0, min(len(owners), countBatch))
	for _, o := range owners {
		if _, seen := counts[o]; seen || o == "" {
			continue
		}
		counts[o] = 0
		args = append(args, o)
		if len(args) == countBatch {
			if err := countInto(ctx, db, counts, args); err != nil {
				return nil, err
			}
			args = args[:0]
		}
	}
	if len(args) > 0 {
		if err := countInto(ctx, db, counts, args); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

func countInto(ctx context.Context, db store.Database, counts map[string]int, owners []any) error {
	var q strings.Builder
	q.WriteString(`SELECT owner, COUNT(*) FROM todos WHERE owner IN (`)
	for i := range owners {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(i+1))
	}
	q.WriteString(`) GROUP BY owner`)
	rows, err := db.Read.QueryContext(ctx, q.String(), owners...)
	if err != nil {
		return fmt.Errorf("roles: count todos: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner string
		var n int
		if err := rows.Scan(&owner, &n); err != nil {
			return fmt.Errorf("roles: count todos: %w", err)
		}
		counts[owner] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("roles: count todos: %w", err)
	}
	return nil
}
