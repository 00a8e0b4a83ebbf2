package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// JWKS timing. Hanko serves its JWKS with Cache-Control: max-age=600.
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
const (
	defaultRefreshEvery      = time.Minute
	defaultUnknownKIDEvery   = 5 * time.Second
	defaultUnknownKIDWaitMax = 3 * time.Second
	retryWhileEmptyEvery     = time.Second
)

var errNoKID = errors.New("token header has no kid")

// errKeysUnavailable marks a key lookup that failed because the keys could not
// be fetched, as opposed to a kid that is simply not in Hanko's JWKS.
var errKeysUnavailable = errors.New("signing keys unavailable")

// jwks wraps keyfunc's JWKS storage with the state this package needs to tell
// "unknown key" (401) from "cannot get keys" (503), and to report readiness.
type jwks struct {
	kf  keyfunc.Keyfunc // owns the JWKS storage and its refresh
	sig keyfunc.Keyfunc // the same storage, only keys meant for signatures
	url string
	log *slog.Logger

	mu      sync.Mutex
	lastErr error // cause of the most recent failed fetch; nil after a good one
	fetches int64 // number of HTTP requests made to the JWKS URL
}

type jwksOptions struct {
	refreshEvery, unknownKIDEvery, unknownKIDWaitMax time.Duration
	client                                           *http.Client
}

// newJWKS loads Hanko's JWKS. It never fails because Hanko is unreachable: the
// keys then load in the background, and ready reports why they are missing.
func newJWKS(ctx context.Context, url string, o jwksOptions, log *slog.Logger) (*jwks, error) {
	j := &jwks{url: url, log: log}
	base := http.DefaultTransport
	if o.client != nil && o.client.Transport != nil {
		base = o.client.Transport
	}
	client := &http.Client{Transport: observedTransport{j: j, next: base, budget: o.unknownKIDWaitMax}}
	noError := true
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{url}, keyfunc.Override{
		Client:                    client,
		HTTPTimeout:               o.unknownKIDWaitMax,
		NoErrorReturnFirstHTTPReq: &noError,
		RateLimitWaitMax:          o.unknownKIDWaitMax,
		RefreshInterval:           o.refreshEvery,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(o.unknownKIDEvery), 1),
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return j.fetchFailed
		},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", url, err)
	}
	j.kf = kf
	// A key published with "use": "enc" must not verify signatures (RFC 7517);
	// keys without "use" are allowed, as many JWKS omit it (Hanko sets "sig").
	j.sig, err = keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: kf.Storage(), UseWhitelist: []jwkset.USE{jwkset.UseSig, ""}})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", url, err)
	}
	go j.retryWhileEmpty(ctx)
	return j, nil
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
	// Transport errors (*url.Error) were already judged by observedTransport.
	if ue := (*url.Error)(nil); !errors.As(err, &ue) {
		j.mu.Lock()
		j.lastErr = err
		j.mu.Unlock()
	}
	j.log.WarnContext(ctx, "cannot refresh Hanko's signing keys (JWKS)", "url", j.url, "error", err)
}

// keyCount returns how many keys are loaded.
func (j *jwks) keyCount(ctx context.Context) int {
	keys, err := j.kf.Storage().KeyReadAll(ctx)
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
		_, _ = j.kf.Storage().KeyRead(ctx, "hanko-gin-readiness-probe")
		if j.keyCount(ctx) > 0 {
			j.log.InfoContext(ctx, "loaded Hanko's signing keys", "url", j.url)
		}
	}
}

// keyfunc returns the jwt.Keyfunc for one request. A failed lookup is marked
// with errKeysUnavailable when the reason is that keys cannot be fetched.
func (j *jwks) keyfunc(ctx context.Context) jwt.Keyfunc {
	inner := j.sig.KeyfuncCtx(ctx)
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

// fetchCount is the number of HTTP requests made for the JWKS (for tests and logs).
func (j *jwks) fetchCount() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fetches
}
