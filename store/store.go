// Package store persists the sample API's data: per-user todos.
//
// Every method takes the owner's user id (the Hanko `sub` claim) and filters by
// it, so one user can never read or change another user's rows. Open picks the
// backend from a URL: SQLite by default, PostgreSQL for postgres:// URLs.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a todo does not exist or belongs to another
// owner. Callers must not be able to tell the two apart.
var ErrNotFound = errors.New("store: not found")

// ErrBadCursor is returned by ListTodos for a cursor it did not hand out.
var ErrBadCursor = errors.New("store: malformed cursor")

// ErrTodoLimit matches (with errors.Is) the *TodoLimitError that CreateTodo
// returns when the owner already has the most todos allowed.
var ErrTodoLimit = errors.New("store: todo limit reached")

// TodoLimitError is CreateTodo's refusal at the per-owner cap. Nothing was stored.
type TodoLimitError struct {
	Max int // the cap, see WithMaxTodosPerUser
}

func (e *TodoLimitError) Error() string {
	return fmt.Sprintf("store: todo limit reached: at most %d todos per user", e.Max)
}

// Is makes errors.Is(err, ErrTodoLimit) true.
func (e *TodoLimitError) Is(target error) bool { return target == ErrTodoLimit }

// ErrOwnerRevoked matches (with errors.Is) a write a WriteCheck refused
// because the owner may no longer write, such as a user deleted at Hanko
// whose tokens may still be in use. Nothing was stored. The API answers it
// as a revoked session: 401 invalid_token.
var ErrOwnerRevoked = errors.New("store: the owner's sessions are revoked; nothing was written")

// Paging bounds for ListTodos.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// DefaultMaxTodosPerUser is the per-owner cap when Open is given no
// WithMaxTodosPerUser; MaxTodosPerUserLimit is the highest cap it accepts.
const (
	DefaultMaxTodosPerUser = 1000
	MaxTodosPerUserLimit   = 1_000_000
)

// Page asks ListTodos for one page.
type Page struct {
	// Limit is the most todos to return, 1 to MaxPageLimit; 0 means DefaultPageLimit.
	Limit int
	// Cursor is "" for the first page, else the NextCursor of the page before.
	Cursor string
}

// TodoPage is one page of an owner's todos, newest first.
type TodoPage struct {
	Todos []Todo // never nil
	// NextCursor continues after the last todo of this page; "" on the last page.
	NextCursor string
}

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
	// ListTodos returns one page of the owner's todos, newest first (by
	// created_at, then id). Pages are keyset-paged: a cursor names a position
	// in that order, so todos added or removed between two calls never make a
	// later page repeat or skip one that was there all along. A cursor that
	// ListTodos did not produce is ErrBadCursor.
	ListTodos(ctx context.Context, owner string, page Page) (TodoPage, error)
	// CreateTodo stores a new todo and returns it once it is durable. When the
	// owner already has the cap (WithMaxTodosPerUser), it stores nothing and
	// returns a *TodoLimitError; the check and the insert are one transaction,
	// so concurrent creates cannot pass the cap either.
	CreateTodo(ctx context.Context, owner, title string) (Todo, error)
	// GetTodo returns one of the owner's todos, or ErrNotFound.
	GetTodo(ctx context.Context, owner, id string) (Todo, error)
	// UpdateTodo applies patch to one of the owner's todos, or returns ErrNotFound.
	UpdateTodo(ctx context.Context, owner, id string, patch TodoPatch) (Todo, error)
	// DeleteTodo removes one of the owner's todos, or returns ErrNotFound.
	DeleteTodo(ctx context.Context, owner, id string) error
	// Ping reports whether the database answers (used by /readyz).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}
