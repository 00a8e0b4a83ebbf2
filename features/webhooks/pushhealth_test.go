package webhooks

import (
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

// The push state and its log follow the listener's reports, without any
// clock: one warning per cause when an outage starts, one line when push is
// trusted again, which takes recoverAfter probes back in a row; a probe that
// flaps (a database answering in about the probe's wait) logs nothing more,
// and keeps the changes read every second.
func TestPushHealth(t *testing.T) {
	const (
		back    = "back" // the probe came back
		missing = "lost" // it did not
		conn    = "conn" // the connection failed
	)
	const (
		pooler    = "WARN transaction pooler"
		lostConn  = "WARN lost the database connection"
		recovered = "INFO push works again"
	)
	tests := []struct {
		name   string
		events []string
		logs   []string
		pushOK bool
		// pokes: how many times the changes are read because push became
		// trusted.
		pokes int
	}{
		{"proven at start", []string{back, back, back}, nil, true, 1},
		{"never proven", []string{missing, missing, missing, missing}, []string{pooler}, false, 0},
		{"proven, then lost for good", []string{back, missing, missing, missing}, []string{pooler}, false, 1},
		{"flapping", []string{back, missing, back, missing, back, back, missing, back, missing, back, back, missing},
			[]string{pooler}, false, 1},
		{"flapping, then steady", []string{missing, back, missing, back, back, back, back},
			[]string{pooler, recovered}, true, 1},
		{"recovers after exactly three", []string{missing, back, back}, []string{pooler}, false, 0},
		{"two outages", []string{back, missing, back, back, back, missing, missing, back, back, back},
			[]string{pooler, recovered, pooler, recovered}, true, 3},
		{"connection lost, reconnected", []string{back, conn, conn, conn, back, back, back},
			[]string{lostConn, recovered}, true, 2},
		{"connection lost, then the pooler", []string{conn, missing, conn, missing, back, back, back},
			[]string{lostConn, pooler, recovered}, true, 1},
		{"a lost connection during a flap restarts the count", []string{missing, back, back, conn, back, back, back},
			[]string{pooler, lostConn, recovered}, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &logRecorder{}
			var ok atomic.Bool
			h := &pushHealth{log: slog.New(rec), ok: &ok}
			pokes := 0
			for i, ev := range tc.events {
				switch ev {
				case conn:
					h.lost(errors.New("connection reset"))
				default:
					if h.probe(ev == back) {
						pokes++
					}
				}
				if ev != back && ok.Load() {
					t.Fatalf("event %d (%s): push still trusted", i, ev)
				}
			}
			var got []string
			rec.mu.Lock()
			for _, r := range rec.records {
				got = append(got, r.Level.String()+" "+r.Message)
			}
			rec.mu.Unlock()
			if len(got) != len(tc.logs) {
				t.Fatalf("logged %d lines, want %d (%q):\n%s", len(got), len(tc.logs), tc.logs, strings.Join(got, "\n"))
			}
			for i, want := range tc.logs {
				level, phrase, _ := strings.Cut(want, " ")
				if !strings.HasPrefix(got[i], level+" ") || !strings.Contains(got[i], phrase) {
					t.Errorf("log line %d: %q, want %s containing %q", i, got[i], level, phrase)
				}
			}
			if ok.Load() != tc.pushOK {
				t.Errorf("push trusted: %v, want %v", ok.Load(), tc.pushOK)
			}
			if pokes != tc.pokes {
				t.Errorf("read the changes %d times on trusting push, want %d", pokes, tc.pokes)
			}
		})
	}
}
