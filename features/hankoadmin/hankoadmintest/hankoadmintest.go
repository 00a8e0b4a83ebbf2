// Package hankoadmintest is a stand-in of Hanko's admin API for tests, on
// hankoadmin's own types.
package hankoadmintest

// The admin half of the stand-in: Hanko's admin API (port 8001 when
// self-hosted, no authentication there; Hanko Cloud takes a bearer API key),
// limited to the calls a backend makes to purge deleted users and manage
// roles. Answers are shaped like the captures in
// auth/testdata/hanko/webhooks (README.md there says how they were made).
//
//	hanko := authtest.NewServer()
//	admin := hankoadmintest.NewServer(hanko.Issuer)
//	defer admin.Close()
//	u := admin.AddUser("a@example.com")
//	admin.SetPublicMetadata(u.ID, map[string]any{"roles": []string{"admin"}})
//	token := admin.LoginSession(u.ID) // carries "roles": ["admin"]

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
)

// primary returns u's primary address, or none.
func primary(u hankoadmin.User) hankoadmin.Email {
	for _, e := range u.Emails {
		if e.IsPrimary {
			return e
		}
	}
	return hankoadmin.Email{}
}

// Hanko stores each metadata part in a column of at most this many characters.
const adminMetadataMax = 3000

type adminRecord struct {
	user     hankoadmin.User // Metadata unused: see the three parts below
	seq      int             // creation order, to sort users created at the same instant
	meta     [3]json.RawMessage
	sessions []hankoadmin.Session
}

// Admin keeps users, their metadata and sessions, and serves the admin API
// over them. Sessions it records are minted by its Issuer, so revoking one
// through the admin API makes the Issuer's /sessions/validate refuse it.
type Admin struct {
	iss *authtest.Issuer

	mu       sync.Mutex
	users    map[string]*adminRecord
	seq      int
	fail     int
	stall    chan struct{} // non-nil while stalled; closed to release
	apiKey   string
	requests []string
	onDelete []func(hankoadmin.User)
}

// New creates an empty admin API for the tokens of iss (a fresh Issuer
// when iss is nil).
func New(iss *authtest.Issuer) *Admin {
	if iss == nil {
		iss = authtest.NewIssuer()
	}
	return &Admin{iss: iss, users: map[string]*adminRecord{}}
}

// Server is an Admin behind an httptest.Server, on its own port like
// Hanko's admin API. Use its URL as HANKO_ADMIN_API_URL.
type Server struct {
	*Admin
	URL string
	srv *httptest.Server
}

// NewServer starts the admin API of iss on a loopback port.
func NewServer(iss *authtest.Issuer) *Server {
	a := New(iss)
	srv := httptest.NewServer(a.Handler())
	return &Server{Admin: a, URL: srv.URL, srv: srv}
}

// Close releases stalled requests and shuts the server down; from then on
// the admin API is unreachable (connections are refused).
func (s *Server) Close() {
	s.Stall(false)
	s.srv.Close()
}

var adminUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (a *Admin) now() time.Time { return a.iss.Now().UTC().Round(time.Microsecond) }

// AddUser adds a user with one primary, unverified address (no address when
// email is ""; such a user is invisible to GET /users, as in Hanko).
func (a *Admin) AddUser(email string) hankoadmin.User {
	u := hankoadmin.User{}
	if email != "" {
		u.Emails = []hankoadmin.Email{{Address: email, IsPrimary: true}}
	}
	return a.PutUser(u)
}

// PutUser adds u as given, filling what is empty: a random id, email ids,
// times (now), and a primary address (the first) if none is marked. It
// panics on an id that is not a UUID, or an id or address already taken.
func (a *Admin) PutUser(u hankoadmin.User) hankoadmin.User {
	now := a.now()
	if u.ID == "" {
		u.ID = authtest.RandomUUID()
	}
	if !adminUUID.MatchString(u.ID) {
		panic(fmt.Sprintf("authtest: user id %q is not a UUID (Hanko's ids are)", u.ID))
	}
	u.ID = strings.ToLower(u.ID)
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	u.Emails = slices.Clone(u.Emails)
	primary := false
	for n := range u.Emails {
		e := &u.Emails[n]
		if e.ID == "" {
			e.ID = authtest.RandomUUID()
		}
		e.Address = strings.ToLower(e.Address)
		if e.CreatedAt.IsZero() {
			e.CreatedAt = u.CreatedAt
		}
		if e.UpdatedAt.IsZero() {
			e.UpdatedAt = e.CreatedAt
		}
		if e.IsPrimary {
			if primary {
				panic(fmt.Sprintf("authtest: user %s has two primary addresses", u.ID))
			}
			primary = true
		}
	}
	if !primary && len(u.Emails) > 0 {
		u.Emails[0].IsPrimary = true
	}
	rec := &adminRecord{user: u}
	if m := u.Metadata; m != nil {
		rec.meta = [3]json.RawMessage{mustObject(m.Public), mustObject(m.Private), mustObject(m.Unsafe)}
	}
	rec.user.Metadata = nil

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.users[u.ID] != nil {
		panic(fmt.Sprintf("authtest: user %s exists", u.ID))
	}
	for _, other := range a.users {
		for _, e := range other.user.Emails {
			for _, mine := range u.Emails {
				if e.Address == mine.Address {
					panic(fmt.Sprintf("authtest: address %s is taken by user %s", e.Address, other.user.ID))
				}
			}
		}
	}
	a.seq++
	rec.seq = a.seq
	a.users[u.ID] = rec
	return rec.view()
}

// mustObject checks that raw is a JSON object (or empty) and compacts it.
func mustObject(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		panic(fmt.Sprintf("authtest: metadata %s is not a JSON object", raw))
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, raw)
	return buf.Bytes()
}

// view is the user as GET /users/{id} shows it. Call with a.mu held.
func (r *adminRecord) view() hankoadmin.User {
	u := r.user
	u.Emails = slices.Clone(u.Emails)
	u.Metadata = r.metadata()
	return u
}

// metadata hides unset and empty parts, and is nil when nothing is left.
func (r *adminRecord) metadata() *hankoadmin.Metadata {
	part := func(raw json.RawMessage) json.RawMessage {
		if len(raw) == 0 || string(raw) == "{}" {
			return nil
		}
		return slices.Clone(raw)
	}
	m := &hankoadmin.Metadata{Public: part(r.meta[0]), Private: part(r.meta[1]), Unsafe: part(r.meta[2])}
	if m.Public == nil && m.Private == nil && m.Unsafe == nil {
		return nil
	}
	return m
}

func (a *Admin) record(userID string) *adminRecord {
	rec := a.users[strings.ToLower(userID)]
	if rec == nil {
		panic(fmt.Sprintf("authtest: no user %s", userID))
	}
	return rec
}

// User returns the user as GET /users/{id} would, and whether it exists.
func (a *Admin) User(id string) (hankoadmin.User, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rec := a.users[strings.ToLower(id)]
	if rec == nil {
		return hankoadmin.User{}, false
	}
	return rec.view(), true
}

// SetMetadata replaces all of a user's metadata (parts must be JSON objects
// or nil). It panics for an unknown user.
func (a *Admin) SetMetadata(userID string, m hankoadmin.Metadata) {
	parts := [3]json.RawMessage{mustObject(m.Public), mustObject(m.Private), mustObject(m.Unsafe)}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.record(userID).meta = parts
}

// SetPublicMetadata replaces a user's public metadata with public marshalled
// to JSON (an object; nil unsets it), keeping the other parts. It panics for
// an unknown user.
func (a *Admin) SetPublicMetadata(userID string, public any) {
	var raw json.RawMessage
	if public != nil {
		b, err := json.Marshal(public)
		if err != nil {
			panic(fmt.Sprintf("authtest: public metadata: %v", err))
		}
		raw = mustObject(b)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.record(userID).meta[0] = raw
}

// DeleteUser deletes a user as DELETE /users/{id} does (its sessions end and
// OnUserDeleted hooks run) and reports whether it existed.
func (a *Admin) DeleteUser(id string) bool {
	a.mu.Lock()
	rec := a.users[strings.ToLower(id)]
	if rec == nil {
		a.mu.Unlock()
		return false
	}
	delete(a.users, rec.user.ID)
	for _, s := range rec.sessions {
		a.iss.Revoke(s.ID)
	}
	gone := rec.view()
	hooks := slices.Clone(a.onDelete)
	a.mu.Unlock()
	for _, h := range hooks {
		h(gone)
	}
	return true
}

// OnUserDeleted registers fn to run after each deletion (through the admin
// API or DeleteUser) with the user as it was, the way Hanko triggers its
// user.delete webhook with that user as data. fn runs before the admin API
// answers the DELETE, so a test sees its effects right after the call.
func (a *Admin) OnUserDeleted(fn func(hankoadmin.User)) {
	a.mu.Lock()
	a.onDelete = append(a.onDelete, fn)
	a.mu.Unlock()
}

// LoginSession logs the user in: it records a server-side session (listed by
// the admin API, revocable through it) and returns its token. The token has
// the user's primary address as email and a roles claim rendered from public
// metadata like Hanko's guarded template
// '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}': an array stays an
// array, a missing key or no metadata gives "". It panics for an unknown user.
func (a *Admin) LoginSession(userID string) string {
	return a.LoginSessionWith(userID, authtest.Session{})
}

// LoginSessionWith is LoginSession with other token fields taken from s.
// UserID and the roles claim always come from the user; Email, when empty,
// from its primary address.
func (a *Admin) LoginSessionWith(userID string, s authtest.Session) string {
	a.mu.Lock()
	rec := a.record(userID)
	s.UserID = rec.user.ID
	if s.SessionID == "" {
		s.SessionID = authtest.RandomUUID()
	}
	if s.Email == "" {
		p := primary(rec.user)
		s.Email, s.EmailVerified = p.Address, p.IsVerified
	}
	if s.IssuedAt.IsZero() {
		s.IssuedAt = a.iss.Now()
	}
	if s.ExpiresAt.IsZero() {
		s.ExpiresAt = s.IssuedAt.Add(12 * time.Hour)
	}
	custom := make(map[string]any, len(s.Custom)+1)
	for k, v := range s.Custom {
		custom[k] = v
	}
	custom["roles"] = rolesClaim(rec.meta)
	s.Custom = custom
	at := s.IssuedAt.UTC().Round(time.Microsecond)
	rec.sessions = append(rec.sessions, hankoadmin.Session{
		ID: s.SessionID, UserID: s.UserID, UserAgent: "authtest", IPAddress: "127.0.0.1",
		CreatedAt: at, UpdatedAt: at, ExpiresAt: s.ExpiresAt.UTC().Round(time.Microsecond), LastUsed: at,
	})
	a.mu.Unlock()
	return a.iss.Token(s)
}

// Sessions returns the user's live sessions, newest first, as
// GET /users/{id}/sessions does.
func (a *Admin) Sessions(userID string) []hankoadmin.Session {
	a.mu.Lock()
	defer a.mu.Unlock()
	rec := a.users[strings.ToLower(userID)]
	if rec == nil {
		return nil
	}
	return a.liveSessions(rec)
}

func (a *Admin) liveSessions(rec *adminRecord) []hankoadmin.Session {
	now := a.iss.Now()
	out := []hankoadmin.Session{}
	for _, s := range rec.sessions {
		if s.ExpiresAt.After(now) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(x, y hankoadmin.Session) int { return y.CreatedAt.Compare(x.CreatedAt) })
	return out
}

// FailWith makes every admin API call answer status with Hanko's JSON error
// body, as a broken Hanko would; 0 restores normal answers.
func (a *Admin) FailWith(status int) {
	a.mu.Lock()
	a.fail = status
	a.mu.Unlock()
}

// Stall makes admin API calls hang, unanswered, until the caller gives up or
// Stall(false): for timeout tests without sleeping.
func (a *Admin) Stall(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case on && a.stall == nil:
		a.stall = make(chan struct{})
	case !on && a.stall != nil:
		close(a.stall)
		a.stall = nil
	}
}

// RequireAPIKey makes the admin API demand "Authorization: Bearer key", as
// Hanko Cloud's does, answering 401 otherwise; "" turns the check off.
func (a *Admin) RequireAPIKey(key string) {
	a.mu.Lock()
	a.apiKey = key
	a.mu.Unlock()
}

// Requests returns the requests served so far as "METHOD /path?query".
func (a *Admin) Requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests)
}

// Handler serves the admin API: GET /users (page, per_page, user_id=a,b,
// email=), GET and DELETE /users/{id}, GET and PATCH /users/{id}/metadata,
// GET /users/{id}/sessions and DELETE /users/{id}/sessions/{session_id}.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users", a.listUsers)
	mux.HandleFunc("GET /users/{id}", a.getUser)
	mux.HandleFunc("DELETE /users/{id}", a.deleteUser)
	mux.HandleFunc("GET /users/{id}/metadata", a.getMetadata)
	mux.HandleFunc("PATCH /users/{id}/metadata", a.patchMetadata)
	mux.HandleFunc("GET /users/{id}/sessions", a.listSessions)
	mux.HandleFunc("DELETE /users/{id}/sessions/{session_id}", a.deleteSession)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, "Not Found") // echo's answer for an unknown route
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests = append(a.requests, r.Method+" "+r.URL.RequestURI())
		stall, fail, key := a.stall, a.fail, a.apiKey
		a.mu.Unlock()
		if stall != nil {
			select {
			case <-stall:
			case <-r.Context().Done():
				return
			}
		}
		if fail != 0 {
			adminError(w, fail, http.StatusText(fail))
			return
		}
		if key != "" && r.Header.Get("Authorization") != "Bearer "+key {
			adminError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// adminJSON answers like echo's c.JSON: compact JSON and a newline.
// wireUser is a hankoadmin.User as Hanko writes it: without emails or
// metadata when there are none.
type wireUser struct {
	ID        string               `json:"id"`
	Emails    []hankoadmin.Email   `json:"emails,omitempty"`
	CreatedAt time.Time            `json:"created_at"`
	UpdatedAt time.Time            `json:"updated_at"`
	Metadata  *hankoadmin.Metadata `json:"metadata,omitempty"`
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// adminError answers in Hanko's error shape, {"code":404,"message":"user not found"}.
func adminError(w http.ResponseWriter, status int, message string) {
	adminJSON(w, status, struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{status, message})
}

// lookup parses the path's user id; it answers and returns nil when the id is
// not a UUID (badID) or no such user exists (missing: "" leaves it to the
// caller).
func (a *Admin) lookup(w http.ResponseWriter, r *http.Request, badID, missing string) *adminRecord {
	id := r.PathValue("id")
	if !adminUUID.MatchString(id) {
		adminError(w, http.StatusBadRequest, badID)
		return nil
	}
	rec := a.users[strings.ToLower(id)]
	if rec == nil {
		adminError(w, http.StatusNotFound, missing)
	}
	return rec
}

func (a *Admin) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage := 1, 20
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &perPage}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				adminError(w, http.StatusBadRequest, fmt.Sprintf("%s must be a number", p.name))
				return
			}
			if n > 0 {
				*p.dst = n
			}
		}
	}
	var ids []string
	if s := q.Get("user_id"); s != "" {
		for _, id := range strings.Split(s, ",") {
			if !adminUUID.MatchString(id) {
				adminError(w, http.StatusBadRequest, "failed to parse user_id as uuid")
				return
			}
			ids = append(ids, strings.ToLower(id))
		}
	}
	desc := true
	switch q.Get("sort_direction") {
	case "", "desc":
	case "asc":
		desc = false
	default:
		adminError(w, http.StatusBadRequest, "sort_direction must be desc or asc")
		return
	}
	email := strings.ToLower(q.Get("email"))

	a.mu.Lock()
	var match []*adminRecord
	for _, rec := range a.users {
		// Hanko lists only users with an address (or username), and matches
		// email with SQL LIKE '%email%'.
		if len(rec.user.Emails) == 0 || (ids != nil && !slices.Contains(ids, rec.user.ID)) {
			continue
		}
		if email != "" && !slices.ContainsFunc(rec.user.Emails, func(e hankoadmin.Email) bool { return strings.Contains(e.Address, email) }) {
			continue
		}
		match = append(match, rec)
	}
	slices.SortFunc(match, func(x, y *adminRecord) int {
		c := x.user.CreatedAt.Compare(y.user.CreatedAt)
		if c == 0 {
			c = x.seq - y.seq
		}
		if desc {
			return -c
		}
		return c
	})
	out := []wireUser{}
	for n := (page - 1) * perPage; n < len(match) && n < page*perPage; n++ {
		u := match[n].view()
		u.Metadata = nil // GET /users does not load metadata
		out = append(out, wireUser(u))
	}
	a.mu.Unlock()

	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	self, _ := url.Parse(scheme + "://" + r.Host + r.URL.RequestURI())
	w.Header().Set("Link", pageLinks(self, len(match), page, perPage))
	w.Header().Set("X-Total-Count", strconv.Itoa(len(match)))
	adminJSON(w, http.StatusOK, out)
}

// pageLinks builds the Link header Hanko sends with a page of users: first
// (unless on it, or when it is also the last), last (unless on it), next and
// prev, each the request URL with page and per_page set.
func pageLinks(self *url.URL, total, page, perPage int) string {
	last := (total + perPage - 1) / perPage
	if last == 0 {
		last = 1
	}
	link := func(rel string, p int) string {
		u := *self
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	if page != 1 || page == last {
		links = append(links, link("first", 1))
	}
	if page != last {
		links = append(links, link("last", last))
	}
	if page < last {
		links = append(links, link("next", page+1))
	}
	if page > 1 {
		links = append(links, link("prev", page-1))
	}
	return strings.Join(links, ",")
}

func (a *Admin) getUser(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if rec := a.lookup(w, r, "failed to parse userId as uuid", "user not found"); rec != nil {
		adminJSON(w, http.StatusOK, wireUser(rec.view()))
	}
}

func (a *Admin) deleteUser(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	rec := a.lookup(w, r, "failed to parse userId as uuid", "user not found")
	a.mu.Unlock()
	if rec == nil {
		return
	}
	if !a.DeleteUser(rec.user.ID) {
		adminError(w, http.StatusNotFound, "user not found") // deleted meanwhile
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *Admin) getMetadata(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if rec := a.lookup(w, r, "invalid user id", "user not found"); rec != nil {
		writeMetadata(w, rec)
	}
}

// writeMetadata answers 200 with the metadata, or 204 when there is none.
func writeMetadata(w http.ResponseWriter, rec *adminRecord) {
	if m := rec.metadata(); m != nil {
		adminJSON(w, http.StatusOK, m)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var metadataParts = [3]string{"public_metadata", "private_metadata", "unsafe_metadata"}

// patchMetadata applies a JSON merge patch (RFC 7396) to
// {"public_metadata": ..., "private_metadata": ..., "unsafe_metadata": ...}:
// keys not sent are kept, null removes one; a null body removes everything.
func (a *Admin) patchMetadata(w http.ResponseWriter, r *http.Request) {
	if !adminUUID.MatchString(r.PathValue("id")) {
		adminError(w, http.StatusBadRequest, "invalid user id")
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		return
	}
	var patch map[string]any // nil for a null body
	if len(body) > 0 {
		bad := func(msg string) {
			adminError(w, http.StatusBadRequest, fmt.Sprintf("code=400, message=%s, internal=%s", msg, msg))
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil || d.More() {
			bad("body is not valid JSON")
			return
		}
		if v != nil {
			obj, ok := v.(map[string]any)
			if !ok {
				bad("patch metadata must be null or object")
				return
			}
			patch = map[string]any{}
			for _, k := range metadataParts {
				p, sent := obj[k]
				if !sent {
					continue
				}
				if _, isObj := p.(map[string]any); p != nil && !isObj {
					bad(k + " must be an object or null")
					return
				}
				patch[k] = p
			}
		}
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	rec := a.users[strings.ToLower(r.PathValue("id"))]
	if rec == nil {
		adminError(w, http.StatusNotFound, "user not found")
		return
	}
	if len(body) == 0 {
		// No body at all: Hanko's merge step fails on the empty patch.
		adminError(w, http.StatusInternalServerError, "could not patch metadata")
		return
	}
	var next [3]json.RawMessage
	if patch != nil {
		current := map[string]any{}
		for n, k := range metadataParts {
			if raw := rec.meta[n]; len(raw) > 0 && string(raw) != "{}" {
				d := json.NewDecoder(bytes.NewReader(raw))
				d.UseNumber()
				var v any
				_ = d.Decode(&v)
				current[k] = v
			}
		}
		merged, _ := mergePatch(current, patch).(map[string]any)
		for n, k := range metadataParts {
			if v, ok := merged[k]; ok {
				next[n] = marshalPart(v)
				if len(next[n]) > adminMetadataMax {
					part := strings.TrimSuffix(k, "_metadata")
					adminError(w, http.StatusBadRequest, fmt.Sprintf("metadata limit exceeded: %s: %s metadata must not exceed %d characters", part, part, adminMetadataMax))
					return
				}
			}
		}
	}
	rec.meta = next
	writeMetadata(w, rec)
}

// readBody reads a JSON request body as echo's binder does: a body needs
// Content-Type application/json (415 otherwise).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, 64<<10)); err != nil {
		adminError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return nil, err
	}
	if buf.Len() > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		adminError(w, http.StatusUnsupportedMediaType, "Unsupported Media Type")
		return nil, fmt.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
	return buf.Bytes(), nil
}

// marshalPart stores a merged part as Hanko does: compact JSON, with <, >
// and & as written.
func marshalPart(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// mergePatch applies an RFC 7396 merge patch to target.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, _ := target.(map[string]any)
	out := make(map[string]any, len(t)+len(p))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range p {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = mergePatch(out[k], v)
	}
	return out
}

func (a *Admin) listSessions(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rec := a.lookup(w, r, "user_id must be a uuid", "Not Found")
	if rec == nil {
		return
	}
	adminJSON(w, http.StatusOK, a.liveSessions(rec))
}

var uuid4 = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$`)

func (a *Admin) deleteSession(w http.ResponseWriter, r *http.Request) {
	if !uuid4.MatchString(r.PathValue("session_id")) {
		adminError(w, http.StatusBadRequest, "session_id must be a uuid4")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	rec := a.lookup(w, r, "user_id must be a uuid", "Not Found")
	if rec == nil {
		return
	}
	sid := strings.ToLower(r.PathValue("session_id"))
	n := slices.IndexFunc(rec.sessions, func(s hankoadmin.Session) bool { return s.ID == sid })
	if n < 0 {
		// Unknown, or another user's: Hanko answers the same for both.
		adminError(w, http.StatusNotFound, "Not Found")
		return
	}
	rec.sessions = slices.Delete(rec.sessions, n, n+1)
	a.iss.Revoke(sid)
	w.WriteHeader(http.StatusNoContent)
}

// rolesClaim renders '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'
// as Hanko does: "" without metadata (the with) or without the key, else
// gjson's string of the value, which Hanko then turns into a boolean for
// "true"/"false" and into the value for text that parses as a JSON array or
// object.
func rolesClaim(meta [3]json.RawMessage) any {
	var public map[string]json.RawMessage
	_ = json.Unmarshal(meta[0], &public)
	s := templateString(public["roles"])
	switch {
	case s == "true" || s == "false":
		return s == "true"
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"), strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		var v any
		if json.Unmarshal([]byte(s), &v) == nil {
			return v
		}
	}
	return s
}

var plainInteger = regexp.MustCompile(`^-?[0-9]+$`)

// templateString is what gjson's Result.String gives for a JSON value: a
// string unquoted, null and absent as "", arrays and objects as their JSON,
// integers as written and other numbers in shortest decimal form.
func templateString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	case 'n':
		return ""
	case 't', 'f', '[', '{':
		return string(raw)
	}
	if plainInteger.Match(raw) {
		return string(raw)
	}
	f, _ := strconv.ParseFloat(string(raw), 64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}
