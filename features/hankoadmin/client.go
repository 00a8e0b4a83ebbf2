// Package hankoadmin is a small client of Hanko's admin API: the calls a
// backend needs to find out which users still exist, to read and merge-patch
// their metadata (where roles live), and to end their sessions.
//
// Self-hosted Hanko serves the admin API on its own port (8001) with no
// authentication at all, so it must stay on an internal network; Hanko Cloud
// serves it with an API key, sent here as "Authorization: Bearer".
//
// The client never guesses. A user counts as deleted only when Hanko itself
// says so: a 404 in Hanko's JSON error shape, {"code":404,"message":"user not
// found"}, which the methods report as ErrNotFound. Everything else that is
// not a proper answer (no connection, a timeout, a 5xx, a refused API key, a
// 404 from a wrong URL, a body that is not Hanko's) is an *Error whose text is
// a sentence fit for a command line.
package hankoadmin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	// DefaultTimeout bounds a whole call: connecting, sending, and reading the answer.
	DefaultTimeout = 10 * time.Second
	// DefaultConnectTimeout bounds establishing the connection.
	DefaultConnectTimeout = 2 * time.Second
	// MaxResponseBytes bounds how much of an answer is read.
	MaxResponseBytes = 4 << 20
)

// Client calls one Hanko admin API. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	apiKey  string
	timeout time.Duration
	http    *http.Client
}

type settings struct {
	timeout, connect time.Duration
	transport        http.RoundTripper
}

// Option adjusts a Client.
type Option func(*settings)

// WithTimeout bounds each call (DefaultTimeout otherwise).
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// WithConnectTimeout bounds connecting (DefaultConnectTimeout otherwise). It
// has no effect together with WithTransport.
func WithConnectTimeout(d time.Duration) Option { return func(s *settings) { s.connect = d } }

// WithTransport sends requests through rt instead of the client's own pooled
// transport; for tests.
func WithTransport(rt http.RoundTripper) Option { return func(s *settings) { s.transport = rt } }

// New returns a client of the admin API at baseURL, an absolute http(s) URL
// such as "http://hanko:8001" (a path prefix is kept). apiKey may be empty
// (self-hosted Hanko); when set it is sent as a bearer token and never shown.
func New(baseURL, apiKey string, opts ...Option) (*Client, error) {
	base, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	if strings.ContainsFunc(apiKey, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("the admin API key contains spaces or control characters")
	}
	s := settings{timeout: DefaultTimeout, connect: DefaultConnectTimeout}
	for _, o := range opts {
		o(&s)
	}
	if s.timeout <= 0 || s.connect <= 0 {
		return nil, errors.New("hankoadmin: timeouts must be positive")
	}
	rt := s.transport
	if rt == nil {
		dialer := &net.Dialer{Timeout: s.connect, KeepAlive: 30 * time.Second}
		rt = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: min(5*time.Second, s.timeout),
			MaxIdleConns:        16,
			MaxIdleConnsPerHost: 8,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		}
	}
	return &Client{
		base:    base,
		apiKey:  apiKey,
		timeout: s.timeout,
		http: &http.Client{
			Transport: rt,
			// An admin API does not redirect; following one could carry the
			// key elsewhere or hide a wrong URL.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("the admin API URL is not a URL: %v", err)
	}
	shown := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("the admin API URL %q must be an absolute http(s) URL, like http://hanko:8001", shown)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("the admin API URL %q has no host", shown)
	case u.User != nil:
		return nil, fmt.Errorf("the admin API URL %q must not carry credentials; use the API key", shown)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("the admin API URL %q must not have a query or fragment", shown)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// URL returns the admin API's base URL, as given to New (it never carries
// credentials: New refuses them; the API key is not part of it).
func (c *Client) URL() string { return c.base.String() }

// SendsKeyInTheClear reports whether the client sends an API key over plain
// http to another machine: anyone on the network path could read the key and
// change every user's metadata. Loopback and single-label hosts (a compose
// service such as "hanko") count as the same machine or network.
func (c *Client) SendsKeyInTheClear() bool {
	if c.apiKey == "" || c.base.Scheme != "http" {
		return false
	}
	host := c.base.Hostname()
	if host == "localhost" || !strings.Contains(host, ".") && !strings.Contains(host, ":") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// String describes the client without its API key.
func (c *Client) String() string {
	key := "no API key"
	if c.apiKey != "" {
		key = "API key set"
	}
	return fmt.Sprintf("hankoadmin.Client(%s, %s)", c.base, key)
}

// GoString is String, so that %#v does not print the key either.
func (c *Client) GoString() string { return c.String() }

// answer is a response read in full.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// call is one request, for error messages: "GET /users/{id}".
type call struct {
	method string
	path   []string
	query  url.Values
}

func (k call) String() string {
	s := k.method + " /" + strings.Join(k.path, "/")
	if len(k.query) > 0 {
		s += "?" + k.query.Encode()
	}
	if len(s) > 120 { // a batch of user ids
		s = s[:120] + "…"
	}
	return s
}

func (c *Client) do(parent context.Context, k call, body []byte) (*answer, error) {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	u := c.base.JoinPath(k.path...)
	u.RawQuery = k.query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "hanko-gin-hankoadmin")
	if body != nil {
		// Hanko's binder takes application/json only (415 for
		// application/merge-patch+json), even for the merge patch.
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(parent, k, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, c.transportError(parent, k, err)
	}
	if len(b) > MaxResponseBytes {
		return nil, c.fail(k, res.StatusCode, "", nil,
			fmt.Sprintf("admin API at %s answered %s with more than %d MiB", c.base, k, MaxResponseBytes>>20))
	}
	return &answer{status: res.StatusCode, header: res.Header, body: b}, nil
}

// transportError explains a call that got no complete answer. parent is the
// caller's context: when it ended, the caller stopped the call.
func (c *Client) transportError(parent context.Context, k call, err error) error {
	var ue *url.Error
	cause := err
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	var ne net.Error
	switch {
	case parent.Err() != nil:
		return c.fail(k, 0, "", err, fmt.Sprintf("admin API call %s to %s was stopped: %v", k, c.base, parent.Err()))
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return c.fail(k, 0, "", err, fmt.Sprintf("admin API at %s did not answer %s within %s", c.base, k, c.timeout))
	}
	return c.fail(k, 0, "", err, fmt.Sprintf("admin API at %s is unreachable: %v", c.base, cause))
}

func (c *Client) fail(k call, status int, message string, cause error, text string) *Error {
	return &Error{Method: k.method, Path: "/" + strings.Join(k.path, "/"), Status: status, Message: message, Err: cause, text: text}
}

// hankoError returns the message of Hanko's JSON error body,
// {"code":<status>,"message":"..."}, and whether the body is one.
func hankoError(a *answer) (string, bool) {
	if !isJSON(a.header) {
		return "", false
	}
	var e struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	}
	if json.Unmarshal(a.body, &e) != nil || e.Code == nil || e.Message == nil || *e.Code != a.status {
		return "", false
	}
	return *e.Message, true
}

func isJSON(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// isUserNotFound reports Hanko's own answer for an unknown user. A 404 in any
// other form (echo's {"message":"Not Found"} for an unknown route, a proxy's
// page) says nothing about the user.
func isUserNotFound(a *answer) bool {
	msg, ok := hankoError(a)
	return a.status == http.StatusNotFound && ok && msg == "user not found"
}

// unexpected turns an answer the caller cannot use into an *Error.
func (c *Client) unexpected(k call, a *answer) *Error {
	msg, isHanko := hankoError(a)
	said := ""
	if isHanko && msg != "" {
		said = ": " + msg
	}
	switch {
	case a.status == http.StatusUnauthorized || a.status == http.StatusForbidden:
		if c.apiKey == "" {
			return c.fail(k, a.status, msg, nil, fmt.Sprintf("admin API at %s wants an API key (HTTP %d): set HANKO_ADMIN_API_KEY", c.base, a.status))
		}
		return c.fail(k, a.status, msg, nil, fmt.Sprintf("admin API refused the API key (HTTP %d): check HANKO_ADMIN_API_KEY", a.status))
	case a.status >= 500:
		return c.fail(k, a.status, msg, nil, fmt.Sprintf("admin API at %s failed on %s (HTTP %d%s)", c.base, k, a.status, said))
	case a.status == http.StatusBadRequest && isHanko:
		return c.fail(k, a.status, msg, nil, fmt.Sprintf("admin API at %s rejected %s (HTTP 400%s)", c.base, k, said))
	}
	return c.fail(k, a.status, msg, nil, fmt.Sprintf("admin API at %s answered %s with HTTP %d%s, which is not how Hanko's admin API answers: check HANKO_ADMIN_API_URL (self-hosted: the admin port, 8001)", c.base, k, a.status, said))
}

// decode reads a 200 answer's JSON into v and checks it with valid.
func (c *Client) decode(k call, a *answer, v any, valid func() bool) error {
	if !isJSON(a.header) {
		return c.fail(k, a.status, "", nil, fmt.Sprintf("admin API at %s answered %s with %q instead of JSON: check HANKO_ADMIN_API_URL", c.base, k, a.header.Get("Content-Type")))
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		return c.fail(k, a.status, "", err, fmt.Sprintf("admin API at %s answered %s with JSON that is not Hanko's (%v): check HANKO_ADMIN_API_URL", c.base, k, err))
	}
	if !valid() {
		return c.fail(k, a.status, "", nil, fmt.Sprintf("admin API at %s answered %s with JSON that is not Hanko's (ids missing or malformed): check HANKO_ADMIN_API_URL", c.base, k))
	}
	return nil
}
