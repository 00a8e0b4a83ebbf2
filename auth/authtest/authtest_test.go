package authtest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "hanko", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// object decodes a JSON object keeping its members raw.
func object(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return m
}

func keysOf[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// kinds maps each member to its JSON kind: string, number, bool, array, object, null.
func kinds(t *testing.T, m map[string]json.RawMessage) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range m {
		switch c := bytes.TrimSpace(v)[0]; {
		case c == '"':
			out[k] = "string"
		case c == '[':
			out[k] = "array"
		case c == '{':
			out[k] = "object"
		case c == 't' || c == 'f':
			out[k] = "bool"
		case c == 'n':
			out[k] = "null"
		default:
			if bytes.ContainsAny(v, ".eE") {
				out[k] = "fraction"
			} else {
				out[k] = "integer"
			}
		}
	}
	return out
}

func segments(t *testing.T, token string) (header, payload map[string]json.RawMessage) {
	t.Helper()
	p := strings.Split(token, ".")
	if len(p) != 3 {
		t.Fatalf("token has %d segments", len(p))
	}
	h, err1 := base64.RawURLEncoding.DecodeString(p[0])
	c, err2 := base64.RawURLEncoding.DecodeString(p[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("segments do not decode: %v %v", err1, err2)
	}
	return object(t, h), object(t, c)
}

var pinned = time.Unix(1795324216, 0)

func clock() time.Time { return pinned }

func TestTokenHasHankosShape(t *testing.T) {
	iss := authtest.NewIssuer(authtest.WithClock(clock))
	token := iss.Token(authtest.Session{Email: "t@example.test"})
	header, claims := segments(t, token)

	wantHeader := object(t, fixture(t, "token.header.json"))
	if !reflect.DeepEqual(kinds(t, header), kinds(t, wantHeader)) {
		t.Errorf("header %s, want the shape of %s", header, wantHeader)
	}
	if string(header["alg"]) != `"RS256"` || string(header["typ"]) != `"JWT"` {
		t.Errorf("header alg %s typ %s", header["alg"], header["typ"])
	}
	var kid string
	_ = json.Unmarshal(header["kid"], &kid)
	if !uuidV4.MatchString(kid) || kid != iss.SigningKey().ID {
		t.Errorf("kid %q is not the signing key's UUIDv4", kid)
	}

	wantClaims := object(t, fixture(t, "token.claims.json"))
	if got, want := kinds(t, claims), kinds(t, wantClaims); !reflect.DeepEqual(got, want) {
		t.Errorf("claim kinds\n got %v\nwant %v", got, want)
	}
	if got, want := keysOf(object(t, claims["email"])), keysOf(object(t, wantClaims["email"])); !reflect.DeepEqual(got, want) {
		t.Errorf("email members %v, want %v", got, want)
	}
	var c struct {
		SessionID string `json:"session_id"`
		Aud       []string
		Iat, Exp  int64
		Amr       []string
	}
	if err := json.Unmarshal(mustPayload(t, token), &c); err != nil {
		t.Fatal(err)
	}
	var sub string
	_ = json.Unmarshal(claims["sub"], &sub)
	if !uuidV4.MatchString(sub) || !uuidV4.MatchString(c.SessionID) {
		t.Errorf("sub %q / session_id %q are not UUIDv4", sub, c.SessionID)
	}
	if !reflect.DeepEqual(c.Aud, []string{"localhost"}) || !reflect.DeepEqual(c.Amr, []string{"pwd"}) {
		t.Errorf("aud %v amr %v", c.Aud, c.Amr)
	}
	if c.Iat != pinned.Unix() || c.Exp-c.Iat != 43200 {
		t.Errorf("iat %d exp %d, want iat %d and a 12h lifespan", c.Iat, c.Exp, pinned.Unix())
	}

	// Without an email there is no email claim; optional claims appear when set.
	_, bare := segments(t, iss.Token(authtest.Session{}))
	if _, ok := bare["email"]; ok {
		t.Error("email claim without an email")
	}
	_, full := segments(t, iss.Token(authtest.Session{Username: "u", Issuer: "https://hanko.example", Custom: map[string]any{"role": "admin"}}))
	for _, k := range []string{"username", "iss", "role"} {
		if _, ok := full[k]; !ok {
			t.Errorf("claim %q missing", k)
		}
	}
}

func mustPayload(t *testing.T, token string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJWKSHasHankosShape(t *testing.T) {
	srv := authtest.NewServer()
	t.Cleanup(srv.Close)
	var real struct{ Keys []map[string]json.RawMessage }
	if err := json.Unmarshal(fixture(t, "jwks.json"), &real); err != nil || len(real.Keys) == 0 {
		t.Fatalf("jwks.json: %v", err)
	}
	wantMembers := keysOf(real.Keys[0])

	get := func() []map[string]json.RawMessage {
		t.Helper()
		resp, err := http.Get(srv.URL + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "max-age=600" {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		if !bytes.Equal(body, srv.JWKS()) {
			t.Fatalf("served JWKS differs from Issuer.JWKS()")
		}
		var set struct{ Keys []map[string]json.RawMessage }
		if err := json.Unmarshal(body, &set); err != nil {
			t.Fatal(err)
		}
		return set.Keys
	}
	checkKey := func(k map[string]json.RawMessage, kid string) {
		t.Helper()
		if got := keysOf(k); !reflect.DeepEqual(got, wantMembers) {
			t.Errorf("JWK members %v, want %v", got, wantMembers)
		}
		for m, want := range map[string]string{"alg": `"RS256"`, "kty": `"RSA"`, "use": `"sig"`, "e": `"AQAB"`, "kid": `"` + kid + `"`} {
			if string(k[m]) != want {
				t.Errorf("%s = %s, want %s", m, k[m], want)
			}
		}
		var n string
		_ = json.Unmarshal(k["n"], &n)
		if b, err := base64.RawURLEncoding.DecodeString(n); err != nil || len(b) != 256 {
			t.Errorf("n is not a 2048-bit base64url modulus (%d bytes, %v)", len(b), err)
		}
	}

	first := srv.SigningKey()
	keys := get()
	if len(keys) != 1 {
		t.Fatalf("%d keys", len(keys))
	}
	checkKey(keys[0], first.ID)

	second := srv.RotateKey()
	if srv.SigningKey().ID != second.ID {
		t.Error("the rotated key does not sign")
	}
	keys = get()
	if len(keys) != 2 {
		t.Fatalf("%d keys after rotation", len(keys))
	}
	checkKey(keys[0], first.ID) // oldest first, as Hanko lists them
	checkKey(keys[1], second.ID)

	srv.RemoveKey(first.ID)
	keys = get()
	if len(keys) != 1 {
		t.Fatalf("%d keys after removal", len(keys))
	}
	checkKey(keys[0], second.ID)
	if srv.JWKSCalls() != 3 {
		t.Errorf("JWKSCalls = %d, want 3", srv.JWKSCalls())
	}
}

func validate(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/sessions/validate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return resp.StatusCode, b
}

func tokenBody(token string) string {
	b, _ := json.Marshal(map[string]string{"session_token": token})
	return string(b)
}

func TestValidateAnswersLikeHanko(t *testing.T) {
	var now atomic.Int64
	now.Store(pinned.Unix())
	srv := authtest.NewServer(authtest.WithClock(func() time.Time { return time.Unix(now.Load(), 0) }))
	t.Cleanup(srv.Close)
	token := srv.Token(authtest.Session{Email: "t@example.test"})

	// A valid token: the members and kinds of validate-valid.json.
	status, body := validate(t, srv.URL, tokenBody(token))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	want := object(t, fixture(t, "validate-valid.json"))
	got := object(t, body)
	if !reflect.DeepEqual(kinds(t, got), kinds(t, want)) {
		t.Errorf("top level\n got %v\nwant %v", kinds(t, got), kinds(t, want))
	}
	gotClaims, wantClaims := object(t, got["claims"]), object(t, want["claims"])
	if !reflect.DeepEqual(kinds(t, gotClaims), kinds(t, wantClaims)) {
		t.Errorf("claims\n got %v\nwant %v", kinds(t, gotClaims), kinds(t, wantClaims))
	}
	if body[len(body)-1] != '\n' {
		t.Error("no trailing newline (Echo adds one)")
	}
	var v struct {
		IsValid bool `json:"is_valid"`
		Claims  struct {
			Subject    string    `json:"subject"`
			SessionID  string    `json:"session_id"`
			IssuedAt   time.Time `json:"issued_at"`
			Expiration time.Time `json:"expiration"`
		}
		ExpirationTime string `json:"expiration_time"`
		UserID         string `json:"user_id"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	var tc struct {
		Sub       string `json:"sub"`
		SessionID string `json:"session_id"`
		Iat, Exp  int64
	}
	_ = json.Unmarshal(mustPayload(t, token), &tc)
	if !v.IsValid || v.Claims.Subject != tc.Sub || v.UserID != tc.Sub || v.Claims.SessionID != tc.SessionID ||
		v.Claims.IssuedAt.Unix() != tc.Iat || v.Claims.Expiration.Unix() != tc.Exp ||
		v.ExpirationTime != time.Unix(tc.Exp, 0).UTC().Format(time.RFC3339) {
		t.Errorf("answer %+v does not match token %+v", v, tc)
	}

	// Every bad token: exactly validate-invalid.json.
	invalid := fixture(t, "validate-invalid.json")
	other := authtest.NewIssuer(authtest.WithClock(clock))
	p := strings.Split(token, ".")
	bad := map[string]string{
		"garbage":     "garbage",
		"tampered":    p[0] + "." + p[1] + "." + strings.Repeat("A", len(p[2])),
		"unknown kid": other.Token(authtest.Session{}),
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			status, body := validate(t, srv.URL, tokenBody(tok))
			if status != http.StatusOK || !bytes.Equal(body, invalid) {
				t.Fatalf("%d %q, want 200 %q", status, body, invalid)
			}
		})
	}

	// Revoke ends exactly that session.
	sibling := srv.Token(authtest.Session{UserID: tc.Sub})
	srv.Revoke(tc.SessionID)
	if status, body := validate(t, srv.URL, tokenBody(token)); status != 200 || !bytes.Equal(body, invalid) {
		t.Errorf("revoked session: %d %s", status, body)
	}
	if status, body := validate(t, srv.URL, tokenBody(sibling)); status != 200 || !bytes.Contains(body, []byte(`"is_valid":true`)) {
		t.Errorf("another session of the user: %d %s", status, body)
	}

	// The issuer's clock decides expiry.
	now.Store(tc.Exp + 1)
	if status, body := validate(t, srv.URL, tokenBody(sibling)); status != 200 || !bytes.Equal(body, invalid) {
		t.Errorf("expired token: %d %s", status, body)
	}
	if n := srv.ValidateCalls(); n != 7 {
		t.Errorf("ValidateCalls = %d, want 7", n)
	}
}

func TestValidateRefusesMissingField(t *testing.T) {
	srv := authtest.NewServer()
	t.Cleanup(srv.Close)
	const want = `{"code":400,"message":"code=400, message=session_token is a required field"}` + "\n"
	for name, body := range map[string]string{
		"empty body":    "",
		"empty object":  "{}",
		"empty token":   `{"session_token":""}`,
		"other field":   `{"token":"x"}`,
		"not JSON":      "session_token=x",
		"wrong type":    `{"session_token":1}`,
		"JSON null":     "null",
		"token is null": `{"session_token":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			status, got := validate(t, srv.URL, body)
			if status != http.StatusBadRequest || string(got) != want {
				t.Fatalf("%d %q, want 400 %q", status, got, want)
			}
		})
	}
}
