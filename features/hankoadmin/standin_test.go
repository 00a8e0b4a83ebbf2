package hankoadmin_test

// Tests against the stand-in Hanko of auth/authtest, which keeps state: the
// calls change what later calls see, and revocations reach /sessions/validate.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
)

func standIn(t *testing.T) (*authtest.Server, *hankoadmintest.Server, *hankoadmin.Client) {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	admin := hankoadmintest.NewServer(hanko.Issuer)
	t.Cleanup(admin.Close)
	return hanko, admin, newClient(t, admin.URL, "")
}

func count(requests []string, prefix string) int {
	n := 0
	for _, r := range requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func TestUsersByIDAgainstTheStandIn(t *testing.T) {
	_, admin, c := standIn(t)
	ctx := context.Background()
	var ids, live, gone, noAddress []string
	for n := range 240 {
		email := fmt.Sprintf("u%03d@example.test", n)
		if n%24 == 0 {
			email = "" // 10 users Hanko's list never shows
		}
		u := admin.AddUser(email)
		ids = append(ids, u.ID)
		live = append(live, u.ID)
		if email == "" {
			noAddress = append(noAddress, u.ID)
		}
	}
	for range 10 {
		u := admin.AddUser("")
		admin.DeleteUser(u.ID)
		ids = append(ids, u.ID)
		gone = append(gone, u.ID)
	}
	// The caller's spelling is kept, and repeats are asked once.
	ids[5] = strings.ToUpper(ids[5])
	ids = append(ids, ids[7], strings.ToUpper(ids[7]))

	found, err := c.UsersByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != len(live) {
		t.Errorf("found %d, want %d", len(found), len(live))
	}
	for n, id := range live {
		key := id
		if n == 5 {
			key = strings.ToUpper(id)
		}
		if u, ok := found[key]; !ok || u.ID != id {
			t.Errorf("user %d (%s) not found under %s", n, id, key)
		}
	}
	for _, id := range gone {
		if _, ok := found[id]; ok {
			t.Errorf("deleted user %s found", id)
		}
	}

	// 250 distinct ids: batches of 100, 100, 50, each a single page; the 10
	// users without an address and the 10 deleted ones are asked one by one.
	reqs := admin.Requests()
	lists := []string{}
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET /users?") {
			lists = append(lists, r)
		}
	}
	for n, perPage := range []string{"100", "100", "50"} {
		if n >= len(lists) || !strings.Contains(lists[n], "page=1&per_page="+perPage+"&user_id=") {
			t.Errorf("list request %d: %v, want per_page=%s", n, lists, perPage)
		}
	}
	if len(lists) != 3 {
		t.Errorf("%d list requests, want 3", len(lists))
	}
	var single []string
	for _, r := range reqs {
		if id, ok := strings.CutPrefix(r, "GET /users/"); ok {
			single = append(single, id)
		}
	}
	if want := append(slices.Clone(noAddress), gone...); !reflect.DeepEqual(single, want) {
		t.Errorf("single lookups %v, want %v", single, want)
	}

	// A failing admin API decides nothing.
	admin.FailWith(500)
	if found, err := c.UsersByID(ctx, ids); found != nil || err == nil {
		t.Errorf("UsersByID on a failing Hanko = %v, %v", found, err)
	}
	admin.FailWith(0)
	// Nor does a stalled one.
	admin.Stall(true)
	short := newClient(t, admin.URL, "", hankoadmin.WithTimeout(50*time.Millisecond))
	if found, err := short.UsersByID(ctx, gone[:1]); found != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("UsersByID on a stalled Hanko = %v, %v", found, err)
	}
	admin.Stall(false)
	if found, err := c.UsersByID(ctx, nil); err != nil || len(found) != 0 {
		t.Errorf("UsersByID(nil) = %v, %v", found, err)
	}
}

func TestPagingAgainstTheStandIn(t *testing.T) {
	_, admin, c := standIn(t)
	ctx := context.Background()
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var want []string // newest first
	for n := range 5 {
		u := admin.PutUser(hankoadmin.User{
			Emails:    []hankoadmin.Email{{Address: fmt.Sprintf("p%d@example.test", n)}},
			CreatedAt: base.Add(time.Duration(n) * time.Minute),
		})
		want = append([]string{u.ID}, want...)
	}
	var got []string
	for page := 1; ; page++ {
		p, err := c.ListUsers(ctx, page, 2)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 5 {
			t.Errorf("page %d: total %d", page, p.Total)
		}
		for _, u := range p.Users {
			got = append(got, u.ID)
		}
		if !p.HasNext {
			if page != 3 {
				t.Errorf("last page is %d, want 3", page)
			}
			break
		}
		if page > 3 {
			t.Fatal("HasNext never turned false")
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("users %v, want %v", got, want)
	}
	if p, err := c.ListUsers(ctx, 4, 2); err != nil || len(p.Users) != 0 || p.HasNext || p.Total != 5 {
		t.Errorf("past the last page: %+v, %v", p, err)
	}
}

func TestUserByEmailAgainstTheStandIn(t *testing.T) {
	_, admin, c := standIn(t)
	ctx := context.Background()
	bob := admin.AddUser("bob@example.test")
	admin.AddUser("jimbob@example.test")
	admin.AddUser("bob@example.test.org")
	admin.SetPublicMetadata(bob.ID, map[string]any{"roles": []string{"admin"}})
	two := admin.PutUser(hankoadmin.User{Emails: []hankoadmin.Email{{Address: "main@example.test"}, {Address: "alias@example.test"}}})

	for _, tc := range []struct{ email, id string }{
		{"bob@example.test", bob.ID},
		{" BOB@Example.TEST ", bob.ID},
		{"alias@example.test", two.ID}, // not the primary one
		{"ob@example.test", ""},        // only partial matches
		{"nobody@example.test", ""},
	} {
		u, err := c.UserByEmail(ctx, tc.email)
		if tc.id == "" {
			if !errors.Is(err, hankoadmin.ErrNotFound) || err.Error() != "Hanko has no user with email "+strings.ToLower(strings.TrimSpace(tc.email)) {
				t.Errorf("%q: %+v, %v; want ErrNotFound", tc.email, u, err)
			}
			continue
		}
		if err != nil || u.ID != tc.id {
			t.Errorf("%q: %+v, %v; want %s", tc.email, u, err, tc.id)
		}
	}
	// The user comes with its metadata, which the list does not carry.
	u, err := c.UserByEmail(ctx, "bob@example.test")
	if err != nil || string(u.Metadata.PublicValue("roles")) != `["admin"]` {
		t.Errorf("UserByEmail metadata: %+v, %v", u.Metadata, err)
	}
	admin.FailWith(503)
	if _, err := c.UserByEmail(ctx, "bob@example.test"); errors.Is(err, hankoadmin.ErrNotFound) || err == nil {
		t.Errorf("UserByEmail on a failing Hanko: %v", err)
	}
}

func TestMetadataAgainstTheStandIn(t *testing.T) {
	hanko, admin, c := standIn(t)
	ctx := context.Background()
	u := admin.AddUser("m@example.test")

	if m, err := c.Metadata(ctx, u.ID); err != nil || m.Public != nil || m.Private != nil || m.Unsafe != nil {
		t.Fatalf("Metadata of a user without = %+v, %v", m, err)
	}
	admin.SetMetadata(u.ID, hankoadmin.Metadata{
		Public: json.RawMessage(`{"team":"blue"}`), Private: json.RawMessage(`{"plan":"pro"}`), Unsafe: json.RawMessage(`{"roles":["admin"]}`),
	})
	for _, step := range []struct {
		patch any
		want  hankoadmin.Metadata
	}{
		{map[string]any{"public_metadata": map[string]any{"roles": []string{"admin"}}},
			hankoadmin.Metadata{Public: json.RawMessage(`{"roles":["admin"],"team":"blue"}`), Private: json.RawMessage(`{"plan":"pro"}`), Unsafe: json.RawMessage(`{"roles":["admin"]}`)}},
		{json.RawMessage(`{"public_metadata":{"team":null},"unsafe_metadata":null}`),
			hankoadmin.Metadata{Public: json.RawMessage(`{"roles":["admin"]}`), Private: json.RawMessage(`{"plan":"pro"}`)}},
		{map[string]any{"public_metadata": nil, "private_metadata": nil}, hankoadmin.Metadata{}},
	} {
		m, err := c.PatchMetadata(ctx, u.ID, step.patch)
		if err != nil || !reflect.DeepEqual(m, step.want) {
			t.Errorf("PatchMetadata(%s) = %s, %v; want %s", show(step.patch), show(m), err, show(step.want))
		}
		if again, err := c.Metadata(ctx, u.ID); err != nil || !reflect.DeepEqual(again, step.want) {
			t.Errorf("then Metadata = %s, %v", show(again), err)
		}
	}

	// Roles reach tokens from the next login on.
	old := admin.LoginSession(u.ID)
	if _, err := c.PatchMetadata(ctx, u.ID, map[string]any{"public_metadata": map[string]any{"roles": []string{"editor"}}}); err != nil {
		t.Fatal(err)
	}
	if r := hanko.Validate(old).Claims["roles"]; r != "" {
		t.Errorf("old token's roles %#v, want \"\"", r)
	}
	if r := hanko.Validate(admin.LoginSession(u.ID)).Claims["roles"]; !reflect.DeepEqual(r, []any{"editor"}) {
		t.Errorf("new token's roles %#v", r)
	}

	// Hanko's size limit comes back as its 400.
	_, err := c.PatchMetadata(ctx, u.ID, map[string]any{"public_metadata": map[string]any{"x": strings.Repeat("y", 3000)}})
	var e *hankoadmin.Error
	if !errors.As(err, &e) || e.Status != 400 || !strings.Contains(e.Message, "must not exceed 3000 characters") {
		t.Errorf("oversized patch: %v", err)
	}
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRevokingAgainstTheStandIn(t *testing.T) {
	hanko, admin, c := standIn(t)
	ctx := context.Background()
	alice, bob := admin.AddUser("alice@example.test"), admin.AddUser("bob@example.test")
	tokens := []string{admin.LoginSession(alice.ID), admin.LoginSession(alice.ID), admin.LoginSession(alice.ID)}
	bobs := admin.LoginSession(bob.ID)

	sessions, err := c.Sessions(ctx, alice.ID)
	if err != nil || len(sessions) != 3 {
		t.Fatalf("Sessions = %v, %v", sessions, err)
	}
	for _, s := range sessions {
		if s.UserID != alice.ID || s.ExpiresAt.IsZero() || s.UserAgent == "" {
			t.Errorf("session %+v", s)
		}
	}

	// One session.
	first := hanko.Validate(tokens[0]).Claims["session_id"].(string)
	if err := c.DeleteSession(ctx, alice.ID, first); err != nil {
		t.Fatal(err)
	}
	if hanko.Validate(tokens[0]).IsValid || !hanko.Validate(tokens[1]).IsValid {
		t.Error("DeleteSession did not end exactly its session")
	}
	if err := c.DeleteSession(ctx, alice.ID, first); !errors.Is(err, hankoadmin.ErrNotFound) {
		t.Errorf("DeleteSession again = %v, want ErrNotFound", err)
	}
	bobsID := hanko.Validate(bobs).Claims["session_id"].(string)
	if err := c.DeleteSession(ctx, alice.ID, bobsID); !errors.Is(err, hankoadmin.ErrNotFound) || !hanko.Validate(bobs).IsValid {
		t.Errorf("DeleteSession of another user's session = %v", err)
	}

	// All the others.
	n, err := c.RevokeAllSessions(ctx, alice.ID)
	if err != nil || n != 2 {
		t.Errorf("RevokeAllSessions = %d, %v; want 2", n, err)
	}
	for i, token := range tokens {
		if hanko.Validate(token).IsValid {
			t.Errorf("token %d still valid", i)
		}
	}
	if !hanko.Validate(bobs).IsValid {
		t.Error("another user's session ended")
	}
	if n, err := c.RevokeAllSessions(ctx, alice.ID); n != 0 || err != nil {
		t.Errorf("RevokeAllSessions again = %d, %v", n, err)
	}

	// A failing Hanko revokes nothing and says so.
	admin.FailWith(500)
	if n, err := c.RevokeAllSessions(ctx, bob.ID); n != 0 || err == nil || errors.Is(err, hankoadmin.ErrNotFound) {
		t.Errorf("RevokeAllSessions on a failing Hanko = %d, %v", n, err)
	}
	admin.FailWith(0)

	// Deleting the user ends its sessions; then it is not found.
	if err := c.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if hanko.Validate(bobs).IsValid {
		t.Error("a deleted user's session is still valid")
	}
	for name, err := range map[string]error{
		"User":       func() error { _, err := c.User(ctx, bob.ID); return err }(),
		"Sessions":   func() error { _, err := c.Sessions(ctx, bob.ID); return err }(),
		"Revoke":     func() error { _, err := c.RevokeAllSessions(ctx, bob.ID); return err }(),
		"DeleteUser": c.DeleteUser(ctx, bob.ID),
	} {
		if !errors.Is(err, hankoadmin.ErrNotFound) {
			t.Errorf("%s of a deleted user: %v", name, err)
		}
	}
}

func TestTheAPIKeyAgainstTheStandIn(t *testing.T) {
	_, admin, _ := standIn(t)
	admin.RequireAPIKey("hk_test_key")
	u := admin.AddUser("k@example.test")
	for key, want := range map[string]string{
		"":            "admin API at " + admin.URL + " wants an API key (HTTP 401): set HANKO_ADMIN_API_KEY",
		"hk_wrong":    "admin API refused the API key (HTTP 401): check HANKO_ADMIN_API_KEY",
		"hk_test_key": "",
	} {
		_, err := newClient(t, admin.URL, key).User(context.Background(), u.ID)
		if want == "" && err != nil || want != "" && (err == nil || err.Error() != want) {
			t.Errorf("key %q: %v, want %q", key, err, want)
		}
	}
}

// A session that ends between the listing and its deletion (the user logged
// out meanwhile) is not an error and is not counted.
func TestRevokeAllSessionsToleratesSessionsEndingMeanwhile(t *testing.T) {
	hanko := authtest.NewIssuer()
	admin := hankoadmintest.New(hanko)
	u := admin.AddUser("race@example.test")
	older := admin.LoginSessionWith(u.ID, authtest.Session{IssuedAt: time.Now().Add(-time.Minute)})
	newer := admin.LoginSession(u.ID)
	olderID := hanko.Validate(older).Claims["session_id"].(string)
	api := admin.Handler()
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			once.Do(func() { // the older session ends just before the first deletion
				logout := httptest.NewRequest(http.MethodDelete, "/users/"+u.ID+"/sessions/"+olderID, nil)
				api.ServeHTTP(httptest.NewRecorder(), logout)
			})
		}
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()

	n, err := newClient(t, srv.URL, "").RevokeAllSessions(context.Background(), u.ID)
	if n != 1 || err != nil {
		t.Errorf("RevokeAllSessions = %d, %v; want 1, nil", n, err)
	}
	if hanko.Validate(newer).IsValid || hanko.Validate(older).IsValid {
		t.Error("a session is still valid")
	}
}
