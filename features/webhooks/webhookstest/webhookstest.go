// Package webhookstest delivers Hanko's webhooks in tests, as Hanko sends
// them (auth/testdata/hanko/webhooks has captured ones): POST <callback> with
// Content-Type: application/json and the body {"token": "<JWT>", "event":
// "<event>"}; the JWT is signed with the session key of an authtest.Issuer
// and carries sub "hanko webhooks", evt, aud, iat, exp = iat + 5 minutes and
// data. SessionDeleted builds the session.delete.* deliveries that end one
// session (data is the session). A stand-in of Hanko's admin API that deletes
// a user delivers user.delete to your handler as Hanko does, with the user as
// the admin API shows it:
//
//	_, err := webhookstest.Deliver(ctx, hanko.Issuer, backendURL+"/webhooks/hanko",
//		webhookstest.Webhook{Event: "user.delete", Data: user})
package webhookstest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// Webhook describes a webhook delivery to mint. Zero fields get Hanko's
// defaults: aud ["localhost"], iat now, exp iat+5m.
type Webhook struct {
	// Event is the event name, e.g. "user.delete", "user.create", "email.send".
	Event string
	// Data is marshalled to JSON as the token's data claim: for user events
	// the user as the admin API shows it (e.g. a hankoadmin.User), for session events
	// the session.
	Data      any
	Audience  []string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Claims returns the claims Hanko puts into the token of w.
func Claims(i *authtest.Issuer, w Webhook) jwt.MapClaims {
	if w.Audience == nil {
		w.Audience = []string{"localhost"}
	}
	if w.IssuedAt.IsZero() {
		w.IssuedAt = i.Now()
	}
	if w.ExpiresAt.IsZero() {
		w.ExpiresAt = w.IssuedAt.Add(5 * time.Minute)
	}
	data, err := json.Marshal(w.Data)
	if err != nil {
		panic(fmt.Sprintf("webhookstest: webhook data: %v", err))
	}
	return jwt.MapClaims{
		"sub":  "hanko webhooks",
		"evt":  w.Event,
		"aud":  w.Audience,
		"iat":  w.IssuedAt.Unix(),
		"exp":  w.ExpiresAt.Unix(),
		"data": json.RawMessage(data),
	}
}

// Token mints the signed token of w with i's current signing key.
func Token(i *authtest.Issuer, w Webhook) string { return i.Sign(Claims(i, w)) }

// Body returns the request body Hanko POSTs for w:
// {"token": "<JWT>", "event": "<event>"}.
func Body(i *authtest.Issuer, w Webhook) []byte {
	b, _ := json.Marshal(struct {
		Token string `json:"token"`
		Event string `json:"event"`
	}{Token(i, w), w.Event})
	return b
}

// Deliver POSTs w, signed by i, to url as Hanko does (Content-Type: application/json,
// no Origin or other browser headers, given up after 10 seconds) and returns
// the answer's status. Hanko counts a status of 400 or more as a failed
// delivery, which it never retries. The error is for a request that got no
// answer.
func Deliver(ctx context.Context, i *authtest.Issuer, url string, w Webhook) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(Body(i, w)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// The session.delete sub-events Hanko sends when a session ends (its main
// branch since August 2026, no tagged release yet; see
// auth/testdata/hanko/webhooks/session-delete). Each carries the session as
// data (a Session). A deleted user's sessions get none of them: Hanko
// sends only user.delete.
const (
	EventSessionLogout        = "session.delete.explicit.logout" // POST /logout
	EventSessionRevoke        = "session.delete.explicit.revoke" // the user ends one of their sessions
	EventSessionAdminRevoke   = "session.delete.admin.revoke"    // admin API DELETE /users/{id}/sessions/{id}
	EventSessionPassiveExpire = "session.delete.passive.expire"  // idle timeout, noticed by Hanko
	EventSessionPassiveLimit  = "session.delete.passive.limit"   // evicted by the per-user session limit
)

// SessionDeleteEvents lists the session.delete sub-events.
var SessionDeleteEvents = []string{
	EventSessionLogout, EventSessionRevoke, EventSessionAdminRevoke, EventSessionPassiveExpire, EventSessionPassiveLimit,
}

// Session is a session as Hanko's session.* webhooks carry it in
// data: ID is the session_id claim of the session's tokens, UserID their sub,
// ExpiresAt when the session would have ended.
type Session struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	UserAgent string    `json:"user_agent"`
	IPAddress string    `json:"ip_address"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ExpiresAt time.Time `json:"expires_at"`
	LastUsed  time.Time `json:"last_used"`
}

// SessionOf returns the session a session token minted by i.Token belongs to,
// as Hanko's session webhooks show it: id = session_id, user_id = sub,
// created at iat, expiring at exp, last used now. It panics on a token that
// is not three segments with a JSON payload (a test bug).
func SessionOf(i *authtest.Issuer, token string) Session {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		panic("webhookstest: SessionOf: not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Sub       string `json:"sub"`
		SessionID string `json:"session_id"`
		Iat, Exp  int64
	}
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil {
		panic(fmt.Sprintf("webhookstest: SessionOf: %v", err))
	}
	now := i.Now().UTC().Round(time.Microsecond)
	return Session{
		ID: c.SessionID, UserID: c.Sub, UserAgent: "authtest", IPAddress: "127.0.0.1",
		CreatedAt: time.Unix(c.Iat, 0).UTC(), UpdatedAt: now,
		ExpiresAt: time.Unix(c.Exp, 0).UTC(), LastUsed: now,
	}
}

// SessionDeleted returns the delivery Hanko sends when the session of token
// ends with event (one of SessionDeleteEvents):
//
//	webhookstest.Deliver(ctx, hanko.Issuer, url, webhookstest.SessionDeleted(hanko.Issuer, webhookstest.EventSessionLogout, token))
func SessionDeleted(i *authtest.Issuer, event, token string) Webhook {
	return Webhook{Event: event, Data: SessionOf(i, token)}
}
