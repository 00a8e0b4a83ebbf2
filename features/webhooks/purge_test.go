package webhooks

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/storetest"
	"github.com/hanko-gin/hanko-gin/store"
)

// purgeEnv is a database with todos of users Hanko knows and of users it
// deleted, and Hanko's admin API (the authtest stand-in) in front of them.
type purgeEnv struct {
	admin          *hankoadmintest.Server
	db             store.Store
	dbURL          string
	env            map[string]string
	alive, deleted []string // user ids with data
	foreign        string   // an owner that is not a Hanko user id
}

func newPurgeEnv(t *testing.T, b storetest.Backend) *purgeEnv {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	admin := hankoadmintest.NewServer(hanko.Issuer)
	t.Cleanup(admin.Close)
	e := &purgeEnv{admin: admin, dbURL: b.NewURL(t), foreign: "legacy-user-7"}
	e.db = openStore(t, e.dbURL)
	e.env = map[string]string{
		"HANKO_API_URL":       hanko.URL,
		"DATABASE_URL":        e.dbURL,
		"HANKO_ADMIN_API_URL": admin.URL,
	}
	e.alive = []string{
		admin.AddUser("alive@example.test").ID,
		admin.AddUser("").ID, // no address: GET /users leaves it out, GET /users/{id} knows it
	}
	gone := admin.AddUser("gone@example.test").ID
	admin.DeleteUser(gone)
	e.deleted = []string{gone, authtest.RandomUUID()} // deleted, and never known to this Hanko
	for _, owner := range slices.Concat(e.alive, e.deleted, []string{e.foreign}) {
		e.seed(t, owner, 2)
	}
	return e
}

func (e *purgeEnv) seed(t *testing.T, owner string, n int) {
	t.Helper()
	for i := range n {
		if _, err := e.db.CreateTodo(context.Background(), owner, "todo "+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
}

// owners returns who has data now, sorted.
func (e *purgeEnv) owners(t *testing.T) []string {
	t.Helper()
	var all []string
	for after := ""; ; {
		page, err := owners(context.Background(), e.db, after, maxOwnersPage)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		after = page[len(page)-1]
	}
}

func sorted(s ...[]string) []string {
	out := slices.Concat(s...)
	slices.Sort(out)
	return out
}

// purge runs the subcommand the way the binary does.
func (e *purgeEnv) purge(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := apptest.RunCommand(context.Background(), Feature{}, func(k string) string { return e.env[k] }, &out, "purge-deleted-users", args...)
	return out.String(), err
}

func TestPurgeDeletesTheDataOfDeletedUsersOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newPurgeEnv(t, b)
		everyone := sorted(e.alive, e.deleted, []string{e.foreign})

		out, err := e.purge(t, "--dry-run")
		if err != nil {
			t.Fatalf("dry run: %v\n%s", err, out)
		}
		if !strings.HasSuffix(out, "dry run: checked 5, would delete 2, kept 3\n") {
			t.Errorf("dry run output:\n%s", out)
		}
		for _, id := range e.deleted {
			if !strings.Contains(out, "would delete the data of user "+id) {
				t.Errorf("dry run does not name %s:\n%s", id, out)
			}
		}
		if got := e.owners(t); !slices.Equal(got, everyone) {
			t.Fatalf("the dry run deleted something: owners %v, want %v", got, everyone)
		}

		out, err = e.purge(t)
		if err != nil {
			t.Fatalf("purge: %v\n%s", err, out)
		}
		if !strings.HasSuffix(out, "checked 5, deleted 2, kept 3\n") {
			t.Errorf("output:\n%s", out)
		}
		for _, id := range e.deleted {
			if !strings.Contains(out, "deleted the data of user "+id+" (deleted in Hanko): 2 rows") {
				t.Errorf("output does not report %s:\n%s", id, out)
			}
		}
		if !strings.Contains(out, `kept the data of "legacy-user-7": not a Hanko user id`) {
			t.Errorf("output does not explain the foreign owner:\n%s", out)
		}
		if got, want := e.owners(t), sorted(e.alive, []string{e.foreign}); !slices.Equal(got, want) {
			t.Errorf("owners after the purge %v, want %v", got, want)
		}

		// Again: nothing left to do.
		out, err = e.purge(t)
		if err != nil || !strings.HasSuffix(out, "checked 3, deleted 0, kept 3\n") {
			t.Errorf("second purge: %v\n%s", err, out)
		}
	})
}

// When the admin API cannot answer, the purge deletes nothing, says how many
// users it could not judge, and fails with the reason.
func TestPurgeNeverGuesses(t *testing.T) {
	tests := []struct {
		name    string
		break_  func(e *purgeEnv)
		timeout time.Duration // admin API client timeout; 0: the default
		reason  string
	}{
		{"unreachable", func(e *purgeEnv) { e.admin.Close() }, 0, "admin API"},
		{"HTTP 500", func(e *purgeEnv) { e.admin.FailWith(http.StatusInternalServerError) }, 0, "500"},
		{"HTTP 502 from a proxy", func(e *purgeEnv) { e.admin.FailWith(http.StatusBadGateway) }, 0, "502"},
		{"wrong API key", func(e *purgeEnv) {
			e.admin.RequireAPIKey("the-right-key")
			e.env["HANKO_ADMIN_API_KEY"] = "a-wrong-key"
		}, 0, "401"},
		{"stalls", func(e *purgeEnv) { e.admin.Stall(true) }, 300 * time.Millisecond, "admin API"},
		{"wrong URL (a 404 that is not Hanko's)", func(e *purgeEnv) { e.env["HANKO_ADMIN_API_URL"] = e.admin.URL + "/not-here" }, 0, "404"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newPurgeEnv(t, storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL})
			before := e.owners(t)
			tc.break_(e)
			var out string
			var err error
			if tc.timeout == 0 {
				out, err = e.purge(t)
			} else {
				out, err = e.purgeWith(t, hankoadmin.WithTimeout(tc.timeout))
			}
			if err == nil {
				t.Fatalf("the purge succeeded:\n%s", out)
			}
			if !strings.Contains(err.Error(), "4 users could not be judged, so their data was kept") || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q does not give the count and the reason (%s)", err, tc.reason)
			}
			if strings.Contains(err.Error()+out, "a-wrong-key") {
				t.Error("the API key is shown")
			}
			if !strings.HasSuffix(out, "checked 5, deleted 0, kept 1, unjudged 4\n") {
				t.Errorf("output:\n%s", out)
			}
			if got := e.owners(t); !slices.Equal(got, before) {
				t.Errorf("owners %v after a failed purge, want %v", got, before)
			}
		})
	}
}

// purgeWith runs the purge with its own admin API client options (the
// subcommand uses the defaults).
func (e *purgeEnv) purgeWith(t *testing.T, opts ...hankoadmin.Option) (string, error) {
	t.Helper()
	admin, err := hankoadmin.New(e.env["HANKO_ADMIN_API_URL"], e.env["HANKO_ADMIN_API_KEY"], opts...)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := &purger{store: e.db, admin: admin, out: &out, batch: purgeBatch, workers: purgeWorkers}
	err = p.run(context.Background())
	return out.String(), err
}

// Batches of at most `batch` ids, at most `workers` requests at a time; and a
// failing batch stops the judging without touching the users in it.
func TestPurgeBatchesWithBoundedConcurrency(t *testing.T) {
	const users, batch, workers = 40, 4, 3
	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := hankoadmintest.New(hanko.Issuer)
	var inFlight, most atomic.Int64
	var mu sync.Mutex
	var failFor string // a user id whose batch the admin API fails
	var asked []string // user_id= of every list request, in order
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond) // long enough for concurrent requests to overlap
		ids := r.URL.Query().Get("user_id")
		mu.Lock()
		if ids != "" {
			asked = append(asked, ids)
		}
		fail := failFor != "" && strings.Contains(ids, failFor)
		mu.Unlock()
		if fail {
			http.Error(w, `{"code":503,"message":"Service Unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		admin.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()

	db := openStore(t, storetest.SQLiteURL(t))
	var keep, drop []string
	for i := range users {
		u := admin.AddUser("")
		if i%3 == 0 {
			admin.DeleteUser(u.ID)
			drop = append(drop, u.ID)
		} else {
			keep = append(keep, u.ID)
		}
		if _, err := db.CreateTodo(context.Background(), u.ID, "x"); err != nil {
			t.Fatal(err)
		}
	}
	client, err := hankoadmin.New(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	purge := func(workers int) (string, error) {
		var out bytes.Buffer
		// force: a third of the users are gone, beyond the bound (TestPurgeStopsWhenTooManyAreGone)
		p := &purger{store: db, admin: client, out: &out, batch: batch, workers: workers, force: true}
		err := p.run(context.Background())
		return out.String(), err
	}
	owners := func() []string {
		var all []string
		for after := ""; ; {
			page, err := owners(context.Background(), db, after, maxOwnersPage)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				return all
			}
			all = append(all, page...)
			after = page[len(page)-1]
		}
	}

	t.Run("a failing batch", func(t *testing.T) {
		all := owners() // sorted: batches are consecutive runs of 4
		mu.Lock()
		failFor = all[batch] // the first id of the second batch
		mu.Unlock()
		out, err := purge(1)
		if err == nil || !strings.Contains(err.Error(), "36 users could not be judged") || !strings.Contains(err.Error(), "503") {
			t.Fatalf("err %v\n%s", err, out)
		}
		if !strings.HasSuffix(out, ", unjudged 36\n") || !strings.HasPrefix(out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:], "checked 40, ") {
			t.Errorf("output:\n%s", out)
		}
		// Only the first batch was judged; the rest is untouched.
		want := slices.DeleteFunc(slices.Clone(all), func(id string) bool {
			return slices.Index(all, id) < batch && slices.Contains(drop, id)
		})
		if got := owners(); !slices.Equal(got, want) {
			t.Errorf("owners %v, want %v", got, want)
		}
		mu.Lock()
		failFor, asked = "", nil
		mu.Unlock()
	})

	t.Run("all batches", func(t *testing.T) {
		most.Store(0)
		n := len(owners())
		out, err := purge(workers)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if got, want := owners(), sorted(keep); !slices.Equal(got, want) {
			t.Errorf("owners %v, want %v", got, want)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, ids := range asked {
			if n := strings.Count(ids, ",") + 1; n > batch {
				t.Errorf("one request asked about %d users, want at most %d", n, batch)
			}
		}
		if want := (n + batch - 1) / batch; len(asked) != want {
			t.Errorf("%d list requests for %d users in batches of %d, want %d", len(asked), n, batch, want)
		}
		if m := most.Load(); m > workers || m < 2 {
			t.Errorf("at most %d admin API requests at a time, want 2 to %d", m, workers)
		}
	})
}

func TestPurgeSubcommandUsage(t *testing.T) {
	base := map[string]string{"HANKO_API_URL": "http://localhost:8000", "DATABASE_URL": storetest.SQLiteURL(t)}
	for _, tc := range []struct {
		name, want string
		args       []string
		env        map[string]string
	}{
		{"no admin API URL", "HANKO_ADMIN_API_URL is not set", nil, nil},
		{"a bad admin API URL", "HANKO_ADMIN_API_URL", nil, map[string]string{"HANKO_ADMIN_API_URL": "hanko:8001"}},
		{"an unknown flag", "flag provided but not defined: -all", []string{"--all"}, nil},
		{"an extra argument", `unexpected argument "now"`, []string{"now"}, nil},
		{"other settings are checked too", "HANKO_API_URL", nil, map[string]string{"HANKO_API_URL": "", "HANKO_ADMIN_API_URL": "http://hanko:8001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
			}
			var out bytes.Buffer
			err := apptest.RunCommand(context.Background(), Feature{}, func(k string) string { return env[k] }, &out, "purge-deleted-users", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
	var out bytes.Buffer
	if err := apptest.RunCommand(context.Background(), Feature{}, func(string) string { return "" }, &out, "purge-deleted-users", "-h"); err != nil ||
		!strings.Contains(out.String(), "--dry-run") || !strings.Contains(out.String(), "-force") {
		t.Errorf("-h: %v\n%s", err, out.String())
	}
}

// A Hanko that says too many users are gone (the wrong URL, a reset database)
// gets no deletion: beyond more than 10 % of the users checked, and at least
// 10, the purge deletes nothing and fails unless --force. It always says which
// Hanko it asked, without credentials.
func TestPurgeStopsWhenTooManyAreGone(t *testing.T) {
	for _, tc := range []struct {
		name        string
		alive, gone int
		refused     bool
	}{
		{"everyone gone", 0, 12, true},
		{"10 of 99 gone", 89, 10, true},   // 10.1 %
		{"10 of 100 gone", 90, 10, false}, // exactly 10 %
		{"9 of 9 gone", 0, 9, false},      // fewer than 10
	} {
		t.Run(tc.name, func(t *testing.T) {
			hanko := authtest.NewServer()
			t.Cleanup(hanko.Close)
			admin := hankoadmintest.NewServer(hanko.Issuer)
			t.Cleanup(admin.Close)
			db := openStore(t, storetest.SQLiteURL(t))
			var gone []string
			for i := range tc.alive + tc.gone {
				u := admin.AddUser("")
				if i >= tc.alive {
					admin.DeleteUser(u.ID)
					gone = append(gone, u.ID)
				}
				if _, err := db.CreateTodo(context.Background(), u.ID, "x"); err != nil {
					t.Fatal(err)
				}
			}
			client, err := hankoadmin.New(admin.URL, "")
			if err != nil {
				t.Fatal(err)
			}
			owners := func() int {
				page, err := owners(context.Background(), db, "", maxOwnersPage)
				if err != nil {
					t.Fatal(err)
				}
				return len(page)
			}
			purge := func(dryRun, force bool) (string, error) {
				var out bytes.Buffer
				p := &purger{store: db, admin: client, out: &out, dryRun: dryRun, force: force, batch: purgeBatch, workers: purgeWorkers}
				err := p.run(context.Background())
				return out.String(), err
			}
			all := tc.alive + tc.gone

			for _, dryRun := range []bool{true, false} {
				out, err := purge(dryRun, false)
				if !strings.HasPrefix(out, "asking Hanko's admin API at "+admin.URL+" which users still exist\n") {
					t.Errorf("the output does not name the Hanko asked:\n%s", out)
				}
				if !tc.refused {
					if err != nil || owners() != all-boolInt(!dryRun)*tc.gone {
						t.Fatalf("dry run %v: %v, %d owners left\n%s", dryRun, err, owners(), out)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("refusing to delete the data of %d of the %d users checked", tc.gone, all)) ||
					!strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), admin.URL) {
					t.Fatalf("dry run %v: err %v\n%s", dryRun, err, out)
				}
				summary := fmt.Sprintf("checked %d, deleted 0, kept %d, refused to delete %d\n", all, tc.alive, tc.gone)
				if dryRun {
					summary = fmt.Sprintf("dry run: checked %d, would delete 0, kept %d, refused to delete %d\n", all, tc.alive, tc.gone)
				}
				if !strings.HasSuffix(out, summary) || strings.Contains(out, "delete the data of user") {
					t.Errorf("dry run %v output:\n%s", dryRun, out)
				}
				if owners() != all {
					t.Fatalf("a refused purge deleted data: %d owners left of %d", owners(), all)
				}
			}
			if !tc.refused {
				return
			}
			out, err := purge(false, true)
			if err != nil || !strings.HasSuffix(out, fmt.Sprintf("checked %d, deleted %d, kept %d\n", all, tc.gone, tc.alive)) || owners() != tc.alive {
				t.Fatalf("--force: %v, %d owners left\n%s", err, owners(), out)
			}
			for _, id := range gone {
				if !strings.Contains(out, "deleted the data of user "+id) {
					t.Errorf("--force does not report %s", id)
				}
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The subcommand takes --force, and names the Hanko it asked without the API key.
func TestPurgeSubcommandForce(t *testing.T) {
	e := newPurgeEnv(t, storetest.Backend{Name: "sqlite", NewURL: storetest.SQLiteURL})
	for range purgeMinRefused {
		e.deleted = append(e.deleted, authtest.RandomUUID())
		e.seed(t, e.deleted[len(e.deleted)-1], 1)
	}
	e.admin.RequireAPIKey("the-key")
	e.env["HANKO_ADMIN_API_KEY"] = "the-key"
	before := e.owners(t)
	out, err := e.purge(t)
	if err == nil || !strings.Contains(err.Error(), "refusing to delete the data of 12 of the 15 users checked") {
		t.Fatalf("err %v\n%s", err, out)
	}
	if got := e.owners(t); !slices.Equal(got, before) {
		t.Fatalf("a refused purge deleted data")
	}
	if !strings.Contains(out, "asking Hanko's admin API at "+e.admin.URL+" ") || strings.Contains(out+err.Error(), "the-key") {
		t.Errorf("output:\n%s", out)
	}
	out, err = e.purge(t, "--force")
	if err != nil || !strings.HasSuffix(out, "checked 15, deleted 12, kept 3\n") {
		t.Fatalf("--force: %v\n%s", err, out)
	}
}
