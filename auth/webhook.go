package auth

// Hanko's webhooks. A delivery is POST <callback> with the JSON body
// {"token": "<JWT>", "event": "user.delete"} and no signature header: the JWT
// is the proof. Hanko signs it with the key that signs session tokens (same
// kid, same JWKS) and gives it the sessions' aud, sub "hanko webhooks", evt
// (the event), iat, exp = iat + 5 minutes and data (for user events the user as
// the admin API shows it). It has no session_id and no iss. Hanko sends each
// delivery once and never retries. See testdata/hanko/webhooks for captures.
//
// Session events (session.delete.explicit.logout, .explicit.revoke,
// .admin.revoke, .passive.expire, .passive.limit; sent by Hanko's main branch
// since August 2026, by no tagged release yet) carry the session as data:
// {"id": <the tokens' session_id>, "user_id", "expires_at", ...}. A deleted
// user's sessions get no session event: user.delete has to end them too. See
// testdata/hanko/webhooks/session-delete.

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
)

// webhookSubject is the sub of every webhook token Hanko signs.
const webhookSubject = "hanko webhooks"

// errWebhookToken is Claims.Validate's refusal of a webhook token offered as
// a session (it has no session_id either; this says what it is).
var errWebhookToken = errors.New(`token is a webhook token (sub "hanko webhooks"), not a session`)

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

// VerifyWebhook reads a Hanko webhook delivery (a request body) and returns
// the event once its token is verified: with the session tokens' JWKS (RS256,
// kid required, unknown kids refreshed at the same bounded rate), exp
// required, iat and nbf not in the future, aud when Config.Audience is set
// (iss is never checked: Hanko does not put one into webhook tokens), sub
// exactly "hanko webhooks", and evt equal to the body's "event". A session
// token is never a webhook, and Verify never accepts a webhook token as a
// session. Webhook tokens are not cached: each delivery is checked in full.
//
// A refusal is an *Error whose Status is
//
//   - 400 bad_request: the body is not a delivery (not JSON, not exactly
//     {"token": string, "event": string}, a member missing or repeated);
//   - 413 payload_too_large: the body is larger than 64 KiB (a real delivery
//     is a few KiB even for a user with many emails and passkeys);
//   - 401 invalid_token: the token fails a check above;
//   - 503 auth_unavailable: Hanko's keys cannot be fetched, so the token
//     cannot be judged; or no signature-check slot was free in time (the
//     deliveries share the bound on signature checks with sessions; then
//     with RetryAfter set).
//
// Its Message is safe to send; its Err says why, for logs, and never holds
// the token.
func (a *Authenticator) VerifyWebhook(ctx context.Context, body io.Reader) (*Webhook, error) {
	limit := a.tune.maxWebhookBytes
	raw, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		return nil, errWebhookTooLarge(limit)
	}
	if err != nil {
		return nil, errWebhookBody("The webhook body could not be read.", err)
	}
	if len(raw) > limit {
		return nil, errWebhookTooLarge(limit)
	}
	delivery, err := decodeDelivery(raw)
	if err != nil {
		return nil, err
	}
	if !isCompactJWS(delivery.token) {
		return nil, errWebhookInvalid(errNotCompact)
	}

	claims := new(webhookClaims)
	_, err = a.parseSigned(ctx, a.webhooks, delivery.token, claims, waitKey{lane: "webhooks"})
	if err != nil {
		if errors.Is(err, errNoCapacity) {
			return nil, errBusy("tokens", err)
		}
		if errors.Is(err, errKeysUnavailable) {
			return nil, errUnavailable("Hanko's signing keys are unavailable, so the webhook cannot be checked; try again shortly.", err)
		}
		return nil, errWebhookInvalid(err)
	}
	if claims.Event != delivery.event {
		return nil, errWebhookInvalid(fmt.Errorf("the token is for event %q but the body says %q", claims.Event, delivery.event))
	}
	return &Webhook{
		Event:     claims.Event,
		Data:      claims.Data,
		IssuedAt:  timeOf(claims.IssuedAt),
		ExpiresAt: timeOf(claims.ExpiresAt),
	}, nil
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
		return delivery{}, errWebhookBody(shape+".", errors.New("body is not a JSON object"))
	}
	var d delivery
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return delivery{}, errWebhookBody(shape+".", err)
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
			return delivery{}, errWebhookBody(fmt.Sprintf("%s; unknown member %q.", shape, name), errors.New("unknown member"))
		}
		if seen[name] {
			return delivery{}, errWebhookBody(fmt.Sprintf("%s; %q appears twice.", shape, name), errors.New("repeated member"))
		}
		seen[name] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return delivery{}, errWebhookBody(shape+".", err)
		}
		if err := json.Unmarshal(v, dst); err != nil || isNullJSON(v) {
			return delivery{}, errWebhookBody(fmt.Sprintf("%s; %q must be a string.", shape, name), errors.New("member is not a string"))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return delivery{}, errWebhookBody(shape+".", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return delivery{}, errWebhookBody(shape+", and nothing after it.", errors.New("data after the object"))
	}
	switch {
	case d.token == "":
		return delivery{}, errWebhookBody(shape+`; "token" is missing or empty.`, errors.New("no token"))
	case d.event == "":
		return delivery{}, errWebhookBody(shape+`; "event" is missing or empty.`, errors.New("no event"))
	}
	return d, nil
}

func isNullJSON(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// webhookClaims are a webhook token's claims.
type webhookClaims struct {
	Subject   string
	Event     string
	Audience  jwt.ClaimStrings
	IssuedAt  *jwt.NumericDate
	NotBefore *jwt.NumericDate
	ExpiresAt *jwt.NumericDate
	Data      json.RawMessage
}

// UnmarshalJSON decodes the claims by their exact names (claim names are
// case-sensitive; encoding/json's field matching is not).
func (w *webhookClaims) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	for _, name := range [...]string{"exp", "iat", "nbf"} {
		if v, ok := raw[name]; ok && !isJSONNumber(v) {
			return fmt.Errorf("claim %q is not a JSON number", name)
		}
	}
	*w = webhookClaims{}
	for name, dst := range map[string]any{
		"sub": &w.Subject, "evt": &w.Event, "aud": &w.Audience,
		"iat": &w.IssuedAt, "nbf": &w.NotBefore, "exp": &w.ExpiresAt,
	} {
		if v, ok := raw[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return fmt.Errorf("claim %q: %w", name, err)
			}
		}
	}
	if d := bytes.TrimSpace(raw["data"]); len(d) > 0 {
		w.Data = append(json.RawMessage(nil), d...)
	}
	return nil
}

func (w *webhookClaims) GetExpirationTime() (*jwt.NumericDate, error) { return w.ExpiresAt, nil }
func (w *webhookClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return w.IssuedAt, nil }
func (w *webhookClaims) GetNotBefore() (*jwt.NumericDate, error)      { return w.NotBefore, nil }
func (w *webhookClaims) GetIssuer() (string, error)                   { return "", nil }
func (w *webhookClaims) GetSubject() (string, error)                  { return w.Subject, nil }
func (w *webhookClaims) GetAudience() (jwt.ClaimStrings, error)       { return w.Audience, nil }

// Validate is called by golang-jwt after the standard checks.
func (w *webhookClaims) Validate() error {
	switch {
	case w.Subject != webhookSubject:
		return fmt.Errorf("token is not a webhook: sub is not %q", webhookSubject)
	case w.Event == "":
		return errors.New("webhook token has no evt")
	case len(w.Data) == 0 || w.Data[0] != '{':
		return errors.New("webhook token's data is not a JSON object")
	case w.ExpiresAt != nil && w.ExpiresAt.Unix() <= 0:
		return errZeroExpiry
	case timeOf(w.ExpiresAt).Year() > 9999, timeOf(w.IssuedAt).Year() > 9999, timeOf(w.NotBefore).Year() > 9999:
		return errFarFuture
	}
	return nil
}

func errWebhookBody(message string, cause error) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: message, Err: cause}
}

func errWebhookTooLarge(limit int) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large",
		Message: fmt.Sprintf("The webhook body is larger than %d KiB.", limit>>10),
		Err:     fmt.Errorf("body over %d bytes", limit)}
}

func errWebhookInvalid(cause error) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken,
		Message: "The webhook token is invalid or has expired.", Err: cause}
}
