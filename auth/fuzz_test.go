package auth_test

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
)

// fixturePublicKeys decodes a JWKS fixture into its RSA keys by kid.
func fixturePublicKeys(t testing.TB, name string) map[string]*rsa.PublicKey {
	t.Helper()
	var set struct {
		Keys []struct{ Kid, N, E string } `json:"keys"`
	}
	if err := json.Unmarshal(readHankoFixture(t, name), &set); err != nil {
		t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: key %s does not decode", name, k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// decodeSegment decodes like the JWT parser: base64url, no padding, lenient
// about the unused bits of the last character.
func decodeSegment(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil
}

// FuzzVerify: Verify never panics, never answers anything but a 401 for a
// bad token (Hanko's JWKS is up), and accepts only the captured tokens
// themselves: whatever verifies has the signing input of a captured token,
// byte for byte, and the same signature bytes (only the unused low bits of
// the signature's last base64 character may differ), and yields the same
// claims.
func FuzzVerify(f *testing.F) {
	type original struct {
		signingInput string
		sig          []byte
		claims       *auth.Claims
	}
	a, _ := fixtureAuthTB(f)
	// (fixtureAuthTB: one fetch for an unknown kid, then the limiter refuses
	// at once, which keeps fuzzing fast without weakening any check.)
	originals := map[string]original{}
	var tokens []string
	for _, tok := range []string{hankoFixtureToken(f, "token.jwt"), hankoFixtureToken(f, "token-rotated.jwt"), hankoCookieToken(f).Value} {
		c, err := a.Verify(context.Background(), tok)
		if err != nil {
			f.Fatalf("captured token does not verify: %v", err)
		}
		i := strings.LastIndexByte(tok, '.')
		sig, _ := decodeSegment(tok[i+1:])
		originals[tok[:i]] = original{signingInput: tok[:i], sig: sig, claims: c}
		tokens = append(tokens, tok)
	}

	// Seeds: the captured tokens and forged variants of them.
	keys := fixturePublicKeys(f, "jwks-rotated.json")
	der, _ := x509.MarshalPKIXPublicKey(keys["5d28587e-9904-4a8b-82c0-64555738f760"])
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hs := func(header, payload string, key []byte) string {
		in := b64(header) + "." + payload
		m := hmac.New(sha256.New, key)
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	const kid = "5d28587e-9904-4a8b-82c0-64555738f760"
	for _, tok := range tokens {
		p := strings.Split(tok, ".")
		f.Add(tok)
		f.Add(tamper(tok))
		f.Add(p[0] + "." + p[1] + ".")
		f.Add(p[0] + "." + p[1])
		f.Add(tok + "=")
		f.Add(p[0] + "=." + p[1] + "." + p[2])
		f.Add(" " + tok)
		f.Add(tok + ".")
		f.Add(b64(`{"alg":"none","kid":"`+kid+`","typ":"JWT"}`) + "." + p[1] + ".")
		f.Add(b64(`{"alg":"RS256","typ":"JWT"}`) + "." + p[1] + "." + p[2])
		f.Add(b64(`{"alg":"RS256","kid":"`+kid+`","typ":"JWT","crit":["exp"]}`) + "." + p[1] + "." + p[2])
		f.Add(hs(`{"alg":"HS256","kid":"`+kid+`","typ":"JWT"}`, p[1], pemKey))
		f.Add(hs(`{"alg":"HS256","kid":"`+kid+`","typ":"JWT"}`, p[1], der))
		f.Add(p[0] + "." + b64(strings.Replace(string(mustDecode(p[1])), `"exp":1795367`, `"exp":1895367`, 1)) + "." + p[2])
		f.Add(p[0] + "." + b64(string(mustDecode(p[1]))+" ") + "." + p[2])
		f.Add(strings.ReplaceAll(tok, "-", "+"))
	}
	// Splices: header and payload of one token, signature of another.
	a0, a1 := strings.Split(tokens[0], "."), strings.Split(tokens[1], ".")
	f.Add(a0[0] + "." + a0[1] + "." + a1[2])
	f.Add(a1[0] + "." + a0[1] + "." + a0[2])
	f.Add("")
	f.Add("..")
	f.Add("a.b.c")

	f.Fuzz(func(t *testing.T, token string) {
		c, err := a.Verify(context.Background(), token)
		if err != nil {
			e, ok := errors.AsType[*auth.Error](err)
			if !ok || e.Status != http.StatusUnauthorized {
				t.Fatalf("refusal %v is not a 401 *auth.Error", err)
			}
			if (token == "") != (e.Code == auth.CodeUnauthorized) {
				t.Fatalf("code %s for %q", e.Code, token)
			}
			return
		}
		i := strings.LastIndexByte(token, '.')
		if i < 0 {
			t.Fatalf("accepted %q without a dot", token)
		}
		orig, ok := originals[token[:i]]
		if !ok {
			t.Fatalf("accepted a token whose signing input is not a captured token's: %q", token)
		}
		sig, ok := decodeSegment(token[i+1:])
		if !ok || string(sig) != string(orig.sig) {
			t.Fatalf("accepted %q with a different signature", token)
		}
		// Independent check with crypto/rsa over the literal signing input.
		hdr, _ := decodeSegment(strings.SplitN(token, ".", 2)[0])
		var h struct{ Kid string }
		_ = json.Unmarshal(hdr, &h)
		digest := sha256.Sum256([]byte(token[:i]))
		if key := keys[h.Kid]; key == nil || rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
			t.Fatalf("accepted %q, which crypto/rsa does not verify", token)
		}
		if !reflect.DeepEqual(c, orig.claims) {
			t.Fatalf("claims %+v, want %+v", c, orig.claims)
		}
	})
}

func mustDecode(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// fixtureAuthTB serves jwks-rotated.json (both captured keys) and verifies
// with the clock pinned inside every captured token's lifetime, the cache
// off so every call checks the signature.
func fixtureAuthTB(tb testing.TB) (*auth.Authenticator, *switchableJWKS) {
	tb.Helper()
	hanko := newSwitchableJWKS(tb, readHankoFixture(tb, "jwks-rotated.json"), nil)
	a := newAuth(tb, auth.TestConfig{
		HankoAPIURL:           hanko.URL,
		Now:                   clockAt(fixtureNow),
		SessionCacheSize:      -1,
		JWKSUnknownKIDEvery:   time.Hour,
		JWKSUnknownKIDWaitMax: 500 * time.Millisecond,
	})
	if err := a.Ready(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return a, hanko
}
