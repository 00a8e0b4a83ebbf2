package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// blockedCheck refuses owners listed in the test table "test_blocked", read
// through the write's own transaction.
func blockedCheck(ctx context.Context, tx *sql.Tx, owner string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM test_blocked WHERE owner = $1`, owner).Scan(&n); err != nil {
		return fmt.Errorf("read blocked: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("owner %s is blocked: %w", owner, store.ErrOwnerRevoked)
	}
	return nil
}

func createBlockedTable(t *testing.T, s store.Store) {
	t.Helper()
	if _, err := store.WriterDB(s).Exec(`CREATE TABLE test_blocked (owner text NOT NULL PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
}

// Every owner write runs the checks in its own transaction and stores
// nothing when one refuses; reads do not run them.
func TestWriteCheckRunsInEveryWrite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := ctxT(t)
		var calls []string
		var mu sync.Mutex
		record := func(ctx context.Context, tx *sql.Tx, owner string) error {
			mu.Lock()
			calls = append(calls, owner)
			mu.Unlock()
			return nil
		}
		s := openWith(t, b.NewURL(t), store.WithWriteCheck(record), store.WithWriteCheck(nil), store.WithWriteCheck(blockedCheck))
		createBlockedTable(t, s)
		const alice, bob = "alice", "bob"
		kept, err := s.CreateTodo(ctx, alice, "kept")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.WriterDB(s).ExecContext(ctx, `INSERT INTO test_blocked (owner) VALUES ($1)`, alice); err != nil {
			t.Fatal(err)
		}
		title := "changed"
		tests := []struct {
			name  string
			owner string
			write func(owner string) error
		}{
			{"create", alice, func(o string) error { _, err := s.CreateTodo(ctx, o, "new"); return err }},
			{"update", alice, func(o string) error {
				_, err := s.UpdateTodo(ctx, o, kept.ID, store.TodoPatch{Title: &title})
				return err
			}},
			{"delete", alice, func(o string) error { return s.DeleteTodo(ctx, o, kept.ID) }},
			{"a feature's own write", alice, func(o string) error {
				return store.WithOwnerWrite(ctx, s, o, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE todos SET title = 'feature' WHERE owner = $1`, o)
					return err
				})
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mu.Lock()
				calls = nil
				mu.Unlock()
				if err := tt.write(alice); !errors.Is(err, store.ErrOwnerRevoked) {
					t.Fatalf("%s for a blocked owner: %v, want ErrOwnerRevoked", tt.name, err)
				}
				mu.Lock()
				if len(calls) != 1 || calls[0] != alice {
					t.Errorf("checks called for %v, want once for %s", calls, alice)
				}
				mu.Unlock()
				// Nothing changed.
				page, err := s.ListTodos(ctx, alice, store.Page{})
				if err != nil || len(page.Todos) != 1 || page.Todos[0].Title != "kept" {
					t.Fatalf("alice's todos after a refused %s: %v %v", tt.name, page.Todos, err)
				}
			})
		}
		// Bob is not blocked: every write passes the same checks.
		td, err := s.CreateTodo(ctx, bob, "b")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateTodo(ctx, bob, td.ID, store.TodoPatch{Title: &title}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTodo(ctx, bob, td.ID); err != nil {
			t.Fatal(err)
		}
		if err := store.WithOwnerWrite(ctx, s, bob, func(*sql.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		// Reads run no check.
		mu.Lock()
		calls = nil
		mu.Unlock()
		if _, err := s.GetTodo(ctx, alice, kept.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ListTodos(ctx, alice, store.Page{}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(calls) != 0 {
			t.Errorf("checks ran for reads: %v", calls)
		}
	})
}
