package hankoadmin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	// MaxPerPage bounds ListUsers' page size. Hanko itself sets no bound
	// (it defaults to 20 when per_page is absent); this keeps one page of
	// users well inside MaxResponseBytes.
	MaxPerPage = 100
	// MaxBatch is how many ids UsersByID puts into one GET /users?user_id=
	// request (about 3.7 KB of query, inside every proxy's URL limit).
	MaxBatch = 100
	// maxEmailPages bounds UserByEmail's walk through partial matches.
	maxEmailPages = 10
)

// ListUsers returns a page (from 1) of perPage users (1 to MaxPerPage),
// newest first, as GET /users?page=&per_page= answers it.
func (c *Client) ListUsers(ctx context.Context, page, perPage int) (*UserPage, error) {
	if page < 1 || perPage < 1 || perPage > MaxPerPage {
		return nil, fmt.Errorf("hankoadmin: page must be at least 1 and perPage from 1 to %d (got %d, %d)", MaxPerPage, page, perPage)
	}
	return c.listUsers(ctx, url.Values{"page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}})
}

func (c *Client) listUsers(ctx context.Context, q url.Values) (*UserPage, error) {
	k := call{method: http.MethodGet, path: []string{"users"}, query: q}
	a, err := c.do(ctx, k, nil)
	if err != nil {
		return nil, err
	}
	if a.status != http.StatusOK {
		return nil, c.unexpected(k, a)
	}
	var users []User
	if err := c.decode(k, a, &users, func() bool { return users != nil && validUsers(users) }); err != nil {
		return nil, err
	}
	total, err := strconv.Atoi(a.header.Get("X-Total-Count"))
	if err != nil || total < 0 {
		return nil, c.fail(k, a.status, "", nil, fmt.Sprintf("admin API at %s answered %s without a valid X-Total-Count header, which Hanko always sends: check HANKO_ADMIN_API_URL", c.base, k))
	}
	return &UserPage{Users: users, Total: total, HasNext: linkRels(a.header)["next"]}, nil
}

func validUsers(users []User) bool {
	for _, u := range users {
		if !IsID(u.ID) {
			return false
		}
	}
	return true
}

// linkRels returns the rel values of the Link headers,
// `<url>; rel="last",<url>; rel="next"` as Hanko sends them.
func linkRels(h http.Header) map[string]bool {
	rels := map[string]bool{}
	for _, v := range h.Values("Link") {
		for len(v) > 0 {
			// One link: <target> then parameters up to a comma outside <>.
			end := strings.IndexByte(v, '>')
			if end < 0 {
				break
			}
			params := v[end+1:]
			next := strings.IndexByte(params, ',')
			if next >= 0 {
				v = params[next+1:]
				params = params[:next]
			} else {
				v = ""
			}
			for _, p := range strings.Split(params, ";") {
				name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(name), "rel") {
					for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
						rels[strings.ToLower(r)] = true
					}
				}
			}
		}
	}
	return rels
}

// UsersByID reports which of ids Hanko knows. The map holds each existing
// user under the id as given (ids compare case-insensitively); an id missing
// from it was confirmed deleted by Hanko's 404 "user not found" for that
// very id. On error the map is nil and nothing is known about any id.
//
// It asks GET /users?user_id=a,b,... with up to MaxBatch ids per request,
// per_page set to the batch size (Hanko's default page is 20). Hanko's list
// leaves out users with neither an address nor a username, so each id the
// list does not answer is checked with GET /users/{id} before it counts as
// deleted. An id that is not a UUID is an ErrInvalidID error before any
// request.
func (c *Client) UsersByID(ctx context.Context, ids []string) (map[string]User, error) {
	asked := map[string]string{} // lower-case id -> the caller's spelling
	var order []string
	for _, id := range ids {
		if !IsID(id) {
			return nil, &invalidID{"user", id}
		}
		l := strings.ToLower(id)
		if _, dup := asked[l]; !dup {
			asked[l] = id
			order = append(order, l)
		}
	}
	found := make(map[string]User, len(order))
	for batch := range slices.Chunk(order, MaxBatch) {
		seen := map[string]bool{}
		for page := 1; ; page++ {
			q := url.Values{
				"user_id":  {strings.Join(batch, ",")},
				"per_page": {strconv.Itoa(len(batch))},
				"page":     {strconv.Itoa(page)},
			}
			p, err := c.listUsers(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, u := range p.Users {
				l := strings.ToLower(u.ID)
				if !slices.Contains(batch, l) {
					return nil, c.fail(call{method: http.MethodGet, path: []string{"users"}, query: q}, http.StatusOK, "", nil,
						fmt.Sprintf("admin API at %s answered GET /users?user_id=... with user %s, which was not asked for: it ignores user_id, so it cannot say who exists (check HANKO_ADMIN_API_URL and the Hanko version)", c.base, u.ID))
				}
				seen[l] = true
				found[asked[l]] = u
			}
			if !p.HasNext || page >= len(batch) {
				break
			}
		}
		for _, l := range batch {
			if seen[l] {
				continue
			}
			u, err := c.User(ctx, l)
			switch {
			case err == nil:
				found[asked[l]] = u
			case !errors.Is(err, ErrNotFound):
				return nil, err
			}
		}
	}
	return found, nil
}

// User returns the user with this id, with its metadata. When Hanko answers
// 404 "user not found" the error is ErrNotFound.
func (c *Client) User(ctx context.Context, id string) (User, error) {
	if !IsID(id) {
		return User{}, &invalidID{"user", id}
	}
	k := call{method: http.MethodGet, path: []string{"users", id}}
	a, err := c.do(ctx, k, nil)
	if err != nil {
		return User{}, err
	}
	switch {
	case a.status == http.StatusOK:
		var u User
		if err := c.decode(k, a, &u, func() bool { return strings.EqualFold(u.ID, id) }); err != nil {
			return User{}, err
		}
		return u, nil
	case isUserNotFound(a):
		return User{}, &notFound{"user " + id}
	}
	return User{}, c.unexpected(k, a)
}

// UserByEmail returns the user who has this address (compared without
// regard to case), with its metadata; ErrNotFound when nobody has it.
// Hanko's email= filter matches substrings ("bob@x" finds "jimbob@x"), so
// only an exact match counts.
func (c *Client) UserByEmail(ctx context.Context, email string) (User, error) {
	addr := strings.ToLower(strings.TrimSpace(email))
	if addr == "" {
		return User{}, errors.New("hankoadmin: no email address given")
	}
	for page := 1; page <= maxEmailPages; page++ {
		p, err := c.listUsers(ctx, url.Values{"email": {addr}, "page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(MaxPerPage)}})
		if err != nil {
			return User{}, err
		}
		for _, u := range p.Users {
			if u.hasAddress(addr) {
				full, err := c.User(ctx, u.ID)
				if errors.Is(err, ErrNotFound) { // deleted since the search
					return User{}, &notFound{"user with email " + addr}
				}
				return full, err
			}
		}
		if !p.HasNext {
			return User{}, &notFound{"user with email " + addr}
		}
	}
	return User{}, fmt.Errorf("hankoadmin: more than %d users' addresses contain %q and none is exactly it; cannot tell", maxEmailPages*MaxPerPage, addr)
}

// Metadata returns the user's metadata (all parts nil when it has none).
func (c *Client) Metadata(ctx context.Context, userID string) (Metadata, error) {
	if !IsID(userID) {
		return Metadata{}, &invalidID{"user", userID}
	}
	k := call{method: http.MethodGet, path: []string{"users", userID, "metadata"}}
	a, err := c.do(ctx, k, nil)
	if err != nil {
		return Metadata{}, err
	}
	return c.metadataAnswer(k, a, userID)
}

func (c *Client) metadataAnswer(k call, a *answer, userID string) (Metadata, error) {
	switch {
	case a.status == http.StatusOK:
		var m Metadata
		objects := func() bool {
			for _, p := range []*json.RawMessage{&m.Public, &m.Private, &m.Unsafe} {
				switch v := bytes.TrimSpace(*p); {
				case v == nil:
				case string(v) == "null":
					*p = nil
				case v[0] != '{':
					return false
				}
			}
			return true
		}
		if err := c.decode(k, a, &m, objects); err != nil {
			return Metadata{}, err
		}
		return m, nil
	case a.status == http.StatusNoContent: // Hanko's answer when nothing is set
		return Metadata{}, nil
	case isUserNotFound(a):
		return Metadata{}, &notFound{"user " + userID}
	}
	return Metadata{}, c.unexpected(k, a)
}

var metadataParts = []string{"public_metadata", "private_metadata", "unsafe_metadata"}

// PatchMetadata applies patch to the user's metadata as a JSON merge patch
// (RFC 7396) and returns the result. patch is marshalled with encoding/json
// (pass a json.RawMessage for JSON text) and must be an object whose members
// are among public_metadata, private_metadata and unsafe_metadata, each an
// object or null. Inside them, members not sent are kept and null removes
// one; a part set to null is removed whole. For example
//
//	{"public_metadata": {"roles": ["admin"]}}
//
// sets the roles and keeps all other metadata.
func (c *Client) PatchMetadata(ctx context.Context, userID string, patch any) (Metadata, error) {
	if !IsID(userID) {
		return Metadata{}, &invalidID{"user", userID}
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return Metadata{}, fmt.Errorf("hankoadmin: metadata patch: %w", err)
	}
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(body, &parts); err != nil || parts == nil {
		return Metadata{}, errors.New("hankoadmin: a metadata patch must be a JSON object")
	}
	for name, v := range parts {
		if !slices.Contains(metadataParts, name) {
			return Metadata{}, fmt.Errorf("hankoadmin: metadata patch member %q is none of %s", name, strings.Join(metadataParts, ", "))
		}
		if v := bytes.TrimSpace(v); v[0] != '{' && string(v) != "null" {
			return Metadata{}, fmt.Errorf("hankoadmin: metadata patch member %q must be an object or null", name)
		}
	}
	k := call{method: http.MethodPatch, path: []string{"users", userID, "metadata"}}
	a, err := c.do(ctx, k, body)
	if err != nil {
		return Metadata{}, err
	}
	return c.metadataAnswer(k, a, userID)
}

// Sessions returns the user's live sessions, newest first.
func (c *Client) Sessions(ctx context.Context, userID string) ([]Session, error) {
	if !IsID(userID) {
		return nil, &invalidID{"user", userID}
	}
	k := call{method: http.MethodGet, path: []string{"users", userID, "sessions"}}
	a, err := c.do(ctx, k, nil)
	if err != nil {
		return nil, err
	}
	switch a.status {
	case http.StatusOK:
		var sessions []Session
		err := c.decode(k, a, &sessions, func() bool {
			for _, s := range sessions {
				if !IsID(s.ID) || !strings.EqualFold(s.UserID, userID) {
					return false
				}
			}
			return sessions != nil
		})
		return sessions, err
	case http.StatusNotFound:
		// Hanko answers an unknown user here with a bare {"message":"Not
		// Found"}, the same as for an unknown route: ask about the user.
		if _, err := c.User(ctx, userID); err != nil {
			return nil, err
		}
		return nil, c.fail(k, a.status, "", nil, fmt.Sprintf("admin API at %s answered %s with HTTP 404 for an existing user: it has no sessions endpoint (check HANKO_ADMIN_API_URL and the Hanko version)", c.base, k))
	}
	return nil, c.unexpected(k, a)
}

// DeleteSession ends one of the user's sessions: from now on Hanko's
// /sessions/validate refuses its token. Hanko answers 404 alike for an
// unknown user, an unknown session and an unknown route, so a 404 is checked
// with Sessions: the error is ErrNotFound only when Hanko confirms that the
// user, or this session of the user, does not exist.
func (c *Client) DeleteSession(ctx context.Context, userID, sessionID string) error {
	if !IsID(userID) {
		return &invalidID{"user", userID}
	}
	if !IsID(sessionID) {
		return &invalidID{"session", sessionID}
	}
	k := call{method: http.MethodDelete, path: []string{"users", userID, "sessions", sessionID}}
	a, err := c.do(ctx, k, nil)
	if err != nil {
		return err
	}
	switch a.status {
	case http.StatusNoContent:
		return nil
	case http.StatusNotFound:
		live, err := c.Sessions(ctx, userID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(live, func(s Session) bool { return strings.EqualFold(s.ID, sessionID) }) {
			return c.fail(k, a.status, "", nil, fmt.Sprintf("admin API at %s answered %s with HTTP 404 but still lists the session: check HANKO_ADMIN_API_URL and the Hanko version", c.base, k))
		}
		return &notFound{"session " + sessionID + " of user " + userID}
	}
	return c.unexpected(k, a)
}

// RevokeAllSessions ends every live session of the user and returns how
// many it ended; sessions that ended meanwhile are not counted. The user's
// tokens stop passing Hanko's /sessions/validate at once (local JWT checks
// cannot see this). ErrNotFound when the user does not exist.
func (c *Client) RevokeAllSessions(ctx context.Context, userID string) (int, error) {
	live, err := c.Sessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range live {
		switch err := c.DeleteSession(ctx, userID, s.ID); {
		case err == nil:
			n++
		case errors.Is(err, ErrNotFound):
		default:
			return n, err
		}
	}
	return n, nil
}

// DeleteUser deletes the user at Hanko, which also ends its sessions and
// sends the user.delete webhook. ErrNotFound when it does not exist.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	if !IsID(id) {
		return &invalidID{"user", id}
	}
	k := call{method: http.MethodDelete, path: []string{"users", id}}
	a, err := c.do(ctx, k, nil)
	if err != nil {
		return err
	}
	switch {
	case a.status == http.StatusNoContent:
		return nil
	case isUserNotFound(a):
		return &notFound{"user " + id}
	}
	return c.unexpected(k, a)
}
