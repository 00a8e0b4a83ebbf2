package auth

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

// Tokens Hanko would never issue, each signed with a key the JWKS does hold.
func TestRefusesTokensHankoNeverIssues(t *testing.T) {
	iss := authtest.NewIssuer()
	// The JWKS marks the key as an encryption key ("use": "enc").
	jwks := bytes.Replace(iss.JWKS(), []byte(`"use":"sig"`), []byte(`"use":"enc"`), 1)
	encOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jwks) }))
	defer encOnly.Close()
	normal := httptest.NewServer(iss.Handler())
	defer normal.Close()

	now := time.Now()
	valid := iss.Claims(authtest.Session{})
	farFuture := iss.Claims(authtest.Session{})
	farFuture["exp"] = int64(1e13) // the year 318857: /api/me could not even encode it
	noKID := jwt.NewWithClaims(jwt.SigningMethodRS256, valid)
	noKIDToken, err := noKID.SignedString(iss.SigningKey().Private)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, hanko, token string
		cause              error
	}{
		{"control: a normal token", normal.URL, iss.Sign(valid), nil},
		{"key published for encryption", encOnly.URL, iss.Sign(valid), nil},
		{"no kid", normal.URL, noKIDToken, errNoKID},
		{"exp after the year 9999", normal.URL, iss.Sign(farFuture), errFarFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a, err := NewForTest(ctx, TestConfig{HankoAPIURL: tt.hanko, Logger: discardLogger, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Verify(ctx, tt.token)
			if tt.name == "control: a normal token" {
				if err != nil {
					t.Fatalf("normal token refused: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalidToken {
				t.Fatalf("Verify = %v, want invalid_token", err)

			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("cause = %v, want %v", err, tt.cause)
			}
		})
	}
}
