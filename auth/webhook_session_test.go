package auth_test

// Session webhooks (session.delete.*), against the deliveries a real Hanko
// sent (testdata/hanko/webhooks/session-delete, README there).

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
)

// From testdata/hanko/webhooks/session-delete/README.md and the captures.
const (
	sessionDeleteDir    = "webhooks/session-delete/"
	sessionDeleteUserID = "115fe21c-aca5-4252-8020-3d39b703e67a"
)

func TestWebhookSessionDeleteCapturedDeliveries(t *testing.T) {
	tests := []struct {
		file, event   string
		iat           int64
		sessionToken  string // the token of the session the delivery ends; "" for user.delete
		wantSessionID string
		wantExpires   string
	}{
		{file: "webhook-session.delete.explicit.logout.body.json", event: "session.delete.explicit.logout", iat: 1796178951,
			sessionToken: "session-token-logout.jwt", wantSessionID: "d7d4a2a9-a06c-42ef-9642-2ee9b08989f8", wantExpires: "2026-12-02T14:35:48.599065Z"},
		{file: "webhook-session.delete.admin.revoke.body.json", event: "session.delete.admin.revoke", iat: 1796178953,
			sessionToken: "session-token-admin-revoke.jwt", wantSessionID: "29336977-bc18-4d94-a91d-8dbeb45d6127", wantExpires: "2026-12-02T14:35:49.462571Z"},
		{file: "webhook-user.delete.body.json", event: "user.delete", iat: 1796178955},
	}
	for _, tc := range tests {
		t.Run(tc.event, func(t *testing.T) {
			// The clock pinned inside the delivery's [iat, exp).
			a, _ := fixtureAuth(t, sessionDeleteDir+"jwks.json", tc.iat+1, "localhost")
			body := bytes.TrimSpace(readHankoFixture(t, sessionDeleteDir+tc.file))
			wh, err := a.VerifyWebhook(context.Background(), bytes.NewReader(body))
			if err != nil {
				t.Fatalf("VerifyWebhook: %v", err)
			}
			if wh.Event != tc.event || wh.UserID() != sessionDeleteUserID {
				t.Fatalf("event %q user %q, want %q %q", wh.Event, wh.UserID(), tc.event, sessionDeleteUserID)
			}
			if !wh.IssuedAt.Equal(time.Unix(tc.iat, 0)) || !wh.ExpiresAt.Equal(time.Unix(tc.iat+300, 0)) {
				t.Errorf("iat %v exp %v, want %d and +300 s", wh.IssuedAt, wh.ExpiresAt, tc.iat)
			}
			if tc.sessionToken == "" {
				// A user event names no session: data.id is the user.
				if wh.SessionID() != "" || !wh.SessionExpiresAt().IsZero() {
					t.Errorf("user.delete: SessionID %q SessionExpiresAt %v, want none", wh.SessionID(), wh.SessionExpiresAt())
				}
				return
			}
			if wh.SessionID() != tc.wantSessionID {
				t.Errorf("SessionID %q, want %q", wh.SessionID(), tc.wantSessionID)
			}
			wantExp, _ := time.Parse(time.RFC3339Nano, tc.wantExpires)
			if got := wh.SessionExpiresAt(); !got.Equal(wantExp) {
				t.Errorf("SessionExpiresAt %v, want %v", got, wantExp)
			}
			// The session's own token: its session_id is data.id, its sub
			// data.user_id, and it expires no later than data.expires_at.
			sa, _ := fixtureAuth(t, sessionDeleteDir+"jwks.json", tc.iat+1, "localhost")
			claims, err := sa.Verify(context.Background(), hankoFixtureToken(t, sessionDeleteDir+tc.sessionToken))
			if err != nil {
				t.Fatalf("the session token does not verify: %v", err)
			}
			if claims.SessionID != wh.SessionID() || claims.UserID != wh.UserID() || claims.ExpiresAt.After(wh.SessionExpiresAt()) {
				t.Errorf("token session %q user %q exp %v; delivery session %q user %q expires_at %v",
					claims.SessionID, claims.UserID, claims.ExpiresAt, wh.SessionID(), wh.UserID(), wh.SessionExpiresAt())
			}
		})
	}
}

func TestWebhookSessionAccessors(t *testing.T) {
	const (
		session = "d7d4a2a9-a06c-42ef-9642-2ee9b08989f8"
		user    = "115fe21c-aca5-4252-8020-3d39b703e67a"
	)
	exp := time.Date(2026, 12, 2, 14, 35, 48, 599065000, time.UTC)
	for _, tc := range []struct {
		event, data   string
		session, user string
		expires       time.Time
	}{
		{"session.delete.explicit.logout", `{"id":"` + session + `","user_id":"` + user + `","expires_at":"2026-12-02T14:35:48.599065Z"}`, session, user, exp},
		{"session.delete.passive.limit", `{"id":"` + session + `","user_id":"` + user + `","expires_at":"2026-12-02T15:35:48.599065+01:00"}`, session, user, exp},
		{"session.delete.admin.revoke", `{"id":"` + session + `","user_id":"` + user + `"}`, session, user, time.Time{}},
		{"session.delete.explicit.revoke", `{"id":"` + session + `","user_id":"` + user + `","expires_at":"tomorrow"}`, session, user, time.Time{}},
		{"session.delete.passive.expire", `{"id":"` + session + `","user_id":"` + user + `","expires_at":1796222148}`, session, user, time.Time{}},
		{"session.delete.explicit.logout", `{"id":"not-a-uuid","user_id":"` + user + `"}`, "", user, time.Time{}},
		{"session.delete.explicit.logout", `{"id":42,"user_id":42}`, "", "", time.Time{}},
		{"session.delete.explicit.logout", `{}`, "", "", time.Time{}},
		{"user.delete", `{"id":"` + user + `","expires_at":"2026-12-02T14:35:48.599065Z"}`, "", user, time.Time{}},
		{"sessiondelete", `{"id":"` + session + `","user_id":"` + user + `"}`, "", "", time.Time{}},
		{"email.send", `{"id":"` + session + `","user_id":"` + user + `"}`, "", "", time.Time{}},
	} {
		w := &auth.Webhook{Event: tc.event, Data: json.RawMessage(tc.data)}
		if got := w.SessionID(); got != tc.session {
			t.Errorf("%s %s: SessionID %q, want %q", tc.event, tc.data, got, tc.session)
		}
		if got := w.UserID(); got != tc.user {
			t.Errorf("%s %s: UserID %q, want %q", tc.event, tc.data, got, tc.user)
		}
		if got := w.SessionExpiresAt(); !got.Equal(tc.expires) {
			t.Errorf("%s %s: SessionExpiresAt %v, want %v", tc.event, tc.data, got, tc.expires)
		}
	}
}
