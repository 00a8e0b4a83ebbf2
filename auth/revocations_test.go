package auth_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// revocationList is a Config.Revocations for tests: sessions and users that
// can be added while requests run, and a count of the questions asked.
type revocationList struct {
	mu       sync.Mutex
	sessions map[string]bool
	users    map[string]bool
	asked    int
}

func newRevocationList() *revocationList {
	return &revocationList{sessions: map[string]bool{}, users: map[string]bool{}}
}

func (l *revocationList) Revoked(c *auth.Claims) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked++
	return l.sessions[c.SessionID] || l.users[c.UserID]
}

func (l *revocationList) revokeSession(id string) { l.mu.Lock(); l.sessions[id] = true; l.mu.Unlock() }
func (l *revocationList) revokeUser(id string)    { l.mu.Lock(); l.users[id] = true; l.mu.Unlock() }
func (l *revocationList) questions() int          { l.mu.Lock(); defer l.mu.Unlock(); return l.asked }

// TestRevocationsAreConsultedOnEveryRequest: the hook is asked after the
// signature check on every request, cache hits included, for every
// middleware, and a revoked session is refused without asking Hanko.
func TestRevocationsAreConsultedOnEveryRequest(t *testing.T) {
	type step struct {
		revokeSession, revokeUser string // "a", "b" (sessions of user-1), "c" (user-2's); "user-1", "user-2"
	}
	type want struct{ a, b, c string } // "ok", "ended" or "anonymous"
	tests := []struct {
		name    string
		mw      func(a *auth.Authenticator) gin.HandlerFunc
		check   bool // SessionCheck, asking Hanko on every request (no TTL)
		confirm bool // the middleware asks Hanko about every session it admits
		revoke  step
		want    want
	}{
		{name: "nothing revoked", mw: (*auth.Authenticator).RequireSession,
			want: want{"ok", "ok", "ok"}},
		{name: "one session ends, the user's other session keeps working", mw: (*auth.Authenticator).RequireSession,
			revoke: step{revokeSession: "a"}, want: want{"ended", "ok", "ok"}},
		{name: "a deleted user's sessions all end", mw: (*auth.Authenticator).RequireSession,
			revoke: step{revokeUser: "user-1"}, want: want{"ended", "ended", "ok"}},
		{name: "with the session check, Hanko is not asked about a revoked session", mw: (*auth.Authenticator).RequireSession,
			check: true, confirm: true, revoke: step{revokeSession: "a"}, want: want{"ended", "ok", "ok"}},
		{name: "optional session: a revoked session is served as anonymous", mw: (*auth.Authenticator).OptionalSession,
			revoke: step{revokeUser: "user-1"}, want: want{"anonymous", "anonymous", "ok"}},
		{name: "Require refuses before asking Hanko", mw: func(a *auth.Authenticator) gin.HandlerFunc { return a.Require(needs("admin")) },
			confirm: true, revoke: step{revokeSession: "b"}, want: want{"ok", "ended", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := newRevocationList()
			hanko, a := newMWHanko(t, auth.TestConfig{SessionCheck: tt.check, SessionCheckTTL: -1, Revocations: list})
			admin := map[string]any{"roles": []string{"admin"}}
			tokens := map[string]string{
				"a": hanko.Token(authtest.Session{UserID: "user-1", SessionID: "session-a", Custom: admin}),
				"b": hanko.Token(authtest.Session{UserID: "user-1", SessionID: "session-b", Custom: admin}),
				"c": hanko.Token(authtest.Session{UserID: "user-2", SessionID: "session-c", Custom: admin}),
			}
			users := map[string]string{"a": "user-1", "b": "user-1", "c": "user-2"}
			r, _ := protectedEngine(tt.mw(a))
			// Every token is verified and cached first.
			for _, k := range []string{"a", "b", "c"} {
				expectUser(t, serve(r, bearer(tokens[k])), users[k])
			}
			checks, validates := a.SignatureChecks(), hanko.ValidateCalls()
			if tt.revoke.revokeSession != "" {
				list.revokeSession("session-" + tt.revoke.revokeSession)
			}
			if tt.revoke.revokeUser != "" {
				list.revokeUser(tt.revoke.revokeUser)
			}
			asked := list.questions()
			admitted := int64(0)
			for k, w := range map[string]string{"a": tt.want.a, "b": tt.want.b, "c": tt.want.c} {
				res := serve(r, bearer(tokens[k]))
				switch w {
				case "ok":
					expectUser(t, res, users[k])
					admitted++
				case "anonymous":
					expectUser(t, res, "anonymous")
				case "ended":
					expectEnded(t, res)
				}
			}
			if got := list.questions() - asked; got != 3 {
				t.Errorf("the list was asked %d times for 3 cached tokens, want 3", got)
			}
			if got := a.SignatureChecks(); got != checks {
				t.Errorf("%d more signature checks: the tokens should come from the cache", got-checks)
			}
			wantCalls := int64(0)
			if tt.confirm {
				wantCalls = admitted // only the sessions still valid reach Hanko
			}
			if got := hanko.ValidateCalls() - validates; got != wantCalls {
				t.Errorf("Hanko's /sessions/validate was called %d times, want %d: a revoked session must never reach it", got, wantCalls)
			}
		})
	}
}

const msgEnded = "The session has ended; sign in again."

// TestRevocationsWithVerify: Verify returns the *Error a refused session gets,
// and a nil hook or RevocationsFunc work as documented.
func TestRevocationsWithVerify(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		hook    auth.Revocations
		revoked bool
	}{
		{name: "no hook", hook: nil},
		{name: "func that revokes nothing", hook: auth.RevocationsFunc(func(*auth.Claims) bool { return false })},
		{name: "func that revokes the session", hook: auth.RevocationsFunc(func(c *auth.Claims) bool { return c.SessionID == "s-1" }), revoked: true},
		{name: "func that revokes the user", hook: auth.RevocationsFunc(func(c *auth.Claims) bool { return c.UserID == "user-1" }), revoked: true},
		{name: "func for someone else", hook: auth.RevocationsFunc(func(c *auth.Claims) bool { return c.UserID == "user-2" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hanko, a := newMWHanko(t, auth.TestConfig{Revocations: tt.hook})
			tok := hanko.Token(authtest.Session{UserID: "user-1", SessionID: "s-1"})
			claims, err := a.Verify(ctx, tok)
			if !tt.revoked {
				if err != nil || claims.UserID != "user-1" {
					t.Fatalf("Verify: %v, %v", claims, err)
				}
				return
			}
			e, ok := errors.AsType[*auth.Error](err)
			if !ok || e.Status != http.StatusUnauthorized || e.Code != auth.CodeInvalidToken || e.Message != msgEnded || claims != nil {
				t.Fatalf("Verify: %v, %#v; want a 401 invalid_token %q", claims, err, msgEnded)
			}
		})
	}
}
