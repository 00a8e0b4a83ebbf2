package auth_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// mwNow is the pinned clock of the middleware tests.
var mwNow = time.Unix(fixtureNow, 0)

// newMWHanko starts a stand-in Hanko and an Authenticator against it, both
// with the clock pinned at mwNow. Unknown-kid refreshes are quick.
func newMWHanko(t *testing.T, cfg auth.TestConfig) (*authtest.Server, *auth.Authenticator) {
	t.Helper()
	hanko := authtest.NewServer(authtest.WithClock(func() time.Time { return mwNow }))
	t.Cleanup(hanko.Close)
	cfg.HankoAPIURL = hanko.URL
	cfg.Now = func() time.Time { return mwNow }
	cfg.JWKSUnknownKIDEvery = 200 * time.Millisecond
	cfg.JWKSUnknownKIDWaitMax = 100 * time.Millisecond
	return hanko, newAuth(t, cfg)
}

func genRSA(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signAlg signs claims with any method and key, with the given kid.
func signAlg(t testing.TB, m jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("signing %s: %v", m.Alg(), err)
	}
	return s
}

// signHeader signs claims with RS256 and exactly the given header.
func signHeader(t testing.TB, key *rsa.PrivateKey, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header = header
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claimsWith returns a valid Hanko claim set for user-1, changed by edit.
func claimsWith(hanko *authtest.Server, edit func(jwt.MapClaims)) jwt.MapClaims {
	c := hanko.Claims(authtest.Session{UserID: "user-1", Email: "u1@example.test"})
	if edit != nil {
		edit(c)
	}
	return c
}

func TestRequireSession(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	key := hanko.SigningKey()
	valid := hanko.Token(authtest.Session{UserID: "user-1"})
	other := genRSA(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.Private.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&key.Private.PublicKey)})
	sign := func(edit func(jwt.MapClaims)) string { return hanko.Sign(claimsWith(hanko, edit)) }
	at := func(d time.Duration) int64 { return mwNow.Add(d).Unix() }
	good := claimsWith(hanko, nil)
	none := signAlg(t, jwt.SigningMethodNone, key.ID, jwt.UnsafeAllowNoneSignatureType, good)
	kidNumber := signHeader(t, key.Private, map[string]any{"alg": "RS256", "kid": 7}, good)
	noKid := signHeader(t, other, map[string]any{"alg": "RS256", "typ": "JWT"}, good)

	const (
		ok      = ""
		missing = auth.CodeUnauthorized
		invalid = auth.CodeInvalidToken
	)
	tests := []struct {
		name string
		req  request
		want string // ok, or the error code of a 401
	}{
		{"bearer", bearer(valid), ok},
		{"bearer lower-case scheme", request{header: "bearer " + valid}, ok},
		{"bearer upper-case scheme", request{header: "BEARER " + valid}, ok},
		{"bearer extra spaces", request{header: "Bearer   " + valid + "  "}, ok},
		{"cookie", cookie(valid), ok},
		{"bearer wins over a bad cookie", request{header: "Bearer " + valid, cookie: &http.Cookie{Name: "hanko", Value: "garbage"}}, ok},
		{"bad bearer wins over a good cookie", request{header: "Bearer garbage", cookie: &http.Cookie{Name: "hanko", Value: valid}}, invalid},

		{"no token", request{}, missing},
		{"empty cookie", cookie(""), missing},
		{"other cookie name", request{cookie: &http.Cookie{Name: "session", Value: valid}}, missing},
		{"scheme only", request{header: "Bearer"}, missing},
		{"scheme and space", request{header: "Bearer "}, missing},
		{"scheme and spaces", request{header: "Bearer    "}, missing},
		{"basic", request{header: "Basic dXNlcjpwYXNz"}, missing},
		{"token without scheme", request{header: valid}, missing},
		{"scheme glued to token", request{header: "Bearer" + valid}, missing},
		{"garbage", bearer("garbage"), invalid},
		{"two dots", bearer(".."), invalid},
		{"two parts", bearer("eyJhbGciOiJSUzI1NiJ9.e30"), invalid},
		{"four parts", bearer(valid + ".eyJ9"), invalid},
		{"non-base64 segments", bearer("!!!.@@@.###"), invalid},
		{"non-base64 signature", bearer(valid[:strings.LastIndexByte(valid, '.')+1] + "***"), invalid},
		{"bearer then a second token", bearer(valid + " " + valid), invalid},
		{"tampered signature", bearer(tamper(valid)), invalid},
		{"signature removed", bearer(valid[:strings.LastIndexByte(valid, '.')+1]), invalid},

		{"expired beyond leeway", bearer(sign(func(c jwt.MapClaims) { c["iat"] = at(-12 * time.Hour); c["exp"] = at(-31 * time.Second) })), invalid},
		{"expired within leeway", bearer(sign(func(c jwt.MapClaims) { c["iat"] = at(-12 * time.Hour); c["exp"] = at(-29 * time.Second) })), ok},
		{"nbf in future beyond leeway", bearer(sign(func(c jwt.MapClaims) { c["nbf"] = at(31 * time.Second) })), invalid},
		{"nbf in future within leeway", bearer(sign(func(c jwt.MapClaims) { c["nbf"] = at(29 * time.Second) })), ok},
		{"iat in future beyond leeway", bearer(sign(func(c jwt.MapClaims) { c["iat"] = at(31 * time.Second) })), invalid},
		{"iat in future within leeway", bearer(sign(func(c jwt.MapClaims) { c["iat"] = at(29 * time.Second) })), ok},
		{"missing exp", bearer(sign(func(c jwt.MapClaims) { delete(c, "exp") })), invalid},
		{"exp null", bearer(sign(func(c jwt.MapClaims) { c["exp"] = nil })), invalid},
		{"exp 0", bearer(sign(func(c jwt.MapClaims) { c["exp"] = 0 })), invalid},
		{"exp negative", bearer(sign(func(c jwt.MapClaims) { c["exp"] = -1 })), invalid},
		{"exp as a string", bearer(sign(func(c jwt.MapClaims) { c["exp"] = "1795367416" })), invalid},
		{"iat as a string", bearer(sign(func(c jwt.MapClaims) { c["iat"] = "1795324216" })), invalid},
		{"nbf as a string", bearer(sign(func(c jwt.MapClaims) { c["nbf"] = "1795324216" })), invalid},
		{"exp as an object", bearer(sign(func(c jwt.MapClaims) { c["exp"] = map[string]any{"t": 1795367416} })), invalid},
		{"missing sub", bearer(sign(func(c jwt.MapClaims) { delete(c, "sub") })), invalid},
		{"empty sub", bearer(sign(func(c jwt.MapClaims) { c["sub"] = "" })), invalid},
		{"sub not a string", bearer(sign(func(c jwt.MapClaims) { c["sub"] = 42 })), invalid},
		{"missing session_id", bearer(sign(func(c jwt.MapClaims) { delete(c, "session_id") })), invalid},
		{"empty session_id", bearer(sign(func(c jwt.MapClaims) { c["session_id"] = "" })), invalid},

		{"wrong key with the right kid", bearer(hanko.SignWith(authtest.Key{ID: key.ID, Private: other}, good)), invalid},
		{"unknown kid", bearer(hanko.SignWith(authtest.Key{ID: "not-in-the-jwks", Private: other}, good)), invalid},
		{"kid not a string", bearer(kidNumber), invalid},
		{"no kid", bearer(noKid), invalid},
		{"alg none", bearer(none), invalid},
		{"alg none without signature segment", bearer(strings.TrimSuffix(none, ".")), invalid},
		{"HS256 keyed with the public key PEM", bearer(signAlg(t, jwt.SigningMethodHS256, key.ID, pubPEM, good)), invalid},
		{"HS256 keyed with the PKCS1 PEM", bearer(signAlg(t, jwt.SigningMethodHS256, key.ID, pkcs1PEM, good)), invalid},
		{"HS256 keyed with the public key DER", bearer(signAlg(t, jwt.SigningMethodHS256, key.ID, pubDER, good)), invalid},
		{"RS384 by the right key", bearer(signAlg(t, jwt.SigningMethodRS384, key.ID, key.Private, good)), invalid},
		{"RS512 by the right key", bearer(signAlg(t, jwt.SigningMethodRS512, key.ID, key.Private, good)), invalid},
		{"PS256 by the right key", bearer(signAlg(t, jwt.SigningMethodPS256, key.ID, key.Private, good)), invalid},
		{"ES256", bearer(signAlg(t, jwt.SigningMethodES256, key.ID, ec, good)), invalid},
	}
	r, ran := protectedEngine(a.RequireSession())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ran.Load()
			w := serve(r, tt.req)
			if tt.want == ok {
				expectUser(t, w, "user-1")
				if ran.Load() != before+1 {
					t.Fatal("handler did not run once")
				}
				return
			}
			expectRefusal(t, w, http.StatusUnauthorized, tt.want)
			if ran.Load() != before {
				t.Fatal("handler ran for a refused request")
			}
		})
	}
}

func TestRequireSessionCookieName(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{CookieName: "sid"})
	valid := hanko.Token(authtest.Session{UserID: "user-1"})
	r, ran := protectedEngine(a.RequireSession())
	expectUser(t, serve(r, request{cookie: &http.Cookie{Name: "sid", Value: valid}}), "user-1")
	expectRefusal(t, serve(r, cookie(valid)), http.StatusUnauthorized, auth.CodeUnauthorized)
	expectRefusal(t, serve(r, request{header: "Bearer " + valid + "x", cookie: &http.Cookie{Name: "sid", Value: valid}}), http.StatusUnauthorized, auth.CodeInvalidToken)
	if ran.Load() != 1 {
		t.Fatalf("handler ran %d times, want 1", ran.Load())
	}
}

func TestRequireSessionAudienceIssuer(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{Audience: []string{"app.example", "localhost"}, Issuer: "https://hanko.example"})
	tok := func(aud any, iss any) string {
		return hanko.Sign(claimsWith(hanko, func(c jwt.MapClaims) {
			if aud == nil {
				delete(c, "aud")
			} else {
				c["aud"] = aud
			}
			if iss == nil {
				delete(c, "iss")
			} else {
				c["iss"] = iss
			}
		}))
	}
	const right = "https://hanko.example"
	tests := []struct {
		name string
		aud  any
		iss  any
		ok   bool
	}{
		{"aud and iss right", []string{"localhost"}, right, true},
		{"aud array with one configured value", []string{"other", "app.example"}, right, true},
		{"aud array with both configured values", []string{"app.example", "localhost"}, right, true},
		{"aud as a string", "app.example", right, true},
		{"aud wrong", []string{"other"}, right, false},
		{"aud wrong array", []string{"other", "localhost.evil"}, right, false},
		{"aud empty array", []string{}, right, false},
		{"aud missing", nil, right, false},
		{"aud differs in case", []string{"LOCALHOST"}, right, false},
		{"iss wrong", []string{"localhost"}, "https://evil.example", false},
		{"iss with trailing slash", []string{"localhost"}, right + "/", false},
		{"iss missing", []string{"localhost"}, nil, false},
	}
	r, ran := protectedEngine(a.RequireSession())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ran.Load()
			w := serve(r, bearer(tok(tt.aud, tt.iss)))
			if tt.ok {
				expectUser(t, w, "user-1")
				return
			}
			expectRefusal(t, w, http.StatusUnauthorized, auth.CodeInvalidToken)
			if ran.Load() != before {
				t.Fatal("handler ran")
			}
		})
	}
}

func TestOversizedTokenRefusedWithoutFetch(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	rogue := authtest.Key{ID: "rogue-kid", Private: genRSA(t)}
	// A validly signed token with an unknown kid: verifying it would fetch
	// the JWKS, so a fetch shows the token was parsed.
	withPadding := func(n int) string {
		return hanko.SignWith(rogue, claimsWith(hanko, func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", n) }))
	}
	big := withPadding(auth.DefaultMaxTokenBytes)
	if len(big) <= auth.DefaultMaxTokenBytes {
		t.Fatalf("token is only %d bytes", len(big))
	}
	r, ran := protectedEngine(a.RequireSession())
	before := hanko.JWKSCalls()
	for _, rq := range []request{bearer(big), cookie(big)} {
		expectRefusal(t, serve(r, rq), http.StatusUnauthorized, auth.CodeInvalidToken)
	}
	if n := hanko.JWKSCalls() - before; n != 0 {
		t.Fatalf("oversized token caused %d JWKS fetches", n)
	}
	// Control: the same kind of token under the limit is parsed (and fetches).
	small := withPadding(auth.DefaultMaxTokenBytes / 2)
	expectRefusal(t, serve(r, bearer(small)), http.StatusUnauthorized, auth.CodeInvalidToken)
	if hanko.JWKSCalls() == before {
		t.Fatal("control: an unknown kid under the size limit did not fetch; the assertion above proves nothing")
	}
	if ran.Load() != 0 {
		t.Fatal("handler ran")
	}
	// A validly signed token just over a custom MaxTokenBytes is refused too.
	_, small2 := newMWHanko(t, auth.TestConfig{MaxTokenBytes: 512})
	r2, _ := protectedEngine(small2.RequireSession())
	expectRefusal(t, serve(r2, bearer(hanko.Token(authtest.Session{}))), http.StatusUnauthorized, auth.CodeInvalidToken)
}

func TestOptionalSession(t *testing.T) {
	hanko, a := newMWHanko(t, auth.TestConfig{})
	valid := hanko.Token(authtest.Session{UserID: "user-1"})
	expired := hanko.Token(authtest.Session{UserID: "user-1", IssuedAt: mwNow.Add(-13 * time.Hour)})
	tests := []struct {
		name string
		req  request
		user string
	}{
		{"no token", request{}, "anonymous"},
		{"basic auth", request{header: "Basic dXNlcjpwYXNz"}, "anonymous"},
		{"garbage bearer", bearer("garbage"), "anonymous"},
		{"garbage cookie", cookie("a.b.c"), "anonymous"},
		{"expired", bearer(expired), "anonymous"},
		{"tampered", bearer(tamper(valid)), "anonymous"},
		{"alg none", bearer(signAlg(t, jwt.SigningMethodNone, hanko.SigningKey().ID, jwt.UnsafeAllowNoneSignatureType, claimsWith(hanko, nil))), "anonymous"},
		{"valid bearer", bearer(valid), "user-1"},
		{"valid cookie", cookie(valid), "user-1"},
	}
	r, ran := protectedEngine(a.OptionalSession())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ran.Load()
			w := serve(r, tt.req)
			expectUser(t, w, tt.user)
			if ran.Load() != before+1 {
				t.Fatal("handler did not run once")
			}
			if h := w.Header().Get("WWW-Authenticate"); h != "" {
				t.Fatalf("WWW-Authenticate %q on an optional route", h)
			}
		})
	}
}

func TestCustomErrorHandler(t *testing.T) {
	var got []*auth.Error
	h := func(c *gin.Context, e *auth.Error) {
		got = append(got, e)
		auth.SetChallenge(c, e)
		// Deliberately no Abort: the middleware must stop the chain itself.
		c.JSON(e.Status, gin.H{"problem": "custom:" + e.Code})
	}
	hanko, a := newMWHanko(t, auth.TestConfig{ErrorHandler: h})
	r, ran := protectedEngine(a.RequireSession())
	tests := []struct {
		name      string
		req       request
		code      string
		challenge string
	}{
		{"missing", request{}, auth.CodeUnauthorized, challengeNoTok},
		{"invalid", bearer("x.y.z"), auth.CodeInvalidToken, challengeBadTok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(r, tt.req)
			if w.Code != http.StatusUnauthorized || w.Body.String() != `{"problem":"custom:`+tt.code+`"}` {
				t.Fatalf("got %d %s", w.Code, w.Body)
			}
			if ch := w.Header().Get("WWW-Authenticate"); ch != tt.challenge {
				t.Fatalf("WWW-Authenticate %q, want %q", ch, tt.challenge)
			}
			if len(got) == 0 || got[len(got)-1].Code != tt.code {
				t.Fatalf("handler saw %v", got)
			}
		})
	}
	expectUser(t, serve(r, bearer(hanko.Token(authtest.Session{UserID: "u"}))), "u")
	if ran.Load() != 1 || len(got) != 2 {
		t.Fatalf("app handler ran %d times, error handler %d times; want 1 and 2", ran.Load(), len(got))
	}
}
