package webhooks

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/internal/storetest"
)

// Two replicas on a PostgreSQL that is restarted, at once and after two
// seconds down: once it is back, a logout through one replica is refused by
// the other within 3 s of the restart (the figures are logged), without a
// restart of either; push is trusted again soon after, so a later logout
// arrives in milliseconds. The quick restart also shows that the first
// write after it succeeds, though the pool still holds connections the
// server closed.
func TestRevocationsAfterPostgresRestart(t *testing.T) {
	srv := storetest.NewServer(t) // skips (or fails in CI) without PostgreSQL
	rs := startReplicas(t, 2, srv.URL(), "")
	for i, r := range rs {
		waitFor(t, fmt.Sprintf("push proven on replica %d", i+1), 10*time.Second, r.list.pushOK.Load)
	}
	t.Logf("before any restart: a logout is refused by the other replica after %v", logoutDelay(t, rs[0], rs[1], time.Second))

	for _, down := range []time.Duration{0, 2 * time.Second} {
		from, to := rs[0], rs[1]
		from.list.RevokeUser(testCtx(t), from.db, "u-"+down.String()) //nolint:errcheck // uses a pooled connection just before the stop
		srv.Stop(t)
		for i, r := range rs {
			waitFor(t, fmt.Sprintf("replica %d noticed", i+1), 10*time.Second, func() bool { return !r.list.pushOK.Load() })
		}
		time.Sleep(down) // long enough for the reconnection pauses to reach their longest
		srv.Start(t)
		back := time.Now()
		took := logoutDelay(t, from, to, 3*time.Second)
		since := time.Since(back)
		t.Logf("down %v: a logout through replica 1, written %v after PostgreSQL was back, refused by replica 2 %v after it was back",
			down, (since - took).Round(time.Millisecond), since.Round(time.Millisecond))
		if since > 3*time.Second {
			t.Errorf("down %v: replica 2 refused the logout %v after PostgreSQL was back, want within 3 s", down, since)
		}
		for i, r := range rs {
			waitFor(t, fmt.Sprintf("push trusted again on replica %d", i+1), 15*time.Second, r.list.pushOK.Load)
		}
		t.Logf("down %v: push trusted again on both %v after the restart", down, time.Since(back).Round(time.Millisecond))
		pushed := from.list.pushed.Load()
		t.Logf("down %v: then a logout through replica 2 is refused by replica 1 after %v", down, logoutDelay(t, to, from, time.Second))
		if from.list.pushed.Load() == pushed {
			t.Errorf("down %v: replica 1 was not told by push after the restart", down)
		}
	}
	for i, r := range rs {
		if n := len(r.log.at(slog.LevelInfo)); n != 2 {
			t.Errorf("replica %d logged %d recoveries for two restarts, want 2", i+1, n)
		}
	}
}
