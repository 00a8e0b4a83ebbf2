package webhooks

// Hanko's webhook deliveries. A delivery is POST <callback> with the JSON body
// {"token": "<JWT>", "event": "user.delete"} and no signature header: the JWT
// is the proof. Hanko signs it with the key that signs session tokens (same
// kid, same JWKS) and gives it the sessions' aud, sub "hanko webhooks", evt
// (the event), iat, exp = iat + 5 minutes and data (for user events the user as
// the admin API shows it). It has no session_id and no iss. Hanko sends each
// delivery once and never retries. See auth/testdata/hanko/webhooks for captures.
//
// Session events (session.delete.explicit.logout, .explicit.revoke,
// .admin.revoke, .passive.expire, .passive.limit; sent by Hanko's main branch
// since August 2026, by no tagged release yet) carry the session as data:
// {"id": <the tokens' session_id>, "user_id", "expires_at", ...}. A deleted
// user's sessions get no session event: user.delete has to end them too. See
// auth/testdata/hanko/webhooks/session-delete.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth"
)

// Lane is the lane of webhook tokens in auth's signature-check queue: a
// flood of session tokens cannot delay a delivery, which Hanko never retries.
const Lane = "webhooks"

// MaxBodyBytes bounds a delivery's body: a real one is a few KiB even for a
// user with many emails and passkeys.
const MaxBodyBytes = 64 << 10

// webhookSubject is the sub of every webhook token Hanko signs.
const webhookSubject = "hanko webhooks"

// Webhook is a verified Hanko webhook delivery.
type Webhook struct {
	// Event is the event name from the signed token, e.g. "user.delete" or
	// "user.create"; the delivery's "event" field says the same.
	Event string
	// Data is the event's payload as Hanko signed it, a JSON object: for user
	// events the user as Hanko's admin API shows it (data.id is the user id,
	// the session tokens' sub), for session events the session.
	Data      json.RawMessage
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Verify reads the Hanko webhook delivery in r's body and returns the event
// once its token is verified by a.VerifyJWT (Hanko's keys, RS256, exp, iat,
// nbf, aud when configured), with sub exactly "hanko webhooks", an evt equal
// to the body's "event", and data a JSON object. A session token is never a
// webhook, and a webhook token never a session. The signature check waits in
// the webhook Lane, in the queue of r's client.
//
// A refusal is an *auth.Error whose Status is
//
//   - 400 bad_request: the body is not a delivery (not JSON, not exactly
//     {"token": string, "event": string}, a member missing or repeated);
//   - 413 payload_too_large: the body is larger than MaxBodyBytes. A
//     Content-Length over it is refused before anything is read (no
//     "100 Continue"); a body without one is cut at the bound;
//   - 401 invalid_token: the token fails a check above;
//   - 503 auth_unavailable: Hanko's keys cannot be fetched, or no
//     signature-check slot was free in time (then with RetryAfter set).
//
// Its Message is safe to send; its Err says why, for logs, and never holds
// the token.
func Verify(a *auth.Authenticator, r *http.Request) (*Webhook, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, errTooLarge()
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, errBody("The webhook body could not be read.", err)
	}
	if len(raw) > MaxBodyBytes {
		return nil, errTooLarge()
	}
	return verifyBody(r.Context(), a, raw, auth.FromRequest(r))
}

// verifyBody is Verify for a body already read.
func verifyBody(ctx context.Context, a *auth.Authenticator, raw []byte, opts ...auth.VerifyOption) (*Webhook, error) {
	d, err := decodeDelivery(raw)
	if err != nil {
		return nil, err
	}
	// Checked before the signature too, so that a token of another kind
	// never waits for a signature check.
	check := func(claims json.RawMessage) error {
		_, err := webhookFromClaims(claims, d.event)
		return err
	}
	claims, err := a.VerifyJWT(ctx, d.token, append(opts, auth.InLane(Lane), auth.CheckClaims(check))...)
	if err != nil {
		if e, ok := errors.AsType[*auth.Error](err); ok && e.Status == http.StatusUnauthorized {
			return nil, &auth.Error{Status: e.Status, Code: e.Code, Message: "The webhook token is invalid or has expired.", Err: e.Err}
		}
		return nil, err
	}
	return webhookFromClaims(claims, d.event)
}

// webhookFromClaims reads a webhook token's claims (what VerifyJWT returns),
// refusing any token that is not a webhook delivery of event.
func webhookFromClaims(raw json.RawMessage, event string) (*Webhook, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	var c struct {
		sub, evt string
		iat, exp *jwt.NumericDate
	}
	for name, dst := range map[string]any{"sub": &c.sub, "evt": &c.evt, "iat": &c.iat, "exp": &c.exp} {
		if v, ok := m[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("claim %q: %w", name, err)
			}
		}
	}
	data := bytes.TrimSpace(m["data"])
	switch {
	case c.sub != webhookSubject:
		return nil, fmt.Errorf("token is not a webhook: sub is not %q", webhookSubject)
	case c.evt == "":
		return nil, errors.New("webhook token has no evt")
	case len(data) == 0 || data[0] != '{':
		return nil, errors.New("webhook token's data is not a JSON object")
	case c.evt != event:
		return nil, fmt.Errorf("the token is for event %q but the body says %q", c.evt, event)
	}
	return &Webhook{
		Event:     c.evt,
		Data:      append(json.RawMessage(nil), data...),
		IssuedAt:  timeOf(c.iat),
		ExpiresAt: timeOf(c.exp),
	}, nil
}

func timeOf(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

// UserID returns the id of the user the event is about: data.id for user
// events ("user.create", "user.delete", "user.update.email", ...),
// data.user_id for session events ("session.create", ...), and "" for other
// events (such as "email.send") or when that field is not a UUID string
// (Hanko's user ids are UUIDs, the session tokens' sub).
func (w *Webhook) UserID() string {
	field := ""
	switch {
	case w.Event == "user" || strings.HasPrefix(w.Event, "user."):
		field = "id"
	case isSessionEvent(w.Event):
		field = "user_id"
	default:
		return ""
	}
	if id := w.dataString(field); isUUID(id) {
		return id
	}
	return ""
}

// SessionID returns the id of the session a session event is about
// ("session.delete.explicit.logout", "session.delete.admin.revoke", ...):
// data.id, which is the session_id claim of that session's tokens. It is ""
// for other events (a user event's data.id is the user) or when data.id is
// not a UUID string.
func (w *Webhook) SessionID() string {
	if !isSessionEvent(w.Event) {
		return ""
	}
	if id := w.dataString("id"); isUUID(id) {
		return id
	}
	return ""
}

// SessionExpiresAt returns, for a session event, data.expires_at: when the
// session would have ended (its tokens expire no later). It is the zero time
// for other events or when the field is missing or not an RFC 3339 time.
func (w *Webhook) SessionExpiresAt() time.Time {
	if !isSessionEvent(w.Event) {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, w.dataString("expires_at"))
	if err != nil {
		return time.Time{}
	}
	return t
}

func isSessionEvent(event string) bool {
	return event == "session" || strings.HasPrefix(event, "session.")
}

// dataString returns the string member field of Data, "" when it is missing
// or not a string.
func (w *Webhook) dataString(field string) string {
	var data map[string]json.RawMessage
	if json.Unmarshal(w.Data, &data) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(data[field], &v) != nil {
		return ""
	}
	return v
}

// isUUID reports whether s is a UUID in the 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// delivery is a webhook request body.
type delivery struct{ token, event string }

// decodeDelivery accepts exactly one JSON object with the string members
// "token" and "event", each once, and nothing after it. Names match exactly
// (encoding/json alone would take "Token" for "token" and the last of two
// "event" members).
func decodeDelivery(raw []byte) (delivery, error) {
	const shape = `The webhook body must be a JSON object {"token": "<JWT>", "event": "<event>"}`
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return delivery{}, errBody(shape+".", errors.New("body is not a JSON object"))
	}
	var d delivery
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return delivery{}, errBody(shape+".", err)
		}
		name, _ := t.(string)
		var dst *string
		switch name {
		case "token":
			dst = &d.token
		case "event":
			dst = &d.event
		default:
			if len(name) > 40 {
				name = name[:40] + "…"
			}
			return delivery{}, errBody(fmt.Sprintf("%s; unknown member %q.", shape, name), errors.New("unknown member"))
		}
		if seen[name] {
			return delivery{}, errBody(fmt.Sprintf("%s; %q appears twice.", shape, name), errors.New("repeated member"))
		}
		seen[name] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return delivery{}, errBody(shape+".", err)
		}
		if err := json.Unmarshal(v, dst); err != nil || string(bytes.TrimSpace(v)) == "null" {
			return delivery{}, errBody(fmt.Sprintf("%s; %q must be a string.", shape, name), errors.New("member is not a string"))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return delivery{}, errBody(shape+".", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return delivery{}, errBody(shape+", and nothing after it.", errors.New("data after the object"))
	}
	switch {
	case d.token == "":
		return delivery{}, errBody(shape+`; "token" is missing or empty.`, errors.New("no token"))
	case d.event == "":
		return delivery{}, errBody(shape+`; "event" is missing or empty.`, errors.New("no event"))
	}
	return d, nil
}

func errBody(message string, cause error) *auth.Error {
	return &auth.Error{Status: http.StatusBadRequest, Code: "bad_request", Message: message, Err: cause}
}

func errTooLarge() *auth.Error {
	return &auth.Error{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large",
		Message: fmt.Sprintf("The webhook body is larger than %d KiB.", MaxBodyBytes>>10),
		Err:     fmt.Errorf("body over %d bytes", MaxBodyBytes)}
}
