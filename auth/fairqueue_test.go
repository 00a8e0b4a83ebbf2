package auth

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// The waiting room step by step: each step pushes a token ("+lane/client#id",
// lane "" for sessions), pops the next one ("-" and the id expected, or "-"
// alone for none) or gives one up ("x#id"). A push says "ok", "refused" or
// "drops #id" (the waiter pushed out to make room). Nothing here waits or
// times: the order of turns is the whole test.
func TestWaitRoomTurns(t *testing.T) {
	type step struct{ do, want string }
	tests := []struct {
		name  string
		limit int
		steps []step
	}{
		{"one client is served in arrival order", 8, []step{
			{"+/a#1", "ok"}, {"+/a#2", "ok"}, {"+/a#3", "ok"},
			{"-", "#1"}, {"-", "#2"}, {"-", "#3"}, {"-", ""},
		}},
		{"clients take turns: a flood is served one token per round", 8, []step{
			{"+/flood#f1", "ok"}, {"+/flood#f2", "ok"}, {"+/flood#f3", "ok"}, {"+/flood#f4", "ok"},
			{"+/ada#a1", "ok"}, {"+/bob#b1", "ok"},
			{"-", "#f1"}, {"-", "#a1"}, {"-", "#b1"}, {"-", "#f2"}, {"-", "#f3"}, {"-", "#f4"},
		}},
		{"a newcomer arriving mid-round waits at most one turn of each client", 8, []step{
			{"+/flood#f1", "ok"}, {"+/flood#f2", "ok"}, {"+/flood#f3", "ok"},
			{"-", "#f1"},
			{"+/ada#a1", "ok"},
			{"-", "#f2"}, {"-", "#a1"}, {"-", "#f3"},
		}},
		{"lanes take turns: webhooks are not held behind a session flood", 8, []step{
			{"+/flood#f1", "ok"}, {"+/flood#f2", "ok"}, {"+/flood#f3", "ok"},
			{"+webhooks/hanko#w1", "ok"}, {"+webhooks/hanko#w2", "ok"},
			{"-", "#f1"}, {"-", "#w1"}, {"-", "#f2"}, {"-", "#w2"}, {"-", "#f3"}, {"-", ""},
		}},
		{"a flood of the webhook lane fills only that lane", 2, []step{
			{"+webhooks/evil#e1", "ok"}, {"+webhooks/evil#e2", "ok"}, {"+webhooks/evil#e3", "refused"},
			{"+/ada#a1", "ok"}, {"+/bob#b1", "ok"},
			{"-", "#e1"}, {"-", "#a1"}, {"-", "#e2"}, {"-", "#b1"},
		}},
		{"a full lane makes room for a client with fewer waiting", 4, []step{
			{"+/flood#f1", "ok"}, {"+/flood#f2", "ok"}, {"+/flood#f3", "ok"}, {"+/flood#f4", "ok"},
			{"+/flood#f5", "refused"},
			{"+/ada#a1", "drops #f4"},
			{"+/bob#b1", "drops #f3"},
			{"+/ada#a2", "refused"}, // flood 2, ada 1: taking one more would only swap the longest
			{"-", "#f1"}, {"-", "#a1"}, {"-", "#b1"}, {"-", "#f2"}, {"-", ""},
		}},
		{"equal shares refuse everyone's next token", 4, []step{
			{"+/a#a1", "ok"}, {"+/a#a2", "ok"}, {"+/b#b1", "ok"}, {"+/b#b2", "ok"},
			{"+/a#a3", "refused"}, {"+/b#b3", "refused"}, {"+/c#c1", "drops #a2"},
		}},
		{"giving up leaves the turns of others as they were", 8, []step{
			{"+/a#a1", "ok"}, {"+/b#b1", "ok"}, {"+/a#a2", "ok"}, {"+/c#c1", "ok"},
			{"x#b1", ""},
			{"-", "#a1"}, {"-", "#c1"}, {"-", "#a2"}, {"-", ""},
		}},
		{"a client whose queue emptied rejoins the round at its end", 8, []step{
			{"+/a#a1", "ok"}, {"+/b#b1", "ok"}, {"+/b#b2", "ok"},
			{"-", "#a1"}, {"+/a#a2", "ok"},
			{"-", "#b1"}, {"-", "#a2"}, {"-", "#b2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newWaitRoom(tt.limit)
			ids := map[*waiter]string{}
			byID := map[string]*waiter{}
			for i, s := range tt.steps {
				got := ""
				switch {
				case strings.HasPrefix(s.do, "+"):
					key, id, _ := strings.Cut(s.do[1:], "#")
					lane, client, _ := strings.Cut(key, "/")
					w := &waiter{key: waitKey{lane: lane, client: client}}
					ids[w], byID[id] = "#"+id, w
					dropped, ok := r.push(w)
					switch {
					case !ok:
						got = "refused"
					case dropped != nil:
						got = "drops " + ids[dropped]
						if !dropped.dropped {
							t.Errorf("step %d: %s was pushed out but not marked so", i, ids[dropped])
						}
					default:
						got = "ok"
					}
				case s.do == "-":
					if w := r.pop(); w != nil {
						got = ids[w]
					}
				case strings.HasPrefix(s.do, "x#"):
					r.remove(byID[s.do[2:]])
				}
				if got != s.want {
					t.Fatalf("step %d %q: got %q, want %q", i, s.do, got, s.want)
				}
				n := 0
				for _, q := range r.lanes {
					if q.n > q.limit {
						t.Fatalf("step %d: lane %q holds %d, more than its %d", i, q.name, q.n, q.limit)
					}
					n += q.n
				}
				if n != r.n {
					t.Fatalf("step %d: lanes hold %d, room says %d", i, n, r.n)
				}
			}
		})
	}
}

func TestClientKey(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		want         string
	}{
		{"IPv4 peer", "192.0.2.1:1234", nil, nil, "192.0.2.1"},
		{"IPv6 peers of one /64 are one client", "[2001:db8:1:2:aaaa::1]:443", nil, nil, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6 is the IPv4 address", "[::ffff:192.0.2.1]:1234", nil, nil, "192.0.2.1"},
		{"no trusted proxies: the header is ignored", "192.0.2.1:1234", []string{"203.0.113.9"}, nil, "192.0.2.1"},
		{"untrusted peer: the header is ignored", "192.0.2.1:1234", []string{"203.0.113.9"}, proxies, "192.0.2.1"},
		{"trusted proxy: the address it saw", "10.1.2.3:1234", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"read from the right past the proxies", "10.1.2.3:1234", []string{"198.51.100.1, 203.0.113.9", "10.2.0.1"}, proxies, "203.0.113.9"},
		{"only proxies: the peer", "10.1.2.3:1234", []string{"10.2.0.1"}, proxies, "10.1.2.3"},
		{"garbage: the peer", "10.1.2.3:1234", []string{"203.0.113.9, nonsense"}, proxies, "10.1.2.3"},
		{"IPv6 proxy and client", "[fd00::1]:1234", []string{"2001:db8:5:6::7"}, proxies, "2001:db8:5:6::/64"},
		{"not an IP peer: itself", "pipe", nil, proxies, "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientKey(r, tt.trusted); got != tt.want {
				t.Errorf("clientKey = %q, want %q", got, tt.want)
			}
		})
	}
}
