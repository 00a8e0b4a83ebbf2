package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// A valid token has exactly one accepted spelling. base64 decoders skip line
// breaks and tolerate padding and stray trailing bits, so without the
// up-front check and strict decoding each re-spelling of a stolen-but-valid
// token would verify as a new cache key: a full RSA check and, with the
// session check on, a call to Hanko per spelling.
func TestOnlyTheCanonicalSpellingVerifies(t *testing.T) {
	hanko := authtest.NewServer()
	defer hanko.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := NewForTest(ctx, TestConfig{HankoAPIURL: hanko.URL, SessionCheck: true, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	token := hanko.Token(authtest.Session{})
	if _, err := a.Verify(ctx, token); err != nil {
		t.Fatalf("canonical token refused: %v", err)
	}
	dot := strings.LastIndexByte(token, '.')
	sig := token[dot+1:]
	// Flip the unused low bits of the last signature character: a 256-byte
	// signature is 342 base64 characters, and the last one carries 4 bits
	// that lenient decoding ignores.
	last := sig[len(sig)-1]
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, last)
	strayBits := token[:len(token)-1] + string(alphabet[i|0x03])
	if strayBits == token {
		strayBits = token[:len(token)-1] + string(alphabet[i&^0x03])
	}

	for name, variant := range map[string]string{
		"line feed in the signature":         token[:dot+5] + "\n" + token[dot+5:],
		"carriage return in the payload":     strings.Replace(token, ".", ".\r", 1),
		"padding on the signature":           token + "==",
		"stray bits in the last character":   strayBits,
		"space inside":                       token[:20] + " " + token[20:],
		"four segments":                      token + ".x",
		"standard base64 alphabet (+ and /)": strings.NewReplacer("-", "+", "_", "/").Replace(token),
	} {
		if variant == token {
			continue // the replacer found nothing to replace in this token
		}
		_, err := a.Verify(ctx, variant)
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidToken {
			t.Errorf("%s: Verify = %v, want invalid_token", name, err)
		}
	}
	if n := a.verified.len(); n != 1 {
		t.Errorf("verified cache holds %d entries, want only the canonical token's", n)
	}
	if n := hanko.ValidateCalls(); n != 1 {
		t.Errorf("Hanko saw %d validate calls, want 1 (re-spellings must not reach it)", n)
	}
}
