package main

// Account deletion, as Hanko does it for <hanko-profile>'s "Delete account":
// the profile flow's account_delete action deletes the user (here: ends every
// session the stand-in minted for it), triggers the user.delete webhook with
// the user as the admin API shows it, clears the cookie and answers the
// account_deleted state, on which hanko-elements fires "hanko-user-deleted".
// The webhook is signed with the stand-in's session key and POSTed as Hanko
// does (deliverWebhook), so the backend verifies it exactly as it verifies
// Hanko's.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// accounts knows the stand-in's users and deletes them.
type accounts struct {
	issuer     *authtest.Issuer
	callback   string // webhook URL; "" sends none
	cookieName string
	onDelete   func(userID string) // when set, runs for each deleted account (the admin API forgets it)

	mu       sync.Mutex
	sessions map[string][]string // user id -> session ids
}

func newAccounts(issuer *authtest.Issuer, callback, cookieName string) *accounts {
	return &accounts{issuer: issuer, callback: callback, cookieName: cookieName, sessions: map[string][]string{}}
}

// addSession records a session minted for a user, so deletion can end it.
func (a *accounts) addSession(userID, sessionID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sessions[userID] = append(a.sessions[userID], sessionID)
}

// deleteAccount runs the account_delete action for the session's user.
func (a *accounts) deleteAccount(w http.ResponseWriter, r *http.Request, v authtest.ValidateResponse) {
	user := adminUserFromClaims(v.Claims)
	a.mu.Lock()
	sessions := a.sessions[user.ID]
	delete(a.sessions, user.ID)
	a.mu.Unlock()
	if sid, _ := v.Claims["session_id"].(string); sid != "" {
		sessions = append(sessions, sid)
	}
	for _, sid := range sessions {
		a.issuer.Revoke(sid)
	}
	if a.onDelete != nil {
		a.onDelete(user.ID)
	}

	// Hanko sends the delivery once and only logs a failure; so does this.
	if a.callback != "" {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		status, err := deliverWebhook(ctx, a.issuer, a.callback, "user.delete", user)
		cancel()
		switch {
		case err != nil:
			log.Printf("fakehanko: user.delete webhook for %s to %s failed: %v", user.ID, a.callback, err)
		case status >= http.StatusBadRequest:
			log.Printf("fakehanko: user.delete webhook for %s to %s answered %d", user.ID, a.callback, status)
		default:
			log.Printf("fakehanko: user.delete webhook for %s delivered (%d)", user.ID, status)
		}
	}

	http.SetCookie(w, &http.Cookie{Name: a.cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	writeJSONResponse(w, http.StatusOK, flowState("account_deleted", map[string]any{}, map[string]any{}))
}

// adminUserFromClaims is the session's user as Hanko's admin API (and so the
// webhook's data) shows it.
func adminUserFromClaims(claims map[string]any) webhookUser {
	sub, _ := claims["subject"].(string)
	issued, _ := time.Parse(time.RFC3339, stringOf(claims["issued_at"]))
	u := webhookUser{ID: sub, CreatedAt: issued.UTC(), UpdatedAt: issued.UTC(), Emails: []webhookEmail{}}
	if email, ok := claims["email"].(map[string]any); ok {
		verified, _ := email["is_verified"].(bool)
		u.Emails = []webhookEmail{{
			ID: authtest.RandomUUID(), Address: stringOf(email["address"]), IsPrimary: true, IsVerified: verified,
			CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		}}
	}
	return u
}

// webhookUser is a user as Hanko's admin API and its webhooks show it.
type webhookUser struct {
	ID        string         `json:"id"`
	Emails    []webhookEmail `json:"emails"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

type webhookEmail struct {
	ID         string    `json:"id"`
	Address    string    `json:"address"`
	IsVerified bool      `json:"is_verified"`
	IsPrimary  bool      `json:"is_primary"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// deliverWebhook POSTs event with data to url as Hanko does: the body
// {"token", "event"}, the token signed with the session key, with sub
// "hanko webhooks", evt, aud ["localhost"], iat, exp = iat + 5 minutes and
// data. It returns the answer's status.
func deliverWebhook(ctx context.Context, issuer *authtest.Issuer, url, event string, data any) (int, error) {
	now := issuer.Now()
	token := issuer.Sign(jwt.MapClaims{
		"sub": "hanko webhooks", "evt": event, "aud": []string{"localhost"},
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "data": data,
	})
	body, _ := json.Marshal(map[string]string{"token": token, "event": event})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
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
