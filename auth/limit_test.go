package auth_test

// The bound on signature checks (limit.go, check.go). These tests hold the
// check slots with the BeforeSignatureCheck hook and watch the queue through
// Stats, so they prove the mechanism without timing anything: the queue's
// bound, the deadline, FIFO order between a flood and a new valid token,
// cheap refusals that never queue, cache hits that never wait, and that under
// pressure a forged token is never accepted and a valid one never called
// invalid.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// forge returns token with a random signature of the same length: the
// header (Hanko's kid) and claims of a valid token, so it passes every check
// but the RSA one. Each call gives a different token (no singleflight, no
// cache).
func forge(token string) string {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		panic(err)
	}
	_, _ = rand.Read(sig)
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// slotHolder blocks every signature check in BeforeSignatureCheck until it is
// let go, and counts the checks that reached the slot.
type slotHolder struct {
	held atomic.Int64
	gate chan struct{}
	once sync.Once
}

func newSlotHolder() *slotHolder { return &slotHolder{gate: make(chan struct{})} }

func (h *slotHolder) hook()  { h.held.Add(1); <-h.gate }
func (h *slotHolder) letGo() { h.once.Do(func() { close(h.gate) }) }

// verifyAsync verifies token in the background; the result arrives on the channel.
func verifyAsync(a *auth.Authenticator, token string) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := a.Verify(context.Background(), token)
		done <- err
	}()
	return done
}

// waitResult fails the test if no result arrives at all (a hang, not a timing).
func waitResult(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("no answer: the check never ran")
		return nil
	}
}

// expectAuthErr fails unless err is an *auth.Error with this status and code.
func expectAuthErr(t *testing.T, err error, status int, code, what string) *auth.Error {
	t.Helper()
	e, ok := errors.AsType[*auth.Error](err)
	if !ok || e.Status != status || e.Code != code {
		t.Fatalf("%s: got %v, want %d %s", what, err, status, code)
	}
	return e
}

// busy builds an Authenticator with one check slot held by a forged token and
// queued more forged tokens waiting behind it, all forged from a token for s.
func busy(t *testing.T, tc auth.TestConfig, s authtest.Session, queued int) (*authtest.Server, *auth.Authenticator, *slotHolder, []<-chan error) {
	t.Helper()
	h := newSlotHolder()
	t.Cleanup(h.letGo)
	tc.CheckSlots = 1
	tc.BeforeSignatureCheck = h.hook
	hanko, a := newMWHanko(t, tc)
	valid := hanko.Token(s)
	results := []<-chan error{verifyAsync(a, forge(valid))}
	eventually(t, 10*time.Second, "the first forged token holds the slot", func() bool { return h.held.Load() == 1 })
	for i := range queued {
		results = append(results, verifyAsync(a, forge(valid)))
		eventually(t, 10*time.Second, "forged tokens wait in the queue", func() bool {
			return a.Stats().SignatureChecksWaiting == i+1
		})
	}
	return hanko, a, h, results
}

func TestSignatureCheckQueueIsBounded(t *testing.T) {
	hanko, a, h, flood := busy(t, auth.TestConfig{CheckQueue: 2, CheckDeadline: time.Hour}, authtest.Session{}, 2)

	// The queue is full, all of it one client's: that client's next token is
	// refused at once, whatever the (hour-long) deadline, with 503, never 401.
	_, err := a.Verify(context.Background(), forge(hanko.Token(authtest.Session{})))
	if e := expectAuthErr(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "the flooding client's next token"); e.RetryAfter != time.Second {
		t.Errorf("RetryAfter = %v, want 1s", e.RetryAfter)
	}
	if s := a.Stats(); s.SignatureChecksRefused != 1 || s.SignatureChecksWaiting != 2 || s.SignatureChecks != 1 {
		t.Errorf("Stats = %+v, want 1 refused, 2 waiting, 1 check", s)
	}

	// Another client's token takes the place of the flood's newest, which is
	// refused at once (503 and Retry-After); the queue stays at its bound.
	r, _ := protectedEngine(a.RequireSession())
	other := make(chan *httptest.ResponseRecorder, 1)
	go func() { other <- serve(r, bearer(forge(hanko.Token(authtest.Session{})))) }()
	expectAuthErr(t, waitResult(t, flood[2]), http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "the flood's newest, pushed out")
	if s := a.Stats(); s.SignatureChecksRefused != 2 || s.SignatureChecksWaiting != 2 {
		t.Errorf("Stats = %+v, want 2 refused, 2 waiting", s)
	}

	// Once the slot is free, every queued forgery is checked and refused as
	// invalid: waiting never lets one through.
	h.letGo()
	for _, done := range flood[:2] {
		expectAuthErr(t, waitResult(t, done), http.StatusUnauthorized, auth.CodeInvalidToken, "queued forgery")
	}
	expectRefusal(t, <-other, http.StatusUnauthorized, auth.CodeInvalidToken)
	if s := a.Stats(); s.SignatureChecksWaiting != 0 || s.SignatureChecks != 3 {
		t.Errorf("Stats = %+v, want nothing waiting and 3 checks", s)
	}
}

func TestSignatureCheckDeadline(t *testing.T) {
	hanko, a, h, flood := busy(t, auth.TestConfig{CheckQueue: 8, CheckDeadline: time.Millisecond}, authtest.Session{}, 0)
	newcomer := hanko.Token(authtest.Session{UserID: "new-user"})

	// The slot stays held past the deadline: the never-seen valid token is
	// refused with 503 and Retry-After, not called invalid.
	_, err := a.Verify(context.Background(), newcomer)
	e := expectAuthErr(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "valid token past the deadline")
	if e.RetryAfter <= 0 {
		t.Errorf("RetryAfter = %v, want > 0", e.RetryAfter)
	}
	if s := a.Stats(); s.SignatureChecksRefused != 1 || s.SignatureChecksWaiting != 0 {
		t.Errorf("Stats = %+v, want 1 refused and nobody left waiting", s)
	}

	// Nothing about it was remembered: once the slot is free it is accepted.
	h.letGo()
	expectAuthErr(t, waitResult(t, flood[0]), http.StatusUnauthorized, auth.CodeInvalidToken, "the forgery holding the slot")
	claims, err := a.Verify(context.Background(), newcomer)
	if err != nil || claims.UserID != "new-user" {
		t.Fatalf("after the flood: %v, %v; want the new user's claims", claims, err)
	}
}

// A never-seen valid token sent in the middle of a flood is checked in its
// turn: after the forgeries queued before it, before those queued after it.
func TestSignatureCheckFIFOBetweenFloodAndNewToken(t *testing.T) {
	step := make(chan struct{})
	var checks atomic.Int64
	hanko, a := newMWHanko(t, auth.TestConfig{
		CheckSlots: 1, CheckQueue: 100, CheckDeadline: time.Hour,
		BeforeSignatureCheck: func() { checks.Add(1); <-step },
	})
	valid := hanko.Token(authtest.Session{})
	newcomer := hanko.Token(authtest.Session{UserID: "new-user"})

	var before, after []<-chan error
	before = append(before, verifyAsync(a, forge(valid)))
	eventually(t, 10*time.Second, "a forgery holds the slot", func() bool { return checks.Load() == 1 })
	queue := func(n int, into *[]<-chan error, token func() string) {
		for range n {
			want := a.Stats().SignatureChecksWaiting + 1
			*into = append(*into, verifyAsync(a, token()))
			eventually(t, 10*time.Second, "the token waits in the queue", func() bool { return a.Stats().SignatureChecksWaiting == want })
		}
	}
	queue(20, &before, func() string { return forge(valid) })
	var mine []<-chan error
	queue(1, &mine, func() string { return newcomer })
	queue(20, &after, func() string { return forge(valid) })

	// Let one check through at a time: the newcomer's is the 22nd.
	for i := range len(before) {
		step <- struct{}{}
		expectAuthErr(t, waitResult(t, before[i]), http.StatusUnauthorized, auth.CodeInvalidToken, "forgery ahead of the newcomer")
	}
	step <- struct{}{}
	if err := waitResult(t, mine[0]); err != nil {
		t.Fatalf("the new valid token, checked in its turn: %v", err)
	}
	if got := checks.Load(); got != 22 && got != 23 { // the 23rd may have taken the slot already
		t.Errorf("%d checks had started when the newcomer's ended, want 22 (+1 waiting in the hook)", got)
	}
	if s := a.Stats(); s.SignatureChecksWaiting < 19 {
		t.Errorf("Stats = %+v: the forgeries queued after the newcomer should still wait", s)
	}
	close(step)
	for _, done := range after {
		expectAuthErr(t, waitResult(t, done), http.StatusUnauthorized, auth.CodeInvalidToken, "forgery after the newcomer")
	}
	if s := a.Stats(); s.SignatureChecksRefused != 0 {
		t.Errorf("Stats = %+v, want nothing refused (hour-long deadline, room in the queue)", s)
	}
}

// Everything that can refuse a token without RSA does so before the queue:
// with the slot held and the queue full, junk from another client still gets
// its 401 at once (a queued token could only get a 503), and no signature is
// checked. The client that fills the queue is refused before parsing: its
// tokens, junk or not, get 503 (see the end).
func TestCheapRefusalsNeverQueue(t *testing.T) {
	hanko, a, _, _ := busy(t, auth.TestConfig{CheckQueue: 2, CheckDeadline: time.Hour, Audience: []string{"localhost"}, Issuer: "https://hanko.example"},
		authtest.Session{Issuer: "https://hanko.example"}, 2)
	iss := "https://hanko.example"
	good := authtest.Session{Issuer: iss}
	r, _ := protectedEngine(a.RequireSession()) // its requests come from another client than Verify's
	claims := func(edit func(jwt.MapClaims)) string {
		c := hanko.Claims(good)
		edit(c)
		return hanko.Sign(c)
	}
	hs256, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, hanko.Claims(good)).SignedString([]byte("secret"))
	otherKey := authtest.NewIssuer().Token(good) // a kid Hanko never published
	for _, tt := range []struct{ name, token string }{
		{"too large", strings.Repeat("a", auth.DefaultMaxTokenBytes+1)},
		{"not a JWS", "not-a-token"},
		{"bad base64", "a.b.c"},
		{"alg HS256", hs256},
		{"alg none", strings.Join(append([]string{b64(`{"alg":"none","kid":"` + hanko.SigningKey().ID + `"}`)}, strings.Split(hanko.Token(good), ".")[1:]...), ".")},
		{"no kid", strings.Join(append([]string{b64(`{"alg":"RS256","typ":"JWT"}`)}, strings.Split(hanko.Token(good), ".")[1:]...), ".")},
		{"unknown kid", otherKey},
		{"expired", forge(hanko.Token(authtest.Session{Issuer: iss, IssuedAt: mwNow.Add(-2 * time.Hour), ExpiresAt: mwNow.Add(-time.Hour)}))},
		{"no exp", forge(claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"iat in the future", forge(hanko.Token(authtest.Session{Issuer: iss, IssuedAt: mwNow.Add(time.Hour)}))},
		{"nbf in the future", forge(claims(func(c jwt.MapClaims) { c["nbf"] = mwNow.Add(time.Hour).Unix() }))},
		{"no sub", forge(claims(func(c jwt.MapClaims) { delete(c, "sub") }))},
		{"no session_id", forge(claims(func(c jwt.MapClaims) { delete(c, "session_id") }))},
		{"token Hanko signs for itself", forge(hanko.Sign(jwt.MapClaims{"sub": "hanko webhooks", "evt": "user.delete", "aud": []string{"localhost"},
			"session_id": authtest.RandomUUID(), "iat": mwNow.Unix(), "exp": mwNow.Add(5 * time.Minute).Unix(), "data": map[string]any{}}))},
		{"wrong audience", forge(hanko.Token(authtest.Session{Issuer: iss, Audience: []string{"evil.example"}}))},
		{"wrong issuer", forge(hanko.Token(authtest.Session{Issuer: "https://evil.example"}))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expectRefusal(t, serve(r, bearer(tt.token)), http.StatusUnauthorized, auth.CodeInvalidToken)
		})
	}
	if s := a.Stats(); s.SignatureChecks != 1 || s.SignatureChecksRefused != 0 {
		t.Errorf("Stats = %+v, want only the held check and nothing refused", s)
	}
	// A well-formed forgery passes every cheap check, so it must queue: the
	// queue is full of its client's, so it is refused for capacity.
	_, err := a.Verify(context.Background(), forge(hanko.Token(good)))
	expectAuthErr(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "a forgery that looks valid")
	// That client is over its share: refused before its token is even parsed.
	_, err = a.Verify(context.Background(), forge(claims(func(c jwt.MapClaims) { delete(c, "sub") })))
	expectAuthErr(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "junk from the client that fills the queue")
}

// A token already verified is served from the cache while every slot is held
// and the queue is full.
func TestCacheHitNeverWaits(t *testing.T) {
	h := newSlotHolder()
	var holding atomic.Bool
	hanko, a := newMWHanko(t, auth.TestConfig{CheckSlots: 1, CheckQueue: 1, CheckDeadline: time.Hour,
		BeforeSignatureCheck: func() {
			if holding.Load() {
				h.hook()
			}
		}})
	t.Cleanup(h.letGo)
	token := hanko.Token(authtest.Session{UserID: "signed-in"})
	r, _ := protectedEngine(a.RequireSession())
	expectUser(t, serve(r, cookie(token)), "signed-in")

	holding.Store(true)
	first := verifyAsync(a, forge(token))
	eventually(t, 10*time.Second, "a forgery holds the slot", func() bool { return h.held.Load() == 1 })
	second := verifyAsync(a, forge(token))
	eventually(t, 10*time.Second, "a forgery waits", func() bool { return a.Stats().SignatureChecksWaiting == 1 })

	for range 3 {
		expectUser(t, serve(r, cookie(token)), "signed-in")
	}
	h.letGo()
	for _, done := range []<-chan error{first, second} {
		expectAuthErr(t, waitResult(t, done), http.StatusUnauthorized, auth.CodeInvalidToken, "forgery")
	}
}

// A VerifyJWT lane is apart from the sessions': with the slot held and the
// session tokens' lane full, a webhook delivery still gets a place, and its
// check once the slot is free; a forged one is refused as invalid.
func TestLanesAreApart(t *testing.T) {
	hanko, a, h, flood := busy(t, auth.TestConfig{CheckQueue: 1, CheckDeadline: time.Hour}, authtest.Session{}, 1)
	_, err := a.Verify(context.Background(), forge(hanko.Token(authtest.Session{})))
	expectAuthErr(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "session token with its lane full")

	now := mwNow
	token := hanko.Sign(jwt.MapClaims{"sub": "hanko webhooks", "evt": "user.delete", "aud": []string{"localhost"},
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "data": map[string]any{"id": webhookUserID}})
	type result struct {
		h   *hook
		err error
	}
	deliver := func(token string) <-chan result {
		done := make(chan result, 1)
		go func() {
			h, err := verifyHook(a, deliveryBody(token, "user.delete"))
			done <- result{h, err}
		}()
		return done
	}
	genuine := deliver(token)
	eventually(t, 10*time.Second, "the delivery waits in its lane", func() bool { return a.Stats().SignatureChecksWaiting == 2 })
	h.letGo()
	for _, done := range flood {
		expectAuthErr(t, waitResult(t, done), http.StatusUnauthorized, auth.CodeInvalidToken, "forgery")
	}
	if r := <-genuine; r.err != nil || r.h.UserID() != webhookUserID {
		t.Fatalf("genuine delivery: %v, %v", r.h, r.err)
	}
	expectAuthErr(t, (<-deliver(forge(token))).err, http.StatusUnauthorized, auth.CodeInvalidToken, "forged webhook")
	if s := a.Stats(); s.SignatureChecks != 4 || s.SignatureChecksRefused != 1 {
		t.Errorf("Stats = %+v, want 4 checks (2 forged sessions, 2 webhooks) and 1 refused", s)
	}
}

// Under real contention (no hooks: one slot, a short queue, a short
// deadline, many goroutines), every answer is right or "try again": a forged
// token is never accepted, a valid one never called invalid, and every valid
// token that was refused for capacity is accepted once the flood is over.
func TestUnderPressureNothingForgedAcceptedNothingValidRefused(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{CheckSlots: 1, CheckQueue: 4, CheckDeadline: 5 * time.Millisecond})
	valid := make([]string, 60)
	for i := range valid {
		valid[i] = hanko.Token(authtest.Session{})
	}
	r, _ := protectedEngine(a.RequireSession())
	var (
		wg                           sync.WaitGroup
		accepted, refused, unchecked atomic.Int64
		failures                     = make(chan string, 1000)
	)
	for g := range 24 {
		wg.Go(func() {
			for i := range 15 {
				if (g+i)%4 == 0 { // a valid, mostly never-seen token
					w := serve(r, bearer(valid[(g*15+i)%len(valid)]))
					switch {
					case w.Code == http.StatusOK:
						accepted.Add(1)
					case w.Code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "1":
						unchecked.Add(1)
					default:
						failures <- "valid token answered " + w.Result().Status + ": " + w.Body.String()
					}
					continue
				}
				_, err := a.Verify(context.Background(), forge(valid[i%len(valid)]))
				switch e, _ := errors.AsType[*auth.Error](err); {
				case err == nil:
					failures <- "a forged token was accepted"
				case e != nil && e.Status == http.StatusUnauthorized:
					refused.Add(1)
				case e != nil && e.Status == http.StatusServiceUnavailable && e.RetryAfter > 0:
					unchecked.Add(1)
				default:
					failures <- "forged token: " + err.Error()
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	t.Logf("accepted %d valid, refused %d forged as invalid, %d answered 503 for lack of capacity; Stats %+v",
		accepted.Load(), refused.Load(), unchecked.Load(), a.Stats())
	// Concurrent requests with one token share one check, and its refusal.
	if got := a.Stats().SignatureChecksRefused; got > unchecked.Load() || (got == 0) != (unchecked.Load() == 0) {
		t.Errorf("SignatureChecksRefused = %d, want at most %d (the 503s) and 0 only without 503s", got, unchecked.Load())
	}
	for _, tok := range valid {
		if _, err := a.Verify(context.Background(), tok); err != nil {
			t.Fatalf("a valid token after the flood: %v", err)
		}
	}
}

// One client cannot take more than its share of the checks, however many
// requests it has in flight: with the slot held and the queue full of one
// peer's forgeries, that peer's next token is refused at once (503 with
// Retry-After), while a newcomer from another peer, directly or through a
// trusted proxy, takes the place of the flood's newest and gets in once the
// slot is free. X-Forwarded-For from a peer that is not a trusted proxy is
// ignored: the flood cannot pass for someone else. A webhook delivery waits
// in its own lane meanwhile, and is served.
func TestFloodFromOnePeerDoesNotStarveAnother(t *testing.T) {
	h := newSlotHolder()
	t.Cleanup(h.letGo)
	hanko, a := newMWHanko(t, auth.TestConfig{CheckSlots: 1, CheckQueue: 4, CheckDeadline: time.Hour,
		BeforeSignatureCheck: h.hook, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}})
	r, _ := protectedEngine(a.RequireSession())
	send := func(peer, forwardedFor, token string) <-chan *httptest.ResponseRecorder {
		done := make(chan *httptest.ResponseRecorder, 1)
		go func() {
			req := httptest.NewRequest(http.MethodGet, "/p", nil)
			req.RemoteAddr = peer
			if forwardedFor != "" {
				req.Header.Set("X-Forwarded-For", forwardedFor)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			done <- w
		}()
		return done
	}
	valid := hanko.Token(authtest.Session{})
	const attacker = "198.51.100.7:40000"
	flood := []<-chan *httptest.ResponseRecorder{send(attacker, "", forge(valid))}
	eventually(t, 10*time.Second, "a forgery holds the slot", func() bool { return h.held.Load() == 1 })
	for i := range 4 {
		flood = append(flood, send(attacker, "", forge(valid)))
		eventually(t, 10*time.Second, "the forgeries fill the queue", func() bool { return a.Stats().SignatureChecksWaiting == i+1 })
	}

	for _, xff := range []string{"", "203.0.113.99"} {
		w := <-send(attacker, xff, forge(valid))
		expectRefusal(t, w, http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
		if got := w.Header().Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After = %q, want \"1\"", got)
		}
	}

	newcomers := []struct{ peer, forwardedFor string }{
		{"203.0.113.5:50000", ""},                       // directly
		{"10.9.0.1:50000", "198.51.100.7, 203.0.113.6"}, // through the proxy; the left entry is the client's own claim
	}
	var admitted []<-chan *httptest.ResponseRecorder
	for i, n := range newcomers {
		admitted = append(admitted, send(n.peer, n.forwardedFor, hanko.Token(authtest.Session{UserID: "newcomer"})))
		// The flood's newest waiting forgery makes room and is refused at once.
		expectRefusal(t, <-flood[len(flood)-1-i], http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
		eventually(t, 10*time.Second, "the newcomer waits in the queue", func() bool {
			return a.Stats().SignatureChecksRefused == int64(3+i) && a.Stats().SignatureChecksWaiting == 4
		})
	}

	// A webhook delivery from Hanko's address waits in its own lane, the
	// session tokens' lane being full.
	r.POST("/hook", func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body)
		if _, err := verifyHook(a, body, auth.FromRequest(c.Request)); err != nil {
			e, _ := errors.AsType[*auth.Error](err)
			auth.WriteError(c, e)
			return
		}
		c.Status(http.StatusNoContent)
	})
	now := mwNow
	hook := hanko.Sign(jwt.MapClaims{"sub": "hanko webhooks", "evt": "user.delete", "aud": []string{"localhost"},
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "data": map[string]any{"id": webhookUserID}})
	delivered := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(deliveryBody(hook, "user.delete")))
		req.RemoteAddr = "192.0.2.80:443"
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		delivered <- w
	}()
	eventually(t, 10*time.Second, "the delivery waits in its lane", func() bool { return a.Stats().SignatureChecksWaiting == 5 })

	h.letGo()
	for _, done := range admitted {
		expectUser(t, <-done, "newcomer")
	}
	if w := <-delivered; w.Code != http.StatusNoContent {
		t.Errorf("webhook delivery: %d %s", w.Code, w.Body)
	}
	for _, done := range flood[:len(flood)-len(newcomers)] {
		expectRefusal(t, <-done, http.StatusUnauthorized, auth.CodeInvalidToken)
	}
}
