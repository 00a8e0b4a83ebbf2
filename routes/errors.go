package routes

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/store"
)

// apiError is a refusal with its HTTP status, a stable code and a sentence for
// people. Every error response has the body {"error": code, "message": sentence}.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "bad_request", fmt.Sprintf(format, args...)}
}

var (
	errTodoNotFound     = &apiError{http.StatusNotFound, "not_found", "No todo with this id."}
	errRouteNotFound    = &apiError{http.StatusNotFound, "not_found", "No such route."}
	errMethodNotAllowed = &apiError{http.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed on this route."}
	errCrossOrigin      = &apiError{http.StatusForbidden, "forbidden", "Cross-origin request refused: its origin is not in CORS_ALLOWED_ORIGINS."}
	errOriginNotAllowed = &apiError{http.StatusForbidden, "forbidden", "This origin may not call the API: it is not in CORS_ALLOWED_ORIGINS."}
	errBadQuery         = badRequest(`The query string cannot be decoded: write "%%" as "%%25", and separate parameters with "&" (not ";").`)
	errInternal         = &apiError{http.StatusInternalServerError, "internal_error", "Something went wrong on our side."}
)

// respondError is the one place where errors become HTTP responses.
func respondError(c *gin.Context, err error) {
	if e, ok := errors.AsType[*auth.Error](err); ok {
		auth.WriteError(c, e) // the same body, plus the WWW-Authenticate challenge
		return
	}
	var (
		ae    *apiError
		limit *store.TodoLimitError
	)
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, store.ErrNotFound):
		ae = errTodoNotFound
	case errors.Is(err, store.ErrBadCursor):
		ae = errBadCursor
	case errors.As(err, &limit):
		// 409 Conflict: the request is fine, the state of the caller's list
		// is what refuses it, and deleting a todo resolves it (RFC 9110 15.5.10).
		todos := "todos"
		if limit.Max == 1 {
			todos = "todo"
		}
		ae = &apiError{http.StatusConflict, "todo_limit_reached",
			fmt.Sprintf("You have reached the limit of %d %s. Delete one to add another.", limit.Max, todos)}
	default:
		_ = c.Error(err) // the request logger reports it
		ae = errInternal
	}
	c.AbortWithStatusJSON(ae.status, gin.H{"error": ae.code, "message": ae.message})
}
