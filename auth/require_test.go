package auth_test

// Tests of Require, the hook for privileged routes: a predicate on the
// verified claims, then a session check with Hanko whatever
// Config.SessionCheck says; and of Claims.Strings, the reading of list claims
// such predicates use. With the real token of testdata/hanko/webhooks (a
// "roles" claim ["admin"] rendered by a real Hanko's session.jwt_template) and
// with authtest tokens.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// claimsFromJSON decodes a token payload as Verify does.
func claimsFromJSON(t *testing.T, payload string) *auth.Claims {
	t.Helper()
	c := new(auth.Claims)
	if err := json.Unmarshal([]byte(payload), c); err != nil {
		t.Fatalf("decoding %s: %v", payload, err)
	}
	return c
}

func TestClaimsStrings(t *testing.T) {
	base := `"sub":"u-1","session_id":"s-1","exp":1796196965`
	tests := []struct {
		name  string
		extra string // claims added to the payload; "" for none
		want  []string
	}{
		{"array of one, as Hanko renders [\"admin\"]", `"groups":["admin"]`, []string{"admin"}},
		{"array of several, order kept", `"groups":["editor","admin"]`, []string{"editor", "admin"}},
		{"duplicates listed once", `"groups":["a","b","a"]`, []string{"a", "b"}},
		{"single string is a list of one", `"groups":"admin"`, []string{"admin"}},
		{"a string with a comma is one name", `"groups":"admin,editor"`, []string{"admin,editor"}},
		{"no claim", ``, nil},
		{"empty string, as Hanko renders a missing key", `"groups":""`, nil},
		{"null", `"groups":null`, nil},
		{"empty array", `"groups":[]`, nil},
		{"number", `"groups":1`, nil},
		{"boolean", `"groups":true`, nil},
		{"object", `"groups":{"admin":true}`, nil},
		{"nested array", `"groups":[["admin"]]`, nil},
		{"array with a number voids it all", `"groups":["admin",1]`, nil},
		{"array with null voids it all", `"groups":["admin",null]`, nil},
		{"array with an object voids it all", `"groups":["admin",{"x":1}]`, nil},
		{"array with an empty name voids it all", `"groups":["admin",""]`, nil},
		{"claim name is case-sensitive", `"Groups":["admin"]`, nil},
		{"another claim is not read", `"group":"admin","metadata":{"groups":["admin"]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := "{" + base
			if tt.extra != "" {
				payload += "," + tt.extra
			}
			got := claimsFromJSON(t, payload+"}").Strings("groups")
			if !slices.Equal(got, tt.want) || (tt.want == nil) != (got == nil) {
				t.Fatalf("Strings(groups) = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestClaimsStringsOfRegisteredClaimsAndNil(t *testing.T) {
	c := claimsFromJSON(t, `{"sub":"u","session_id":"s","exp":1796196965,"username":"ann","amr":["pwd"]}`)
	for _, name := range []string{"sub", "session_id", "username", "amr", ""} {
		if got := c.Strings(name); got != nil {
			t.Errorf("Strings(%q) = %q: registered claims are fields, not custom claims", name, got)
		}
	}
	var none *auth.Claims
	if none.Strings("groups") != nil {
		t.Error("nil claims have a list")
	}
}

func TestClaimsStringsReturnsACopy(t *testing.T) {
	c := claimsFromJSON(t, `{"sub":"u","session_id":"s","exp":1796196965,"groups":["viewer"]}`)
	r := c.Strings("groups")
	r[0] = "admin"
	if got := c.Strings("groups"); !slices.Equal(got, []string{"viewer"}) {
		t.Fatalf("changing the returned slice changed the claims: %q", got)
	}
}

// needs returns a Require predicate that admits sessions whose "roles" list
// names one of want, and refuses the others with a Forbidden naming them.
func needs(want ...string) func(*auth.Claims) error {
	return func(c *auth.Claims) error {
		held := c.Strings("roles")
		if slices.ContainsFunc(want, func(r string) bool { return slices.Contains(held, r) }) {
			return nil
		}
		return auth.Forbidden("This needs "+strings.Join(want, " or ")+".", errors.New("roles "+strings.Join(held, ",")))
	}
}

// ---- the real token ---------------------------------------------------------

// The token-roles.jwt fixture (testdata/hanko/webhooks/README.md).
const (
	rolesFixtureIat     = 1796153765
	rolesFixtureUser    = "bc37215a-ab10-40b3-8136-3fa02ebfd450"
	rolesFixtureSession = "a1dbeaee-30d7-4ee3-a68c-9df671f08b2a"
)

// fixtureHanko serves the JWKS of testdata/hanko/webhooks and a
// POST /sessions/validate that answers for tokens of that instance the way
// Hanko does (validate-valid.json's shape, the token's own claims renamed),
// or with validate-revoked.json once a session is revoked, or 500 when told.
type fixtureHanko struct {
	URL      string
	calls    atomic.Int64
	fail     atomic.Bool
	mu       sync.Mutex
	revoked  map[string]bool
	validate func(token string) []byte
}

func newFixtureHanko(t *testing.T) *fixtureHanko {
	t.Helper()
	f := &fixtureHanko{revoked: map[string]bool{}}
	jwks := readHankoFixture(t, "webhooks/jwks.json")
	revoked := readHankoFixture(t, "validate-revoked.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/.well-known/jwks.json":
			_, _ = w.Write(jwks)
		case r.Method == http.MethodPost && r.URL.Path == "/sessions/validate":
			f.calls.Add(1)
			if f.fail.Load() {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"code":500,"message":"Internal Server Error"}`))
				return
			}
			var in struct {
				SessionToken string `json:"session_token"`
			}
			_ = json.NewDecoder(r.Body).Decode(&in)
			var claims map[string]any
			if err := json.Unmarshal(payloadOf(t, in.SessionToken), &claims); err != nil {
				t.Errorf("validate: %v", err)
			}
			f.mu.Lock()
			gone := f.revoked[claims["session_id"].(string)]
			f.mu.Unlock()
			if gone {
				_, _ = w.Write(revoked)
				return
			}
			out := map[string]any{}
			for k, v := range claims {
				switch k {
				case "sub":
					out["subject"] = v
				case "aud":
					out["audience"] = v
				case "iat":
					out["issued_at"] = time.Unix(int64(v.(float64)), 0).UTC().Format(time.RFC3339)
				case "exp":
					out["expiration"] = time.Unix(int64(v.(float64)), 0).UTC().Format(time.RFC3339)
				default:
					out[k] = v
				}
			}
			_ = json.NewEncoder(w).Encode(map[string]any{
				"is_valid": true, "claims": out, "expiration_time": out["expiration"], "user_id": claims["sub"],
			})
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":404,"message":"Not Found"}`))
		}
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func (f *fixtureHanko) revoke(sessionID string) {
	f.mu.Lock()
	f.revoked[sessionID] = true
	f.mu.Unlock()
}

// roleEngine serves GET /p behind Require(needs(roles...)) alone, and GET /g/p
// behind RequireSession and then the same Require in a group. The handlers answer
// the user id and count their runs.
func roleEngine(a *auth.Authenticator, roles ...string) (*gin.Engine, *atomic.Int64) {
	var ran atomic.Int64
	h := func(c *gin.Context) {
		ran.Add(1)
		claims, ok := auth.FromContext(c)
		if !ok {
			c.JSON(http.StatusInternalServerError, gin.H{"user": "no claims"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": claims.UserID})
	}
	r := gin.New()
	r.GET("/p", a.Require(needs(roles...)), h)
	g := r.Group("/g", a.RequireSession())
	g.GET("/p", a.Require(needs(roles...)), h)
	return r, &ran
}

// serveAt is serve for another path.
func serveAt(h http.Handler, path string, rq request) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if rq.header != "" {
		req.Header.Set("Authorization", rq.header)
	}
	if rq.cookie != nil {
		req.AddCookie(rq.cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

var rolePaths = []string{"/p", "/g/p"}

func TestRequireWithTheFixtureToken(t *testing.T) {
	hanko := newFixtureHanko(t)
	now := clockAt(rolesFixtureIat + 60)
	a := newAuth(t, auth.TestConfig{HankoAPIURL: hanko.URL, Now: now, Audience: []string{"localhost"}})
	token := hankoFixtureToken(t, "webhooks/token-roles.jwt")

	c, err := a.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify(token-roles.jwt): %v", err)
	}
	if c.UserID != rolesFixtureUser || c.SessionID != rolesFixtureSession {
		t.Fatalf("claims %+v", c)
	}
	if got := c.Strings("roles"); !slices.Equal(got, []string{"admin"}) {
		t.Errorf(`Strings("roles") = %q, want [admin]`, got)
	}
	// The same template gave `role` (a key the metadata lacks) as "", which is not a role.
	if c.Custom["role"] != "" || c.Custom["team"] != "blue" {
		t.Errorf("custom claims %v", c.Custom)
	}
	if n := hanko.calls.Load(); n != 0 {
		t.Fatalf("Verify without SessionCheck asked Hanko %d times", n)
	}

	r, ran := roleEngine(a, "admin")
	for _, path := range rolePaths {
		for _, rq := range []request{bearer(token), cookie(token)} {
			expectUser(t, serveAt(r, path, rq), rolesFixtureUser)
		}
	}
	if hanko.calls.Load() != 1 {
		t.Errorf("Require asked Hanko %d times for one token within the TTL, want 1", hanko.calls.Load())
	}

	editors, _ := roleEngine(a, "editor")
	for _, path := range rolePaths {
		expectRefusal(t, serveAt(editors, path, bearer(token)), http.StatusForbidden, auth.CodeForbidden)
	}
	// Also the admin's tampered token, with the roles intact but the signature broken.
	for _, path := range rolePaths {
		expectRefusal(t, serveAt(r, path, bearer(tamper(token))), http.StatusUnauthorized, auth.CodeInvalidToken)
	}

	before := ran.Load()
	hanko.revoke(rolesFixtureSession)
	// Still inside the TTL of the confirmed answer: the cached answer stands...
	expectUser(t, serveAt(r, "/p", bearer(token)), rolesFixtureUser)
	// ...and once it ran out, Hanko says the session ended.
	a2 := newAuth(t, auth.TestConfig{HankoAPIURL: hanko.URL, Now: now, Audience: []string{"localhost"}})
	r2, ran2 := roleEngine(a2, "admin")
	for _, path := range rolePaths {
		expectEnded(t, serveAt(r2, path, bearer(token)))
	}
	if ran2.Load() != 0 || ran.Load() != before+1 {
		t.Errorf("handler ran for a revoked session")
	}
	// RequireSession alone (SessionCheck off) cannot see the revocation: that is
	// exactly why Require asks.
	plain, _ := protectedEngine(a2.RequireSession())
	expectUser(t, serve(plain, bearer(token)), rolesFixtureUser)
}

func TestRequireWithTheFixtureTokenFailsClosed(t *testing.T) {
	hanko := newFixtureHanko(t)
	a := newAuth(t, auth.TestConfig{HankoAPIURL: hanko.URL, Now: clockAt(rolesFixtureIat + 60)})
	token := hankoFixtureToken(t, "webhooks/token-roles.jwt")
	hanko.fail.Store(true)
	r, ran := roleEngine(a, "admin")
	for _, path := range rolePaths {
		expectRefusal(t, serveAt(r, path, bearer(token)), http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
	}
	if ran.Load() != 0 {
		t.Fatal("the admin handler ran although Hanko could not confirm the session")
	}
	// The plain session route keeps working from the cached JWKS.
	plain, _ := protectedEngine(a.RequireSession())
	expectUser(t, serve(plain, bearer(token)), rolesFixtureUser)
}

// ---- authtest tokens --------------------------------------------------------

func TestRequire(t *testing.T) {
	for _, sessionCheck := range []bool{false, true} {
		t.Run(map[bool]string{false: "SessionCheck off", true: "SessionCheck on"}[sessionCheck], func(t *testing.T) {
			hanko, a := newMWHanko(t, auth.TestConfig{SessionCheck: sessionCheck})
			r, ran := roleEngine(a, "admin", "editor")
			withRoles := func(roles any) string {
				return hanko.Token(authtest.Session{UserID: "user-1", Email: "u1@example.test", Custom: map[string]any{"roles": roles}})
			}
			forger := authtest.NewIssuer(authtest.WithClock(func() time.Time { return mwNow }))
			forged := forger.Sign(claimsWith(hanko, func(c jwt.MapClaims) { c["roles"] = []any{"admin"} }))
			revoked := withRoles([]any{"admin"})
			hanko.Revoke(jwtSessionID(t, revoked))

			tests := []struct {
				name   string
				rq     request
				status int
				code   string
			}{
				{"no token", request{}, 401, auth.CodeUnauthorized},
				{"garbage", bearer("not-a-token"), 401, auth.CodeInvalidToken},
				{"roles signed by another key", bearer(forged), 401, auth.CodeInvalidToken},
				{"revoked session with the role", bearer(revoked), 401, "ended"},
				{"no roles claim", bearer(hanko.Token(authtest.Session{UserID: "user-1"})), 403, auth.CodeForbidden},
				{"roles as Hanko renders a missing key", bearer(withRoles("")), 403, auth.CodeForbidden},
				{"another role", bearer(withRoles([]any{"viewer"})), 403, auth.CodeForbidden},
				{"different case", bearer(withRoles([]any{"Admin"})), 403, auth.CodeForbidden},
				{"padded", bearer(withRoles([]any{" admin"})), 403, auth.CodeForbidden},
				{"object", bearer(withRoles(map[string]any{"admin": true})), 403, auth.CodeForbidden},
				{"nested array", bearer(withRoles([]any{[]any{"admin"}})), 403, auth.CodeForbidden},
				{"mixed array", bearer(withRoles([]any{"admin", 1})), 403, auth.CodeForbidden},
				{"number", bearer(withRoles(1)), 403, auth.CodeForbidden},
				{"true", bearer(withRoles(true)), 403, auth.CodeForbidden},
				{"admin", bearer(withRoles([]any{"admin"})), 200, ""},
				{"editor, the other accepted role", bearer(withRoles([]any{"viewer", "editor"})), 200, ""},
				{"a single string", bearer(withRoles("admin")), 200, ""},
				{"by cookie", cookie(withRoles([]any{"admin"})), 200, ""},
			}
			for _, tt := range tests {
				for _, path := range rolePaths {
					t.Run(tt.name+" "+path, func(t *testing.T) {
						before := ran.Load()
						w := serveAt(r, path, tt.rq)
						if tt.status == 200 {
							expectUser(t, w, "user-1")
							return
						}
						if tt.code == "ended" {
							expectEnded(t, w)
						} else {
							expectRefusal(t, w, tt.status, tt.code)
						}
						if ran.Load() != before {
							t.Error("the handler ran for a refused request")
						}
					})
				}
			}
		})
	}
}

// expectEnded checks the refusal of a session Hanko reports as ended.
func expectEnded(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var body map[string]string
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != http.StatusUnauthorized || body["error"] != auth.CodeInvalidToken || body["message"] != "The session has ended; sign in again." {
		t.Fatalf("%d %s, want 401 invalid_token for an ended session", w.Code, w.Body)
	}
	if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="hanko", error="invalid_token"`) {
		t.Errorf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
	}
}

func jwtSessionID(t *testing.T, token string) string {
	t.Helper()
	var c struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(payloadOf(t, token), &c); err != nil {
		t.Fatal(err)
	}
	return c.SessionID
}

// The sentence a refused session reads: a Forbidden's own, or a general one
// for any other error; the cause goes to the log (ErrorHandler), never to the client.
func TestRequireForbiddenMessage(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	token := hanko.Token(authtest.Session{UserID: "user-1"})
	for _, tt := range []struct {
		name  string
		allow func(*auth.Claims) error
		want  string
	}{
		{"Forbidden with a message", func(*auth.Claims) error { return auth.Forbidden("Editors only.", nil) }, "Editors only."},
		{"Forbidden wrapped", func(*auth.Claims) error {
			return fmt.Errorf("checking: %w", auth.Forbidden("Editors only.", errors.New("no editor")))
		}, "Editors only."},
		{"Forbidden without a message", func(*auth.Claims) error { return auth.Forbidden("", nil) }, "You are signed in, but this is not open to you."},
		{"a plain error: the general sentence, not its text", func(*auth.Claims) error { return errors.New("internal detail") }, "You are signed in, but this is not open to you."},
		{"an *Error of another status is still a 403", func(*auth.Claims) error {
			return &auth.Error{Status: 401, Code: auth.CodeInvalidToken, Message: "no"}
		}, "You are signed in, but this is not open to you."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := gin.New()
			r.GET("/p", a.Require(tt.allow), func(c *gin.Context) { c.Status(200) })
			w := serve(r, bearer(token))
			var body map[string]string
			_ = json.Unmarshal(w.Body.Bytes(), &body)
			if w.Code != 403 || len(body) != 2 || body["error"] != "forbidden" || body["message"] != tt.want {
				t.Errorf("%d %v, want 403 forbidden %q", w.Code, body, tt.want)
			}
			if w.Header().Get("WWW-Authenticate") != "" {
				t.Error("a 403 carries a WWW-Authenticate challenge")
			}
		})
	}
	if n := hanko.ValidateCalls(); n != 0 {
		t.Errorf("refused sessions made %d calls to Hanko", n)
	}
}

// A refusal by the predicate goes through Config.ErrorHandler like any other,
// with a cause that names the user and what the predicate said.
func TestRequireUsesErrorHandler(t *testing.T) {
	var got []*auth.Error
	var mu sync.Mutex
	hanko, a := newMWHanko(t, auth.TestConfig{ErrorHandler: func(c *gin.Context, e *auth.Error) {
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
		c.AbortWithStatusJSON(e.Status, gin.H{"problem": e.Code})
	}})
	r, _ := roleEngine(a, "admin")
	w := serveAt(r, "/p", bearer(hanko.Token(authtest.Session{UserID: "user-1", Custom: map[string]any{"roles": []any{"viewer"}}})))
	if w.Code != 403 || w.Body.String() != `{"problem":"forbidden"}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(got) != 1 || got[0].Status != 403 || got[0].Code != auth.CodeForbidden || got[0].Err == nil {
		t.Fatalf("ErrorHandler saw %+v", got)
	}
	if !strings.Contains(got[0].Error(), "user-1") || !strings.Contains(got[0].Error(), "viewer") {
		t.Errorf("the cause %q does not say whose session was refused and why", got[0].Error())
	}
}

func TestRequirePanicsWithoutAPredicate(t *testing.T) {
	_, a := newMWHanko(t, auth.TestConfig{})
	defer func() {
		if recover() == nil {
			t.Error("Require(nil) did not panic")
		}
	}()
	a.Require(nil)
}

// Require asks Hanko even with SessionCheck off, reuses the answer for the
// TTL, asks again after it, and fails closed (503) when Hanko cannot answer.
func TestRequireConfirmsWithHanko(t *testing.T) {
	clock := struct {
		sync.Mutex
		now time.Time
	}{now: mwNow}
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.now }
	advance := func(d time.Duration) { clock.Lock(); clock.now = clock.now.Add(d); clock.Unlock() }

	iss := authtest.NewIssuer(authtest.WithClock(now))
	var failValidate atomic.Bool
	inner := iss.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sessions/validate" && failValidate.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"code":502,"message":"Bad Gateway"}`))
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	a := newAuth(t, auth.TestConfig{HankoAPIURL: srv.URL, Now: now, SessionCheckTTL: 5 * time.Second})
	token := iss.Token(authtest.Session{UserID: "user-1", Custom: map[string]any{"roles": []any{"admin"}}})
	r, ran := roleEngine(a, "admin")
	plain, _ := protectedEngine(a.RequireSession())

	expectUser(t, serve(plain, bearer(token)), "user-1")
	if n := iss.ValidateCalls(); n != 0 {
		t.Fatalf("RequireSession with SessionCheck off asked Hanko %d times", n)
	}
	expectUser(t, serveAt(r, "/p", bearer(token)), "user-1")
	expectUser(t, serveAt(r, "/g/p", bearer(token)), "user-1")
	if n := iss.ValidateCalls(); n != 1 {
		t.Fatalf("two role checks within the TTL: %d calls to Hanko, want 1", n)
	}
	advance(6 * time.Second)
	expectUser(t, serveAt(r, "/p", bearer(token)), "user-1")
	if n := iss.ValidateCalls(); n != 2 {
		t.Fatalf("after the TTL: %d calls to Hanko, want 2", n)
	}

	advance(6 * time.Second)
	failValidate.Store(true)
	before := ran.Load()
	for _, path := range rolePaths {
		expectRefusal(t, serveAt(r, path, bearer(token)), http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
	}
	if ran.Load() != before {
		t.Fatal("the handler ran while Hanko could not confirm the session")
	}
	expectUser(t, serve(plain, bearer(token)), "user-1") // local checks still pass

	advance(2 * time.Second) // past the outage memo
	failValidate.Store(false)
	expectUser(t, serveAt(r, "/p", bearer(token)), "user-1")

	// Hanko gone altogether (connection refused): still 503, never a pass.
	advance(6 * time.Second)
	srv.Close()
	expectRefusal(t, serveAt(r, "/p", bearer(token)), http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
}

// The decision metrics read (DecisionFromContext): Require's own, which
// after RequireSession replaces the session's "ok".
func TestRequireRecordsTheDecision(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	var mu sync.Mutex
	var got []string
	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Next()
		d, _ := auth.DecisionFromContext(c)
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	})
	h := func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"user": "in"}) }
	r.GET("/p", a.Require(needs("admin")), h)
	r.GET("/g/p", a.RequireSession(), a.Require(needs("admin")), h)
	token := func(roles ...any) string {
		return hanko.Token(authtest.Session{UserID: "user-1", Custom: map[string]any{"roles": roles}})
	}
	for _, tt := range []struct {
		name string
		rq   request
		want string
	}{
		{"admin", bearer(token("admin")), "ok"},
		{"viewer", bearer(token("viewer")), auth.CodeForbidden},
		{"no token", request{}, auth.CodeUnauthorized},
		{"garbage", bearer("x"), auth.CodeInvalidToken},
	} {
		for _, path := range rolePaths {
			got = nil
			serveAt(r, path, tt.rq)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("%s %s: decision %q, want %q", tt.name, path, got, tt.want)
			}
		}
	}
}

// Require runs its predicate on the token before it asks Hanko, so a
// session it refuses cannot make the backend call Hanko at all.
func TestRequireChecksTheTokenBeforeAskingHanko(t *testing.T) {
	for _, sessionCheck := range []bool{false, true} {
		t.Run(map[bool]string{false: "SessionCheck off", true: "SessionCheck on"}[sessionCheck], func(t *testing.T) {
			hanko, a := newMWHanko(t, auth.TestConfig{SessionCheck: sessionCheck, SessionCheckTTL: 5 * time.Second})
			r, ran := roleEngine(a, "admin")
			paths := []string{"/p"}
			if !sessionCheck { // with SessionCheck on, RequireSession in front of /g/p asks Hanko itself
				paths = rolePaths
			}
			for _, roles := range []any{nil, "", []any{"viewer"}, []any{"Admin"}} {
				custom := map[string]any{}
				if roles != nil {
					custom["roles"] = roles
				}
				token := hanko.Token(authtest.Session{UserID: "user-1", Custom: custom})
				for _, path := range paths {
					for range 3 {
						expectRefusal(t, serveAt(r, path, bearer(token)), http.StatusForbidden, auth.CodeForbidden)
					}
				}
			}
			if n := hanko.ValidateCalls(); n != 0 {
				t.Fatalf("tokens without the role made %d calls to Hanko's /sessions/validate, want 0", n)
			}
			if ran.Load() != 0 {
				t.Fatal("the handler ran for a token without the role")
			}
			// A token with the role is still confirmed with Hanko.
			expectUser(t, serveAt(r, "/p", bearer(hanko.Token(authtest.Session{UserID: "user-1", Custom: map[string]any{"roles": []any{"admin"}}}))), "user-1")
			if n := hanko.ValidateCalls(); n != 1 {
				t.Fatalf("a token with the role: %d calls to Hanko, want 1", n)
			}
		})
	}
}
