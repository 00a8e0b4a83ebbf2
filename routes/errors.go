package routes

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/store"
)

// Error is a refusal with its HTTP status, a stable code and a sentence for
// people. Every error response has the body {"error": code, "message": sentence}.
// Features answer their own refusals with it through RespondError.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// BadRequest is a 400 bad_request with a sentence saying what is wrong.
func BadRequest(format string, args ...any) *Error {
	return &Error{http.StatusBadRequest, "bad_request", fmt.Sprintf(format, args...)}
}

// Refusals that features answer too.
var (
	ErrRouteNotFound    = &Error{http.StatusNotFound, "not_found", "No such route."}
	ErrMethodNotAllowed = &Error{http.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed on this route."}
)

var (
	errTodoNotFound     = &Error{http.StatusNotFound, "not_found", "No todo with this id."}
	errCrossOrigin      = &Error{http.StatusForbidden, "forbidden", "Cross-origin request refused: its origin is not in CORS_ALLOWED_ORIGINS."}
	errOriginNotAllowed = &Error{http.StatusForbidden, "forbidden", "This origin may not call the API: it is not in CORS_ALLOWED_ORIGINS."}
	errBadQuery         = BadRequest(`The query string cannot be decoded: write "%%" as "%%25", and separate parameters with "&" (not ";").`)
	errInternal         = &Error{http.StatusInternalServerError, "internal_error", "Something went wrong on our side."}
)

// RespondError is the one place where errors become HTTP responses: an
// *Error as it is, an *auth.Error with its WWW-Authenticate challenge, the
// store's errors as 404, 400 or 409, anything else as a logged 500.
func RespondError(c *gin.Context, err error) {
	if e, ok := errors.AsType[*auth.Error](err); ok {
		auth.WriteError(c, e) // the same body, plus the WWW-Authenticate challenge
		return
	}
	if errors.Is(err, store.ErrOwnerRevoked) {
		// A write check found the user revoked (deleted at Hanko) after the
		// token passed: answered as any revoked session.
		auth.WriteError(c, &auth.Error{Status: http.StatusUnauthorized, Code: auth.CodeInvalidToken,
			Message: "The session has ended; sign in again.", Err: err})
		return
	}
	var (
		ae    *Error
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
		ae = &Error{http.StatusConflict, "todo_limit_reached",
			fmt.Sprintf("You have reached the limit of %d %s. Delete one to add another.", limit.Max, todos)}
	default:
		_ = c.Error(err) // the request logger reports it
		ae = errInternal
	}
	c.AbortWithStatusJSON(ae.Status, gin.H{"error": ae.Code, "message": ae.Message})
}
