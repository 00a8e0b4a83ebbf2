package webhookstest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/webhooks"
	"github.com/hanko-gin/hanko-gin/features/webhooks/webhookstest"
)

// The captured user.delete delivery: its body, token header and claims.
func capturedDelivery(t *testing.T) (body, header, claims map[string]json.RawMessage) {
	t.Helper()
	body = object(t, fixture(t, "webhooks/webhook-user.delete.body.json"))
	var token string
	_ = json.Unmarshal(body["token"], &token)
	header, claims = segments(t, token)
	return body, header, claims
}

func TestWebhookHasHankosShape(t *testing.T) {
	iss := authtest.NewIssuer(authtest.WithClock(clock))
	wantBody, wantHeader, wantClaims := capturedDelivery(t)
	var u map[string]any // the user as Hanko's admin API shows it (hankoadmintest mints such users)
	if err := json.Unmarshal(wantClaims["data"], &u); err != nil {
		t.Fatal(err)
	}

	body := object(t, webhookstest.Body(iss, webhookstest.Webhook{Event: "user.delete", Data: u}))
	if !reflect.DeepEqual(kinds(t, body), kinds(t, wantBody)) {
		t.Fatalf("body %s, want the shape of %s", body, wantBody)
	}
	var token string
	_ = json.Unmarshal(body["token"], &token)
	header, claims := segments(t, token)
	if !reflect.DeepEqual(kinds(t, header), kinds(t, wantHeader)) || string(header["alg"]) != `"RS256"` {
		t.Errorf("header %s, want the shape of %s", header, wantHeader)
	}
	if !reflect.DeepEqual(kinds(t, claims), kinds(t, wantClaims)) {
		t.Errorf("claim kinds\n got %v\nwant %v", kinds(t, claims), kinds(t, wantClaims))
	}
	for name, want := range map[string]string{"sub": `"hanko webhooks"`, "evt": `"user.delete"`, "aud": `["localhost"]`} {
		if string(claims[name]) != want || string(wantClaims[name]) != want {
			t.Errorf("%s = %s (captured %s), want %s", name, claims[name], wantClaims[name], want)
		}
	}
	if string(body["event"]) != string(claims["evt"]) {
		t.Errorf("body event %s, token evt %s", body["event"], claims["evt"])
	}
	var c, w struct{ Iat, Exp int64 }
	_ = json.Unmarshal(mustPayload(t, token), &c)
	_ = json.Unmarshal(mustPayload(t, mustString(t, wantBody["token"])), &w)
	if c.Iat != pinned.Unix() || c.Exp-c.Iat != w.Exp-w.Iat || w.Exp-w.Iat != 300 {
		t.Errorf("iat %d exp %d; want iat %d and exp = iat + 300 as captured", c.Iat, c.Exp, pinned.Unix())
	}
	// data is the user as GET /users/{id} shows it, with the captured data's members.
	data, wantData := object(t, claims["data"]), object(t, wantClaims["data"])
	for k := range data {
		if _, ok := wantData[k]; !ok {
			t.Errorf("data member %q is not in the captured data (%v)", k, keysOf(wantData))
		}
	}
	if got, _ := json.Marshal(u); !bytes.Equal(claims["data"], got) {
		t.Errorf("data %s, want the user %s", claims["data"], got)
	}
	if !reflect.DeepEqual(keysOf(object(t, data["metadata"])), keysOf(object(t, wantData["metadata"]))) {
		t.Errorf("data.metadata %s, captured %s", data["metadata"], wantData["metadata"])
	}
}

func mustString(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// What the stand-in mints, the auth package accepts as Hanko's; with other
// fields it refuses it as it refuses Hanko's.
func TestWebhookVerifiesWithAuth(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL, Audience: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	user := map[string]any{"id": authtest.RandomUUID(), "emails": []any{map[string]any{"address": "a@example.test", "is_primary": true}}}
	for _, tc := range []struct {
		name string
		w    webhookstest.Webhook
		ok   bool
	}{
		{"user.delete", webhookstest.Webhook{Event: "user.delete", Data: user}, true},
		{"user.create", webhookstest.Webhook{Event: "user.create", Data: user}, true},
		{"another audience", webhookstest.Webhook{Event: "user.delete", Data: user, Audience: []string{"other.example"}}, false},
		{"expired", webhookstest.Webhook{Event: "user.delete", Data: user, IssuedAt: time.Now().Add(-10 * time.Minute)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wh, err := verify(a, webhookstest.Body(hanko.Issuer, tc.w))
			if !tc.ok {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if wh.Event != tc.w.Event || wh.UserID() != user["id"].(string) {
				t.Errorf("event %q user %q, want %q %q", wh.Event, wh.UserID(), tc.w.Event, user["id"].(string))
			}
		})
	}
}

// received is one request a callback got.
type received struct {
	method, path string
	header       http.Header
	body         []byte
}

func callback(t *testing.T, status int) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Method, r.URL.Path, r.Header.Clone(), b})
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
}

func TestDeliverPostsLikeHanko(t *testing.T) {
	var captured map[string]string
	if err := json.Unmarshal(fixture(t, "webhooks/webhook-user.delete.headers.json"), &captured); err != nil {
		t.Fatal(err)
	}
	iss := authtest.NewIssuer()
	for _, status := range []int{http.StatusOK, http.StatusNoContent, http.StatusServiceUnavailable} {
		srv, got := callback(t, status)
		code, err := webhookstest.Deliver(context.Background(), iss, srv.URL+"/hook", webhookstest.Webhook{Event: "user.delete", Data: map[string]string{"id": "x"}})
		if err != nil || code != status {
			t.Fatalf("Deliver = %d, %v; want %d", code, err, status)
		}
		reqs := got()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		r := reqs[0]
		if r.method != http.MethodPost || r.path != "/hook" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s Content-Type %q", r.method, r.path, r.header.Get("Content-Type"))
		}
		// The headers Hanko sends and nothing else: no Origin, no Sec-Fetch-*, no cookie.
		for name := range r.header {
			if _, ok := captured[name]; !ok {
				t.Errorf("header %s is not among the captured %v", name, keysOf(captured))
			}
		}
		if body := object(t, r.body); !reflect.DeepEqual(keysOf(body), []string{"event", "token"}) {
			t.Errorf("body members %v", keysOf(body))
		}
	}

	// No answer: an error, as Hanko only logs.
	srv, _ := callback(t, http.StatusOK)
	srv.Close()
	if _, err := webhookstest.Deliver(context.Background(), iss, srv.URL, webhookstest.Webhook{Event: "user.delete"}); err == nil {
		t.Error("delivering to a closed server did not fail")
	}
}

// SessionDeleted mints deliveries shaped like the session.delete.* ones a
// real Hanko sent (testdata/hanko/webhooks/session-delete), and auth reads
// the session out of them.
func TestSessionDeletedHasHankosShape(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL, Audience: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	token := hanko.Token(authtest.Session{UserID: authtest.RandomUUID(), SessionID: authtest.RandomUUID()})
	claims, err := a.Verify(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	captured := map[string]string{ // event -> captured body
		webhookstest.EventSessionLogout:      "webhooks/session-delete/webhook-session.delete.explicit.logout.body.json",
		webhookstest.EventSessionAdminRevoke: "webhooks/session-delete/webhook-session.delete.admin.revoke.body.json",
	}
	for _, event := range webhookstest.SessionDeleteEvents {
		t.Run(event, func(t *testing.T) {
			w := webhookstest.SessionDeleted(hanko.Issuer, event, token)
			body := object(t, webhookstest.Body(hanko.Issuer, w))
			_, got := segments(t, mustString(t, body["token"]))
			file := captured[event]
			if file == "" {
				file = captured[webhookstest.EventSessionLogout] // the same data for every sub-event
			}
			wantBody := object(t, fixture(t, file))
			_, want := segments(t, mustString(t, wantBody["token"]))
			if !reflect.DeepEqual(kinds(t, body), kinds(t, wantBody)) || !reflect.DeepEqual(kinds(t, got), kinds(t, want)) {
				t.Fatalf("body %v claims %v, want the shape of %v %v", kinds(t, body), kinds(t, got), kinds(t, wantBody), kinds(t, want))
			}
			if gd, wd := kinds(t, object(t, got["data"])), kinds(t, object(t, want["data"])); !reflect.DeepEqual(gd, wd) {
				t.Errorf("data %v, want the captured session's %v", gd, wd)
			}
			if string(got["evt"]) != `"`+event+`"` || string(body["event"]) != `"`+event+`"` {
				t.Errorf("evt %s event %s, want %q", got["evt"], body["event"], event)
			}
			wh, err := verify(a, webhookstest.Body(hanko.Issuer, w))
			if err != nil {
				t.Fatal(err)
			}
			if wh.SessionID() != claims.SessionID || wh.UserID() != claims.UserID || !wh.SessionExpiresAt().Equal(claims.ExpiresAt) {
				t.Errorf("delivery names session %q user %q expiring %v; the token has %q %q %v",
					wh.SessionID(), wh.UserID(), wh.SessionExpiresAt(), claims.SessionID, claims.UserID, claims.ExpiresAt)
			}
		})
	}
}

// verify has a delivery body checked as the webhooks route does.
func verify(a *auth.Authenticator, body []byte) (*webhooks.Webhook, error) {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/hanko", bytes.NewReader(body))
	return webhooks.Verify(a, r)
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "auth", "testdata", "hanko", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// object decodes a JSON object keeping its members raw.
func object(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
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

var pinned = time.Unix(1795324216, 0)

func clock() time.Time { return pinned }

func mustPayload(t *testing.T, token string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keysOf[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
