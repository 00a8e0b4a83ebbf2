package auth_test

// VerifyJWT, with the other tokens a real Hanko signs with its session key:
// its webhook deliveries (testdata/hanko/webhooks, README there), and
// forgeries of them. The checks a receiver adds through CheckClaims are
// hookCheck's, a small copy of what a webhook receiver checks.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// From testdata/hanko/webhooks/README.md.
const (
	webhookUserID    = "bc37215a-ab10-40b3-8136-3fa02ebfd450"
	webhookCreateIat = 1796153763
	webhookDeleteIat = 1796153765
	webhookKID       = "cc8d1001-82d5-400d-9cc0-f81faf6d5166"
)

// webhookFixture is a captured delivery body and its token.
type webhookFixture struct {
	body  []byte
	token string
	event string
}

func readWebhookFixture(t testing.TB, event string) webhookFixture {
	t.Helper()
	body := bytes.TrimSpace(readHankoFixture(t, "webhooks/webhook-"+event+".body.json"))
	var d struct{ Token, Event string }
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d.Event != event {
		t.Fatalf("fixture for %s says event %q", event, d.Event)
	}
	return webhookFixture{body: body, token: d.Token, event: d.Event}
}

// deliveryBody is a delivery as Hanko writes it.
func deliveryBody(token, event string) []byte {
	b, _ := json.Marshal(map[string]string{"token": token, "event": event})
	return b
}

// webhookHanko serves a JWKS with the captured instance's key and the keys
// of an authtest issuer (for tokens Hanko would never sign), with the clock
// at the user.delete delivery's iat.
type webhookHanko struct {
	iss  *authtest.Issuer
	jwks *switchableJWKS
	now  time.Time
}

func newWebhookHanko(t *testing.T) *webhookHanko {
	t.Helper()
	now := time.Unix(webhookDeleteIat, 0)
	iss := authtest.NewIssuer(authtest.WithClock(func() time.Time { return now }))
	var captured, minted struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(readHankoFixture(t, "webhooks/jwks.json"), &captured); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(iss.JWKS(), &minted); err != nil {
		t.Fatal(err)
	}
	merged, _ := json.Marshal(map[string]any{"keys": append(captured.Keys, minted.Keys...)})
	return &webhookHanko{iss: iss, jwks: newSwitchableJWKS(t, merged, nil), now: now}
}

func (h *webhookHanko) auth(t *testing.T, tc auth.TestConfig) *auth.Authenticator {
	t.Helper()
	tc.HankoAPIURL = h.jwks.URL
	if tc.Now == nil {
		tc.Now = func() time.Time { return h.now }
	}
	a := newAuth(t, tc)
	if err := a.Ready(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

// claims are what Hanko puts into a user.delete token, for minting variants.
func (h *webhookHanko) claims(event string) jwt.MapClaims {
	return jwt.MapClaims{
		"sub":  "hanko webhooks",
		"evt":  event,
		"aud":  []string{"localhost"},
		"iat":  h.now.Unix(),
		"exp":  h.now.Add(5 * time.Minute).Unix(),
		"data": map[string]any{"id": webhookUserID, "emails": []any{}},
	}
}

func (h *webhookHanko) mint(change func(jwt.MapClaims)) string {
	c := h.claims("user.delete")
	if change != nil {
		change(c)
	}
	return h.iss.Sign(c)
}

func TestVerifyJWTCapturedWebhookTokens(t *testing.T) {
	h := newWebhookHanko(t)
	for _, tc := range []struct {
		event    string
		iat      int64
		audience []string
	}{
		{"user.delete", webhookDeleteIat, nil},
		{"user.delete", webhookDeleteIat, []string{"localhost"}},
		{"user.create", webhookCreateIat, []string{"example.com", "localhost"}},
	} {
		t.Run(fmt.Sprintf("%s aud %v", tc.event, tc.audience), func(t *testing.T) {
			f := readWebhookFixture(t, tc.event)
			a := h.auth(t, auth.TestConfig{Audience: tc.audience, Now: clockAt(tc.iat)})
			wh, err := verifyHook(a, f.body)
			if err != nil {
				t.Fatalf("VerifyJWT: %v", err)
			}
			if wh.Event != tc.event || wh.UserID() != webhookUserID {
				t.Errorf("event %q user %q, want %q %q", wh.Event, wh.UserID(), tc.event, webhookUserID)
			}
			if !wh.IssuedAt.Equal(time.Unix(tc.iat, 0)) || !wh.ExpiresAt.Equal(time.Unix(tc.iat+300, 0)) {
				t.Errorf("iat %s exp %s, want %d and %d", wh.IssuedAt, wh.ExpiresAt, tc.iat, tc.iat+300)
			}
			// Data is exactly the token's data claim: the user as the admin API shows it.
			var payload struct{ Data json.RawMessage }
			if err := json.Unmarshal(payloadOf(t, f.token), &payload); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(wh.Data, payload.Data) {
				t.Errorf("Data\n%s\nwant\n%s", wh.Data, payload.Data)
			}
			if n := a.CachedTokens(); n != 0 {
				t.Errorf("%d tokens in the session cache after a webhook; webhook tokens must not be cached", n)
			}
			// The same delivery again (Hanko does not retry, but a replay is harmless): same answer.
			again, err := verifyHook(a, f.body)
			if err != nil || again.Event != wh.Event || again.UserID() != wh.UserID() {
				t.Errorf("second VerifyJWT = %+v, %v", again, err)
			}
		})
	}
}

func TestVerifyJWTRefusedTokens(t *testing.T) {
	h := newWebhookHanko(t)
	del := readWebhookFixture(t, "user.delete")
	session := hankoFixtureToken(t, "webhooks/token-roles.jwt") // a session of the same user, same key
	rogue := authtest.Key{ID: authtest.RandomUUID(), Private: genRSA(t)}
	sameKID := authtest.Key{ID: webhookKID, Private: genRSA(t)}
	_, payload, _ := strings.Cut(del.token, ".")
	payload, _, _ = strings.Cut(payload, ".")

	tests := []struct {
		name     string
		cause    string // in the error's Err: it fails for this reason
		body     []byte
		audience []string
		now      int64 // 0: the user.delete delivery's iat
	}{
		{name: "forged: the captured token with its signature changed", cause: "verification error", body: deliveryBody(tamper(del.token), "user.delete")},
		{name: "forged: the captured claims signed by another key under Hanko's kid", cause: "verification error",
			body: deliveryBody(h.iss.SignWith(sameKID, jwtClaimsOf(t, del.token)), "user.delete")},
		{name: "foreign key: a kid Hanko does not publish", cause: "key not found",
			body: deliveryBody(h.iss.SignWith(rogue, h.claims("user.delete")), "user.delete")},
		{name: "alg none", cause: "signing method none is invalid", body: deliveryBody(segment(`{"alg":"none","kid":"`+webhookKID+`","typ":"JWT"}`)+"."+payload+".", "user.delete")},
		{name: "HS256 keyed with Hanko's public key", cause: "signing method HS256 is invalid", body: deliveryBody(hs256WithPublicKey(t, h, payload), "user.delete")},
		{name: "no kid", cause: "no kid", body: deliveryBody(noKID(t, h), "user.delete")},
		{name: "expired: the captured token after exp and the leeway", cause: "token is expired", body: del.body, now: webhookDeleteIat + 300 + 31},
		{name: "issued in the future", cause: "used before issued", body: del.body, now: webhookDeleteIat - 31},
		{name: "wrong audience", cause: "invalid audience", body: del.body, audience: []string{"app.example.com"}},
		{name: "session token as a webhook", cause: "session_id", body: deliveryBody(session, "user.delete")},
		{name: "event mismatch: a user.delete token sent as user.create", cause: "but the body says", body: deliveryBody(del.token, "user.create")},
		{name: "event mismatch: a user.create token sent as user.delete", cause: "but the body says",
			body: deliveryBody(readWebhookFixture(t, "user.create").token, "user.delete"), now: webhookCreateIat},
		{name: "wrong sub", cause: "sub is not", body: deliveryBody(h.mint(func(c jwt.MapClaims) { c["sub"] = "hanko webhook" }), "user.delete")},
		{name: "sub is a user id", cause: "sub is not", body: deliveryBody(h.mint(func(c jwt.MapClaims) { c["sub"] = webhookUserID }), "user.delete")},
		{name: "no evt", cause: "no evt", body: deliveryBody(h.mint(func(c jwt.MapClaims) { delete(c, "evt") }), "user.delete")},
		{name: "no exp", cause: "exp claim is required", body: deliveryBody(h.mint(func(c jwt.MapClaims) { delete(c, "exp") }), "user.delete")},
		{name: "exp as a string", cause: "not a JSON number", body: deliveryBody(h.mint(func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(h.now.Unix() + 300) }), "user.delete")},
		{name: "data not an object", cause: "data is not a JSON object", body: deliveryBody(h.mint(func(c jwt.MapClaims) { c["data"] = webhookUserID }), "user.delete")},
		{name: "no data", cause: "data is not a JSON object", body: deliveryBody(h.mint(func(c jwt.MapClaims) { delete(c, "data") }), "user.delete")},
		{name: "not three segments", cause: "three base64url segments", body: deliveryBody(del.token+".x", "user.delete")},
		{name: "line break inside", cause: "three base64url segments", body: deliveryBody(del.token[:40]+"\n"+del.token[40:], "user.delete")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := auth.TestConfig{Audience: tc.audience}
			if tc.now != 0 {
				cfg.Now = clockAt(tc.now)
			}
			a := h.auth(t, cfg)
			wh, err := verifyHook(a, tc.body)
			if err == nil {
				t.Fatalf("accepted: %+v", wh)
			}
			expectCode(t, err, http.StatusUnauthorized, auth.CodeInvalidToken)
			e, _ := errors.AsType[*auth.Error](err)
			if e.Err == nil || !strings.Contains(e.Err.Error(), tc.cause) {
				t.Errorf("refused because %v, want a cause containing %q", e.Err, tc.cause)
			}
			if e.Message != "The token is invalid or has expired." {
				t.Errorf("message %q", e.Message)
			}
		})
	}

	// Each forged case fails for its own reason, not for a shared mistake of the test.
	t.Run("the unforged variants pass", func(t *testing.T) {
		a := h.auth(t, auth.TestConfig{})
		for name, body := range map[string][]byte{
			"captured":      del.body,
			"minted":        deliveryBody(h.mint(nil), "user.delete"),
			"another event": deliveryBody(h.iss.Sign(h.claims("user.update")), "user.update"),
		} {
			if _, err := verifyHook(a, body); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

// jwtClaimsOf returns a token's claims for re-signing.
func jwtClaimsOf(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	var c jwt.MapClaims
	if err := json.Unmarshal(payloadOf(t, token), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func segment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hs256WithPublicKey is the classic algorithm confusion: HMAC keyed with the
// RSA public key a verifier might hand to any algorithm.
func hs256WithPublicKey(t *testing.T, h *webhookHanko, payload string) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&h.iss.SigningKey().Private.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	signingString := segment(`{"alg":"HS256","kid":"`+h.iss.SigningKey().ID+`","typ":"JWT"}`) + "." + payload
	sig, err := jwt.SigningMethodHS256.Sign(signingString, der)
	if err != nil {
		t.Fatal(err)
	}
	return signingString + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func noKID(t *testing.T, h *webhookHanko) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, h.claims("user.delete"))
	s, err := tok.SignedString(h.iss.SigningKey().Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A webhook token is never a session: not through Verify, not through the
// middleware, whether Hanko signed it (the captures) or it also carries a
// session_id.
func TestWebhookTokenIsNeverASession(t *testing.T) {
	h := newWebhookHanko(t)
	a := h.auth(t, auth.TestConfig{})
	withSessionID := h.mint(func(c jwt.MapClaims) { c["session_id"] = authtest.RandomUUID() })
	for name, token := range map[string]string{
		"captured user.delete":          readWebhookFixture(t, "user.delete").token,
		"captured user.create":          readWebhookFixture(t, "user.create").token,
		"webhook token with session_id": withSessionID,
	} {
		t.Run(name, func(t *testing.T) {
			now := clockAt(webhookDeleteIat)
			if strings.Contains(name, "create") {
				now = clockAt(webhookCreateIat)
			}
			a := h.auth(t, auth.TestConfig{Now: now})
			_, err := a.Verify(context.Background(), token)
			expectCode(t, err, http.StatusUnauthorized, auth.CodeInvalidToken)
			r, ran := protectedEngine(a.RequireSession())
			expectRefusal(t, serve(r, bearer(token)), http.StatusUnauthorized, auth.CodeInvalidToken)
			opt, _ := protectedEngine(a.OptionalSession())
			expectUser(t, serve(opt, cookie(token)), "anonymous")
			if ran.Load() != 0 {
				t.Error("the protected handler ran")
			}
		})
	}
	// And the session of that very user, signed by the same key, is one.
	roles := hankoFixtureToken(t, "webhooks/token-roles.jwt")
	if c, err := a.Verify(context.Background(), roles); err != nil || c.UserID != webhookUserID {
		t.Fatalf("the captured session token of the webhook's user: %+v, %v", c, err)
	}
}

// Keys that cannot be fetched make a delivery unjudgeable: 503, never 401.
func TestVerifyJWTKeysUnavailable(t *testing.T) {
	hanko := newSwitchableJWKS(t, readHankoFixture(t, "webhooks/jwks.json"), nil)
	hanko.setMode(jwksDrop)
	a := newAuth(t, auth.TestConfig{
		HankoAPIURL: hanko.URL, Now: clockAt(webhookDeleteIat),
		JWKSUnknownKIDEvery: 200 * time.Millisecond, JWKSUnknownKIDWaitMax: 100 * time.Millisecond,
	})
	f := readWebhookFixture(t, "user.delete")
	_, err := verifyHook(a, f.body)
	expectCode(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable)

	hanko.setMode(jwksServe)
	eventually(t, 5*time.Second, "keys load once Hanko answers", func() bool { return a.Ready(context.Background()) == nil })
	if _, err := verifyHook(a, f.body); err != nil {
		t.Fatalf("after Hanko came back: %v", err)
	}
}

// Deliveries signed by unknown kids share the sessions' bounded refresh: a
// burst of them costs at most one JWKS fetch per interval.
func TestVerifyJWTUnknownKIDRefreshIsBounded(t *testing.T) {
	const (
		every   = 500 * time.Millisecond
		waitMax = 300 * time.Millisecond
		clients = 50
	)
	h := newWebhookHanko(t)
	a := h.auth(t, auth.TestConfig{JWKSUnknownKIDEvery: every, JWKSUnknownKIDWaitMax: waitMax})
	bodies := make([][]byte, clients)
	for i := range bodies {
		k := authtest.Key{ID: authtest.RandomUUID(), Private: h.iss.SigningKey().Private}
		bodies[i] = deliveryBody(h.iss.SignWith(k, h.claims("user.delete")), "user.delete")
	}
	before := h.jwks.calls.Load()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for i := range clients {
		wg.Go(func() { _, errs[i] = verifyHook(a, bodies[i]) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	fetches := h.jwks.calls.Load() - before
	if bound := 1 + int64(elapsed/every) + 1; fetches > bound || fetches == 0 {
		t.Errorf("%d JWKS fetches for %d unknown-kid deliveries in %s, want 1 to %d", fetches, clients, elapsed, bound)
	}
	for i, err := range errs {
		if e, ok := errors.AsType[*auth.Error](err); !ok || e.Status != http.StatusUnauthorized {
			t.Errorf("delivery %d: %v, want 401", i, err)
		}
	}
}

// hook is what hookCheck reads from a webhook token's claims.
type hook struct {
	Event               string
	Data                json.RawMessage
	IssuedAt, ExpiresAt time.Time
}

func (h *hook) UserID() string {
	var d struct{ ID string }
	_ = json.Unmarshal(h.Data, &d)
	return d.ID
}

// hookClaims reads a webhook token's claims for event, refusing what is not one.
func hookClaims(raw json.RawMessage, event string) (*hook, error) {
	var c struct {
		Sub, Evt string
		Iat, Exp int64
		Data     json.RawMessage
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	switch {
	case c.Sub != "hanko webhooks":
		return nil, errors.New(`sub is not "hanko webhooks"`)
	case c.Evt == "":
		return nil, errors.New("no evt")
	case len(c.Data) == 0 || c.Data[0] != '{':
		return nil, errors.New("data is not a JSON object")
	case c.Evt != event:
		return nil, fmt.Errorf("the token is for %q but the body says %q", c.Evt, event)
	}
	return &hook{Event: c.Evt, Data: c.Data, IssuedAt: time.Unix(c.Iat, 0), ExpiresAt: time.Unix(c.Exp, 0)}, nil
}

// verifyHook verifies the token of a delivery body with VerifyJWT in the
// "webhooks" lane, checking its claims before the signature.
func verifyHook(a *auth.Authenticator, body []byte, opts ...auth.VerifyOption) (*hook, error) {
	var d struct{ Token, Event string }
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, err
	}
	check := func(raw json.RawMessage) error { _, err := hookClaims(raw, d.Event); return err }
	raw, err := a.VerifyJWT(context.Background(), d.Token, append(opts, auth.InLane("webhooks"), auth.CheckClaims(check))...)
	if err != nil {
		return nil, err
	}
	return hookClaims(raw, d.Event)
}

// A session token is never accepted by VerifyJWT, whatever the caller checks.
func TestVerifyJWTRefusesSessions(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	token := hanko.Token(authtest.Session{})
	_, err := a.VerifyJWT(context.Background(), token)
	e := expectAuthErr(t, err, http.StatusUnauthorized, auth.CodeInvalidToken, "a session token")
	if !strings.Contains(e.Error(), "session_id") {
		t.Errorf("refused because %v, want the session_id named", e.Err)
	}
	if n := a.SignatureChecks(); n != 0 {
		t.Errorf("%d signature checks, want 0: refused before the signature", n)
	}
}

// A token CheckClaims refuses costs no signature check, and what VerifyJWT
// returns is the payload, unchanged.
func TestVerifyJWTCheckClaimsRunsBeforeTheSignature(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	now := mwNow
	token := hanko.Sign(jwt.MapClaims{"sub": "something", "kind": "other", "aud": []string{"localhost"}, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	refuse := auth.CheckClaims(func(raw json.RawMessage) error { return errors.New("not my kind") })
	_, err := a.VerifyJWT(context.Background(), forge(token), refuse)
	if e := expectAuthErr(t, err, http.StatusUnauthorized, auth.CodeInvalidToken, "refused by CheckClaims"); !strings.Contains(e.Error(), "not my kind") {
		t.Errorf("cause %v", e.Err)
	}
	if n := a.SignatureChecks(); n != 0 {
		t.Errorf("%d signature checks, want 0", n)
	}
	raw, err := a.VerifyJWT(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if want := payloadOf(t, token); !bytes.Equal(raw, want) {
		t.Errorf("claims %s, want %s", raw, want)
	}
	if _, err := a.VerifyJWT(context.Background(), forge(token)); err == nil {
		t.Error("a forged token was accepted")
	}
}
