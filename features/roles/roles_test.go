package roles_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/features/roles"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
)

// standIn is the admin-API stand-in behind a server whose requests a test can
// watch and selectively fail.
type standIn struct {
	*hankoadmintest.Admin
	iss    *authtest.Issuer
	client *hankoadmin.Client
	editor roles.Editor // the client, with a SQLite store for the users' locks
	// failIf, when set, answers a request 502 when it returns true.
	failIf   atomic.Pointer[func(*http.Request) bool]
	inFlight atomic.Int64
	maxIn    atomic.Int64
}

func newStandIn(t *testing.T) *standIn {
	t.Helper()
	s := &standIn{iss: authtest.NewIssuer()}
	s.Admin = hankoadmintest.New(s.iss)
	inner := s.Admin.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxIn.Load()
			if n <= m || s.maxIn.CompareAndSwap(m, n) {
				break
			}
		}
		if f := s.failIf.Load(); f != nil && (*f)(r) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"code":502,"message":"Bad Gateway"}`))
			return
		}
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/metadata") {
			time.Sleep(2 * time.Millisecond) // so concurrent metadata calls overlap
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := hankoadmin.New(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	s.client = c
	s.editor = roles.Editor{Admin: c, Store: storetest.New(t, storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL})}
	return s
}

func (s *standIn) fail(f func(*http.Request) bool) { s.failIf.Store(&f) }

func (s *standIn) public(t *testing.T, id string) map[string]any {
	t.Helper()
	u, ok := s.User(id)
	if !ok {
		t.Fatalf("no user %s", id)
	}
	if u.Metadata == nil || u.Metadata.Public == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(u.Metadata.Public, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestValidNameAndCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		ok   bool
	}{
		{"admin", true}, {"a", true}, {"team-blue", true}, {"team_blue2", true},
		{"a" + strings.Repeat("b", 31), true}, {"a" + strings.Repeat("b", 32), false},
		{"", false}, {"Admin", false}, {"1admin", false}, {"-admin", false}, {"_admin", false},
		{"ad min", false}, {"admin ", false}, {"ädmin", false}, {"admin\n", false}, {"team.blue", false},
		{"team:blue", false}, {"admin,editor", false},
	} {
		if got := roles.ValidName(tt.name); got != tt.ok {
			t.Errorf("ValidName(%q) = %v, want %v", tt.name, got, tt.ok)
		}
	}

	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("r%d", i)
	}
	for _, tt := range []struct {
		name    string
		in      []string
		want    []string
		wantErr string
	}{
		{"none", []string{}, []string{}, ""},
		{"order kept", []string{"editor", "admin"}, []string{"editor", "admin"}, ""},
		{"duplicates dropped", []string{"admin", "editor", "admin"}, []string{"admin", "editor"}, ""},
		{"ten", eleven[:10], eleven[:10], ""},
		{"eleven", eleven, nil, "at most 10 roles (got 11)"},
		{"eleven with duplicates still too many", append(slices.Clone(eleven[:10]), "r0"), nil, "at most 10"},
		{"bad name", []string{"admin", "Admin"}, nil, `"Admin" is not a valid role name`},
		{"empty name", []string{""}, nil, `"" is not a valid role name`},
		{"long name shortened in the message", []string{strings.Repeat("x", 100)}, nil, `"` + strings.Repeat("x", 40) + `"…`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := roles.Check(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Check(%q) error %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Check(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		public string
		want   []string
	}{
		{`{"roles":["admin"],"team":"blue"}`, []string{"admin"}},
		{`{"roles":"admin"}`, []string{"admin"}},
		{`{"roles":["admin",1]}`, nil},
		{`{"roles":[]}`, nil},
		{`{"roles":null}`, nil},
		{`{"roles":{"admin":true}}`, nil},
		{`{"team":"blue"}`, nil},
		{``, nil},
		// Hanko renders strings that hold JSON, and "true"/"false", into values.
		{`{"roles":"[\"admin\"]"}`, []string{"admin"}},
		{`{"roles":"true"}`, nil},
		{`{"roles":true}`, nil},
		{`{"roles":["admin","admin"]}`, []string{"admin"}},
		{`{"roles":"[\"admin\"] trailing"}`, []string{`["admin"] trailing`}},
	} {
		m := &hankoadmin.Metadata{}
		if tt.public != "" {
			m.Public = json.RawMessage(tt.public)
		}
		if got := roles.Of(m); !slices.Equal(got, tt.want) {
			t.Errorf("Of(%s) = %q, want %q", tt.public, got, tt.want)
		}
	}
	// Unsafe and private metadata are never read.
	m := &hankoadmin.Metadata{Unsafe: json.RawMessage(`{"roles":["admin"]}`), Private: json.RawMessage(`{"roles":["admin"]}`)}
	if got := roles.Of(m); got != nil {
		t.Errorf("roles from unsafe/private metadata: %q", got)
	}
	if got := roles.Of(nil); got != nil {
		t.Errorf("Of(nil) = %q", got)
	}
}

// TestOfIsWhatTheTokenGrants: for every shape of stored roles, Of reads what
// the stand-in Hanko (which renders the guarded roles template as Hanko does)
// puts into the user's next session token.
func TestOfIsWhatTheTokenGrants(t *testing.T) {
	iss := authtest.NewIssuer()
	admin := hankoadmintest.New(iss)
	for _, public := range []string{
		`{"roles":["admin"]}`, `{"roles":"admin"}`, `{"roles":"[\"admin\",\"editor\"]"}`, `{"roles":"true"}`,
		`{"roles":false}`, `{"roles":7}`, `{"roles":["admin",1]}`, `{"roles":{"a":1}}`, `{"roles":null}`, `{"roles":""}`,
		`{"roles":["x","x"]}`, `{"team":"blue"}`,
	} {
		u := admin.AddUser(authtest.RandomUUID() + "@example.test")
		admin.SetMetadata(u.ID, hankoadmin.Metadata{Public: json.RawMessage(public)})
		var claims auth.Claims
		if err := json.Unmarshal(payload(t, admin.LoginSession(u.ID)), &claims); err != nil {
			t.Fatal(err)
		}
		m := &hankoadmin.Metadata{Public: json.RawMessage(public)}
		if got, want := roles.Of(m), roles.FromClaims(&claims); !slices.Equal(got, want) {
			t.Errorf("Of(%s) = %q, but the token grants %q", public, got, want)
		}
	}
}

// payload decodes a JWT's claims segment (the token is the stand-in's own).
func payload(t *testing.T, token string) []byte {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The real captured metadata: what the admin API answered for the user of
// token-roles.jwt, whose token carries roles ["admin"].
func TestOfCapturedMetadata(t *testing.T) {
	var u hankoadmin.User
	raw := readFixture(t, "admin-user.json")
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	if got := roles.Of(u.Metadata); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("roles of admin-user.json = %q, want [admin]", got)
	}
	var m hankoadmin.Metadata
	if err := json.Unmarshal(readFixture(t, "admin-metadata.json"), &m); err != nil {
		t.Fatal(err)
	}
	if got := roles.Of(&m); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("roles of admin-metadata.json = %q, want [admin]", got)
	}
}

func TestSetKeepsOtherMetadataAndEndsSessionsOnRemoval(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("ada@example.test")
	s.SetMetadata(u.ID, hankoadmin.Metadata{
		Public:  json.RawMessage(`{"roles":["admin","editor"],"team":"blue","nested":{"a":1}}`),
		Private: json.RawMessage(`{"stripe":"cus_1"}`),
		Unsafe:  json.RawMessage(`{"theme":"dark"}`),
	})
	tok1, tok2 := s.LoginSession(u.ID), s.LoginSession(u.ID)

	// Adding a role ends no session.
	ch, err := s.editor.Set(ctx(t), u.ID, []string{"admin", "editor", "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.After, []string{"admin", "editor", "viewer"}) || len(ch.Removed) != 0 || ch.SessionsEnded != 0 {
		t.Fatalf("grant: %+v", ch)
	}
	if n := len(s.Sessions(u.ID)); n != 2 {
		t.Fatalf("adding a role ended sessions: %d left", n)
	}

	// Removing one ends all of them, and the other metadata is kept.
	ch, err = s.editor.Set(ctx(t), u.ID, []string{"viewer", "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Before, []string{"admin", "editor", "viewer"}) || !slices.Equal(ch.Removed, []string{"editor"}) || ch.SessionsEnded != 2 {
		t.Fatalf("removal: %+v", ch)
	}
	if n := len(s.Sessions(u.ID)); n != 0 {
		t.Fatalf("%d sessions left after a role was removed", n)
	}
	for _, tok := range []string{tok1, tok2} {
		if s.iss.Validate(tok).IsValid {
			t.Error("an old token still passes /sessions/validate")
		}
	}
	got, _ := s.User(u.ID)
	wantPublic := `{"nested":{"a":1},"roles":["viewer","admin"],"team":"blue"}`
	if pub := compact(t, got.Metadata.Public); pub != wantPublic {
		t.Errorf("public metadata %s, want %s", pub, wantPublic)
	}
	if compact(t, got.Metadata.Private) != `{"stripe":"cus_1"}` || compact(t, got.Metadata.Unsafe) != `{"theme":"dark"}` {
		t.Errorf("other metadata changed: %s %s", got.Metadata.Private, got.Metadata.Unsafe)
	}
	// The patch sent was a merge patch of roles only.
	var patches []string
	for _, r := range s.Requests() {
		if strings.HasPrefix(r, "PATCH ") {
			patches = append(patches, r)
		}
	}
	if len(patches) != 2 {
		t.Errorf("patches %q", patches)
	}

	// The next login's token carries the new roles.
	var claims struct {
		Roles []string `json:"roles"`
	}
	payloadInto(t, s.LoginSession(u.ID), &claims)
	if !slices.Equal(claims.Roles, []string{"viewer", "admin"}) {
		t.Errorf("new token roles %q", claims.Roles)
	}

	// Removing every role writes [] (never null, which would drop the member).
	if _, err := s.editor.Set(ctx(t), u.ID, nil); err != nil {
		t.Fatal(err)
	}
	if pub := s.public(t, u.ID); fmt.Sprint(pub["roles"]) != "[]" || pub["roles"] == nil || pub["team"] != "blue" {
		t.Errorf("after removing all: %v", pub)
	}
}

func TestSetValidatesBeforeCallingHanko(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("ada@example.test")
	// Names no user can hold are refused before the user's roles are read.
	for _, in := range [][]string{{""}, {"admin", ""}, make([]string, 11)} {
		if _, err := s.editor.Set(ctx(t), u.ID, in); !errors.As(err, new(*roles.InvalidError)) {
			t.Errorf("Set(%q) = %v, want an *InvalidError", in, err)
		}
	}
	if _, err := s.editor.Grant(ctx(t), u.ID, "ADMIN"); err == nil {
		t.Error("Grant(ADMIN) accepted")
	}
	if _, err := s.editor.Revoke(ctx(t), u.ID, "no such"); err == nil {
		t.Error("Revoke(no such) accepted")
	}
	if r := s.Requests(); len(r) != 0 {
		t.Errorf("invalid input reached the admin API: %q", r)
	}
}

func TestSetErrors(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("ada@example.test")
	if _, err := s.editor.Set(ctx(t), authtest.RandomUUID(), []string{"admin"}); !errors.Is(err, hankoadmin.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	if _, err := s.editor.Set(ctx(t), "not-a-uuid", []string{"admin"}); !errors.Is(err, hankoadmin.ErrInvalidID) {
		t.Errorf("bad id: %v, want ErrInvalidID", err)
	}
	s.FailWith(http.StatusInternalServerError)
	_, err := s.editor.Set(ctx(t), u.ID, []string{"admin"})
	var he *hankoadmin.Error
	if !errors.As(err, &he) || errors.Is(err, hankoadmin.ErrNotFound) {
		t.Errorf("admin API failing: %v, want a *hankoadmin.Error", err)
	}
	s.FailWith(0)
	if pub := s.public(t, u.ID); pub != nil {
		t.Errorf("metadata written although the call failed: %v", pub)
	}
}

// When the roles are saved but ending the sessions fails, the error says so,
// and Revoke of the same role afterwards ends them.
func TestSessionsNotEnded(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("ada@example.test")
	s.SetPublicMetadata(u.ID, map[string]any{"roles": []string{"admin"}})
	tok := s.LoginSession(u.ID)
	s.fail(func(r *http.Request) bool { return r.Method == http.MethodDelete })

	ch, err := s.editor.Revoke(ctx(t), u.ID, "admin")
	if !errors.Is(err, roles.ErrSessionsNotEnded) {
		t.Fatalf("err %v, want ErrSessionsNotEnded", err)
	}
	var he *hankoadmin.Error
	if !errors.As(err, &he) {
		t.Errorf("the cause is lost: %v", err)
	}
	if !slices.Equal(ch.Removed, []string{"admin"}) || len(ch.After) != 0 {
		t.Errorf("change %+v", ch)
	}
	if !s.iss.Validate(tok).IsValid {
		t.Fatal("the stand-in ended the session although DELETE failed")
	}
	if got := roles.Of(metadata(t, s, u.ID)); len(got) != 0 {
		t.Fatalf("roles %q, want none (the patch went through)", got)
	}

	s.fail(func(*http.Request) bool { return false })
	ch, err = s.editor.Revoke(ctx(t), u.ID, "admin")
	if err != nil || ch.SessionsEnded != 1 || len(ch.Removed) != 0 {
		t.Fatalf("second revoke: %+v, %v", ch, err)
	}
	if s.iss.Validate(tok).IsValid {
		t.Fatal("the old token still passes after the second revoke")
	}
}

func TestGrantAndRevoke(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("ada@example.test")
	s.SetPublicMetadata(u.ID, map[string]any{"team": "blue"})
	s.LoginSession(u.ID)

	ch, err := s.editor.Grant(ctx(t), u.ID, "admin")
	if err != nil || !slices.Equal(ch.After, []string{"admin"}) || ch.SessionsEnded != 0 {
		t.Fatalf("grant: %+v %v", ch, err)
	}
	patches := countPrefix(s.Requests(), "PATCH ")
	ch, err = s.editor.Grant(ctx(t), u.ID, "admin")
	if err != nil || !slices.Equal(ch.After, []string{"admin"}) || !slices.Equal(ch.Before, []string{"admin"}) {
		t.Fatalf("grant again: %+v %v", ch, err)
	}
	if countPrefix(s.Requests(), "PATCH ") != patches {
		t.Error("granting a role the user has wrote metadata again")
	}
	if _, err := s.editor.Grant(ctx(t), u.ID, "editor"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Sessions(u.ID)); n != 1 {
		t.Fatalf("granting ended sessions (%d left)", n)
	}
	ch, err = s.editor.Revoke(ctx(t), u.ID, "admin")
	if err != nil || !slices.Equal(ch.After, []string{"editor"}) || !slices.Equal(ch.Removed, []string{"admin"}) || ch.SessionsEnded != 1 {
		t.Fatalf("revoke: %+v %v", ch, err)
	}
	if pub := s.public(t, u.ID); pub["team"] != "blue" || !slices.Equal(toStrings(pub["roles"]), []string{"editor"}) {
		t.Errorf("public metadata %v", pub)
	}
	// Odd existing roles (granting nothing) are replaced by a proper list.
	s.SetPublicMetadata(u.ID, map[string]any{"roles": []any{"admin", 7}, "team": "blue"})
	if ch, err := s.editor.Grant(ctx(t), u.ID, "admin"); err != nil || !slices.Equal(ch.After, []string{"admin"}) {
		t.Fatalf("grant over odd roles: %+v %v", ch, err)
	}
}

func TestList(t *testing.T) {
	s := newStandIn(t)
	var ids []string
	for i := range 30 {
		u := s.AddUser(fmt.Sprintf("u%02d@example.test", i))
		ids = append(ids, u.ID)
		switch i % 3 {
		case 0:
			s.SetPublicMetadata(u.ID, map[string]any{"roles": []string{"admin"}, "team": "x"})
		case 1:
			s.SetMetadata(u.ID, hankoadmin.Metadata{Unsafe: json.RawMessage(`{"roles":["admin"]}`)})
		}
	}
	p, err := roles.List(ctx(t), s.client, 1, 25)
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 30 || !p.HasNext || len(p.Users) != 25 {
		t.Fatalf("page 1: total %d, next %v, %d users", p.Total, p.HasNext, len(p.Users))
	}
	admins := 0
	for _, u := range p.Users {
		i := slices.Index(ids, u.ID)
		want := []string(nil)
		if i%3 == 0 {
			want = []string{"admin"}
			admins++
		}
		if !slices.Equal(u.Roles, want) {
			t.Errorf("%s (%d): roles %q, want %q", u.PrimaryEmail(), i, u.Roles, want)
		}
		if u.Metadata == nil {
			t.Errorf("%s: no metadata attached", u.PrimaryEmail())
		}
	}
	if admins == 0 {
		t.Fatal("no admin on the page; the test proves nothing")
	}
	if m := s.maxIn.Load(); m > roles.Concurrency || m < 2 {
		t.Errorf("at most %d admin API calls at once, want 2..%d", m, roles.Concurrency)
	}
	p2, err := roles.List(ctx(t), s.client, 2, 25)
	if err != nil || len(p2.Users) != 5 || p2.HasNext {
		t.Fatalf("page 2: %+v %v", p2, err)
	}

	// One metadata call failing fails the page: roles are never guessed.
	victim := p.Users[3].ID
	s.fail(func(r *http.Request) bool { return strings.Contains(r.URL.Path, victim) })
	if _, err := roles.List(ctx(t), s.client, 1, 25); err == nil {
		t.Fatal("a page with a failed metadata call was answered")
	}
	s.fail(func(*http.Request) bool { return false })

	// A user deleted between the list and the metadata call is left out.
	// Only the victim's own metadata call deletes: a call of the failed
	// List above may still reach the stand-in after that List returned.
	var once sync.Once
	s.fail(func(r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, "/metadata") && strings.Contains(r.URL.Path, victim) {
			once.Do(func() { s.DeleteUser(victim) })
		}
		return false
	})
	p3, err := roles.List(ctx(t), s.client, 1, 25)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range p3.Users {
		if u.ID == victim {
			t.Error("a deleted user is listed")
		}
	}
	if len(p3.Users) != 24 {
		t.Errorf("%d users, want 24", len(p3.Users))
	}
}

func TestFindByEmail(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("Ada@Example.test")
	s.AddUser("jimada@example.test")
	s.SetPublicMetadata(u.ID, map[string]any{"roles": []string{"admin"}})
	got, err := roles.FindByEmail(ctx(t), s.client, " ada@example.test ")
	if err != nil || got.ID != u.ID || !slices.Equal(got.Roles, []string{"admin"}) {
		t.Fatalf("FindByEmail: %+v %v", got, err)
	}
	if _, err := roles.FindByEmail(ctx(t), s.client, "nobody@example.test"); !errors.Is(err, hankoadmin.ErrNotFound) {
		t.Errorf("unknown email: %v", err)
	}
	if _, err := roles.FindByEmail(ctx(t), s.client, "  "); err == nil {
		t.Error("empty email accepted")
	}
}

// ---- helpers ----------------------------------------------------------------

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func metadata(t *testing.T, s *standIn, id string) *hankoadmin.Metadata {
	t.Helper()
	m, err := s.client.Metadata(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return &m
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func toStrings(v any) []string {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	out := []string{}
	for _, e := range arr {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func countPrefix(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func payloadInto(t *testing.T, token string, v any) {
	t.Helper()
	parts := strings.Split(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestRevokeRepairsRolesStoredAsText: roles stored as the JSON text of an
// array grant the role (Hanko renders them into an array), so revoking must
// remove it and write a proper list.
func TestRevokeRepairsRolesStoredAsText(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("text@example.test")
	s.SetPublicMetadata(u.ID, map[string]any{"roles": `["admin","editor"]`, "team": "blue"})
	ch, err := s.editor.Revoke(ctx(t), u.ID, "admin")
	if err != nil || !slices.Equal(ch.Removed, []string{"admin"}) || !slices.Equal(ch.After, []string{"editor"}) {
		t.Fatalf("revoke: %+v %v", ch, err)
	}
	if pub := s.public(t, u.ID); pub["team"] != "blue" || !slices.Equal(toStrings(pub["roles"]), []string{"editor"}) {
		t.Errorf("public metadata after revoke: %v", pub)
	}
}

// Only the names a change adds are validated: a role set in the Hanko console
// that the API would not add ("Billing") may stay, so another role can be
// taken from its holder; adding such a name is refused, and nothing is written.
func TestSetValidatesOnlyWhatItAdds(t *testing.T) {
	s := newStandIn(t)
	u := s.AddUser("ada@example.test")
	s.SetPublicMetadata(u.ID, map[string]any{"roles": []string{"admin", "Billing"}})

	for _, in := range [][]string{{"Billing", "Admin"}, {"Billing", "sales team"}, {"Billing", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"}} {
		before := len(s.Requests())
		if _, err := s.editor.Set(ctx(t), u.ID, in); !errors.As(err, new(*roles.InvalidError)) {
			t.Errorf("Set(%q) = %v, want an *InvalidError", in, err)
		}
		for _, r := range s.Requests()[before:] {
			if !strings.HasPrefix(r, "GET ") {
				t.Errorf("Set(%q) refused, but sent %s", in, r)
			}
		}
	}

	ch, err := s.editor.Set(ctx(t), u.ID, []string{"Billing", "Billing", "editor"})
	if err != nil {
		t.Fatalf("removing admin from a holder of Billing: %v", err)
	}
	if !slices.Equal(ch.After, []string{"Billing", "editor"}) || !slices.Equal(ch.Removed, []string{"admin"}) {
		t.Errorf("change %+v", ch)
	}
	if pub := s.public(t, u.ID); fmt.Sprint(pub["roles"]) != "[Billing editor]" {
		t.Errorf("stored roles %v", pub["roles"])
	}
	if ch, err = s.editor.Set(ctx(t), u.ID, nil); err != nil || !slices.Equal(ch.Removed, []string{"Billing", "editor"}) {
		t.Errorf("removing everything: %+v, %v", ch, err)
	}

	got, err := roles.CheckChange([]string{"Billing"}, []string{"Billing", "admin"})
	if err != nil || !slices.Equal(got, []string{"Billing", "admin"}) {
		t.Errorf("CheckChange = %q, %v", got, err)
	}
}
