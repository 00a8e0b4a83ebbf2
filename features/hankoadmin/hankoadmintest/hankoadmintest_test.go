package hankoadmintest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
)

func admFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "auth", "testdata", "hanko", "webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type admAnswer struct {
	status int
	header http.Header
	body   []byte
}

func admDo(t *testing.T, method, url, contentType, body string) admAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return admAnswer{res.StatusCode, res.Header, b}
}

func admGet(t *testing.T, url string) admAnswer { t.Helper(); return admDo(t, "GET", url, "", "") }

func admTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// admFixtureUsers puts the two users of admin-users.json into a, with the
// metadata admin-user.json shows for the first.
func admFixtureUsers(t *testing.T, a *hankoadmintest.Admin) (first, second hankoadmin.User) {
	t.Helper()
	var users []hankoadmin.User
	if err := json.Unmarshal(admFixture(t, "admin-users.json"), &users); err != nil {
		t.Fatal(err)
	}
	users[0].Metadata = &hankoadmin.Metadata{Public: json.RawMessage(`{"roles":["admin"],"team":"blue"}`)}
	return a.PutUser(users[0]), a.PutUser(users[1])
}

func TestAdminAnswersAreTheCapturedBytes(t *testing.T) {
	admin := hankoadmintest.NewServer(nil)
	defer admin.Close()
	first, second := admFixtureUsers(t, admin.Admin)
	// 51 older users, so that the list has the capture's 53 in all.
	for n := range 51 {
		admin.PutUser(hankoadmin.User{
			Emails:    []hankoadmin.Email{{Address: "old" + strconv.Itoa(n) + "@example.test"}},
			CreatedAt: second.CreatedAt.Add(-time.Duration(n+1) * time.Minute),
		})
	}

	list := admGet(t, admin.URL+"/users?per_page=2&page=1")
	if want := admFixture(t, "admin-users.json"); list.status != 200 || !bytes.Equal(list.body, want) {
		t.Errorf("GET /users = %d\n%s\nwant 200\n%s", list.status, list.body, want)
	}
	captured := map[string]string{}
	for _, line := range strings.Split(string(admFixture(t, "admin-users.headers.txt")), "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			captured[k] = strings.TrimSpace(v)
		}
	}
	wantLink := strings.ReplaceAll(captured["Link"], "http://127.0.0.1:8001", admin.URL)
	for k, want := range map[string]string{"Link": wantLink, "X-Total-Count": captured["X-Total-Count"], "Content-Type": captured["Content-Type"]} {
		if got := list.header.Get(k); got != want {
			t.Errorf("GET /users %s = %q, want %q", k, got, want)
		}
	}

	// GET /users/{id} is the captured user; the stand-in keeps no password.
	var want map[string]json.RawMessage
	if err := json.Unmarshal(admFixture(t, "admin-user.json"), &want); err != nil {
		t.Fatal(err)
	}
	delete(want, "password")
	one := admGet(t, admin.URL+"/users/"+first.ID)
	var got map[string]json.RawMessage
	if err := json.Unmarshal(one.body, &got); err != nil || one.status != 200 {
		t.Fatalf("GET /users/{id} = %d %s", one.status, one.body)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET /users/{id} =\n%s\nwant (without password)\n%s", one.body, admFixture(t, "admin-user.json"))
	}

	meta := admGet(t, admin.URL+"/users/"+first.ID+"/metadata")
	if want := admFixture(t, "admin-metadata.json"); meta.status != 200 || !bytes.Equal(meta.body, want) {
		t.Errorf("GET metadata = %d %s, want 200 %s", meta.status, meta.body, want)
	}
	patch := admDo(t, "PATCH", admin.URL+"/users/"+first.ID+"/metadata", "application/json", `{"public_metadata":{"team":"blue"}}`)
	if want := admFixture(t, "admin-metadata-patch.json"); patch.status != 200 || !bytes.Equal(patch.body, want) {
		t.Errorf("PATCH metadata = %d %s, want 200 %s", patch.status, patch.body, want)
	}

	del := admDo(t, "DELETE", admin.URL+"/users/"+first.ID, "", "")
	if want, _ := strconv.Atoi(strings.TrimSpace(string(admFixture(t, "admin-delete-user.status")))); del.status != want || len(del.body) != 0 {
		t.Errorf("DELETE /users/{id} = %d %q, want %d and no body", del.status, del.body, want)
	}
	gone := admGet(t, admin.URL+"/users/"+first.ID)
	wantStatus, _ := strconv.Atoi(strings.TrimSpace(string(admFixture(t, "admin-user-deleted.status"))))
	if want := admFixture(t, "admin-user-deleted.json"); gone.status != wantStatus || !bytes.Equal(gone.body, want) {
		t.Errorf("GET deleted user = %d %s, want %d %s", gone.status, gone.body, wantStatus, want)
	}
}

func TestAdminSessionsHaveTheCapturedShape(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := hankoadmintest.NewServer(hanko.Issuer)
	defer admin.Close()
	u := admin.AddUser("a@example.test")
	older := admin.LoginSessionWith(u.ID, authtest.Session{IssuedAt: time.Now().Add(-time.Minute)})
	newer := admin.LoginSession(u.ID)

	res := admGet(t, admin.URL+"/users/"+u.ID+"/sessions")
	var got, want []map[string]json.RawMessage
	if err := json.Unmarshal(res.body, &got); err != nil || res.status != 200 {
		t.Fatalf("GET sessions = %d %s", res.status, res.body)
	}
	if err := json.Unmarshal(admFixture(t, "admin-sessions.json"), &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("GET sessions lists %d, want 2", len(got))
	}
	for n := range got {
		if g, w := kinds(t, got[n]), kinds(t, want[n]); !reflect.DeepEqual(g, w) {
			t.Errorf("session %d members %v, want %v", n, g, w)
		}
	}
	// Newest first, and the ids are the tokens' session_id.
	for n, token := range []string{newer, older} {
		var sid string
		_ = json.Unmarshal(got[n]["id"], &sid)
		if claims := hanko.Validate(token).Claims; claims["session_id"] != sid {
			t.Errorf("session %d is %s, want the session of token %d (%v)", n, sid, n, claims["session_id"])
		}
	}
}

func TestAdminListsPagesAndFilters(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	admin := hankoadmintest.NewServer(authtest.NewIssuer(authtest.WithClock(func() time.Time { return start })))
	defer admin.Close()
	var ids []string // oldest first
	for n := range 5 {
		u := admin.PutUser(hankoadmin.User{
			Emails:    []hankoadmin.Email{{Address: "User" + strconv.Itoa(n) + "@Example.test"}},
			CreatedAt: start.Add(time.Duration(n) * time.Hour),
		})
		ids = append(ids, u.ID)
	}
	noEmail := admin.AddUser("")
	missing := authtest.RandomUUID()
	link := func(q string) string { return "<" + admin.URL + "/users?" + q + ">" }

	for _, tc := range []struct {
		query   string
		status  int
		ids     []string // in order
		total   string
		link    string
		message string
	}{
		{query: "", status: 200, ids: []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, total: "5",
			link: link("page=1&per_page=20") + `; rel="first"`},
		{query: "per_page=2", status: 200, ids: []string{ids[4], ids[3]}, total: "5",
			link: link("page=3&per_page=2") + `; rel="last",` + link("page=2&per_page=2") + `; rel="next"`},
		{query: "per_page=2&page=2", status: 200, ids: []string{ids[2], ids[1]}, total: "5",
			link: link("page=1&per_page=2") + `; rel="first",` + link("page=3&per_page=2") + `; rel="last",` +
				link("page=3&per_page=2") + `; rel="next",` + link("page=1&per_page=2") + `; rel="prev"`},
		{query: "per_page=2&page=3", status: 200, ids: []string{ids[0]}, total: "5",
			link: link("page=1&per_page=2") + `; rel="first",` + link("page=2&per_page=2") + `; rel="prev"`},
		{query: "per_page=2&page=9", status: 200, ids: []string{}, total: "5",
			link: link("page=1&per_page=2") + `; rel="first",` + link("page=3&per_page=2") + `; rel="last",` + link("page=8&per_page=2") + `; rel="prev"`},
		{query: "sort_direction=asc&per_page=2", status: 200, ids: []string{ids[0], ids[1]}, total: "5",
			link: link("page=3&per_page=2&sort_direction=asc") + `; rel="last",` + link("page=2&per_page=2&sort_direction=asc") + `; rel="next"`},
		// user_id: the existing ones answer; unknown ones and the user without
		// an address do not.
		{query: "user_id=" + ids[1] + "," + missing + "," + strings.ToUpper(ids[3]) + "," + noEmail.ID, status: 200,
			ids: []string{ids[3], ids[1]}, total: "2"},
		{query: "user_id=" + missing, status: 200, ids: []string{}, total: "0"},
		{query: "user_id=" + ids[1] + ",nope", status: 400, message: "failed to parse user_id as uuid"},
		// email: a case-insensitive substring match, like Hanko's SQL LIKE.
		{query: "email=USER2@example.test", status: 200, ids: []string{ids[2]}, total: "1"},
		{query: "email=example.test&per_page=1", status: 200, ids: []string{ids[4]}, total: "5"},
		{query: "email=nobody@example.test", status: 200, ids: []string{}, total: "0"},
		{query: "sort_direction=up", status: 400, message: "sort_direction must be desc or asc"},
		{query: "page=x", status: 400, message: "page must be a number"},
	} {
		res := admGet(t, admin.URL+"/users?"+tc.query)
		if res.status != tc.status {
			t.Errorf("?%s: status %d %s, want %d", tc.query, res.status, res.body, tc.status)
			continue
		}
		if tc.status != 200 {
			want := `{"code":` + strconv.Itoa(tc.status) + `,"message":"` + tc.message + `"}` + "\n"
			if string(res.body) != want {
				t.Errorf("?%s: body %s, want %s", tc.query, res.body, want)
			}
			continue
		}
		var users []hankoadmin.User
		if err := json.Unmarshal(res.body, &users); err != nil {
			t.Fatalf("?%s: %v: %s", tc.query, err, res.body)
		}
		got := []string{}
		for _, u := range users {
			got = append(got, u.ID)
			if u.Metadata != nil {
				t.Errorf("?%s: user %s listed with metadata", tc.query, u.ID)
			}
		}
		if !reflect.DeepEqual(got, tc.ids) {
			t.Errorf("?%s: users %v, want %v", tc.query, got, tc.ids)
		}
		if h := res.header.Get("X-Total-Count"); h != tc.total {
			t.Errorf("?%s: X-Total-Count %q, want %q", tc.query, h, tc.total)
		}
		if tc.link != "" && res.header.Get("Link") != tc.link {
			t.Errorf("?%s: Link\n%s\nwant\n%s", tc.query, res.header.Get("Link"), tc.link)
		}
	}

	// The user without an address is still there for GET /users/{id}.
	if res := admGet(t, admin.URL+"/users/"+noEmail.ID); res.status != 200 {
		t.Errorf("GET user without address = %d", res.status)
	}
	if res := admGet(t, admin.URL+"/users/not-a-uuid"); res.status != 400 {
		t.Errorf("GET /users/not-a-uuid = %d, want 400", res.status)
	}
}

func TestAdminMetadataIsAJSONMergePatch(t *testing.T) {
	admin := hankoadmintest.NewServer(nil)
	defer admin.Close()
	const full = `{"public_metadata":{"roles":["admin"],"team":"blue"},"private_metadata":{"plan":"pro"},"unsafe_metadata":{"theme":"dark"}}`
	for _, tc := range []struct {
		name        string
		start       string // the user's metadata; "" for none
		contentType string
		patch       string
		status      int
		want        string // body after a 200, and the following GET's body
	}{
		{"absent keys are kept", full, "application/json", `{"public_metadata":{"roles":["admin","editor"]}}`, 200,
			`{"public_metadata":{"roles":["admin","editor"],"team":"blue"},"private_metadata":{"plan":"pro"},"unsafe_metadata":{"theme":"dark"}}`},
		{"null removes a key", full, "application/json", `{"public_metadata":{"roles":null}}`, 200,
			`{"public_metadata":{"team":"blue"},"private_metadata":{"plan":"pro"},"unsafe_metadata":{"theme":"dark"}}`},
		{"null removes a part", full, "application/json", `{"public_metadata":null,"unsafe_metadata":{"theme":null}}`, 200,
			`{"private_metadata":{"plan":"pro"}}`},
		{"nested objects merge", `{"public_metadata":{"a":{"b":1,"c":2}}}`, "application/json", `{"public_metadata":{"a":{"c":null,"d":3}}}`, 200,
			`{"public_metadata":{"a":{"b":1,"d":3}}}`},
		{"arrays are replaced", `{"public_metadata":{"roles":["a","b"]}}`, "application/json", `{"public_metadata":{"roles":["c"]}}`, 200,
			`{"public_metadata":{"roles":["c"]}}`},
		{"onto no metadata", "", "application/json; charset=UTF-8", `{"public_metadata":{"roles":["admin"],"gone":null}}`, 200,
			`{"public_metadata":{"roles":["admin"]}}`},
		{"unknown parts are ignored", "", "application/json", `{"public_metadata":{"x":1},"roles":["admin"]}`, 200,
			`{"public_metadata":{"x":1}}`},
		{"an empty object changes nothing", full, "application/json", `{"public_metadata":{}}`, 200, full},
		{"removing the last key leaves no metadata", `{"public_metadata":{"roles":["admin"]}}`, "application/json", `{"public_metadata":{"roles":null}}`, 204, ""},
		{"a null body removes everything", full, "application/json", `null`, 204, ""},
		{"a part must be an object", full, "application/json", `{"public_metadata":["admin"]}`, 400, full},
		{"the body must be an object", full, "application/json", `["admin"]`, 400, full},
		{"the body must be JSON", full, "application/json", `{"public_metadata":`, 400, full},
		{"a merge-patch content type is refused", full, "application/merge-patch+json", `{"public_metadata":null}`, 415, full},
		{"a part holds at most 3000 characters", full, "application/json", `{"public_metadata":{"big":"` + strings.Repeat("x", 3000) + `"}}`, 400, full},
	} {
		u := admin.AddUser("")
		if tc.start != "" {
			var m hankoadmin.Metadata
			if err := json.Unmarshal([]byte(tc.start), &m); err != nil {
				t.Fatal(err)
			}
			admin.SetMetadata(u.ID, m)
		}
		res := admDo(t, "PATCH", admin.URL+"/users/"+u.ID+"/metadata", tc.contentType, tc.patch)
		if res.status != tc.status {
			t.Errorf("%s: PATCH = %d %s, want %d", tc.name, res.status, res.body, tc.status)
			continue
		}
		if tc.status == 200 && strings.TrimSpace(string(res.body)) != tc.want {
			t.Errorf("%s: PATCH answered %s, want %s", tc.name, res.body, tc.want)
		}
		if tc.status >= 400 && !bytes.HasPrefix(res.body, []byte(`{"code":`+strconv.Itoa(tc.status)+`,"message":`)) {
			t.Errorf("%s: error body %s is not Hanko's shape", tc.name, res.body)
		}
		after := admGet(t, admin.URL+"/users/"+u.ID+"/metadata")
		wantStatus := 200
		if tc.want == "" {
			wantStatus = 204
		}
		if after.status != wantStatus || strings.TrimSpace(string(after.body)) != tc.want {
			t.Errorf("%s: then GET = %d %s, want %d %s", tc.name, after.status, after.body, wantStatus, tc.want)
		}
	}

	missing := authtest.RandomUUID()
	for _, c := range []struct{ method, body string }{{"GET", ""}, {"PATCH", `{"public_metadata":{}}`}} {
		res := admDo(t, c.method, admin.URL+"/users/"+missing+"/metadata", "application/json", c.body)
		if res.status != 404 || string(res.body) != `{"code":404,"message":"user not found"}`+"\n" {
			t.Errorf("%s metadata of a missing user = %d %s", c.method, res.status, res.body)
		}
	}
}

func TestAdminRevokingASessionEndsIt(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := hankoadmintest.NewServer(hanko.Issuer)
	defer admin.Close()
	alice, bob := admin.AddUser("alice@example.test"), admin.AddUser("bob@example.test")
	kept, revoked, bobs := admin.LoginSession(alice.ID), admin.LoginSession(alice.ID), admin.LoginSession(bob.ID)
	sid := func(token string) string { return hanko.Validate(token).Claims["session_id"].(string) }
	revokedID, bobsID := sid(revoked), sid(bobs)

	for _, tc := range []struct {
		name, path string
		status     int
	}{
		{"another user's session", "/users/" + alice.ID + "/sessions/" + bobsID, 404},
		{"an unknown session", "/users/" + alice.ID + "/sessions/" + authtest.RandomUUID(), 404},
		{"an unknown user", "/users/" + authtest.RandomUUID() + "/sessions/" + revokedID, 404},
		{"a session id that is not a UUID", "/users/" + alice.ID + "/sessions/x", 400},
		{"the session", "/users/" + alice.ID + "/sessions/" + revokedID, 204},
		{"the same session again", "/users/" + alice.ID + "/sessions/" + revokedID, 404},
	} {
		if res := admDo(t, "DELETE", admin.URL+tc.path, "", ""); res.status != tc.status {
			t.Errorf("DELETE %s = %d %s, want %d", tc.name, res.status, res.body, tc.status)
		}
	}
	for token, valid := range map[string]bool{kept: true, revoked: false, bobs: true} {
		if got := hanko.Validate(token).IsValid; got != valid {
			t.Errorf("session %s: is_valid %v, want %v", sid(kept), got, valid)
		}
	}
	if s := admin.Sessions(alice.ID); len(s) != 1 || s[0].ID != sid(kept) {
		t.Errorf("alice's sessions after the revocation: %+v", s)
	}

	// Deleting the user ends its sessions and runs the hooks.
	var deleted []hankoadmin.User
	admin.OnUserDeleted(func(u hankoadmin.User) { deleted = append(deleted, u) })
	if res := admDo(t, "DELETE", admin.URL+"/users/"+alice.ID, "", ""); res.status != 204 {
		t.Fatalf("DELETE user = %d", res.status)
	}
	if hanko.Validate(kept).IsValid {
		t.Error("a deleted user's session still validates")
	}
	if len(deleted) != 1 || deleted[0].ID != alice.ID || deleted[0].PrimaryEmail() != "alice@example.test" {
		t.Errorf("OnUserDeleted saw %+v", deleted)
	}
	if res := admGet(t, admin.URL+"/users/"+alice.ID+"/sessions"); res.status != 404 || string(res.body) != `{"code":404,"message":"Not Found"}`+"\n" {
		t.Errorf("sessions of a deleted user = %d %s", res.status, res.body)
	}
	if res := admDo(t, "DELETE", admin.URL+"/users/"+alice.ID, "", ""); res.status != 404 {
		t.Errorf("second DELETE user = %d, want 404", res.status)
	}
	if admin.DeleteUser(alice.ID) || len(deleted) != 1 {
		t.Error("DeleteUser of a deleted user reported a deletion")
	}
}

func TestAdminExpiredSessionsAreNotListed(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	admin := hankoadmintest.New(authtest.NewIssuer(authtest.WithClock(func() time.Time { return now })))
	u := admin.AddUser("a@example.test")
	admin.LoginSessionWith(u.ID, authtest.Session{IssuedAt: now.Add(-13 * time.Hour)})
	admin.LoginSessionWith(u.ID, authtest.Session{IssuedAt: now.Add(-11 * time.Hour)})
	s := admin.Sessions(u.ID)
	if len(s) != 1 || !s[0].ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("sessions %+v, want only the one expiring at %v", s, now.Add(time.Hour))
	}
}

func TestLoginSessionRendersRolesLikeHanko(t *testing.T) {
	hanko := authtest.NewIssuer()
	admin := hankoadmintest.New(hanko)
	for _, tc := range []struct {
		name string
		meta string // AdminMetadata JSON; "" for none
		want any
	}{
		{"no metadata", "", ""},
		{"an array stays an array", `{"public_metadata":{"roles":["admin"],"team":"blue"}}`, []any{"admin"}},
		{"public metadata without the key", `{"public_metadata":{"team":"blue"}}`, ""},
		{"roles only in unsafe metadata", `{"unsafe_metadata":{"roles":["admin"]}}`, ""},
		{"roles only in private metadata", `{"private_metadata":{"roles":["admin"]}}`, ""},
		{"a string stays a string", `{"public_metadata":{"roles":"admin"}}`, "admin"},
		{"a string holding an array becomes the array", `{"public_metadata":{"roles":"[\"admin\"]"}}`, []any{"admin"}},
		{"true becomes a boolean", `{"public_metadata":{"roles":true}}`, true},
		{"a string \"false\" becomes a boolean", `{"public_metadata":{"roles":"false"}}`, false},
		{"a number becomes its text", `{"public_metadata":{"roles":5}}`, "5"},
		{"a fraction in shortest form", `{"public_metadata":{"roles":1.50}}`, "1.5"},
		{"null gives \"\"", `{"public_metadata":{"roles":null}}`, ""},
		{"an object stays an object", `{"public_metadata":{"roles":{"admin":true}}}`, map[string]any{"admin": true}},
		{"empty objects count as none", `{"public_metadata":{},"unsafe_metadata":{}}`, ""},
	} {
		u := admin.AddUser("")
		if tc.meta != "" {
			var m hankoadmin.Metadata
			if err := json.Unmarshal([]byte(tc.meta), &m); err != nil {
				t.Fatal(err)
			}
			admin.SetMetadata(u.ID, m)
		}
		got, ok := hanko.Validate(admin.LoginSession(u.ID)).Claims["roles"]
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: roles claim %#v (present %v), want %#v", tc.name, got, ok, tc.want)
		}
	}

	// The same claim as the real token of the captured user.
	_, payload := segments(t, strings.TrimSpace(string(admFixture(t, "token-roles.jwt"))))
	u := admin.AddUser("roles@example.test")
	admin.SetPublicMetadata(u.ID, map[string]any{"roles": []string{"admin"}, "team": "blue"})
	_, mine := segments(t, admin.LoginSession(u.ID))
	if string(mine["roles"]) != string(payload["roles"]) {
		t.Errorf("roles claim %s, the real token has %s", mine["roles"], payload["roles"])
	}
	if string(mine["email"]) != `{"address":"roles@example.test","is_primary":true,"is_verified":false}` {
		t.Errorf("email claim %s", mine["email"])
	}
	// Changing metadata changes only new tokens.
	old := admin.LoginSession(u.ID)
	admin.SetPublicMetadata(u.ID, nil)
	if r := hanko.Validate(old).Claims["roles"]; !reflect.DeepEqual(r, []any{"admin"}) {
		t.Errorf("old token's roles changed to %#v", r)
	}
	if r := hanko.Validate(admin.LoginSession(u.ID)).Claims["roles"]; r != "" {
		t.Errorf("new token's roles %#v, want \"\"", r)
	}
}

func TestAdminFailures(t *testing.T) {
	admin := hankoadmintest.NewServer(nil)
	u := admin.AddUser("a@example.test")
	url := admin.URL + "/users/" + u.ID

	admin.FailWith(http.StatusInternalServerError)
	if res := admGet(t, url); res.status != 500 || string(res.body) != `{"code":500,"message":"Internal Server Error"}`+"\n" {
		t.Errorf("FailWith(500): %d %s", res.status, res.body)
	}
	admin.FailWith(0)
	if res := admGet(t, url); res.status != 200 {
		t.Errorf("after FailWith(0): %d", res.status)
	}

	admin.RequireAPIKey("k-123")
	for header, want := range map[string]int{"": 401, "Bearer wrong": 401, "Bearer k-123": 200} {
		req, _ := http.NewRequest("GET", url, nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Authorization %q: %d, want %d", header, res.StatusCode, want)
		}
	}
	admin.RequireAPIKey("")

	// A stalled admin API answers nothing until the caller gives up.
	admin.Stall(true)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	_, err := http.DefaultClient.Do(req)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stalled: %v, want a deadline error", err)
	}
	admin.Stall(false)
	if res := admGet(t, url); res.status != 200 {
		t.Errorf("after Stall(false): %d", res.status)
	}

	if got := admin.Requests(); len(got) < 6 || got[0] != "GET /users/"+u.ID {
		t.Errorf("Requests() = %v", got)
	}
	for _, p := range []string{"/", "/users/" + u.ID + "/emails", "/nope"} {
		if res := admGet(t, admin.URL+p); res.status != 404 || string(res.body) != `{"code":404,"message":"Not Found"}`+"\n" {
			t.Errorf("GET %s = %d %s, want echo's 404", p, res.status, res.body)
		}
	}

	admin.Close()
	if _, err := http.Get(url); err == nil {
		t.Error("a closed admin server still answers")
	}
}

func TestPutUserPanicsOnMisuse(t *testing.T) {
	admin := hankoadmintest.New(nil)
	u := admin.AddUser("taken@example.test")
	for name, f := range map[string]func(){
		"id not a UUID": func() { admin.PutUser(hankoadmin.User{ID: "user-1"}) },
		"id taken":      func() { admin.PutUser(hankoadmin.User{ID: u.ID}) },
		"address taken": func() { admin.AddUser("TAKEN@example.test") },
		"two primaries": func() {
			admin.PutUser(hankoadmin.User{Emails: []hankoadmin.Email{{Address: "x@e.t", IsPrimary: true}, {Address: "y@e.t", IsPrimary: true}}})
		},
		"unknown user":      func() { admin.SetPublicMetadata(authtest.RandomUUID(), map[string]any{}) },
		"metadata an array": func() { admin.SetPublicMetadata(u.ID, []string{"admin"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	// A first address becomes primary when none is marked.
	v := admin.PutUser(hankoadmin.User{Emails: []hankoadmin.Email{{Address: "One@e.t"}, {Address: "two@e.t"}}})
	if p := v.PrimaryEmail(); p != "one@e.t" || !v.Emails[0].IsPrimary || v.Emails[1].IsPrimary || !uuidV4.MatchString(v.Emails[0].ID) {
		t.Errorf("primary %q of %+v", p, v.Emails)
	}
}

// kinds maps each member to its JSON kind: string, number, bool, array, object, null.
func kinds(t *testing.T, m map[string]json.RawMessage) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range m {
		switch c := bytes.TrimSpace(v)[0]; {
		case c == '"':
			out[k] = "string"
		case c == '[':
			out[k] = "array"
		case c == '{':
			out[k] = "object"
		case c == 't' || c == 'f':
			out[k] = "bool"
		case c == 'n':
			out[k] = "null"
		default:
			if bytes.ContainsAny(v, ".eE") {
				out[k] = "fraction"
			} else {
				out[k] = "integer"
			}
		}
	}
	return out
}

func object(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

func segments(t *testing.T, token string) (header, payload map[string]json.RawMessage) {
	t.Helper()
	p := strings.Split(token, ".")
	if len(p) != 3 {
		t.Fatalf("token has %d segments", len(p))
	}
	h, err1 := base64.RawURLEncoding.DecodeString(p[0])
	c, err2 := base64.RawURLEncoding.DecodeString(p[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("segments do not decode: %v %v", err1, err2)
	}
	return object(t, h), object(t, c)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// The pattern in the package doc: a deletion through the admin stand-in
// delivers user.delete with the user as it was.
func TestAdminDeletionDeliversUserDelete(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := hankoadmintest.NewServer(hanko.Issuer)
	defer admin.Close()
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer srv.Close()
	admin.OnUserDeleted(func(u hankoadmin.User) {
		// What Hanko's delivery carries: the user, signed with the session key.
		token := hanko.Sign(jwt.MapClaims{"sub": "hanko webhooks", "evt": "user.delete", "data": u})
		body, _ := json.Marshal(map[string]string{"token": token, "event": "user.delete"})
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	})
	u := admin.AddUser("gone@example.test")
	req, _ := http.NewRequest(http.MethodDelete, admin.URL+"/users/"+u.ID, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE /users/{id}: %v %v", resp, err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d deliveries, want 1", len(bodies))
	}
	var token string
	_ = json.Unmarshal(object(t, bodies[0])["token"], &token)
	_, claims := segments(t, token)
	if want, _ := json.Marshal(u); !bytes.Equal(claims["data"], want) || string(claims["evt"]) != `"user.delete"` {
		t.Errorf("evt %s data %s, want user.delete with %s", claims["evt"], claims["data"], want)
	}
}
