package main

// Hanko's admin API for the end-to-end test and for trying roles by hand: the
// test kit's stand-in (hankoadmintest.Admin) on its own loopback port, like Hanko's
// 8001, over the same users and sessions whose tokens the public side signs.
// alice has the admin role in her public metadata, bob and carol have no
// roles; their tokens carry a roles claim rendered as Hanko's
// session.jwt_template does.

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
)

func init() {
	newDirectory = func(issuer *authtest.Issuer) directory { return newAdminSide(issuer) }
}

type adminSide struct {
	admin *hankoadmintest.Admin
	users map[string]hankoadmin.User // by name: alice, bob, carol
}

func newAdminSide(issuer *authtest.Issuer) *adminSide {
	s := &adminSide{admin: hankoadmintest.New(issuer), users: map[string]hankoadmin.User{}}
	for _, name := range []string{"alice", "bob", "carol"} {
		s.users[name] = s.admin.AddUser(name + "@example.test")
	}
	s.admin.SetPublicMetadata(s.users["alice"].ID, map[string]any{"roles": []string{"admin"}})
	return s
}

// login starts a session for the user, as a completed Hanko login does: the
// token's roles are the user's public metadata at this moment.
func (s *adminSide) login(name string) (User, bool) {
	u, ok := s.users[name]
	if !ok {
		return User{}, false
	}
	sid := authtest.RandomUUID()
	token := s.admin.LoginSessionWith(u.ID, authtest.Session{SessionID: sid})
	return User{Token: token, UserID: u.ID, SessionID: sid, Email: u.PrimaryEmail()}, true
}

// deleteUser deletes the user at the admin API (its sessions end), as Hanko
// does when an account is deleted.
func (s *adminSide) deleteUser(id string) { s.admin.DeleteUser(id) }

// serve runs the admin API on addr (no CORS: browsers never call it).
func (s *adminSide) serve(addr string) (url string, stop func(context.Context) error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s.admin.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("fakehanko: admin API: %v", err)
		}
	}()
	return "http://" + ln.Addr().String(), srv.Shutdown, nil
}
