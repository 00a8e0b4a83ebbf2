package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// sessionValidation is Hanko's answer to POST /sessions/validate.
type sessionValidation struct {
	IsValid bool           `json:"is_valid"`
	Claims  *sessionClaims `json:"claims,omitempty"`
	// IdleExpiresAt is set when Hanko has an idle timeout for sessions.
	IdleExpiresAt *time.Time `json:"idle_expires_at,omitempty"`
	// Deprecated by Hanko, still sent: Claims.Expiration and Claims.Subject.
	ExpirationTime *time.Time `json:"expiration_time,omitempty"`
	UserID         string     `json:"user_id,omitempty"`
}

// sessionClaims are the token's claims as /sessions/validate renames them.
type sessionClaims struct {
	Subject    string     `json:"subject"`
	SessionID  string     `json:"session_id"`
	Audience   []string   `json:"audience,omitempty"`
	Issuer     string     `json:"issuer,omitempty"`
	IssuedAt   *time.Time `json:"issued_at,omitempty"`
	Expiration time.Time  `json:"expiration"`
	Email      *Email     `json:"email,omitempty"`
	Username   string     `json:"username,omitempty"`
	AMR        []string   `json:"amr,omitempty"`
	// Custom holds the claims from Hanko's session.jwt_template. Numbers are
	// json.Number, so large integers survive exactly.
	Custom map[string]any `json:"-"`
}

var sessionClaimNames = map[string]bool{
	"subject": true, "session_id": true, "audience": true, "issuer": true, "issued_at": true,
	"expiration": true, "email": true, "username": true, "amr": true,
}

// UnmarshalJSON keeps every claim: known ones in fields, the rest in Custom.
func (s *sessionClaims) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*s = sessionClaims{}
	custom, err := decodeMembers(raw, map[string]any{
		"subject": &s.Subject, "session_id": &s.SessionID, "audience": &s.Audience,
		"issuer": &s.Issuer, "issued_at": &s.IssuedAt, "expiration": &s.Expiration,
		"email": &s.Email, "username": &s.Username, "amr": &s.AMR,
	})
	if err != nil {
		return err
	}
	s.Custom = custom
	return nil
}

// MarshalJSON writes the known fields and the custom claims side by side, as
// Hanko does.
func (s sessionClaims) MarshalJSON() ([]byte, error) {
	type plain sessionClaims
	known, err := json.Marshal(plain(s))
	if err != nil || len(s.Custom) == 0 {
		return known, err
	}
	all := map[string]json.RawMessage{}
	if err := json.Unmarshal(known, &all); err != nil {
		return nil, err
	}
	for k, v := range s.Custom {
		if sessionClaimNames[k] {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		all[k] = b
	}
	return json.Marshal(all)
}

// Timeouts of the /sessions/validate call: connecting, and the whole call.
const (
	sessionCheckConnectTimeout = 2 * time.Second
	sessionCheckTimeout        = 3 * time.Second
	maxValidateResponseBytes   = 256 << 10
)

// sessionChecker confirms locally valid tokens with Hanko's
// POST /sessions/validate, caching answers for a short TTL and sharing one
// in-flight call between concurrent requests with the same token.
type sessionChecker struct {
	url    string
	client *http.Client
	ttl    time.Duration
	now    func() time.Time
	log    *slog.Logger

	answers *ttlCache[sessionAnswer]
	flight  singleflight.Group
	forgets atomic.Int64 // counts forgetUser calls: an answer asked for before one is not cached
	calls   atomic.Int64
	observe func(outcome string, latency time.Duration) // Config.OnSessionCheck; may be nil
	outage  atomic.Pointer[outage]                      // the last failure to reach Hanko, while it is fresh

	readyMu  sync.Mutex // guards the memo of the last readiness probe
	readyAt  time.Time
	readyErr error
}

// sessionAnswer is a cached answer of Hanko's for one token.
type sessionAnswer struct {
	valid  bool   // true: session valid; false: revoked or expired
	userID string // the token's subject, for forgetUser
}

// forgetUser drops the cached answers for the user's tokens and keeps an
// answer already being fetched from being cached.
func (s *sessionChecker) forgetUser(userID string) int {
	s.forgets.Add(1)
	return s.answers.deleteIf(func(a sessionAnswer) bool { return a.userID == userID })
}

// outage remembers a failed call for outageMemo, so that while Hanko is down
// or hanging, requests with other tokens answer 503 at once instead of each
// waiting for its own timeout and piling up connections to Hanko.
type outage struct {
	err   error
	until time.Time
}

const outageMemo = time.Second

func newSessionChecker(hankoURL string, ttl time.Duration, size int, base http.RoundTripper, now func() time.Time, log *slog.Logger) *sessionChecker {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: sessionCheckConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
		t.MaxIdleConnsPerHost = 64
		t.MaxConnsPerHost = 64 // bounds what a hanging Hanko can tie up
		t.ResponseHeaderTimeout = sessionCheckTimeout
		base = t
	}
	if ttl <= 0 {
		size = 0 // no caching: every request asks Hanko (still one call per token at a time)
	}
	return &sessionChecker{
		url:     hankoURL + "/sessions/validate",
		client:  &http.Client{Transport: base, Timeout: sessionCheckTimeout},
		ttl:     ttl,
		now:     now,
		log:     log,
		answers: newTTLCache[sessionAnswer](size),
	}
}

var errSessionEnded = errors.New("hanko: session is not valid (revoked, logged out or expired)")

// check returns nil when Hanko confirms the session, an *Error otherwise.
func (s *sessionChecker) check(ctx context.Context, token string, k tokenKey, claims *Claims) error {
	now := s.now()
	if ans, ok := s.answers.get(k, now); ok {
		return s.verdict(ans.valid)
	}
	if o := s.outage.Load(); o != nil && now.Before(o.until) {
		return o.err
	}
	v, err, _ := s.flight.Do(string(k[:]), func() (any, error) {
		// Detached from the first caller's cancellation: the answer is shared.
		ctx := context.WithoutCancel(ctx)
		forgets := s.forgets.Load()
		start := time.Now()
		ans, err := s.call(ctx, token)
		latency := time.Since(start)
		if err != nil {
			s.outage.Store(&outage{err: err, until: s.now().Add(outageMemo)})
			s.report(SessionUnavailable, latency)
			return false, err
		}
		s.outage.Store(nil)
		valid := ans.IsValid && ans.Claims != nil && ans.Claims.SessionID == claims.SessionID && ans.Claims.Subject == claims.UserID
		if ans.IsValid && !valid {
			s.report(SessionUnavailable, latency)
			return false, errUnavailable("Hanko's session check answered for a different session.", errors.New("hanko: /sessions/validate claims do not match the token"))
		}
		if valid {
			s.report(SessionValid, latency)
		} else {
			s.report(SessionInvalid, latency)
		}
		expires := s.now().Add(s.ttl)
		if exp := claims.ExpiresAt; exp.Before(expires) {
			expires = exp
		}
		if ans.IdleExpiresAt != nil && ans.IdleExpiresAt.Before(expires) {
			expires = *ans.IdleExpiresAt
		}
		if s.forgets.Load() == forgets { // else a forgetUser ran meanwhile: the answer may predate it
			s.answers.put(k, sessionAnswer{valid: valid, userID: claims.UserID}, expires)
		}
		if !valid {
			s.log.InfoContext(ctx, "Hanko reports the session ended; refusing it", "user_id", claims.UserID, "session_id", claims.SessionID)
		}
		return valid, nil
	})
	if err != nil {
		return err
	}
	return s.verdict(v.(bool))
}

// report passes one call's outcome to Config.OnSessionCheck.
func (s *sessionChecker) report(outcome string, latency time.Duration) {
	if s.observe != nil {
		s.observe(outcome, latency)
	}
}

func (s *sessionChecker) verdict(valid bool) error {
	if valid {
		return nil
	}
	return errRevoked(errSessionEnded)
}

// call does one POST /sessions/validate. Every failure to get a documented
// answer is a 503: the session cannot be judged.
func (s *sessionChecker) call(ctx context.Context, token string) (*sessionValidation, error) {
	n := s.calls.Add(1)
	body, _ := json.Marshal(map[string]string{"session_token": token})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return nil, errUnavailable("Hanko's session check cannot be called.", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, s.unavailable("Hanko's session check timed out; try again shortly.", err)
		}
		return nil, s.unavailable("Hanko is unreachable, so the session cannot be checked; try again shortly.", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxValidateResponseBytes))
	if err != nil {
		return nil, s.unavailable("Hanko's session check was interrupted; try again shortly.", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, s.unavailable("Hanko's session check failed; try again shortly.", fmt.Errorf("POST %s answered HTTP %d", s.url, resp.StatusCode))
	}
	var ans sessionValidation
	var present struct {
		IsValid *bool `json:"is_valid"`
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" || json.Unmarshal(raw, &present) != nil || present.IsValid == nil || json.Unmarshal(raw, &ans) != nil {
		return nil, s.unavailable("Hanko's session check gave an unexpected answer; try again shortly.", fmt.Errorf("POST %s answered %q that is not the documented JSON", s.url, mt))
	}
	s.log.Debug("Hanko session check", "is_valid", ans.IsValid, "latency", time.Since(start), "remote_calls_total", n)
	return &ans, nil
}

func (s *sessionChecker) unavailable(message string, cause error) error {
	s.log.Warn("Hanko session check failed", "url", s.url, "error", cause)
	return errUnavailable(message, cause)
}

// ready reports whether Hanko's API answers (any HTTP answer below 500 to a
// GET of the validate endpoint counts: Hanko is up). /readyz is public, so the
// result is reused for a second rather than letting every probe call Hanko.
func (s *sessionChecker) ready(ctx context.Context) error {
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if now := s.now(); now.Sub(s.readyAt) < readyMemo && !now.Before(s.readyAt) {
		return s.readyErr
	}
	s.readyErr, s.readyAt = s.probe(ctx), s.now()
	return s.readyErr
}

const readyMemo = time.Second

func (s *sessionChecker) probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("Hanko's session check endpoint is unreachable: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return fmt.Errorf("Hanko's session check endpoint answered HTTP %d", resp.StatusCode)
	}
	return nil
}
