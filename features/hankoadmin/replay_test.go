package hankoadmin_test

// Tests against the answers of a real Hanko, replayed byte for byte from
// auth/testdata/hanko/webhooks (README.md there says how they were captured).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
)

const (
	capturedUser    = "bc37215a-ab10-40b3-8136-3fa02ebfd450"
	capturedSecond  = "75f8c3d5-2cb7-480c-a556-105e14f0381e"
	capturedSession = "a1dbeaee-30d7-4ee3-a68c-9df671f08b2a"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "auth", "testdata", "hanko", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtureStatus(t *testing.T, name string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(string(fixture(t, name))))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// reply is one canned answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, body string) reply {
	return reply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(body)}
}

// echoNotFound is echo's answer for a route it does not have (and Hanko's
// for an unknown user or session on the session routes).
var echoNotFound = jsonReply(404, `{"code":404,"message":"Not Found"}`+"\n")

// captured returns the real answers by "METHOD /path".
func captured(t *testing.T) map[string]reply {
	t.Helper()
	list := reply{status: 200, header: http.Header{}, body: fixture(t, "admin-users.json")}
	for _, line := range strings.Split(string(fixture(t, "admin-users.headers.txt")), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && k != "Content-Length" && k != "Date" {
			list.header.Set(k, strings.TrimSpace(v))
		}
	}
	gone := reply{status: fixtureStatus(t, "admin-user-deleted.status"), header: http.Header{"Content-Type": {"application/json"}}, body: fixture(t, "admin-user-deleted.json")}
	return map[string]reply{
		"GET /users":                                                        list,
		"GET /users/" + capturedUser:                                        jsonReply(200, string(fixture(t, "admin-user.json"))),
		"GET /users/" + capturedUser + "/sessions":                          jsonReply(200, string(fixture(t, "admin-sessions.json"))),
		"GET /users/" + capturedUser + "/metadata":                          jsonReply(200, string(fixture(t, "admin-metadata.json"))),
		"PATCH /users/" + capturedUser + "/metadata":                        jsonReply(200, string(fixture(t, "admin-metadata-patch.json"))),
		"DELETE /users/" + capturedUser:                                     {status: fixtureStatus(t, "admin-delete-user.status")},
		"DELETE /users/" + capturedUser + "/sessions/" + capturedSession:    {status: 204},
		"GET /users/" + capturedDeleted:                                     gone,
		"GET /users/" + capturedDeleted + "/metadata":                       gone,
		"PATCH /users/" + capturedDeleted + "/metadata":                     gone,
		"DELETE /users/" + capturedDeleted:                                  gone,
		"GET /users/" + capturedDeleted + "/sessions":                       echoNotFound,
		"DELETE /users/" + capturedDeleted + "/sessions/" + capturedSession: echoNotFound,
	}
}

const capturedDeleted = "d0d0d0d0-0000-4000-8000-000000000000"

// seen is a request the replay server got.
type seen struct {
	method, uri string
	header      http.Header
	body        string
}

// replay serves routes ("METHOD /path", query ignored); anything else gets
// echo's 404. It records every request.
type replay struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]reply
	got    []seen
}

func newReplay(t *testing.T, routes map[string]reply) *replay {
	r := &replay{routes: routes}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, seen{req.Method, req.URL.RequestURI(), req.Header.Clone(), string(body)})
		rep, ok := r.routes[req.Method+" "+req.URL.Path]
		r.mu.Unlock()
		if !ok {
			rep = echoNotFound
		}
		for k, v := range rep.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *replay) requests() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.got...)
}

func (r *replay) set(route string, rep reply) {
	r.mu.Lock()
	r.routes[route] = rep
	r.mu.Unlock()
}

func newClient(t *testing.T, url, key string, opts ...hankoadmin.Option) *hankoadmin.Client {
	t.Helper()
	c, err := hankoadmin.New(url, key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDecodesTheCapturedAnswers(t *testing.T) {
	srv := newReplay(t, captured(t))
	c := newClient(t, srv.URL, "")
	ctx := context.Background()

	u, err := c.User(ctx, capturedUser)
	if err != nil {
		t.Fatal(err)
	}
	wantEmail := hankoadmin.Email{
		ID: "facbb58a-6bac-4024-a3a3-b4ef62938be0", Address: "t-81ef0bc2f5c5@example.test", IsPrimary: true,
		CreatedAt: at(t, "2026-12-01T19:36:03.131258Z"), UpdatedAt: at(t, "2026-12-01T19:36:03.131327Z"),
	}
	if u.ID != capturedUser || len(u.Emails) != 1 || u.Emails[0] != wantEmail || u.PrimaryEmail() != wantEmail.Address ||
		!u.CreatedAt.Equal(at(t, "2026-12-01T19:36:03.130112Z")) || !u.UpdatedAt.Equal(at(t, "2026-12-01T19:36:03.130277Z")) {
		t.Errorf("User = %+v", u)
	}
	if u.Metadata == nil || string(u.Metadata.Public) != `{"roles":["admin"],"team":"blue"}` || u.Metadata.Private != nil || u.Metadata.Unsafe != nil {
		t.Errorf("User metadata = %+v", u.Metadata)
	}
	if r := u.Metadata.PublicValue("roles"); string(r) != `["admin"]` {
		t.Errorf(`PublicValue("roles") = %s`, r)
	}
	if r := u.Metadata.PublicValue("role"); r != nil {
		t.Errorf(`PublicValue("role") = %s, want nil`, r)
	}

	p, err := c.ListUsers(ctx, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Users) != 2 || p.Users[0].ID != capturedUser || p.Users[1].ID != capturedSecond || p.Total != 53 || !p.HasNext {
		t.Errorf("ListUsers = %+v", p)
	}
	if p.Users[0].Metadata != nil || p.Users[1].PrimaryEmail() != "t-222da23f6d41@example.test" {
		t.Errorf("listed users = %+v", p.Users)
	}

	sessions, err := c.Sessions(ctx, capturedUser)
	if err != nil {
		t.Fatal(err)
	}
	wantSession := hankoadmin.Session{
		ID: capturedSession, UserID: capturedUser, UserAgent: "heldout-hanko-login.sh/1", IPAddress: "127.0.0.1",
		CreatedAt: at(t, "2026-12-01T19:36:05.507405Z"), UpdatedAt: at(t, "2026-12-01T19:36:05.51699Z"),
		ExpiresAt: at(t, "2026-12-02T07:36:05.507405Z"), LastUsed: at(t, "2026-12-01T19:36:05.507405Z"),
	}
	if len(sessions) != 2 || sessions[0] != wantSession || sessions[1].ID != "8dd1b14a-2870-4e35-a23a-fb5aa918a3b6" {
		t.Errorf("Sessions = %+v", sessions)
	}

	m, err := c.Metadata(ctx, capturedUser)
	if err != nil || string(m.Public) != `{"roles":["admin"],"team":"blue"}` {
		t.Errorf("Metadata = %+v, %v", m, err)
	}
	patch := map[string]any{"public_metadata": map[string]any{"roles": []string{"admin"}, "team": "blue"}}
	if m, err := c.PatchMetadata(ctx, capturedUser, patch); err != nil || string(m.Public) != `{"roles":["admin"],"team":"blue"}` {
		t.Errorf("PatchMetadata = %+v, %v", m, err)
	}
	if err := c.DeleteSession(ctx, capturedUser, capturedSession); err != nil {
		t.Errorf("DeleteSession = %v", err)
	}
	if err := c.DeleteUser(ctx, capturedUser); err != nil {
		t.Errorf("DeleteUser = %v", err)
	}

	wantRequests := []string{
		"GET /users/" + capturedUser, "GET /users?page=1&per_page=2", "GET /users/" + capturedUser + "/sessions",
		"GET /users/" + capturedUser + "/metadata", "PATCH /users/" + capturedUser + "/metadata",
		"DELETE /users/" + capturedUser + "/sessions/" + capturedSession, "DELETE /users/" + capturedUser,
	}
	got := srv.requests()
	for n, r := range got {
		if n < len(wantRequests) && r.method+" "+r.uri != wantRequests[n] {
			t.Errorf("request %d: %s %s, want %s", n, r.method, r.uri, wantRequests[n])
		}
		if r.header.Get("Accept") != "application/json" || r.header.Get("Authorization") != "" {
			t.Errorf("request %d headers %v", n, r.header)
		}
	}
	if len(got) != len(wantRequests) {
		t.Errorf("%d requests, want %d", len(got), len(wantRequests))
	}
	if patchReq := got[4]; patchReq.header.Get("Content-Type") != "application/json" ||
		patchReq.body != `{"public_metadata":{"roles":["admin"],"team":"blue"}}` {
		t.Errorf("PATCH sent %q with %q", patchReq.body, patchReq.header.Get("Content-Type"))
	}
}

func TestADeletedUserIsNotFound(t *testing.T) {
	srv := newReplay(t, captured(t))
	c := newClient(t, srv.URL, "")
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"User":     func() error { _, err := c.User(ctx, capturedDeleted); return err },
		"Metadata": func() error { _, err := c.Metadata(ctx, capturedDeleted); return err },
		"PatchMetadata": func() error {
			_, err := c.PatchMetadata(ctx, capturedDeleted, json.RawMessage(`{"public_metadata":null}`))
			return err
		},
		"DeleteUser": func() error { return c.DeleteUser(ctx, capturedDeleted) },
		// The session routes answer a bare 404; the client asks GET /users/{id}.
		"Sessions":          func() error { _, err := c.Sessions(ctx, capturedDeleted); return err },
		"DeleteSession":     func() error { return c.DeleteSession(ctx, capturedDeleted, capturedSession) },
		"RevokeAllSessions": func() error { _, err := c.RevokeAllSessions(ctx, capturedDeleted); return err },
	} {
		err := f()
		var e *hankoadmin.Error
		if !errors.Is(err, hankoadmin.ErrNotFound) || errors.As(err, &e) {
			t.Errorf("%s: %v (%T), want ErrNotFound", name, err, err)
		}
		if err != nil && err.Error() != "Hanko has no user "+capturedDeleted {
			t.Errorf("%s: %q", name, err)
		}
	}
	// What Hanko lists for user_id=<deleted>: nobody.
	srv.set("GET /users", reply{status: 200, header: http.Header{"Content-Type": {"application/json"}, "X-Total-Count": {"0"}}, body: []byte("[]\n")})
	found, err := c.UsersByID(ctx, []string{capturedDeleted})
	if err != nil || len(found) != 0 {
		t.Errorf("UsersByID(deleted) = %v, %v; want none found", found, err)
	}
}

// Every answer but Hanko's own 404 leaves a user's existence unknown.
func TestNeverGuesses(t *testing.T) {
	big := jsonReply(200, `{"id":"`+capturedUser+`","pad":"`+strings.Repeat("x", hankoadmin.MaxResponseBytes)+`"}`)
	for _, tc := range []struct {
		name   string
		key    string
		answer reply
		status int    // 0: ErrNotFound wanted
		text   string // the whole sentence, %s standing for the base URL
	}{
		{name: "Hanko's 404", answer: reply{status: 404, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{"code":404,"message":"user not found"}`)}},
		{name: "echo's 404 for an unknown route", answer: echoNotFound, status: 404,
			text: "admin API at %s answered GET /users/" + capturedUser + " with HTTP 404: Not Found, which is not how Hanko's admin API answers: check HANKO_ADMIN_API_URL (self-hosted: the admin port, 8001)"},
		{name: "a proxy's 404 page", answer: reply{status: 404, header: http.Header{"Content-Type": {"text/html"}}, body: []byte("<h1>user not found</h1>")}, status: 404,
			text: "admin API at %s answered GET /users/" + capturedUser + " with HTTP 404, which is not how Hanko's admin API answers: check HANKO_ADMIN_API_URL (self-hosted: the admin port, 8001)"},
		{name: "Hanko's words as text/plain", answer: reply{status: 404, header: http.Header{"Content-Type": {"text/plain"}}, body: []byte(`{"code":404,"message":"user not found"}`)}, status: 404},
		{name: "a 404 body claiming another code", answer: jsonReply(404, `{"code":500,"message":"user not found"}`), status: 404},
		{name: "a 500", answer: jsonReply(500, `{"code":500,"message":"Internal Server Error"}`), status: 500,
			text: "admin API at %s failed on GET /users/" + capturedUser + " (HTTP 500: Internal Server Error)"},
		{name: "a gateway's 502", answer: reply{status: 502, header: http.Header{"Content-Type": {"text/html"}}, body: []byte("<h1>Bad Gateway</h1>")}, status: 502,
			text: "admin API at %s failed on GET /users/" + capturedUser + " (HTTP 502)"},
		{name: "a refused key", key: "sk-refused", answer: jsonReply(401, `{"code":401,"message":"Unauthorized"}`), status: 401,
			text: "admin API refused the API key (HTTP 401): check HANKO_ADMIN_API_KEY"},
		{name: "a key wanted", answer: jsonReply(403, `{"code":403,"message":"Forbidden"}`), status: 403,
			text: "admin API at %s wants an API key (HTTP 403): set HANKO_ADMIN_API_KEY"},
		{name: "a 200 in HTML", answer: reply{status: 200, header: http.Header{"Content-Type": {"text/html"}}, body: []byte("<html></html>")}, status: 200,
			text: `admin API at %s answered GET /users/` + capturedUser + ` with "text/html" instead of JSON: check HANKO_ADMIN_API_URL`},
		{name: "truncated JSON", answer: jsonReply(200, `{"id":`), status: 200},
		{name: "another user", answer: jsonReply(200, `{"id":"`+capturedSecond+`"}`), status: 200,
			text: "admin API at %s answered GET /users/" + capturedUser + " with JSON that is not Hanko's (ids missing or malformed): check HANKO_ADMIN_API_URL"},
		{name: "an array", answer: jsonReply(200, `[]`), status: 200},
		{name: "no content", answer: reply{status: 204}, status: 204},
		{name: "a redirect", answer: reply{status: 302, header: http.Header{"Location": {"/users/" + capturedSecond}}}, status: 302},
		{name: "an answer past the limit", answer: big, status: 200,
			text: "admin API at %s answered GET /users/" + capturedUser + " with more than 4 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newReplay(t, map[string]reply{
				"GET /users/" + capturedUser: tc.answer,
				"GET /users":                 {status: 200, header: http.Header{"Content-Type": {"application/json"}, "X-Total-Count": {"0"}}, body: []byte("[]")},
			})
			c := newClient(t, srv.URL, tc.key)
			ctx := context.Background()
			_, err := c.User(ctx, capturedUser)
			found, batchErr := c.UsersByID(ctx, []string{capturedUser})
			if tc.status == 0 {
				if !errors.Is(err, hankoadmin.ErrNotFound) {
					t.Fatalf("User: %v, want ErrNotFound", err)
				}
				if batchErr != nil || len(found) != 0 {
					t.Fatalf("UsersByID: %v, %v; want none found", found, batchErr)
				}
				return
			}
			var e *hankoadmin.Error
			if !errors.As(err, &e) || errors.Is(err, hankoadmin.ErrNotFound) {
				t.Fatalf("User: %v (%T), want an *Error", err, err)
			}
			if e.Status != tc.status || e.Method != "GET" || e.Path != "/users/"+capturedUser {
				t.Errorf("Error = %+v", e)
			}
			if want := strings.ReplaceAll(tc.text, "%s", srv.URL); tc.text != "" && err.Error() != want {
				t.Errorf("sentence\n%q\nwant\n%q", err, want)
			}
			if tc.key != "" && strings.Contains(err.Error(), tc.key) {
				t.Errorf("the error shows the key: %q", err)
			}
			if found != nil || batchErr == nil || batchErr.Error() != err.Error() {
				t.Errorf("UsersByID = %v, %v; want nothing and the same error", found, batchErr)
			}
			for _, r := range srv.requests() {
				if r.uri == "/users/"+capturedSecond {
					t.Error("the client followed a redirect")
				}
			}
		})
	}
}

func TestUnreachableSlowAndStopped(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(hang)
	stopped, stop := context.WithCancel(context.Background())
	stop()

	for _, tc := range []struct {
		name  string
		url   string
		ctx   context.Context
		text  string // prefix, %s for the base URL
		cause error
	}{
		{"unreachable", closed.URL, context.Background(), "admin API at %s is unreachable: dial tcp ", nil},
		{"too slow", slow.URL, context.Background(), "admin API at %s did not answer GET /users/" + capturedUser + " within 50ms", context.DeadlineExceeded},
		{"stopped by the caller", slow.URL, stopped, "admin API call GET /users/" + capturedUser + " to %s was stopped: context canceled", context.Canceled},
	} {
		c := newClient(t, tc.url, "sk-never-shown", hankoadmin.WithTimeout(50*time.Millisecond))
		_, err := c.User(tc.ctx, capturedUser)
		var e *hankoadmin.Error
		if !errors.As(err, &e) || e.Status != 0 || errors.Is(err, hankoadmin.ErrNotFound) {
			t.Errorf("%s: %v (%T), want an *Error without status", tc.name, err, err)
			continue
		}
		if want := strings.ReplaceAll(tc.text, "%s", tc.url); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %q, want it to start with %q", tc.name, err, want)
		}
		if tc.cause != nil && !errors.Is(err, tc.cause) {
			t.Errorf("%s: %v does not wrap %v", tc.name, err, tc.cause)
		}
		if strings.Contains(err.Error(), "sk-never-shown") {
			t.Errorf("%s: the error shows the key", tc.name)
		}
		found, batchErr := c.UsersByID(tc.ctx, []string{capturedUser})
		if found != nil || batchErr == nil {
			t.Errorf("%s: UsersByID = %v, %v; want nothing and an error", tc.name, found, batchErr)
		}
	}
}

func TestTheAPIKeyIsSentAndNeverShown(t *testing.T) {
	const key = "hk_live_0123456789abcdef"
	srv := newReplay(t, map[string]reply{"GET /users/" + capturedUser: jsonReply(500, `{"code":500,"message":"boom"}`)})
	for _, k := range []string{key, ""} {
		c := newClient(t, srv.URL, k)
		_, err := c.User(context.Background(), capturedUser)
		if err == nil || strings.Contains(err.Error(), key) {
			t.Errorf("key %q: error %v", k, err)
		}
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			if s := fmt.Sprintf(format, c); strings.Contains(s, key) {
				t.Errorf("%s of the client shows the key: %s", format, s)
			}
		}
	}
	got := srv.requests()
	if len(got) != 2 || got[0].header.Get("Authorization") != "Bearer "+key || got[1].header.Get("Authorization") != "" {
		t.Errorf("Authorization headers: %q, %q", got[0].header.Get("Authorization"), got[1].header.Get("Authorization"))
	}
	if _, err := hankoadmin.New(srv.URL, "with space"); err == nil || strings.Contains(err.Error(), "with space") {
		t.Errorf("New with a spaced key: %v", err)
	}
}

func TestNewChecksTheURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://hanko:8001":              true,
		"https://tenant.hanko.io/admin":  true,
		"http://127.0.0.1:8001/":         true,
		"":                               false,
		"hanko:8001":                     false,
		"/admin":                         false,
		"ftp://hanko:8001":               false,
		"http://":                        false,
		"http://:8001":                   false,
		"http://hanko:8001/?x=1":         false,
		"http://hanko:8001/#top":         false,
		"http://admin:s3cret@hanko:8001": false,
	} {
		_, err := hankoadmin.New(raw, "")
		if (err == nil) != ok {
			t.Errorf("New(%q): %v", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("New(%q) shows the password: %v", raw, err)
		}
	}
	for _, opt := range []hankoadmin.Option{hankoadmin.WithTimeout(0), hankoadmin.WithConnectTimeout(-time.Second)} {
		if _, err := hankoadmin.New("http://hanko:8001", "", opt); err == nil {
			t.Error("New accepted a timeout that is not positive")
		}
	}

	// A path prefix is kept.
	srv := newReplay(t, map[string]reply{"GET /admin/users/" + capturedUser: jsonReply(200, string(fixture(t, "admin-user.json")))})
	c := newClient(t, srv.URL+"/admin/", "")
	if _, err := c.User(context.Background(), capturedUser); err != nil {
		t.Errorf("User under /admin: %v", err)
	}
}

func TestIDsAreCheckedBeforeAnyRequest(t *testing.T) {
	srv := newReplay(t, captured(t))
	c := newClient(t, srv.URL, "")
	ctx := context.Background()
	for name, f := range map[string]func() error{
		"User":              func() error { _, err := c.User(ctx, "user-1"); return err },
		"UsersByID":         func() error { _, err := c.UsersByID(ctx, []string{capturedUser, "../users"}); return err },
		"Metadata":          func() error { _, err := c.Metadata(ctx, ""); return err },
		"PatchMetadata":     func() error { _, err := c.PatchMetadata(ctx, "x", map[string]any{}); return err },
		"Sessions":          func() error { _, err := c.Sessions(ctx, capturedUser+"/x"); return err },
		"DeleteSession":     func() error { return c.DeleteSession(ctx, capturedUser, "s-1") },
		"RevokeAllSessions": func() error { _, err := c.RevokeAllSessions(ctx, "1"); return err },
		"DeleteUser":        func() error { return c.DeleteUser(ctx, "x") },
	} {
		if err := f(); !errors.Is(err, hankoadmin.ErrInvalidID) || errors.Is(err, hankoadmin.ErrNotFound) {
			t.Errorf("%s: %v, want ErrInvalidID", name, err)
		}
	}
	for _, patch := range []any{
		nil, []string{"admin"}, "x", json.RawMessage(`{"roles":["admin"]}`),
		map[string]any{"public_metadata": []string{"admin"}}, map[string]any{"public_metadata": "admin"},
	} {
		if _, err := c.PatchMetadata(ctx, capturedUser, patch); err == nil {
			t.Errorf("PatchMetadata(%v) was sent", patch)
		}
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
	if _, err := c.ListUsers(ctx, 0, 10); err == nil {
		t.Error("ListUsers(page 0) accepted")
	}
	if _, err := c.ListUsers(ctx, 1, hankoadmin.MaxPerPage+1); err == nil {
		t.Error("ListUsers past MaxPerPage accepted")
	}
	if _, err := c.UserByEmail(ctx, "  "); err == nil {
		t.Error("UserByEmail of nothing accepted")
	}
}

func TestUsersByIDRefusesAnAnswerThatIgnoresTheFilter(t *testing.T) {
	// A server that answers GET /users with its first page, whatever user_id says.
	srv := newReplay(t, captured(t))
	c := newClient(t, srv.URL, "")
	asked := "00000000-0000-4000-8000-000000000001"
	found, err := c.UsersByID(context.Background(), []string{asked, capturedSecond})
	var e *hankoadmin.Error
	if found != nil || !errors.As(err, &e) || !strings.Contains(err.Error(), "was not asked for") {
		t.Errorf("UsersByID = %v, %v; want an error", found, err)
	}
}

func TestListUsersNeedsHankosHeaders(t *testing.T) {
	rep := captured(t)["GET /users"]
	for name, mutate := range map[string]func(h http.Header){
		"no X-Total-Count":       func(h http.Header) { h.Del("X-Total-Count") },
		"a negative total":       func(h http.Header) { h.Set("X-Total-Count", "-1") },
		"a total that is no int": func(h http.Header) { h.Set("X-Total-Count", "many") },
	} {
		h := rep.header.Clone()
		mutate(h)
		srv := newReplay(t, map[string]reply{"GET /users": {status: 200, header: h, body: rep.body}})
		p, err := newClient(t, srv.URL, "").ListUsers(context.Background(), 1, 2)
		var e *hankoadmin.Error
		if p != nil || !errors.As(err, &e) {
			t.Errorf("%s: %v, %v", name, p, err)
		}
	}
	// rel="next" is found among other links, in one header or several, and
	// a last page has none.
	for links, next := range map[string]bool{
		`<http://h/users?page=27&per_page=2>; rel="last",<http://h/users?page=2&per_page=2>; rel="next"`:  true,
		`<http://h/users?page=1&per_page=2>; rel="first",<http://h/users?page=26&per_page=2>; rel="prev"`: false,
		`<http://h/users?a=1,2>; rel=next`:                   true,
		`<http://h/users?page=1>; title="next"; rel="first"`: false,
		``: false,
	} {
		h := rep.header.Clone()
		h.Set("Link", links)
		srv := newReplay(t, map[string]reply{"GET /users": {status: 200, header: h, body: rep.body}})
		p, err := newClient(t, srv.URL, "").ListUsers(context.Background(), 1, 2)
		if err != nil || p.HasNext != next {
			t.Errorf("Link %s: %+v, %v; want HasNext %v", links, p, err, next)
		}
	}
}

func TestSessionRoutesAreConfirmed(t *testing.T) {
	ctx := context.Background()
	user := jsonReply(200, string(fixture(t, "admin-user.json")))
	sessions := jsonReply(200, string(fixture(t, "admin-sessions.json")))
	other := "c0ffee00-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		name     string
		routes   map[string]reply
		notFound bool
	}{
		{"the session is gone", map[string]reply{
			"GET /users/" + capturedUser: user, "GET /users/" + capturedUser + "/sessions": sessions,
			"DELETE /users/" + capturedUser + "/sessions/" + other: echoNotFound}, true},
		{"a Hanko without session routes", map[string]reply{
			"GET /users/" + capturedUser: user}, false},
		{"a 404 for a session Hanko still lists", map[string]reply{
			"GET /users/" + capturedUser: user, "GET /users/" + capturedUser + "/sessions": sessions,
			"DELETE /users/" + capturedUser + "/sessions/" + capturedSession: echoNotFound}, false},
	} {
		srv := newReplay(t, tc.routes)
		c := newClient(t, srv.URL, "")
		sid := other
		if strings.Contains(tc.name, "still lists") {
			sid = capturedSession
		}
		err := c.DeleteSession(ctx, capturedUser, sid)
		var e *hankoadmin.Error
		if tc.notFound != errors.Is(err, hankoadmin.ErrNotFound) || (!tc.notFound && !errors.As(err, &e)) {
			t.Errorf("%s: DeleteSession = %v", tc.name, err)
		}
	}
	// Without session routes, listing fails too rather than claiming "no sessions".
	srv := newReplay(t, map[string]reply{"GET /users/" + capturedUser: user})
	s, err := newClient(t, srv.URL, "").Sessions(ctx, capturedUser)
	var e *hankoadmin.Error
	if s != nil || !errors.As(err, &e) || !strings.Contains(err.Error(), "has no sessions endpoint") {
		t.Errorf("Sessions = %v, %v", s, err)
	}
	if n, err := newClient(t, srv.URL, "").RevokeAllSessions(ctx, capturedUser); n != 0 || !errors.As(err, &e) {
		t.Errorf("RevokeAllSessions = %d, %v", n, err)
	}
}

func TestMetadataAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer reply
		want   hankoadmin.Metadata
		ok     bool
	}{
		{"no metadata (204)", reply{status: 204}, hankoadmin.Metadata{}, true},
		{"all parts", jsonReply(200, `{"public_metadata":{"a":1},"private_metadata":{"b":2},"unsafe_metadata":{"c":3}}`),
			hankoadmin.Metadata{Public: json.RawMessage(`{"a":1}`), Private: json.RawMessage(`{"b":2}`), Unsafe: json.RawMessage(`{"c":3}`)}, true},
		{"a null part", jsonReply(200, `{"public_metadata":null,"unsafe_metadata":{"c":3}}`), hankoadmin.Metadata{Unsafe: json.RawMessage(`{"c":3}`)}, true},
		{"a part that is no object", jsonReply(200, `{"public_metadata":["admin"]}`), hankoadmin.Metadata{}, false},
		{"a 400 about the size", jsonReply(400, `{"code":400,"message":"metadata limit exceeded"}`), hankoadmin.Metadata{}, false},
	} {
		srv := newReplay(t, map[string]reply{"PATCH /users/" + capturedUser + "/metadata": tc.answer})
		m, err := newClient(t, srv.URL, "").PatchMetadata(context.Background(), capturedUser, map[string]any{"public_metadata": map[string]any{"a": 1}})
		if (err == nil) != tc.ok || !bytes.Equal(m.Public, tc.want.Public) || !bytes.Equal(m.Private, tc.want.Private) || !bytes.Equal(m.Unsafe, tc.want.Unsafe) {
			t.Errorf("%s: %+v, %v", tc.name, m, err)
		}
		if tc.answer.status == 400 && (err == nil || !strings.HasSuffix(err.Error(), "(HTTP 400: metadata limit exceeded)")) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
