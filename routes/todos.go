package routes

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/store"
)

// Todo input limits.
const (
	maxTitleRunes = 200
	maxBodyBytes  = 16 << 10
)

// todoList is one page of GET /api/todos. NextCursor is left out on the last page.
type todoList struct {
	Todos      []store.Todo `json:"todos"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// listTodos returns one page of the caller's todos, newest first:
// ?limit=1..200 (default 50), and ?cursor=<the next_cursor of the page before>.
// Other query parameters are ignored.
func (a *api) listTodos(c *gin.Context) {
	page, err := parsePage(c.Request.URL.Query())
	if err != nil {
		RespondError(c, err)
		return
	}
	list, err := a.store.ListTodos(c.Request.Context(), mustClaims(c).UserID, page)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, todoList{Todos: list.Todos, NextCursor: list.NextCursor})
}

var (
	errBadLimit  = BadRequest(`The query parameter "limit" must be a whole number from 1 to %d.`, store.MaxPageLimit)
	errBadCursor = BadRequest(`The query parameter "cursor" must be the "next_cursor" of an earlier page; leave it out for the first page.`)
)

// parsePage reads ?limit and ?cursor. Each may be given once; an empty
// cursor is refused rather than read as "first page", so a client that
// loses its cursor cannot loop over page one forever.
func parsePage(q url.Values) (store.Page, error) {
	var page store.Page
	for _, name := range []string{"limit", "cursor"} {
		if len(q[name]) > 1 {
			return page, BadRequest("The query parameter %q must be given at most once.", name)
		}
	}
	if vs, ok := q["limit"]; ok {
		// Digits only: Atoi alone would also take "+5".
		v := vs[0]
		n, err := strconv.Atoi(v)
		if err != nil || strings.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) || n < 1 || n > store.MaxPageLimit {
			return page, errBadLimit
		}
		page.Limit = n
	}
	if vs, ok := q["cursor"]; ok {
		if vs[0] == "" {
			return page, errBadCursor
		}
		page.Cursor = vs[0]
	}
	return page, nil
}

// createTodo stores a new todo for the caller: {"title": "..."}.
func (a *api) createTodo(c *gin.Context) {
	in, err := DecodeObject(c, "title")
	if err != nil {
		RespondError(c, err)
		return
	}
	if in["title"] == nil {
		RespondError(c, BadRequest(`The field "title" is required.`))
		return
	}
	title, err := parseTitle(in["title"])
	if err != nil {
		RespondError(c, err)
		return
	}
	todo, err := a.store.CreateTodo(c.Request.Context(), mustClaims(c).UserID, title)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.Header("Location", "/api/todos/"+todo.ID)
	c.JSON(http.StatusCreated, todo)
}

// getTodo returns one of the caller's todos (the Location of a created one).
func (a *api) getTodo(c *gin.Context) {
	todo, err := a.store.GetTodo(c.Request.Context(), mustClaims(c).UserID, c.Param("id"))
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, todo)
}

// updateTodo changes the title and/or done flag of one of the caller's todos.
func (a *api) updateTodo(c *gin.Context) {
	in, err := DecodeObject(c, "title", "done")
	if err != nil {
		RespondError(c, err)
		return
	}
	var patch store.TodoPatch
	if in["title"] != nil {
		title, err := parseTitle(in["title"])
		if err != nil {
			RespondError(c, err)
			return
		}
		patch.Title = &title
	}
	if in["done"] != nil {
		var done bool
		if isNull(in["done"]) || json.Unmarshal(in["done"], &done) != nil {
			RespondError(c, BadRequest(`The field "done" must be true or false.`))
			return
		}
		patch.Done = &done
	}
	if patch.Title == nil && patch.Done == nil {
		RespondError(c, BadRequest(`Nothing to change: send "title" and/or "done".`))
		return
	}
	todo, err := a.store.UpdateTodo(c.Request.Context(), mustClaims(c).UserID, c.Param("id"), patch)
	if err != nil {
		RespondError(c, err)
		return
	}
	c.JSON(http.StatusOK, todo)
}

// deleteTodo removes one of the caller's todos.
func (a *api) deleteTodo(c *gin.Context) {
	if err := a.store.DeleteTodo(c.Request.Context(), mustClaims(c).UserID, c.Param("id")); err != nil {
		RespondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// parseTitle accepts a JSON string of 1–200 characters after trimming, without
// control characters (PostgreSQL cannot store NUL; SQLite could, so both would
// otherwise disagree).
func parseTitle(raw json.RawMessage) (string, error) {
	var title string
	if isNull(raw) || json.Unmarshal(raw, &title) != nil {
		return "", BadRequest(`The field "title" must be a string.`)
	}
	title = strings.TrimSpace(title)
	if strings.ContainsFunc(title, unicode.IsControl) {
		return "", BadRequest(`The field "title" must not contain control characters.`)
	}
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		return "", BadRequest(`The field "title" must not be empty.`)
	case n > maxTitleRunes:
		return "", BadRequest(`The field "title" must be at most %d characters (got %d).`, maxTitleRunes, n)
	}
	return title, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// DecodeObject reads exactly one JSON object of at most maxBodyBytes and
// returns its members, refusing other content types, members not named in
// allowed (matched exactly: encoding/json alone would accept "TITLE" for
// "title"), and trailing data.
func DecodeObject(c *gin.Context, allowed ...string) (map[string]json.RawMessage, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, BadRequest("The request body must be JSON, sent with Content-Type: application/json.")
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return nil, jsonProblem(err)
	}
	if obj == nil {
		return nil, BadRequest("The request body must be a JSON object.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, jsonProblem(err)
		}
		return nil, BadRequest("The request body must contain a single JSON object.")
	}
	for name := range obj {
		if !slices.Contains(allowed, name) {
			return nil, BadRequest("Unknown field %q.", name)
		}
	}
	return obj, nil
}

func jsonProblem(err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return BadRequest("The request body is larger than %d bytes.", maxBodyBytes)
	case errors.Is(err, io.EOF):
		return BadRequest("The request body is empty; send a JSON object.")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("The request body is not valid JSON.")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return BadRequest("The request body must be a JSON object.")
		}
		return BadRequest("The field %q has the wrong type.", typeErr.Field)
	}
	return BadRequest("The request body could not be read as JSON.")
}
