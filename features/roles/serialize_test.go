package roles

// Role changes to one user run one after the other, across replicas and the
// roles command: Hanko's metadata patch has no compare-and-set, so without
// the user's lock two changes could read the same roles and the second write
// would undo the first (a demotion taken back). These tests run concurrent
// changes against an admin-API stand-in that is slow to read and write
// metadata, so that changes which are not serialized do overlap, and check
// that each change saw the one before it, that the final roles are the last
// change's, and that a demotion is never undone.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

// metadataDelay is how long the stand-in takes to read or write metadata:
// long enough that unserialized changes overlap, and that a change's answer
// is back long before the next change to the user is done.
const metadataDelay = 25 * time.Millisecond

// slowAdmin is the admin-API stand-in, slow on metadata, behind a server.
type slowAdmin struct {
	*hankoadmintest.Admin
	iss    *authtest.Issuer
	url    string
	client *hankoadmin.Client
}

func newSlowAdmin(t *testing.T) *slowAdmin {
	t.Helper()
	a := &slowAdmin{iss: authtest.NewIssuer()}
	a.Admin = hankoadmintest.New(a.iss)
	inner := a.Admin.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/metadata") {
			time.Sleep(metadataDelay)
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	a.url = srv.URL
	var err error
	if a.client, err = hankoadmin.New(srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	return a
}

// metadataOps returns the user's metadata calls in the order the stand-in
// received them: "G" for a read, "P" for a write.
func (a *slowAdmin) metadataOps(userID string) string {
	var b strings.Builder
	for _, r := range a.Requests() {
		switch r {
		case "GET /users/" + userID + "/metadata":
			b.WriteByte('G')
		case "PATCH /users/" + userID + "/metadata":
			b.WriteByte('P')
		}
	}
	return b.String()
}

func (a *slowAdmin) roles(t *testing.T, userID string) []string {
	t.Helper()
	m, err := a.client.Metadata(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return Of(&m)
}

// serialOrder puts the changes in the one order in which each saw the one
// before it (Before equal to the previous After, starting at initial), or
// fails the test: changes that overlapped read the same roles, and the one
// whose write came second lost the other's change. A change that wrote
// nothing fits anywhere its Before holds, so those are placed first.
func serialOrder(t *testing.T, initial []string, changes []Change) []Change {
	t.Helper()
	left := slices.Clone(changes)
	var order []Change
	at := initial
	for len(left) > 0 {
		i := slices.IndexFunc(left, func(c Change) bool { return slices.Equal(c.Before, at) && slices.Equal(c.After, at) })
		if i < 0 {
			i = slices.IndexFunc(left, func(c Change) bool { return slices.Equal(c.Before, at) })
		}
		if i < 0 {
			t.Fatalf("no change started from %q: they did not run one after the other.\nfrom %q, the changes were %+v", at, initial, changes)
		}
		order = append(order, left[i])
		at = left[i].After
		left = slices.Delete(left, i, i+1)
	}
	return order
}

// replicas opens n stores on one database, as n replicas of the server (or
// the roles command beside them) would.
func replicas(t *testing.T, databaseURL string, n int) []store.Store {
	t.Helper()
	out := make([]store.Store, n)
	for i := range out {
		out[i] = storetest.Open(t, databaseURL)
	}
	return out
}

// together runs the functions at the same moment and waits for them all.
func together(fns ...func()) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for _, fn := range fns {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// An admin takes "admin" away while others grant roles and replace the list
// through other replicas: every change sees the one before it, and "admin"
// is gone at the end.
func TestRoleChangesToOneUserRunOneAfterAnother(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		admin := newSlowAdmin(t)
		stores := replicas(t, b.NewURL(t), 2)
		editors := []Editor{{Admin: admin.client, Store: stores[0]}, {Admin: admin.client, Store: stores[1]}}
		ctx := t.Context()
		for round := range 4 {
			user := admin.AddUser(fmt.Sprintf("user%d@example.test", round))
			initial := []string{"admin", "editor"}
			admin.SetPublicMetadata(user.ID, map[string]any{"roles": initial})
			changes := make([]Change, 4)
			errs := make([]error, 4)
			together(
				func() { changes[0], errs[0] = editors[0].Revoke(ctx, user.ID, "admin") },
				func() { changes[1], errs[1] = editors[1].Grant(ctx, user.ID, "billing") },
				func() { changes[2], errs[2] = editors[0].Grant(ctx, strings.ToUpper(user.ID), "viewer") },
				func() { changes[3], errs[3] = editors[1].Set(ctx, user.ID, []string{"editor", "ops"}) },
			)
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d, change %d: %v", round, i, err)
				}
			}
			order := serialOrder(t, initial, changes)
			final := admin.roles(t, user.ID)
			if last := order[len(order)-1].After; !slices.Equal(final, last) {
				t.Errorf("round %d: Hanko holds %q, but the last change left %q", round, final, last)
			}
			if slices.Contains(final, "admin") {
				t.Errorf("round %d: the demotion was undone: roles %q", round, final)
			}
		}
	})
}

// grantedRoles finds the roles `roles grant` reports after its change.
var grantedRoles = regexp.MustCompile(`Roles now: (.+)\.\n`)

// putResult is one PUT's answer and when it came back.
type putResult struct {
	status int
	body   setRolesResponse
	acked  int // the order answers came back in
}

// The admin area on two replicas and the roles command beside them, each
// with its own store on one database: concurrent changes to one user run one
// after the other, the final roles are those of the change acknowledged
// last, and a demotion through one replica is never undone by a grant
// through the command.
func TestAdminAndCommandRoleChangesAcrossReplicas(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		admin := newSlowAdmin(t)
		hanko := httptest.NewServer(admin.iss.Handler())
		t.Cleanup(hanko.Close)
		databaseURL := b.NewURL(t)
		stores := replicas(t, databaseURL, 2)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		routers := make([]http.Handler, len(stores))
		for i, s := range stores {
			a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: hanko.URL, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			area := &adminArea{auth: a, store: s, log: log, admin: admin.client}
			routers[i] = apptest.Validated(t, Feature{}, routes.New(routes.Deps{Auth: a, Store: s, AllowedOrigins: []string{frontendOrigin}, Logger: log, Routes: area.adminRoutes}))
		}
		ada := admin.AddUser("ada@example.test")
		admin.SetPublicMetadata(ada.ID, map[string]any{"roles": []string{"admin"}})
		token := admin.LoginSession(ada.ID)
		env := rolesEnv(t, admin.url, "DATABASE_URL", databaseURL)

		for round := range 3 {
			email := fmt.Sprintf("bob%d@example.test", round)
			bob := admin.PutUser(hankoadmin.User{Emails: []hankoadmin.Email{{Address: email, IsPrimary: true, IsVerified: true}}})
			initial := []string{"admin", "editor"}
			admin.SetPublicMetadata(bob.ID, map[string]any{"roles": initial})

			var mu sync.Mutex
			acked := 0
			results := make([]putResult, 2)
			var cmdOut string
			var cmdErr error
			cmdAcked := 0
			put := func(i int, roles ...string) func() {
				return func() {
					req := httptest.NewRequest(http.MethodPut, "/api/admin/users/"+bob.ID+"/roles", strings.NewReader(rolesBody(roles...)))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					routers[i].ServeHTTP(rec, req)
					mu.Lock()
					acked++
					results[i] = putResult{status: rec.Code, acked: acked}
					mu.Unlock()
					if err := json.Unmarshal(rec.Body.Bytes(), &results[i].body); err != nil || rec.Code != http.StatusOK {
						t.Errorf("PUT through replica %d: %d %s", i+1, rec.Code, rec.Body)
					}
				}
			}
			together(
				put(0, "editor"), // the demotion
				put(1, "editor", "ops"),
				func() {
					var out strings.Builder
					cmdErr = apptest.RunCommand(context.Background(), Feature{}, env, &out, "roles", "grant", email, "billing")
					mu.Lock()
					acked++
					cmdAcked = acked
					mu.Unlock()
					cmdOut = out.String()
				},
			)
			if cmdErr != nil {
				t.Fatalf("round %d: roles grant: %v\n%s", round, cmdErr, cmdOut)
			}

			if ops := admin.metadataOps(bob.ID); ops != "GPGPGP" {
				t.Errorf("round %d: the stand-in saw the metadata calls %s, want GPGPGP (each change's read and write together)", round, ops)
			}
			final := admin.roles(t, bob.ID)
			if slices.Contains(final, "admin") {
				t.Errorf("round %d: the demotion was undone: roles %q", round, final)
			}
			// The change acknowledged last is the one whose roles stay.
			last := results[1].body.Roles
			switch {
			case cmdAcked == 3:
				m := grantedRoles.FindStringSubmatch(cmdOut)
				if m == nil {
					t.Fatalf("round %d: roles grant printed no new roles:\n%s", round, cmdOut)
				}
				last = strings.Split(m[1], ", ")
			case results[0].acked == 3:
				last = results[0].body.Roles
			}
			if !slices.Equal(final, last) {
				t.Errorf("round %d: Hanko holds %q, but the change acknowledged last answered %q (answers: %+v, command %d: %s)", round, final, last, results, cmdAcked, cmdOut)
			}
		}
	})
}

// Without the database there is no lock, so nothing is changed: the admin
// area answers 503 and Hanko is not asked to write.
func TestRoleChangeWithoutTheDatabaseChangesNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		admin := newSlowAdmin(t)
		s, err := store.Open(t.Context(), b.NewURL(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		bob := admin.AddUser("bob@example.test")
		admin.SetPublicMetadata(bob.ID, map[string]any{"roles": []string{"admin"}})
		e := Editor{Admin: admin.client, Store: s}
		for name, change := range map[string]func() (Change, error){
			"Set":    func() (Change, error) { return e.Set(t.Context(), bob.ID, nil) },
			"Grant":  func() (Change, error) { return e.Grant(t.Context(), bob.ID, "editor") },
			"Revoke": func() (Change, error) { return e.Revoke(t.Context(), bob.ID, "admin") },
		} {
			if _, err := change(); !errors.Is(err, ErrNotLocked) {
				t.Errorf("%s with the database closed: %v, want ErrNotLocked", name, err)
			}
		}

		hanko := httptest.NewServer(admin.iss.Handler())
		t.Cleanup(hanko.Close)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, err := auth.New(t.Context(), auth.Config{HankoAPIURL: hanko.URL, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		area := &adminArea{auth: a, store: s, log: log, admin: admin.client}
		router := apptest.Validated(t, Feature{}, routes.New(routes.Deps{Auth: a, Store: s, AllowedOrigins: []string{frontendOrigin}, Logger: log, Routes: area.adminRoutes}))
		ada := admin.AddUser("ada@example.test")
		admin.SetPublicMetadata(ada.ID, map[string]any{"roles": []string{"admin"}})
		req := httptest.NewRequest(http.MethodPut, "/api/admin/users/"+bob.ID+"/roles", strings.NewReader(rolesBody()))
		req.Header.Set("Authorization", "Bearer "+admin.LoginSession(ada.ID))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		router.ServeHTTP(rec, req)
		expectAPIError(t, rec, http.StatusServiceUnavailable, "admin_unavailable", "nothing was changed")
		if ops := admin.metadataOps(bob.ID); ops != "" {
			t.Errorf("the stand-in saw metadata calls %s for the user", ops)
		}
		if got := admin.roles(t, bob.ID); !slices.Equal(got, []string{"admin"}) {
			t.Errorf("roles %q, want [admin] unchanged", got)
		}
	})
}
