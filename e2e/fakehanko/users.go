package main

// The stand-in's users, alice, bob and carol, and their sessions. Here they
// are plain: their tokens come straight from the issuer. admin.go, when it is
// there (it goes with the admin API client), replaces them with Hanko's admin
// API over the same users, where alice has the admin role.

import (
	"context"
	"net/http"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// directory is where the stand-in's users live.
type directory interface {
	// login starts a new session for the user, as a completed Hanko login does.
	login(name string) (User, bool)
	// deleteUser forgets a deleted account.
	deleteUser(id string)
	// serve runs Hanko's admin API on addr; url is "" when there is none.
	serve(addr string) (url string, stop func(context.Context) error, err error)
}

// newDirectory makes the users; admin.go sets it to its admin API.
var newDirectory = func(issuer *authtest.Issuer) directory { return newPlainUsers(issuer) }

type plainUsers struct {
	issuer *authtest.Issuer
	ids    map[string]string // by name
}

func newPlainUsers(issuer *authtest.Issuer) *plainUsers {
	u := &plainUsers{issuer: issuer, ids: map[string]string{}}
	for _, name := range []string{"alice", "bob", "carol"} {
		u.ids[name] = authtest.RandomUUID()
	}
	return u
}

func (u *plainUsers) login(name string) (User, bool) {
	id, ok := u.ids[name]
	if !ok {
		return User{}, false
	}
	sid, email := authtest.RandomUUID(), name+"@example.test"
	token := u.issuer.Token(authtest.Session{UserID: id, SessionID: sid, Email: email, EmailVerified: true})
	return User{Token: token, UserID: id, SessionID: sid, Email: email}, true
}

func (u *plainUsers) deleteUser(string) {}

func (u *plainUsers) serve(string) (string, func(context.Context) error, error) {
	return "", func(context.Context) error { return nil }, nil
}

// loginHandler serves POST /e2e/login?user=alice: a fresh session, for tests
// that need the user to "sign in again" (after a role change) without
// driving Hanko's login flow. It is part of this stand-in only.
func loginHandler(d directory) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := d.login(r.URL.Query().Get("user"))
		if !ok {
			writeJSONResponse(w, http.StatusNotFound, map[string]any{"code": 404, "message": "user not found"})
			return
		}
		writeJSONResponse(w, http.StatusOK, u)
	}
}
