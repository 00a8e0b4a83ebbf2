package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/store/storetest"
)

// TestWebhookDeletionSurvivesSIGKILL: once Hanko has its 200 for user.delete,
// the deletion is on disk. The real binary is killed right after the answer
// and started again on the same database.
func TestWebhookDeletionSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "hanko-gin")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := authtest.NewAdmin(hanko.Issuer)

	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dbURL := b.NewURL(t)
			gone, stays := admin.AddUser(""), admin.AddUser("")
			goneC := &durClient{t: t, token: admin.LoginSession(gone.ID)}
			staysC := &durClient{t: t, token: admin.LoginSession(stays.ID)}

			srv := startServer(t, bin, hanko.URL, dbURL)
			goneC.base, staysC.base = srv.base, srv.base
			for _, title := range []string{"one", "two", "three"} {
				goneC.create(title)
				staysC.create(title)
			}
			status, err := hanko.DeliverWebhook(context.Background(), srv.base+"/webhooks/hanko", authtest.Webhook{Event: "user.delete", Data: gone})
			if err != nil || status != http.StatusOK {
				t.Fatalf("delivery: %d, %v", status, err)
			}
			srv.kill()

			srv = startServer(t, bin, hanko.URL, dbURL)
			goneC.base, staysC.base = srv.base, srv.base
			if got := goneC.list(); len(got) != 0 {
				t.Errorf("after SIGKILL the deleted user has %d todos again", len(got))
			}
			if got := staysC.list(); len(got) != 3 {
				t.Errorf("after SIGKILL the other user has %d todos, want 3", len(got))
			}
		})
	}
}
