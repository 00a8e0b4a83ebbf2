// Part of the roles feature (docs/roles.md).

package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// TodoCounter is what the roles feature's admin area needs beyond Store:
// every Store that Open returns implements it.
type TodoCounter interface {
	// CountTodos returns how many todos each of owners has, every owner named
	// (0 for none), in one query per page of owners (the admin user list).
	CountTodos(ctx context.Context, owners []string) (map[string]int, error)
}

// countBatch is how many owners one CountTodos query names: an admin page
// (at most 100 users) is one query, far inside both databases' limit on
// parameters.
const countBatch = 500

// CountTodos implements TodoCounter: one GROUP BY query per countBatch owners.
func (s *sqlStore) CountTodos(ctx context.Context, owners []string) (map[string]int, error) {
	counts := make(map[string]int, len(owners))
	args := make([]any, 0, min(len(owners), countBatch))
	for _, o := range owners {
		if _, seen := counts[o]; seen || o == "" {
			continue
		}
		counts[o] = 0
		args = append(args, o)
		if len(args) == countBatch {
			if err := s.countInto(ctx, counts, args); err != nil {
				return nil, err
			}
			args = args[:0]
		}
	}
	if len(args) > 0 {
		if err := s.countInto(ctx, counts, args); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

func (s *sqlStore) countInto(ctx context.Context, counts map[string]int, owners []any) error {
	var q strings.Builder
	q.WriteString(`SELECT owner, COUNT(*) FROM todos WHERE owner IN (`)
	for i := range owners {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(i+1))
	}
	q.WriteString(`) GROUP BY owner`)
	rows, err := s.r.QueryContext(ctx, q.String(), owners...)
	if err != nil {
		return fmt.Errorf("store: count todos: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner string
		var n int
		if err := rows.Scan(&owner, &n); err != nil {
			return fmt.Errorf("store: count todos: %w", err)
		}
		counts[owner] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: count todos: %w", err)
	}
	return nil
}
