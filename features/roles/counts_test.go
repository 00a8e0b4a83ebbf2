package roles

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

func TestCountTodos(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.New(t, b)
		const (
			alice = "a11ce000-1111-4222-8333-444455556666"
			bob   = "b0b0b0b0-1111-4222-8333-444455556666"
			carol = "c0c0c0c0-2222-4333-8444-555566667777"
		)
		ctxT := func(t *testing.T) context.Context {
			c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			t.Cleanup(cancel)
			return c
		}
		mustCreate := func(t *testing.T, s store.Store, owner, title string) store.Todo {
			t.Helper()
			td, err := s.CreateTodo(ctxT(t), owner, title)
			if err != nil {
				t.Fatal(err)
			}
			return td
		}
		done := true
		for i := range 3 {
			mustCreate(t, s, alice, fmt.Sprintf("alice %d", i))
		}
		mustCreate(t, s, bob, "bob 0")
		finished := mustCreate(t, s, bob, "bob 1")
		if _, err := s.UpdateTodo(ctxT(t), bob, finished.ID, store.TodoPatch{Done: &done}); err != nil {
			t.Fatal(err)
		}
		deleted := mustCreate(t, s, alice, "gone")
		if err := s.DeleteTodo(ctxT(t), alice, deleted.ID); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name   string
			owners []string
			want   map[string]int
		}{
			{"several owners, done todos count, deleted ones do not", []string{alice, bob, carol}, map[string]int{alice: 3, bob: 2, carol: 0}},
			{"one owner", []string{bob}, map[string]int{bob: 2}},
			{"an owner without todos is named with 0", []string{carol}, map[string]int{carol: 0}},
			{"duplicates and empty names", []string{alice, alice, "", bob}, map[string]int{alice: 3, bob: 2}},
			{"owners compare exactly", []string{"7E4C6A0E-6F1F-4A53-9B6E-0D5B1B8F9A01"}, map[string]int{"7E4C6A0E-6F1F-4A53-9B6E-0D5B1B8F9A01": 0}},
			{"nobody", nil, map[string]int{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := countTodos(ctxT(t), s, tt.owners)
				if err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(got, tt.want) {
					t.Errorf("countTodos(%q) = %v, want %v", tt.owners, got, tt.want)
				}
			})
		}

		// More owners than one query names: every batch is counted.
		many := make([]string, 0, 1201)
		for i := range 1200 {
			many = append(many, fmt.Sprintf("owner-%04d", i))
		}
		many = append(many, alice)
		mustCreate(t, s, "owner-0700", "in the second batch")
		got, err := countTodos(ctxT(t), s, many)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1201 || got[alice] != 3 || got["owner-0700"] != 1 || got["owner-0001"] != 0 {
			t.Errorf("1201 owners: %d counted, alice %d, owner-0700 %d", len(got), got[alice], got["owner-0700"])
		}
	})
}
