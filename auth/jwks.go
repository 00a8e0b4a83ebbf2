package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// jwksTiming is how often keys are fetched. Hanko serves its JWKS with
// Cache-Control: max-age=600.
//
//   - refreshEvery: background refresh while keys are loaded, so a key Hanko
//     removed stops being honoured within this bound.
//   - unknownKIDEvery: at most one extra fetch per this interval, triggered by a
//     token with an unknown kid (a rotation) or by the retry loop while no keys
//     are loaded (Hanko was down at start-up).
//   - unknownKIDWaitMax: how long a request may wait for that limiter, fetch
//     included. It is shorter than unknownKIDEvery on purpose: golang.org/x/time
//     /rate refuses at once a wait that would overrun the deadline, so at most
//     one request waits for the next fetch slot and every other unknown-kid
//     request fails fast instead of queueing a fetch of its own.
type jwksTiming struct {
	refreshEvery, unknownKIDEvery, unknownKIDWaitMax time.Duration
}

var defaultJWKSTiming = jwksTiming{
	refreshEvery:      time.Minute,
	unknownKIDEvery:   5 * time.Second,
	unknownKIDWaitMax: 3 * time.Second,
}

const retryWhileEmptyEvery = time.Second

var errNoKID = errors.New("token header has no kid")

// errKeysUnavailable marks a key lookup that failed because the keys could not
// be fetched, as opposed to a kid that is simply not in Hanko's JWKS.
var errKeysUnavailable = errors.New("signing keys unavailable")

// errEmptyJWKS is a refresh that would leave no keys. Hanko always publishes
// at least one signing key, so an empty set is a fault on the way (a proxy, a
// half-migrated Hanko), and the last good keys stay in use.
var errEmptyJWKS = errors.New("the JWKS lists no usable keys; keeping the keys already loaded")

// jwks wraps keyfunc's JWKS storage with the state this package needs to tell
// "unknown key" (401) from "cannot get keys" (503), and to report readiness.
type jwks struct {
	kf  keyfunc.Keyfunc // only keys meant for signatures
	all jwkset.Storage  // every key; a lookup of an unknown kid fetches (rate-limited)
	mem jwkset.Storage  // the keys loaded now, without fetching
	url string
	log *slog.Logger

	stats *stats // fetch outcomes, for Authenticator.Stats

	mu      sync.Mutex
	lastErr error // cause of the most recent failed fetch; nil after a good one
	fetches int64 // number of HTTP requests made to the JWKS URL
}

// newJWKS loads Hanko's JWKS. It never fails because Hanko is unreachable: the
// keys then load in the background, and ready reports why they are missing.
// removed is called with the kids a refresh no longer lists; st counts the
// outcome of every fetch.
func newJWKS(ctx context.Context, url string, o jwksTiming, base http.RoundTripper, log *slog.Logger, removed func(map[string]bool), st *stats) (*jwks, error) {
	if o.unknownKIDWaitMax >= o.unknownKIDEvery {
		return nil, fmt.Errorf("auth: the unknown-kid wait (%s) must be shorter than the unknown-kid fetch interval (%s), or unknown-kid requests queue up fetches", o.unknownKIDWaitMax, o.unknownKIDEvery)
	}
	j := &jwks{url: url, log: log, stats: st, mem: &keepingStorage{Storage: jwkset.NewMemoryStorage(), removed: removed, stored: &st.jwksOK}}
	if base == nil {
		base = http.DefaultTransport
	}
	client := &http.Client{Transport: observedTransport{j: j, next: base, budget: o.unknownKIDWaitMax}}
	remote, err := jwkset.NewStorageFromHTTP(url, jwkset.HTTPClientStorageOptions{
		Client:                    client,
		Ctx:                       ctx,
		HTTPTimeout:               o.unknownKIDWaitMax,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       j.fetchFailed,
		RefreshInterval:           o.refreshEvery,
		Storage:                   j.mem,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", url, err)
	}
	j.all, err = jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{url: remote},
		RateLimitWaitMax:  o.unknownKIDWaitMax,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(o.unknownKIDEvery), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", url, err)
	}
	// A key published with "use": "enc" must not verify signatures (RFC 7517);
	// keys without "use" are allowed, as many JWKS omit it (Hanko sets "sig").
	j.kf, err = keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: j.all, UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", url, err)
	}
	go j.retryWhileEmpty(ctx)
	return j, nil
}

// keepingStorage is the in-memory key store behind the JWKS refresh. It
// refuses to replace loaded keys with an empty set, and reports the keys a
// refresh removed, so tokens they signed can be forgotten at once. Every
// successful fetch ends here, so it counts them in stored.
type keepingStorage struct {
	jwkset.Storage
	removed func(map[string]bool)
	stored  *atomic.Int64
}

func (s *keepingStorage) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	if len(given) == 0 {
		return errEmptyJWKS
	}
	old, err := s.Storage.KeyReadAll(ctx)
	if err != nil {
		return err
	}
	if err := s.Storage.KeyReplaceAll(ctx, given); err != nil {
		return err
	}
	s.stored.Add(1)
	gone := make(map[string]bool)
	for _, k := range old {
		gone[k.Marshal().KID] = true
	}
	for _, k := range given {
		delete(gone, k.Marshal().KID)
	}
	if len(gone) > 0 && s.removed != nil {
		s.removed(gone)
	}
	return nil
}

// observedTransport records the outcome of every JWKS request.
type observedTransport struct {
	j    *jwks
	next http.RoundTripper
	// budget is the time a fetch is normally given (keyfunc's HTTPTimeout).
	budget time.Duration
}

func (t observedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.j.mu.Lock()
	defer t.j.mu.Unlock()
	t.j.fetches++
	switch {
	case err != nil && cutShort(r, start, t.budget):
		// An unknown-kid lookup waited for the limiter and left its fetch
		// too little of RateLimitWaitMax: that says nothing about Hanko, so
		// it must not turn later unknown-kid requests into 503s.
	case err != nil:
		t.j.lastErr = err
		t.j.stats.jwksFailed.Add(1) // fetchFailed skips transport errors
	case resp.StatusCode != http.StatusOK:
		t.j.lastErr = fmt.Errorf("JWKS answered HTTP %d", resp.StatusCode)
	default:
		// A body that does not decode is reported through fetchFailed next.
		t.j.lastErr = nil
	}
	return resp, err
}

// cutShort reports whether a failed request ended because its context did,
// having started with less than half the normal budget left.
func cutShort(r *http.Request, start time.Time, budget time.Duration) bool {
	deadline, ok := r.Context().Deadline()
	return r.Context().Err() != nil && ok && deadline.Sub(start) < budget/2
}

func (j *jwks) fetchFailed(ctx context.Context, err error) {
	// Transport errors (*url.Error) were already judged and counted by
	// observedTransport.
	if ue := (*url.Error)(nil); !errors.As(err, &ue) {
		j.stats.jwksFailed.Add(1)
		j.mu.Lock()
		j.lastErr = err
		j.mu.Unlock()
	}
	j.log.WarnContext(ctx, "cannot refresh Hanko's signing keys (JWKS)", "url", j.url, "error", err)
}

// keyCount returns how many keys are loaded.
func (j *jwks) keyCount(ctx context.Context) int {
	keys, err := j.mem.KeyReadAll(ctx)
	if err != nil {
		return 0
	}
	return len(keys)
}

// ready is nil when keys are loaded, else says why not.
func (j *jwks) ready(ctx context.Context) error {
	if j.keyCount(ctx) > 0 {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.lastErr != nil {
		return fmt.Errorf("%w: %s: %v", errKeysUnavailable, j.url, j.lastErr)
	}
	return fmt.Errorf("%w: %s served no usable keys", errKeysUnavailable, j.url)
}

// retryWhileEmpty keeps asking for keys while none are loaded, so the server
// becomes ready within seconds of Hanko answering even if no request arrives.
// The lookup of a kid that cannot exist goes through keyfunc's unknown-kid
// limiter, so this shares the fetch budget with requests.
func (j *jwks) retryWhileEmpty(ctx context.Context) {
	t := time.NewTicker(retryWhileEmptyEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if j.keyCount(ctx) > 0 {
			continue
		}
		_, _ = j.all.KeyRead(ctx, "hanko-gin-readiness-probe")
		if j.keyCount(ctx) > 0 {
			j.log.InfoContext(ctx, "loaded Hanko's signing keys", "url", j.url)
		}
	}
}

// keyfunc returns the jwt.Keyfunc for one request. A failed lookup is marked
// with errKeysUnavailable when the reason is that keys cannot be fetched.
func (j *jwks) keyfunc(ctx context.Context) jwt.Keyfunc {
	inner := j.kf.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		// Hanko always names its key. Without a kid, keyfunc would try every
		// key in the JWKS (skipping its alg check) and a forged token would
		// cost one RSA verification per key.
		if kid, _ := t.Header["kid"].(string); kid == "" {
			return nil, errNoKID
		}
		key, err := inner(t)
		if err == nil {
			return key, nil
		}
		if j.keyCount(ctx) == 0 {
			return nil, errors.Join(errKeysUnavailable, err)
		}
		j.mu.Lock()
		fetchErr := j.lastErr
		j.mu.Unlock()
		if fetchErr != nil {
			return nil, errors.Join(errKeysUnavailable, fetchErr, err)
		}
		return nil, err
	}
}

// has reports whether a key with this kid is loaded.
func (j *jwks) has(ctx context.Context, kid string) bool {
	_, err := j.mem.KeyRead(ctx, kid)
	return err == nil
}

// fetchCount is the number of HTTP requests made for the JWKS (for tests and logs).
func (j *jwks) fetchCount() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fetches
}
