package auth

import (
	"errors"
	"net/http"
	"time"
)

// Error codes sent to clients in the "error" field of the JSON body.
const (
	CodeUnauthorized    = "unauthorized"     // no session token at all
	CodeInvalidToken    = "invalid_token"    // a token was sent but cannot be accepted
	CodeAuthUnavailable = "auth_unavailable" // the token cannot be judged right now
	CodeForbidden       = "forbidden"        // a valid session without the right a route needs (Require)
)

// Error is the one error type the auth package returns for a request it
// refuses. Status and Code go to the client, Message is a sentence that is safe
// to show, and Err (never sent to the client) is the underlying cause for logs.
// Find it in an error chain with errors.AsType[*auth.Error](err).
type Error struct {
	Status  int
	Code    string
	Message string
	Err     error
	// RetryAfter, when positive, is sent as the Retry-After header (in whole
	// seconds): set on 503s the client should simply retry.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// errNoToken is the cause of an "unauthorized" error.
var errNoToken = errors.New("no session token in the Authorization header or the session cookie")

func errMissing() *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized,
		Message: "A session token is required.", Err: errNoToken}
}

func errInvalid(cause error) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken,
		Message: "The session token is invalid or has expired.", Err: cause}
}

func errRevoked(cause error) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken,
		Message: "The session has ended; sign in again.", Err: cause}
}

func errUnavailable(message string, cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: CodeAuthUnavailable,
		Message: message, Err: cause}
}
