package roles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// The sample admin area: Hanko's users with their roles and todo counts, and
// changing a user's roles. Both routes need the admin role, and Require
// confirms every request's session with Hanko, so an admin whose role was
// taken away (which ends their sessions) is refused once the cached answer
// runs out (at once on the replica that took it away: it forgets the user's
// cached answers). A role change also asks Hanko for the caller's own roles,
// uncached, so a demoted admin can change none.

// Admin list paging bounds.
const (
	adminDefaultPerPage = 20
	adminMaxPage        = 10_000
	// adminTimeout bounds one admin request's calls to Hanko's admin API.
	adminTimeout = 20 * time.Second
)

var (
	errAdminNotConfigured = &routes.Error{Status: http.StatusServiceUnavailable, Code: "admin_unavailable", Message: "The admin area is off: the backend has no HANKO_ADMIN_API_URL (Hanko's admin API) set."}
	errAdminUnavailable   = &routes.Error{Status: http.StatusServiceUnavailable, Code: "admin_unavailable", Message: "Hanko's admin API cannot be reached right now, so users and roles cannot be read or changed; try again shortly."}
	errUserNotFound       = &routes.Error{Status: http.StatusNotFound, Code: "not_found", Message: "No Hanko user with this id."}
	errNoLongerAdmin      = &routes.Error{Status: http.StatusForbidden, Code: "forbidden", Message: "Hanko no longer lists the admin role for you, so you cannot change roles. If it was given back, sign in again."}
	errOwnAdminRole       = &routes.Error{Status: http.StatusConflict, Code: "cannot_remove_own_admin", Message: "You cannot remove your own admin role: another admin has to do it, so the last admin never locks everyone out by accident."}
	errNotLocked          = &routes.Error{Status: http.StatusServiceUnavailable, Code: "admin_unavailable", Message: "The database cannot be reached right now, and roles are changed only under a lock in it (so two admins cannot undo each other's change); nothing was changed. Try again shortly."}
	errSessionsNotEnded   = &routes.Error{Status: http.StatusServiceUnavailable, Code: "admin_unavailable", Message: "The roles were saved, but Hanko did not end the user's sessions, so a session they already have keeps the removed role until it expires. " +
		"End them with `hanko-gin roles revoke <email> <role>` on the server."}
)

// adminArea serves the admin area's routes.
type adminArea struct {
	auth  *auth.Authenticator
	store store.Store // todo counts; its owner lock serializes role changes
	log   *slog.Logger
	admin *hankoadmin.Client // nil without HANKO_ADMIN_API_URL: the routes answer 503
}

// adminRoutes registers the admin area under /api/admin.
func (a *adminArea) adminRoutes(r *gin.Engine) {
	admin := r.Group("/api/admin", Require(a.auth, Admin))
	admin.GET("/users", a.adminListUsers)
	admin.PUT("/users/:id/roles", a.adminSetRoles)
}

// adminUser is one user as GET /api/admin/users lists them.
type adminUser struct {
	ID        string    `json:"id"`
	Email     *string   `json:"email"` // null for a user without an address
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
	TodoCount int       `json:"todo_count"`
}

type adminUsersResponse struct {
	Users   []adminUser `json:"users"`
	Page    int         `json:"page"`
	PerPage int         `json:"per_page"`
	Total   int         `json:"total"`
	HasNext bool        `json:"has_next"`
}

// adminListUsers answers one page of Hanko's users (?page=1&per_page=20).
func (a *adminArea) adminListUsers(c *gin.Context) {
	page, err := queryInt(c, "page", 1, 1, adminMaxPage)
	if err != nil {
		routes.RespondError(c, err)
		return
	}
	perPage, err := queryInt(c, "per_page", adminDefaultPerPage, 1, hankoadmin.MaxPerPage)
	if err != nil {
		routes.RespondError(c, err)
		return
	}
	if a.admin == nil {
		routes.RespondError(c, errAdminNotConfigured)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), adminTimeout)
	defer cancel()
	p, err := List(ctx, a.admin, page, perPage)
	if err != nil {
		a.adminFailed(c, "listing users", err)
		return
	}
	ids := make([]string, len(p.Users))
	for i, u := range p.Users {
		ids[i] = u.ID
	}
	counts, err := countTodos(ctx, a.store, ids)
	if err != nil {
		routes.RespondError(c, err)
		return
	}
	out := adminUsersResponse{Users: make([]adminUser, len(p.Users)), Page: page, PerPage: perPage, Total: p.Total, HasNext: p.HasNext}
	for i, u := range p.Users {
		au := adminUser{ID: u.ID, Roles: u.Roles, CreatedAt: u.CreatedAt.UTC(), TodoCount: counts[u.ID]}
		if au.Roles == nil {
			au.Roles = []string{}
		}
		if e := u.PrimaryEmail(); e != "" {
			au.Email = &e
		}
		out.Users[i] = au
	}
	c.JSON(http.StatusOK, out)
}

type setRolesResponse struct {
	ID            string   `json:"id"`
	Roles         []string `json:"roles"`
	Removed       []string `json:"removed"`
	SessionsEnded int      `json:"sessions_ended"`
}

// adminSetRoles replaces a user's roles: {"roles": ["admin", ...]}. Everything
// is validated before Hanko is asked anything.
func (a *adminArea) adminSetRoles(c *gin.Context) {
	in, err := routes.DecodeObject(c, "roles")
	if err != nil {
		routes.RespondError(c, err)
		return
	}
	raw, ok := in["roles"]
	if !ok {
		routes.RespondError(c, routes.BadRequest(`The field "roles" is required: an array of role names, e.g. {"roles": ["admin"]}.`))
		return
	}
	var names []string
	if string(bytes.TrimSpace(raw)) == "null" || json.Unmarshal(raw, &names) != nil {
		routes.RespondError(c, routes.BadRequest(`The field "roles" must be an array of role names (strings), e.g. ["admin"].`))
		return
	}
	// Names are checked against the user's roles by Set (names being added
	// must be valid; names already held may stay), so only what no user can
	// hold is refused before Hanko is asked.
	if err := CanBeHeld(names); err != nil {
		routes.RespondError(c, routes.BadRequest("%s", capitalize(err.Error())+"."))
		return
	}
	id := c.Param("id")
	me, _ := auth.FromContext(c) // Require set it
	if strings.EqualFold(id, me.UserID) && !slices.Contains(names, Admin) {
		routes.RespondError(c, errOwnAdminRole)
		return
	}
	if !hankoadmin.IsID(id) {
		routes.RespondError(c, errUserNotFound)
		return
	}
	if a.admin == nil {
		routes.RespondError(c, errAdminNotConfigured)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), adminTimeout)
	defer cancel()
	// The caller's token names the admin role and Hanko confirmed the session,
	// but that answer may be cached (HANKO_SESSION_CHECK_TTL) and this replica
	// may not yet know of a demotion: a write asks Hanko for the caller's
	// roles themselves, uncached.
	isAdmin, err := Holds(ctx, a.admin, me.UserID, Admin)
	if err != nil {
		a.adminFailed(c, "confirming the caller's admin role", err)
		return
	}
	if !isAdmin {
		a.log.WarnContext(ctx, "role change refused: Hanko no longer lists the caller as admin", "admin_id", me.UserID, "user_id", id)
		routes.RespondError(c, errNoLongerAdmin)
		return
	}
	ch, err := Editor{Admin: a.admin, Store: a.store}.Set(ctx, id, names)
	if len(ch.Removed) > 0 {
		// The user's sessions were ended at Hanko (or that was tried): drop
		// this replica's cached answers for them, so their next admin request
		// asks Hanko and is refused at once.
		a.auth.ForgetUser(strings.ToLower(id)) // tokens carry Hanko's lower-case ids
	}
	switch {
	case errors.Is(err, hankoadmin.ErrNotFound):
		routes.RespondError(c, errUserNotFound)
		return
	case errors.Is(err, ErrNotLocked):
		a.log.ErrorContext(ctx, "role change refused: the user's lock could not be taken", "admin_id", me.UserID, "user_id", id, "error", err.Error())
		routes.RespondError(c, errNotLocked)
		return
	case errors.As(err, new(*InvalidError)):
		routes.RespondError(c, routes.BadRequest("%s", capitalize(err.Error())+"."))
		return
	case errors.Is(err, ErrSessionsNotEnded):
		a.log.ErrorContext(ctx, "roles changed but the user's sessions were not ended",
			"admin_id", me.UserID, "user_id", id, "removed", ch.Removed, "error", err.Error())
		routes.RespondError(c, errSessionsNotEnded)
		return
	case err != nil:
		a.adminFailed(c, "changing roles", err)
		return
	}
	a.log.InfoContext(ctx, "roles changed", "admin_id", me.UserID, "user_id", id,
		"before", ch.Before, "after", ch.After, "sessions_ended", ch.SessionsEnded)
	if ch.Removed == nil {
		ch.Removed = []string{}
	}
	after := ch.After
	if after == nil {
		after = []string{}
	}
	c.JSON(http.StatusOK, setRolesResponse{ID: id, Roles: after, Removed: ch.Removed, SessionsEnded: ch.SessionsEnded})
}

// adminFailed answers a failure of Hanko's admin API: a 503, never a guess.
// The log names the cause (hankoadmin's errors never contain the API key).
func (a *adminArea) adminFailed(c *gin.Context, what string, err error) {
	a.log.WarnContext(c.Request.Context(), "Hanko's admin API failed", "while", what, "error", err.Error())
	routes.RespondError(c, errAdminUnavailable)
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(c *gin.Context, name string, def, lo, hi int) (int, error) {
	v, ok := c.GetQuery(name)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi || strconv.Itoa(n) != v {
		return 0, routes.BadRequest("The query parameter %q must be a whole number from %d to %d.", name, lo, hi)
	}
	return n, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
