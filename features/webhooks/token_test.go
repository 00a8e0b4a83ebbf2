package webhooks

// Reading webhook deliveries: the captured ones a real Hanko sent
// (auth/testdata/hanko/webhooks, README there; their signatures are checked
// in auth's VerifyJWT tests, at their own time), the body's shape and bound,
// and the accessors.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
)

func hankoFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../auth/testdata/hanko/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// claimsOf returns a token's payload, unverified.
func claimsOf(t *testing.T, token string) json.RawMessage {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d segments", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

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
			d, err := decodeDelivery(hankoFixture(t, sessionDeleteDir+tc.file))
			if err != nil {
				t.Fatal(err)
			}
			wh, err := webhookFromClaims(claimsOf(t, d.token), d.event)
			if err != nil {
				t.Fatalf("webhookFromClaims: %v", err)
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
			var claims struct {
				Sub       string `json:"sub"`
				SessionID string `json:"session_id"`
				Exp       int64  `json:"exp"`
			}
			if err := json.Unmarshal(claimsOf(t, string(hankoFixture(t, sessionDeleteDir+tc.sessionToken))), &claims); err != nil {
				t.Fatal(err)
			}
			if claims.SessionID != wh.SessionID() || claims.Sub != wh.UserID() || time.Unix(claims.Exp, 0).After(wh.SessionExpiresAt()) {
				t.Errorf("token session %q user %q exp %v; delivery session %q user %q expires_at %v",
					claims.SessionID, claims.Sub, claims.Exp, wh.SessionID(), wh.UserID(), wh.SessionExpiresAt())
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
		w := &Webhook{Event: tc.event, Data: json.RawMessage(tc.data)}
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

func TestWebhookUserID(t *testing.T) {
	const (
		webhookUserID = "bc37215a-ab10-40b3-8136-3fa02ebfd450"
		other         = "0e9c2f4a-3b1d-4c5e-8f60-7a8b9c0d1e2f"
	)
	for _, tc := range []struct {
		event, data, want string
	}{
		{"user.delete", `{"id":"` + webhookUserID + `","emails":[]}`, webhookUserID},
		{"user.create", `{"id":"` + webhookUserID + `"}`, webhookUserID},
		{"user.update.email.primary", `{"id":"` + other + `"}`, other},
		{"user", `{"id":"` + other + `"}`, other},
		{"session.create", `{"id":"` + webhookUserID + `","user_id":"` + other + `"}`, other},
		{"email.send", `{"id":"` + other + `","user_id":"` + other + `","to_email_address":"a@example.test"}`, ""},
		{"user.delete", `{"id":12}`, ""},
		{"user.delete", `{"id":"alice"}`, ""},
		{"user.delete", `{"id":"` + webhookUserID + `x"}`, ""},
		{"user.delete", `{"id":"bc37215a_ab10-40b3-8136-3fa02ebfd450"}`, ""},
		{"user.delete", `{"id":"bc37215a-ab10-40b3-8136-3fa02ebfd45g"}`, ""},
		{"user.delete", `{"user_id":"` + other + `"}`, ""},
		{"userdelete", `{"id":"` + other + `"}`, ""},
	} {
		w := &Webhook{Event: tc.event, Data: json.RawMessage(tc.data)}
		if got := w.UserID(); got != tc.want {
			t.Errorf("%s %s: UserID %q, want %q", tc.event, tc.data, got, tc.want)
		}
	}
}

// The captured user.delete and user.create deliveries read as Hanko meant them.
func TestWebhookCapturedUserDeliveries(t *testing.T) {
	for event, iat := range map[string]int64{"user.delete": 1796153765, "user.create": 1796153763} {
		d, err := decodeDelivery(hankoFixture(t, "webhooks/webhook-"+event+".body.json"))
		if err != nil {
			t.Fatal(err)
		}
		wh, err := webhookFromClaims(claimsOf(t, d.token), d.event)
		if err != nil {
			t.Fatalf("%s: %v", event, err)
		}
		if wh.Event != event || wh.UserID() != "bc37215a-ab10-40b3-8136-3fa02ebfd450" ||
			!wh.IssuedAt.Equal(time.Unix(iat, 0)) || !wh.ExpiresAt.Equal(time.Unix(iat+300, 0)) {
			t.Errorf("%s: %+v (user %q)", event, wh, wh.UserID())
		}
		var payload struct{ Data json.RawMessage }
		_ = json.Unmarshal(claimsOf(t, d.token), &payload)
		if !bytes.Equal(wh.Data, payload.Data) {
			t.Errorf("%s: Data is not the token's data claim", event)
		}
		// A token of one event is refused for a body naming another.
		if _, err := webhookFromClaims(claimsOf(t, d.token), "user.update"); err == nil {
			t.Errorf("%s token accepted as user.update", event)
		}
	}
}

// verifyRaw has a delivery body checked as the route does.
func verifyRaw(a *auth.Authenticator, body []byte) (*Webhook, error) {
	return Verify(a, httptest.NewRequest(http.MethodPost, "/webhooks/hanko", bytes.NewReader(body)))
}

func expectAuthError(t *testing.T, err error, status int, code string) *auth.Error {
	t.Helper()
	e, ok := errors.AsType[*auth.Error](err)
	if !ok || e.Status != status || e.Code != code {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
	return e
}

func TestWebhookMalformedBodies(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: hanko.URL})
	if err != nil {
		t.Fatal(err)
	}
	token := string(bytes.Trim(hankoFixture(t, "webhooks/webhook-user.delete.body.json"), "{}"))
	token = token[strings.Index(token, "ey"):]
	token = token[:strings.IndexByte(token, '"')]
	for _, tc := range []struct{ name, body, inMessage string }{
		{"empty", ``, "JSON object"},
		{"not JSON", `token=abc&event=user.delete`, "JSON object"},
		{"array", `[{"token":"` + token + `","event":"user.delete"}]`, "JSON object"},
		{"string", `"` + token + `"`, "JSON object"},
		{"unknown member", `{"token":"` + token + `","event":"user.delete","extra":1}`, `unknown member "extra"`},
		{"member name in another case", `{"Token":"` + token + `","event":"user.delete"}`, `unknown member "Token"`},
		{"no token", `{"event":"user.delete"}`, `"token" is missing`},
		{"empty token", `{"token":"","event":"user.delete"}`, `"token" is missing`},
		{"null token", `{"token":null,"event":"user.delete"}`, `"token" must be a string`},
		{"token not a string", `{"token":12,"event":"user.delete"}`, `"token" must be a string`},
		{"no event", `{"token":"` + token + `"}`, `"event" is missing`},
		{"event twice", `{"token":"` + token + `","event":"user.create","event":"user.delete"}`, `"event" appears twice`},
		{"truncated", `{"token":"` + token + `","event":"user.delete"`, "JSON object"},
		{"data after the object", `{"token":"` + token + `","event":"user.delete"} {}`, "nothing after it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifyRaw(a, []byte(tc.body))
			e := expectAuthError(t, err, http.StatusBadRequest, "bad_request")
			if !strings.Contains(e.Message, tc.inMessage) {
				t.Errorf("message %q does not say %q", e.Message, tc.inMessage)
			}
			if strings.Contains(e.Error(), token) || strings.Contains(e.Message, token) {
				t.Error("the error repeats the token")
			}
		})
	}
}

// A delivery that fits the 64 KiB bound is read whole; one byte more is 413,
// and a body that never ends is not read past the bound.
func TestWebhookBodyBound(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: hanko.URL})
	if err != nil {
		t.Fatal(err)
	}
	body := webhookstest.Body(hanko.Issuer, webhookstest.Webhook{Event: "user.delete", Data: map[string]any{"id": authtest.RandomUUID()}})
	fits := append(append([]byte{}, body...), bytes.Repeat([]byte(" "), MaxBodyBytes-len(body))...)
	if _, err := verifyRaw(a, fits); err != nil {
		t.Fatalf("a %d-byte delivery: %v", len(fits), err)
	}
	_, err = verifyRaw(a, append(fits, ' '))
	expectAuthError(t, err, http.StatusRequestEntityTooLarge, "payload_too_large")
	r := httptest.NewRequest(http.MethodPost, "/webhooks/hanko", endless{})
	r.ContentLength = -1
	_, err = Verify(a, r)
	expectAuthError(t, err, http.StatusRequestEntityTooLarge, "payload_too_large")
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}
