package auth_test

// Shared helpers for the auth_test package (middleware, JWKS, extractor,
// claims and fuzz tests) and the tests against the real Hanko artifacts in
// testdata/hanko (see its README for how they were captured).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/auth"
)

func init() { gin.SetMode(gin.TestMode) }

// Times to pin for the fixtures (Unix seconds, from testdata/hanko/README.md).
const (
	fixtureNow        = 1795327816 // inside [iat, exp) of every captured token
	fixtureExp        = 1795367416 // token.jwt
	fixtureRotatedExp = 1795367431 // token-rotated.jwt
)

func readHankoFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hanko", name))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return b
}

func hankoFixtureToken(t testing.TB, name string) string {
	t.Helper()
	return strings.TrimSpace(string(readHankoFixture(t, name)))
}

// hankoCookieToken is the JWT from the raw Set-Cookie header in cookie.txt.
func hankoCookieToken(t testing.TB) *http.Cookie {
	t.Helper()
	line := strings.TrimSpace(string(readHankoFixture(t, "cookie.txt")))
	line, ok := strings.CutPrefix(line, "Set-Cookie: ")
	if !ok {
		t.Fatalf("cookie.txt does not start with Set-Cookie: %q", line[:20])
	}
	c, err := http.ParseSetCookie(line)
	if err != nil {
		t.Fatalf("cookie.txt: %v", err)
	}
	if c.Name != "hanko" || !c.HttpOnly || c.Value == "" {
		t.Fatalf("cookie.txt: unexpected cookie %+v", c)
	}
	return c
}

func clockAt(sec int64) func() time.Time {
	return func() time.Time { return time.Unix(sec, 0) }
}

// quietLogger drops log output so test logs stay readable.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Modes of a switchableJWKS server.
const (
	jwksServe   int32 = iota // serve the current body (200, application/json)
	jwksHTTP500              // HTTP 500
	jwksGarbage              // 200 with a body that is not JSON
	jwksDrop                 // close the connection without an answer (Hanko down)
	jwksEmpty                // 200 with {"keys":[]}
	jwksModes
)

// switchableJWKS is a stand-in Hanko whose JWKS endpoint behaviour a test
// switches atomically. It counts every JWKS request, and those per mode.
type switchableJWKS struct {
	URL    string
	srv    *httptest.Server
	mode   atomic.Int32
	body   atomic.Pointer[[]byte]
	served [jwksModes]atomic.Int64
	calls  atomic.Int64
	// next, when set, serves the body in jwksServe mode (e.g. an authtest
	// issuer's Handler, so rotations show up); it also serves any other path.
	next http.Handler
}

func newSwitchableJWKS(t testing.TB, body []byte, next http.Handler) *switchableJWKS {
	t.Helper()
	s := &switchableJWKS{next: next}
	s.setBody(body)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

func (s *switchableJWKS) setBody(b []byte) { s.body.Store(&b) }
func (s *switchableJWKS) setMode(m int32)  { s.mode.Store(m) }

func (s *switchableJWKS) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/.well-known/jwks.json" {
		if s.next != nil {
			s.next.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
		return
	}
	m := s.mode.Load()
	s.calls.Add(1)
	s.served[m].Add(1)
	switch m {
	case jwksHTTP500:
		http.Error(w, `{"code":500,"message":"Internal Server Error"}`, http.StatusInternalServerError)
	case jwksGarbage:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("<html>502 Bad Gateway</html>"))
	case jwksEmpty:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[]}`))
	case jwksDrop:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("httptest server cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			_ = conn.Close()
		}
	default:
		if s.next != nil {
			s.next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=600")
		_, _ = w.Write(*s.body.Load())
	}
}

// newAuth builds an Authenticator whose background work stops with the test.
func newAuth(t testing.TB, cfg auth.TestConfig) *auth.Authenticator {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	a, err := auth.NewForTest(ctx, cfg)
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	return a
}

// protectedEngine serves GET /p behind mw; the handler counts its runs and
// answers the session's user id, or "anonymous".
func protectedEngine(mw gin.HandlerFunc) (*gin.Engine, *atomic.Int64) {
	var ran atomic.Int64
	r := gin.New()
	r.GET("/p", mw, func(c *gin.Context) {
		ran.Add(1)
		claims, ok := auth.FromContext(c)
		if !ok {
			c.JSON(http.StatusOK, gin.H{"user": "anonymous"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": claims.UserID, "session": claims.SessionID})
	})
	return r, &ran
}

// request is one way of presenting a token.
type request struct {
	header string // Authorization header value; "" = none
	cookie *http.Cookie
}

func bearer(tok string) request { return request{header: "Bearer " + tok} }
func cookie(tok string) request {
	return request{cookie: &http.Cookie{Name: "hanko", Value: tok}}
}

func serve(h http.Handler, rq request) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/p", nil)
	if rq.header != "" {
		req.Header.Set("Authorization", rq.header)
	}
	if rq.cookie != nil {
		req.AddCookie(rq.cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Exact answers of the default ErrorHandler.
const (
	msgMissing      = "A session token is required."
	msgInvalid      = "The session token is invalid or has expired."
	challengeNoTok  = `Bearer realm="hanko"`
	challengeBadTok = `Bearer realm="hanko", error="invalid_token", error_description="The session token is invalid or has expired."`
)

// expectRefusal checks status, JSON body and challenge of a refusal.
func expectRefusal(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	var body map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q is not a JSON object of strings: %v", w.Body, err)
	}
	if len(body) != 2 || body["error"] != code || body["message"] == "" {
		t.Fatalf("body %v, want exactly error=%q and a message", body, code)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	challenge := w.Header().Values("WWW-Authenticate")
	switch {
	case status == http.StatusUnauthorized && code == auth.CodeUnauthorized:
		if body["message"] != msgMissing {
			t.Errorf("message %q, want %q", body["message"], msgMissing)
		}
		if len(challenge) != 1 || challenge[0] != challengeNoTok {
			t.Errorf("WWW-Authenticate %q, want [%q]", challenge, challengeNoTok)
		}
	case status == http.StatusUnauthorized && code == auth.CodeInvalidToken:
		if body["message"] != msgInvalid {
			t.Errorf("message %q, want %q", body["message"], msgInvalid)
		}
		if len(challenge) != 1 || challenge[0] != challengeBadTok {
			t.Errorf("WWW-Authenticate %q, want [%q]", challenge, challengeBadTok)
		}
	default:
		if len(challenge) != 0 {
			t.Errorf("WWW-Authenticate %q on a %d", challenge, status)
		}
	}
}

func expectUser(t *testing.T, w *httptest.ResponseRecorder, user string) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", w.Code, w.Body)
	}
	var body map[string]string
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body["user"] != user {
		t.Fatalf("user %q, want %q", body["user"], user)
	}
}

// payloadOf decodes a JWT's claims segment.
func payloadOf(t testing.TB, token string) []byte {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tamper changes one character in the middle of the signature (every bit of
// such a character is significant, unlike the last one's).
func tamper(token string) string {
	i := strings.LastIndexByte(token, '.') + 20
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// fixtureAuth serves jwksFile and verifies with the clock at now.
func fixtureAuth(t *testing.T, jwksFile string, now int64, audience ...string) (*auth.Authenticator, *switchableJWKS) {
	t.Helper()
	hanko := newSwitchableJWKS(t, readHankoFixture(t, jwksFile), nil)
	a := newAuth(t, auth.TestConfig{HankoAPIURL: hanko.URL, Now: clockAt(now), Audience: audience})
	if err := a.Ready(context.Background()); err != nil {
		t.Fatalf("Ready with %s: %v", jwksFile, err)
	}
	return a, hanko
}

func TestFixtureTokenVerifiesWithHankoClaims(t *testing.T) {
	a, _ := fixtureAuth(t, "jwks.json", fixtureNow)
	token := hankoFixtureToken(t, "token.jwt")
	if got := payloadOf(t, token); !bytes.Equal(got, bytes.TrimSpace(readHankoFixture(t, "token.claims.json"))) {
		t.Fatalf("token.claims.json is not token.jwt's payload:\n%s", got)
	}
	c, err := a.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify(token.jwt): %v", err)
	}

	// Exactly what token.claims.json says.
	want := auth.Claims{
		UserID:    "aea47542-16ce-43be-a987-8ff19b70ffa8",
		SessionID: "2397d24a-391a-411b-849d-9015ba99f26a",
		Email:     &auth.Email{Address: "t-84a349c4e101@example.test", IsPrimary: true, IsVerified: false},
		Audience:  []string{"localhost"},
		AMR:       []string{"pwd"},
	}
	got := *c
	if !got.IssuedAt.Equal(time.Unix(1795324216, 0)) || !got.ExpiresAt.Equal(time.Unix(fixtureExp, 0)) {
		t.Errorf("iat %v exp %v, want 1795324216 and %d", got.IssuedAt, got.ExpiresAt, fixtureExp)
	}
	if !got.NotBefore.IsZero() || got.Issuer != "" || got.Username != "" || got.Custom != nil {
		t.Errorf("claims Hanko does not send came out: nbf %v iss %q username %q custom %v", got.NotBefore, got.Issuer, got.Username, got.Custom)
	}
	got.IssuedAt, got.ExpiresAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("claims\n got %+v (email %+v)\nwant %+v (email %+v)", got, got.Email, want, want.Email)
	}

	// And the same as Hanko's own /sessions/validate answer for this token.
	var v auth.SessionValidation
	if err := json.Unmarshal(readHankoFixture(t, "validate-valid.json"), &v); err != nil {
		t.Fatal(err)
	}
	if !v.IsValid || v.Claims == nil {
		t.Fatalf("validate-valid.json: %+v", v)
	}
	vc := v.Claims
	if vc.Subject != c.UserID || vc.SessionID != c.SessionID || !reflect.DeepEqual(vc.Audience, []string(c.Audience)) ||
		!reflect.DeepEqual(vc.Email, c.Email) || !reflect.DeepEqual(vc.AMR, c.AMR) ||
		vc.IssuedAt == nil || !vc.IssuedAt.Equal(c.IssuedAt) || !vc.Expiration.Equal(c.ExpiresAt) || v.UserID != c.UserID {
		t.Errorf("verified claims %+v differ from validate-valid.json %+v", c, vc)
	}
}

func TestFixtureCookieTokenViaCookieTransport(t *testing.T) {
	a, _ := fixtureAuth(t, "jwks.json", fixtureNow)
	ck := hankoCookieToken(t)
	var p struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payloadOf(t, ck.Value), &p); err != nil || p.Sub == "" {
		t.Fatalf("cookie token payload: %v", err)
	}
	for _, mw := range []struct {
		name string
		h    gin.HandlerFunc
	}{{"require", a.RequireSession()}, {"optional", a.OptionalSession()}} {
		t.Run(mw.name, func(t *testing.T) {
			r, _ := protectedEngine(mw.h)
			expectUser(t, serve(r, request{cookie: &http.Cookie{Name: ck.Name, Value: ck.Value}}), p.Sub)
		})
	}
}

func TestFixtureRotation(t *testing.T) {
	old, rotated := hankoFixtureToken(t, "token.jwt"), hankoFixtureToken(t, "token-rotated.jwt")
	t.Run("rotated JWKS verifies both", func(t *testing.T) {
		a, _ := fixtureAuth(t, "jwks-rotated.json", fixtureNow)
		for name, tok := range map[string]string{"token.jwt": old, "token-rotated.jwt": rotated} {
			if _, err := a.Verify(context.Background(), tok); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("old JWKS lacks the new kid", func(t *testing.T) {
		a, hanko := fixtureAuth(t, "jwks.json", fixtureNow)
		before := hanko.calls.Load()
		_, err := a.Verify(context.Background(), rotated)
		expectCode(t, err, http.StatusUnauthorized, auth.CodeInvalidToken)
		if hanko.calls.Load() == before {
			t.Errorf("an unknown kid did not refetch the JWKS")
		}
	})
	t.Run("after exp both are refused", func(t *testing.T) {
		// 31s after the later exp: beyond the default 30s leeway for both.
		a, _ := fixtureAuth(t, "jwks-rotated.json", fixtureRotatedExp+31)
		for name, tok := range map[string]string{"token.jwt": old, "token-rotated.jwt": rotated} {
			_, err := a.Verify(context.Background(), tok)
			expectCode(t, err, http.StatusUnauthorized, auth.CodeInvalidToken)
			if err != nil && !strings.Contains(err.Error(), "expired") {
				t.Errorf("%s refused for %v, want expiry", name, err)
			}
		}
	})
}

func TestFixtureTamperedAndAudience(t *testing.T) {
	token := hankoFixtureToken(t, "token.jwt")
	tests := []struct {
		name     string
		audience []string
		token    string
		ok       bool
	}{
		{"untouched", nil, token, true},
		{"tampered signature", nil, tamper(token), false},
		{"tampered claims", nil, strings.Replace(token, ".eyJhbXIiOlsicHdkIl0", ".eyJhbXIiOlsicHdkIV0", 1), false},
		{"aud localhost", []string{"localhost"}, token, true},
		{"aud among several", []string{"example.com", "localhost"}, token, true},
		{"aud other", []string{"other"}, token, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.token == token && tt.name != "untouched" && tt.audience == nil {
				t.Fatal("tampering did not change the token")
			}
			a, _ := fixtureAuth(t, "jwks.json", fixtureNow, tt.audience...)
			_, err := a.Verify(context.Background(), tt.token)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			expectCode(t, err, http.StatusUnauthorized, auth.CodeInvalidToken)
		})
	}
}

func expectCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want %d %s", status, code)
	}
	e, ok := errors.AsType[*auth.Error](err)
	if !ok {
		t.Fatalf("error %v is not an *auth.Error", err)
	}
	if e.Status != status || e.Code != code {
		t.Fatalf("got %d %s (%v), want %d %s", e.Status, e.Code, err, status, code)
	}
}
