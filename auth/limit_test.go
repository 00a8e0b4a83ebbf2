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
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

	// The queue is full: the next token is refused at once, whatever the
	// (hour-long) deadline, with 503 and Retry-After, never 401.
	r, _ := protectedEngine(a.RequireSession())
	w := serve(r, bearer(forge(hanko.Token(authtest.Session{}))))
	expectRefusal(t, w, http.StatusServiceUnavailable, auth.CodeAuthUnavailable)
	if got := w.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want \"1\"", got)
	}
	if s := a.Stats(); s.SignatureChecksRefused != 1 || s.SignatureChecksWaiting != 2 || s.SignatureChecks != 1 {
		t.Errorf("Stats = %+v, want 1 refused, 2 waiting, 1 check", s)
	}

	// Once the slot is free, every queued forgery is checked and refused as
	// invalid: waiting never lets one through.
	h.letGo()
	for _, done := range flood {
		expectAuthErr(t, waitResult(t, done), http.StatusUnauthorized, auth.CodeInvalidToken, "queued forgery")
	}
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
// with the slot held and the queue full, junk still gets its 401 at once
// (a queued token could only get a 503), and no signature is checked.
func TestCheapRefusalsNeverQueue(t *testing.T) {
	hanko, a, _, _ := busy(t, auth.TestConfig{CheckQueue: 1, CheckDeadline: time.Hour, Audience: []string{"localhost"}, Issuer: "https://hanko.example"},
		authtest.Session{Issuer: "https://hanko.example"}, 1)
	iss := "https://hanko.example"
	good := authtest.Session{Issuer: iss}
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
		{"webhook token", forge(hanko.WebhookToken(authtest.Webhook{Event: "user.delete", Data: map[string]any{}}))},
		{"wrong audience", forge(hanko.Token(authtest.Session{Issuer: iss, Audience: []string{"evil.example"}}))},
		{"wrong issuer", forge(hanko.Token(authtest.Session{Issuer: "https://evil.example"}))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Verify(context.Background(), tt.token)
			expectAuthErr(t, err, http.StatusUnauthorized, auth.CodeInvalidToken, tt.name)
		})
	}
	if s := a.Stats(); s.SignatureChecks != 1 || s.SignatureChecksRefused != 0 {
		t.Errorf("Stats = %+v, want only the held check and nothing refused", s)
	}
	// A well-formed forgery passes every cheap check, so it must queue: the
	// queue is full, so it is refused for capacity.
	_, err := a.Verify(context.Background(), forge(hanko.Token(good)))
	expectAuthErr(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "a forgery that looks valid")
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

// Webhook deliveries wait for the same slots: with the slot held and the
// queue full, a genuine delivery gets 503 with Retry-After, then succeeds.
func TestWebhookSharesTheBound(t *testing.T) {
	hanko, a, h, flood := busy(t, auth.TestConfig{CheckQueue: 1, CheckDeadline: time.Hour}, authtest.Session{}, 1)
	body := hanko.WebhookBody(authtest.Webhook{Event: "user.delete", Data: map[string]any{"id": webhookUserID}})

	_, err := a.VerifyWebhook(context.Background(), bytes.NewReader(body))
	if e := expectAuthErr(t, err, http.StatusServiceUnavailable, auth.CodeAuthUnavailable, "webhook while busy"); e.RetryAfter <= 0 {
		t.Errorf("RetryAfter = %v, want > 0", e.RetryAfter)
	}
	h.letGo()
	for _, done := range flood {
		expectAuthErr(t, waitResult(t, done), http.StatusUnauthorized, auth.CodeInvalidToken, "forgery")
	}
	wh, err := a.VerifyWebhook(context.Background(), bytes.NewReader(body))
	if err != nil || wh.UserID() != webhookUserID {
		t.Fatalf("webhook once the slot is free: %v, %v", wh, err)
	}
	// A forged delivery waits in turn too, and is refused as invalid.
	forged, _ := json.Marshal(map[string]string{
		"token": forge(hanko.WebhookToken(authtest.Webhook{Event: "user.delete", Data: map[string]any{"id": webhookUserID}})),
		"event": "user.delete",
	})
	_, err = a.VerifyWebhook(context.Background(), bytes.NewReader(forged))
	expectAuthErr(t, err, http.StatusUnauthorized, auth.CodeInvalidToken, "forged webhook")
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
