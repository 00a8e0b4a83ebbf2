package hankoadmin

import (
	"errors"
	"regexp"
	"strconv"
)

// ErrNotFound is what errors.Is finds when Hanko said the user (or, for the
// session methods, the session) does not exist. Only Hanko's own answer
// counts: {"code":404,"message":"user not found"} from a user endpoint, or a
// 404 from a session endpoint confirmed by a second call (see DeleteSession).
var ErrNotFound = errors.New("not found in Hanko")

// ErrInvalidID is what errors.Is finds when an id given to a method is not a
// UUID. Hanko's ids are UUIDs, so such an id cannot name a Hanko user or
// session; no request is sent for it, and the caller decides what it means.
var ErrInvalidID = errors.New("not a Hanko id (a UUID)")

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsID reports whether s has the form of a Hanko user or session id, a UUID
// such as "bc37215a-ab10-40b3-8136-3fa02ebfd450".
func IsID(s string) bool { return uuidPattern.MatchString(s) }

// Error is a call whose answer cannot be used: the admin API was unreachable
// or too slow, refused the API key, failed, or answered something that is
// not Hanko's admin API. Its text is one sentence naming the admin API and
// what to check, and never contains the API key.
type Error struct {
	Method  string // "GET"
	Path    string // "/users/bc37215a-…", without the base URL's path or the query
	Status  int    // the HTTP status; 0 when there was no answer
	Message string // Hanko's error message, when it sent one
	Err     error  // the cause, when there is one (a transport or decoding error)
	text    string
}

func (e *Error) Error() string { return e.text }
func (e *Error) Unwrap() error { return e.Err }

type notFound struct{ what string }

func (e *notFound) Error() string        { return "Hanko has no " + e.what }
func (e *notFound) Is(target error) bool { return target == ErrNotFound }

type invalidID struct{ kind, id string }

func (e *invalidID) Error() string {
	return "hankoadmin: " + e.kind + " id " + quote(e.id) + " is " + ErrInvalidID.Error()
}
func (e *invalidID) Is(target error) bool { return target == ErrInvalidID }

// quote shows an id the caller passed, shortened so a stray blob stays readable.
func quote(s string) string {
	if len(s) > 64 {
		return strconv.Quote(s[:64]) + "…"
	}
	return strconv.Quote(s)
}
