package auth_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// After ForgetUser, the user's ended sessions are refused at once although
// Hanko's "valid" for them was cached; other users' answers stay cached.
func TestForgetUserDropsTheCachedAnswers(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{SessionCheckTTL: time.Minute})
	r, _ := roleEngine(a, "admin")
	admin := map[string]any{"roles": []any{"admin"}}
	demoted := hanko.Token(authtest.Session{UserID: "user-1", Custom: admin})
	other := hanko.Token(authtest.Session{UserID: "user-2", Custom: admin})
	for _, tok := range []string{demoted, other} {
		expectUser(t, serveAt(r, "/p", bearer(tok)), map[string]string{demoted: "user-1", other: "user-2"}[tok])
	}
	hanko.Revoke(jwtSessionID(t, demoted)) // the demotion ends the session at Hanko
	expectUser(t, serveAt(r, "/p", bearer(demoted)), "user-1")
	calls := hanko.ValidateCalls()
	if calls != 2 {
		t.Fatalf("%d calls to Hanko, want 2 (one per token, then the cache)", calls)
	}

	if n := a.ForgetUser("user-1"); n == 0 {
		t.Fatal("ForgetUser dropped nothing")
	}
	expectEnded(t, serveAt(r, "/p", bearer(demoted)))
	expectUser(t, serveAt(r, "/p", bearer(other)), "user-2")
	if n := hanko.ValidateCalls(); n != calls+1 {
		t.Errorf("%d calls to Hanko after ForgetUser, want %d: only the forgotten user's token is asked again", n, calls+1)
	}
	if w := serveAt(r, "/p", bearer(demoted)); w.Code != http.StatusUnauthorized {
		t.Errorf("the ended session passed again: %d", w.Code)
	}
	if n := a.ForgetUser("nobody"); n != 0 {
		t.Errorf("ForgetUser of an unknown user dropped %d entries", n)
	}
}
