// Package authtest is a stand-in for Hanko in tests: it holds RSA signing keys,
// mints Hanko-shaped session tokens, and serves the two endpoints a backend
// calls, GET /.well-known/jwks.json and POST /sessions/validate, answering the
// way a real Hanko does (see auth/testdata/hanko for captured originals).
// Issuer.Sign signs any other claims with the same key, for the other tokens
// Hanko signs.
//
//	hanko := authtest.NewServer()
//	defer hanko.Close()
//	a, _ := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL})
//	token := hanko.Token(authtest.Session{UserID: "user-1", Email: "a@example.com"})
//	req.Header.Set("Authorization", "Bearer "+token)
package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Session describes the token to mint. Zero fields get Hanko's defaults: a
// random user and session id, aud ["localhost"], iat now, exp iat+12h.
type Session struct {
	UserID        string
	SessionID     string
	Email         string // empty: no email claim
	EmailVerified bool
	Username      string
	Audience      []string
	Issuer        string
	IssuedAt      time.Time
	ExpiresAt     time.Time
	// Custom claims, as Hanko's session.jwt_template adds them.
	Custom map[string]any
}

// Key is one RSA signing key with its kid.
type Key struct {
	ID      string
	Private *rsa.PrivateKey
}

// Issuer holds signing keys and mints tokens. The newest key signs, the JWKS
// lists all keys oldest first, as Hanko does.
type Issuer struct {
	mu      sync.RWMutex
	keys    []Key
	bits    int
	revoked map[string]bool // session ids
	now     func() time.Time

	jwksCalls     atomic.Int64
	validateCalls atomic.Int64
}

// Option configures an Issuer or Server.
type Option func(*Issuer)

// WithKeyBits sets the RSA modulus size (default 2048; real Hanko uses 4096).
func WithKeyBits(bits int) Option { return func(i *Issuer) { i.bits = bits } }

// WithClock sets the clock used for default iat and by /sessions/validate.
func WithClock(now func() time.Time) Option { return func(i *Issuer) { i.now = now } }

// WithKey uses the given key instead of generating one.
func WithKey(k Key) Option { return func(i *Issuer) { i.keys = append(i.keys, k) } }

// NewIssuer creates an Issuer with one fresh signing key.
func NewIssuer(opts ...Option) *Issuer {
	i := &Issuer{bits: 2048, revoked: map[string]bool{}, now: time.Now}
	for _, o := range opts {
		o(i)
	}
	if len(i.keys) == 0 {
		i.keys = append(i.keys, i.newKey())
	}
	return i
}

func (i *Issuer) newKey() Key {
	priv, err := rsa.GenerateKey(rand.Reader, i.bits)
	if err != nil {
		panic(fmt.Sprintf("authtest: generating an RSA key: %v", err))
	}
	return Key{ID: RandomUUID(), Private: priv}
}

// Now is the issuer's clock (time.Now unless WithClock set another).
func (i *Issuer) Now() time.Time { return i.now() }

// RotateKey adds a new signing key (which signs from now on) and returns it.
// The old keys stay in the JWKS, as in Hanko.
func (i *Issuer) RotateKey() Key {
	k := i.newKey()
	i.mu.Lock()
	i.keys = append(i.keys, k)
	i.mu.Unlock()
	return k
}

// RemoveKey drops a key from the JWKS; tokens signed with it stop verifying.
func (i *Issuer) RemoveKey(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for n, k := range i.keys {
		if k.ID == kid {
			i.keys = append(i.keys[:n:n], i.keys[n+1:]...)
			return
		}
	}
}

// SigningKey returns the key that signs new tokens.
func (i *Issuer) SigningKey() Key {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.keys[len(i.keys)-1]
}

// Revoke ends a session: /sessions/validate answers is_valid:false for it
// from now on, like Hanko after POST /logout.
func (i *Issuer) Revoke(sessionID string) {
	i.mu.Lock()
	i.revoked[sessionID] = true
	i.mu.Unlock()
}

// Claims returns the JWT claims Hanko would put into a token for s.
func (i *Issuer) Claims(s Session) jwt.MapClaims {
	if s.UserID == "" {
		s.UserID = RandomUUID()
	}
	if s.SessionID == "" {
		s.SessionID = RandomUUID()
	}
	if s.Audience == nil {
		s.Audience = []string{"localhost"}
	}
	if s.IssuedAt.IsZero() {
		s.IssuedAt = i.now()
	}
	if s.ExpiresAt.IsZero() {
		s.ExpiresAt = s.IssuedAt.Add(12 * time.Hour)
	}
	c := jwt.MapClaims{
		"sub":        s.UserID,
		"session_id": s.SessionID,
		"aud":        s.Audience,
		"iat":        s.IssuedAt.Unix(),
		"exp":        s.ExpiresAt.Unix(),
		"amr":        []string{"pwd"},
	}
	if s.Email != "" {
		c["email"] = map[string]any{"address": s.Email, "is_primary": true, "is_verified": s.EmailVerified}
	}
	if s.Username != "" {
		c["username"] = s.Username
	}
	if s.Issuer != "" {
		c["iss"] = s.Issuer
	}
	for k, v := range s.Custom {
		c[k] = v
	}
	return c
}

// Token mints a signed session token for s with the current signing key.
func (i *Issuer) Token(s Session) string {
	return i.Sign(i.Claims(s))
}

// Sign signs arbitrary claims with the current signing key (RS256, kid set),
// for tests that need tokens Hanko would never issue.
func (i *Issuer) Sign(claims jwt.MapClaims) string {
	return i.SignWith(i.SigningKey(), claims)
}

// SignWith signs claims with a specific key.
func (i *Issuer) SignWith(k Key, claims jwt.MapClaims) string {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = k.ID
	s, err := t.SignedString(k.Private)
	if err != nil {
		panic(fmt.Sprintf("authtest: signing: %v", err))
	}
	return s
}

// JWKS returns the public keys as Hanko's /.well-known/jwks.json does.
func (i *Issuer) JWKS() []byte {
	i.mu.RLock()
	defer i.mu.RUnlock()
	type jwk struct {
		Alg string `json:"alg"`
		E   string `json:"e"`
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		N   string `json:"n"`
		Use string `json:"use"`
	}
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range i.keys {
		pub := k.Private.PublicKey
		set.Keys = append(set.Keys, jwk{
			Alg: "RS256", Kid: k.ID, Kty: "RSA", Use: "sig",
			N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		})
	}
	b, _ := json.Marshal(set)
	return b
}

// JWKSCalls and ValidateCalls count the requests served so far.
func (i *Issuer) JWKSCalls() int64     { return i.jwksCalls.Load() }
func (i *Issuer) ValidateCalls() int64 { return i.validateCalls.Load() }

// Handler serves GET /.well-known/jwks.json and POST /sessions/validate.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		i.jwksCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=600")
		_, _ = w.Write(i.JWKS())
	})
	mux.HandleFunc("POST /sessions/validate", func(w http.ResponseWriter, r *http.Request) {
		i.validateCalls.Add(1)
		var body struct {
			SessionToken string `json:"session_token"`
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || body.SessionToken == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":400,"message":"code=400, message=session_token is a required field"}` + "\n"))
			return
		}
		_ = json.NewEncoder(w).Encode(i.Validate(body.SessionToken))
	})
	return mux
}

// ValidateResponse is Hanko's answer to POST /sessions/validate.
type ValidateResponse struct {
	IsValid        bool           `json:"is_valid"`
	Claims         map[string]any `json:"claims,omitempty"`
	ExpirationTime string         `json:"expiration_time,omitempty"`
	UserID         string         `json:"user_id,omitempty"`
}

// Validate judges a token as Hanko's /sessions/validate does: signature by one
// of the current keys, not expired, session not revoked.
func (i *Issuer) Validate(token string) ValidateResponse {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		i.mu.RLock()
		defer i.mu.RUnlock()
		for _, k := range i.keys {
			if k.ID == kid {
				return &k.Private.PublicKey, nil
			}
		}
		return nil, errors.New("unknown kid")
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(i.now), jwt.WithExpirationRequired())
	if err != nil {
		return ValidateResponse{IsValid: false}
	}
	sid, _ := claims["session_id"].(string)
	i.mu.RLock()
	revoked := i.revoked[sid]
	i.mu.RUnlock()
	if revoked {
		return ValidateResponse{IsValid: false}
	}
	out := map[string]any{}
	for k, v := range claims {
		switch k {
		case "sub":
			out["subject"] = v
		case "aud":
			out["audience"] = v
		case "iat", "exp":
			f, _ := v.(float64)
			name := map[string]string{"iat": "issued_at", "exp": "expiration"}[k]
			out[name] = time.Unix(int64(f), 0).UTC().Format(time.RFC3339)
		default:
			out[k] = v
		}
	}
	sub, _ := claims["sub"].(string)
	exp, _ := out["expiration"].(string)
	return ValidateResponse{IsValid: true, Claims: out, ExpirationTime: exp, UserID: sub}
}

// Server is an Issuer behind an httptest.Server. Use its URL as HANKO_API_URL.
type Server struct {
	*Issuer
	URL string
	srv *httptest.Server
}

// NewServer starts a stand-in Hanko on a loopback port.
func NewServer(opts ...Option) *Server {
	iss := NewIssuer(opts...)
	srv := httptest.NewServer(iss.Handler())
	return &Server{Issuer: iss, URL: srv.URL, srv: srv}
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// RandomUUID returns a random RFC 4122 version 4 UUID string.
func RandomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
