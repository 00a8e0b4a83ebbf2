package auth

// Tests of the verified-token cache: it must never make the Authenticator
// accept what a full verification would refuse, stay within its bound, and
// share one verification between concurrent first requests.

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// newLocalAuth builds a JWKS-only Authenticator against f with keys loaded.
func newLocalAuth(t testing.TB, f *fakeHanko, clock func() time.Time, edit func(*TestConfig)) *Authenticator {
	t.Helper()
	return newCheckedAuth(t, f, clock, func(c *TestConfig) {
		c.SessionCheck = false
		if edit != nil {
			edit(c)
		}
	})
}

func wantStatus(t testing.TB, err error, status int) {
	t.Helper()
	if status == http.StatusOK {
		if err != nil {
			t.Fatalf("got %v, want success", err)
		}
		return
	}
	e, ok := errors.AsType[*Error](err)
	if !ok || e.Status != status {
		t.Fatalf("got %v, want HTTP %d", err, status)
	}
}

func TestVerifiedCacheRefusesExpiredToken(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	a := newLocalAuth(t, hanko, clock.Now, nil)
	now := clock.Now()
	exp := now.Add(10 * time.Second)
	token := hanko.Token(authtest.Session{IssuedAt: now.Add(-time.Hour), ExpiresAt: exp})
	ctx := context.Background()

	wantStatus(t, verifyErr(a, ctx, token), http.StatusOK)
	if n := a.verified.len(); n != 1 {
		t.Fatalf("verified cache holds %d entries, want 1", n)
	}
	k := keyOf(token)
	s := a.verified.shard(k)
	s.mu.Lock()
	expires := s.items[k].Value.(*cacheEntry[verifiedToken]).expires
	s.mu.Unlock()
	if expires.After(exp) {
		t.Fatalf("cache entry lives until %v, after the token's exp %v", expires, exp)
	}

	clock.Advance(10*time.Second + a.tune.leeway + time.Second)
	wantStatus(t, verifyErr(a, ctx, token), http.StatusUnauthorized)
}

// verifyErr is Verify's error alone, for wantStatus.
func verifyErr(a *Authenticator, ctx context.Context, token string) error {
	_, err := a.Verify(ctx, token)
	return err
}

// TestVerifiedCacheChecksSignatureOnce: while its key stays published, a
// token's signature is checked once however often it comes back, across JWKS
// refreshes; and when a refresh no longer lists the key, the token is refused
// from that refresh on, with no re-check needed to notice.
func TestVerifiedCacheChecksSignatureOnce(t *testing.T) {
	old := authtest.Key{ID: authtest.RandomUUID(), Private: scKey().Private}
	current := authtest.Key{ID: authtest.RandomUUID(), Private: scKey().Private}
	iss := authtest.NewIssuer(authtest.WithKey(old), authtest.WithKey(current))
	var served atomic.Int64 // JWKS answers sent
	mux := http.NewServeMux()
	mux.Handle("/", iss.Handler())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		served.Add(1)
	}))
	defer srv.Close()

	const refresh = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := NewForTest(ctx, TestConfig{HankoAPIURL: srv.URL, Logger: discardLogger, JWKSRefreshInterval: refresh})
	if err != nil {
		t.Fatal(err)
	}
	byOld := iss.SignWith(old, iss.Claims(authtest.Session{}))
	byCurrent := iss.Token(authtest.Session{})
	for _, tok := range []string{byOld, byCurrent} {
		if err := verifyErr(a, ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	// Let several refreshes pass while the tokens keep coming back.
	for start := served.Load(); served.Load() < start+3; {
		for _, tok := range []string{byOld, byCurrent} {
			wantStatus(t, verifyErr(a, ctx, tok), http.StatusOK)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := a.SignatureChecks(); n != 2 {
		t.Fatalf("%d signature checks for 2 tokens over several refreshes, want 2", n)
	}

	iss.RemoveKey(old.ID)
	// The first refresh that starts after the removal sees the key gone.
	for start := served.Load(); served.Load() < start+2; {
		time.Sleep(10 * time.Millisecond)
	}
	wantStatus(t, verifyErr(a, ctx, byOld), http.StatusUnauthorized)
	wantStatus(t, verifyErr(a, ctx, byCurrent), http.StatusOK)
	if n := a.verified.len(); n != 1 {
		t.Fatalf("verified cache holds %d entries after the old key went, want 1 (the current key's token)", n)
	}
	// byOld is refused at the key lookup, before any RSA work.
	if n := a.SignatureChecks(); n != 2 {
		t.Fatalf("%d signature checks, want still 2", n)
	}
}

func TestVerifiedCacheTamperedVariantIsVerified(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	a := newLocalAuth(t, hanko, clock.Now, nil)
	ctx := context.Background()
	token := hanko.Token(authtest.Session{})
	wantStatus(t, verifyErr(a, ctx, token), http.StatusOK)
	tampered := flipSignatureByte(t, token)
	for range 2 {
		wantStatus(t, verifyErr(a, ctx, tampered), http.StatusUnauthorized)
	}
	wantStatus(t, verifyErr(a, ctx, token), http.StatusOK)
	if n := a.verified.len(); n != 1 {
		t.Fatalf("verified cache holds %d entries, want 1 (refused tokens are not cached)", n)
	}
}

func TestVerifiedCacheDisabled(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	a := newLocalAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCacheSize = -1 })
	token := hanko.Token(authtest.Session{})
	for range 3 {
		wantStatus(t, verifyErr(a, context.Background(), token), http.StatusOK)
	}
	if n := a.verified.len(); n != 0 {
		t.Fatalf("disabled cache holds %d entries", n)
	}
}

// keyInShard returns a random key that falls into the given shard.
func keyInShard(shard int) tokenKey {
	var k tokenKey
	_, _ = rand.Read(k[:])
	k[0], k[1], k[2], k[3] = byte(shard), 0, 0, 0
	return k
}

func TestTTLCacheBoundLRUAndExpiry(t *testing.T) {
	now := time.Now()
	later := now.Add(time.Minute)
	c := newTTLCache[int](2 * cacheShards)
	if c.capacity() != 2*cacheShards {
		t.Fatalf("capacity %d", c.capacity())
	}
	a, b, d := keyInShard(3), keyInShard(3), keyInShard(3)
	c.put(a, 1, later)
	c.put(b, 2, later)
	if v, ok := c.get(a, now); !ok || v != 1 { // a is now the most recently used
		t.Fatalf("get(a) = %v %v", v, ok)
	}
	c.put(d, 3, later) // the shard is full: b, the least recently used, goes
	if _, ok := c.get(b, now); ok {
		t.Fatal("least recently used entry was not evicted")
	}
	if _, ok := c.get(a, now); !ok {
		t.Fatal("recently used entry was evicted")
	}
	c.put(a, 10, now.Add(time.Second)) // update in place
	if v, _ := c.get(a, now); v != 10 {
		t.Fatalf("updated value %d", v)
	}
	if _, ok := c.get(a, now.Add(time.Second)); ok {
		t.Fatal("entry served at its expiry time")
	}
	if n := c.len(); n != 1 {
		t.Fatalf("len %d after the expired entry was read, want 1", n)
	}

	for i := range 10 * cacheShards * 2 {
		c.put(keyInShard(i%cacheShards), i, later)
		if n := c.len(); n > c.capacity() {
			t.Fatalf("len %d > capacity %d", n, c.capacity())
		}
	}
	if n := c.len(); n != c.capacity() {
		t.Fatalf("len %d after filling every shard, want %d", n, c.capacity())
	}

	off := newTTLCache[int](0)
	off.put(a, 1, later)
	if _, ok := off.get(a, now); ok || off.len() != 0 {
		t.Fatal("a zero-capacity cache stores entries")
	}
}

func TestTTLCacheConcurrent(t *testing.T) {
	c := newTTLCache[int](cacheShards)
	keys := make([]tokenKey, 300)
	for i := range keys {
		_, _ = rand.Read(keys[i][:])
	}
	now := time.Now()
	var wg sync.WaitGroup
	var over atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3000 {
				k := keys[(i*7+g*31)%len(keys)]
				if i%3 == 0 {
					c.put(k, i, now.Add(time.Duration(i%5)*time.Millisecond))
				} else {
					c.get(k, now.Add(2*time.Millisecond))
				}
				if i%500 == 0 && c.len() > c.capacity() {
					over.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if over.Load() > 0 || c.len() > c.capacity() {
		t.Fatalf("cache exceeded its capacity %d (len %d)", c.capacity(), c.len())
	}
}

func TestVerifyConcurrentHitsAndMisses(t *testing.T) {
	clock := newSCClock()
	hanko := newFakeHanko(t, clock.Now)
	a := newLocalAuth(t, hanko, clock.Now, func(c *TestConfig) { c.SessionCacheSize = cacheShards })
	tokens := make([]string, 48) // more than the cache holds: hits and misses
	for i := range tokens {
		tokens[i] = hanko.Token(authtest.Session{})
	}
	bad := flipSignatureByte(t, tokens[0])
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				tok := tokens[(i+g)%8] // hot
				if i%3 == 0 {
					tok = tokens[8+(i*g)%40] // cold
				}
				if _, err := a.Verify(context.Background(), tok); err != nil {
					errs <- err
					return
				}
				if i%10 == 0 {
					if _, err := a.Verify(context.Background(), bad); err == nil {
						errs <- errors.New("tampered token accepted")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := a.verified.len(); n > a.verified.capacity() {
		t.Fatalf("verified cache %d > capacity %d", n, a.verified.capacity())
	}
}

// TestVerifySingleflight: concurrent first requests with one token do one
// verification. The token's kid is new to the Authenticator, so a verification
// needs a JWKS fetch, and keyfunc allows one such fetch per JWKSUnknownKIDEvery:
// separate verifications would all but one fail with "key not found".
func TestVerifySingleflight(t *testing.T) {
	known := authtest.Key{ID: authtest.RandomUUID(), Private: scKey().Private}
	rotated := authtest.Key{ID: authtest.RandomUUID(), Private: scKey().Private}
	before := authtest.NewIssuer(authtest.WithKey(known))
	after := authtest.NewIssuer(authtest.WithKey(known), authtest.WithKey(rotated))

	var fetches atomic.Int64
	var rotatedNow atomic.Bool
	gate := make(chan struct{})
	var gateOnce sync.Once
	openGate := func() { gateOnce.Do(func() { close(gate) }) }
	defer openGate()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		iss := before
		if rotatedNow.Load() {
			<-gate
			iss = after
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(iss.JWKS())
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := NewForTest(ctx, TestConfig{HankoAPIURL: srv.URL, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	if fetches.Load() != 1 {
		t.Fatalf("%d JWKS fetches at start, want 1", fetches.Load())
	}
	token := after.Token(authtest.Session{})
	rotatedNow.Store(true)

	const n = 50
	results := make([]*Claims, n)
	errs := make([]error, n)
	var started, done sync.WaitGroup
	started.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			started.Done()
			results[i], errs[i] = a.Verify(context.Background(), token)
		}()
	}
	started.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for fetches.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // every request reaches the shared verification
	openGate()
	done.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if results[i] != results[0] {
			t.Fatalf("request %d got claims from a separate verification", i)
		}
	}
	if got := fetches.Load(); got != 2 {
		t.Fatalf("%d JWKS fetches, want 2 (start + one for the new kid)", got)
	}
}
