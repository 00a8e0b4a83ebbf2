package hankoadmin

import (
	"encoding/json"
	"strings"
	"time"
)

// User is a Hanko user as the admin API shows it. Fields Hanko sends that
// this package does not need (passkeys, password, identities, ...) are
// ignored.
type User struct {
	ID        string    `json:"id"`
	Emails    []Email   `json:"emails"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Metadata is nil when the user has none. Hanko's user list
	// (ListUsers, UserByEmail's search, UsersByID's batches) never includes
	// it: use User or Metadata for a user's metadata.
	Metadata *Metadata `json:"metadata"`
}

// Email is one of a user's addresses.
type Email struct {
	ID         string    `json:"id"`
	Address    string    `json:"address"`
	IsVerified bool      `json:"is_verified"`
	IsPrimary  bool      `json:"is_primary"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PrimaryEmail returns the user's primary address, or "" when it has none
// (a user may sign in with a username or passkey only).
func (u User) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.IsPrimary {
			return e.Address
		}
	}
	return ""
}

// hasAddress reports whether one of the user's addresses is addr (Hanko
// stores them lower-cased).
func (u User) hasAddress(addr string) bool {
	for _, e := range u.Emails {
		if strings.EqualFold(e.Address, addr) {
			return true
		}
	}
	return false
}

// Session is one of a user's live server-side sessions. Hanko sends null for
// a user agent or IP address it did not record (here ""), and for a session
// without expiry (here the zero time).
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

// Metadata is a user's metadata, each part a JSON object exactly as Hanko
// sent it, or nil when unset. Public metadata is writable only through the
// admin API and is what session tokens can carry (roles live there).
// Unsafe metadata is writable by the user from the browser: never derive a
// permission from it.
type Metadata struct {
	Public  json.RawMessage `json:"public_metadata,omitempty"`
	Private json.RawMessage `json:"private_metadata,omitempty"`
	Unsafe  json.RawMessage `json:"unsafe_metadata,omitempty"`
}

// PublicValue returns the member key of the public metadata as raw JSON, or
// nil when there is no such member (or m is nil).
func (m *Metadata) PublicValue(key string) json.RawMessage {
	if m == nil {
		return nil
	}
	var public map[string]json.RawMessage
	if json.Unmarshal(m.Public, &public) != nil {
		return nil
	}
	return public[key]
}

// UserPage is one page of GET /users.
type UserPage struct {
	Users   []User // newest first; without Metadata
	Total   int    // users in all pages (X-Total-Count)
	HasNext bool   // whether a next page exists (Link rel="next")
}
