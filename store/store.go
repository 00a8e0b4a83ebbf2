// Package store persists the sample API's data: per-user todos.
//
// Every method takes the owner's user id (the Hanko `sub` claim) and filters by
// it, so one user can never read or change another user's rows. Open picks the
// backend from a URL: SQLite by default, PostgreSQL for postgres:// URLs.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a todo does not exist or belongs to another
// owner. Callers must not be able to tell the two apart.
var ErrNotFound = errors.New("store: not found")

// Todo is one item of a user's todo list.
type Todo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TodoPatch holds the fields of a partial update; nil means "leave as is".
type TodoPatch struct {
	Title *string
	Done  *bool
}

// Store is the persistence the HTTP API needs.
type Store interface {
	// ListTodos returns the owner's todos, newest first.
	ListTodos(ctx context.Context, owner string) ([]Todo, error)
	// CreateTodo stores a new todo and returns it once it is durable.
	CreateTodo(ctx context.Context, owner, title string) (Todo, error)
	// GetTodo returns one of the owner's todos, or ErrNotFound.
	GetTodo(ctx context.Context, owner, id string) (Todo, error)
	// UpdateTodo applies patch to one of the owner's todos, or returns ErrNotFound.
	UpdateTodo(ctx context.Context, owner, id string, patch TodoPatch) (Todo, error)
	// DeleteTodo removes one of the owner's todos, or returns ErrNotFound.
	DeleteTodo(ctx context.Context, owner, id string) error
	// DeleteUserData removes everything stored for owner in one transaction,
	// durable when it returns, and says how many rows went (0 when there were
	// none: deleting twice is harmless). See store/users.go.
	DeleteUserData(ctx context.Context, owner string) (int, error)
	// Owners pages through the distinct owners that have data, ascending:
	// up to limit (1 to MaxOwnersPage) of them after the owner after.
	Owners(ctx context.Context, after string, limit int) ([]string, error)
	// Ping reports whether the database answers (used by /readyz).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}
