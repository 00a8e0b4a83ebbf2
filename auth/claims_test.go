package auth_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
)

func TestClaimsUnmarshal(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		check   func(t *testing.T, c *auth.Claims)
		wantErr string
	}{
		{
			name: "Hanko's own token has no custom claims",
			json: `{"amr":["pwd"],"aud":["localhost"],"email":{"address":"a@x.test","is_primary":true,"is_verified":false},"exp":1795367416,"iat":1795324216,"session_id":"s","sub":"u"}`,
			check: func(t *testing.T, c *auth.Claims) {
				if c.Custom != nil {
					t.Errorf("Custom = %v, want nil", c.Custom)
				}
				if c.UserID != "u" || c.SessionID != "s" || c.Email == nil || *c.Email != (auth.Email{Address: "a@x.test", IsPrimary: true}) {
					t.Errorf("claims %+v", c)
				}
			},
		},
		{
			name: "every registered claim stays out of Custom",
			json: `{"sub":"u","session_id":"s","email":{"address":"a"},"username":"n","aud":"one","iss":"i","iat":1,"nbf":2,"exp":3,"amr":["pwd","webauthn"]}`,
			check: func(t *testing.T, c *auth.Claims) {
				if c.Custom != nil {
					t.Errorf("Custom = %v", c.Custom)
				}
				if c.Username != "n" || c.Issuer != "i" || !reflect.DeepEqual([]string(c.Audience), []string{"one"}) ||
					c.IssuedAt.Unix() != 1 || c.NotBefore.Unix() != 2 || c.ExpiresAt.Unix() != 3 || len(c.AMR) != 2 {
					t.Errorf("claims %+v", c)
				}
			},
		},
		{
			name: "custom claims of every JSON type",
			json: `{"sub":"u","session_id":"s","exp":3,"role":"admin","n":1.5,"big":12345678901,"ok":true,"nothing":null,"list":[1,"two",{"three":3}],"org":{"id":"o1","teams":[{"name":"t","tags":["a"]}],"meta":{"deep":{"deeper":false}}}}`,
			check: func(t *testing.T, c *auth.Claims) {
				want := map[string]any{
					"role":    "admin",
					"n":       json.Number("1.5"),
					"big":     json.Number("12345678901"), // exact, not rounded through float64
					"ok":      true,
					"nothing": nil,
					"list":    []any{json.Number("1"), "two", map[string]any{"three": json.Number("3")}},
					"org": map[string]any{
						"id":    "o1",
						"teams": []any{map[string]any{"name": "t", "tags": []any{"a"}}},
						"meta":  map[string]any{"deep": map[string]any{"deeper": false}},
					},
				}
				if !reflect.DeepEqual(c.Custom, want) {
					t.Errorf("Custom\n got %#v\nwant %#v", c.Custom, want)
				}
			},
		},
		{
			name: "names that only resemble registered ones are custom",
			json: `{"sub":"u","session_id":"s","exp":3,"Sub":"x","user_id":"y","jti":"z","typ":"t"}`,
			check: func(t *testing.T, c *auth.Claims) {
				if c.UserID != "u" {
					t.Errorf("sub %q", c.UserID)
				}
				want := map[string]any{"Sub": "x", "user_id": "y", "jti": "z", "typ": "t"}
				if !reflect.DeepEqual(c.Custom, want) {
					t.Errorf("Custom %v, want %v", c.Custom, want)
				}
			},
		},
		{
			name: "case variants of registered claims override nothing",
			json: `{"sub":"u","session_id":"s","exp":3,"aud":["a"],"SUB":"evil","Session_ID":"evil","EXP":9999999999,"Aud":["evil"],"Iss":"evil","Email":{"address":"evil"}}`,
			check: func(t *testing.T, c *auth.Claims) {
				if c.UserID != "u" || c.SessionID != "s" || c.ExpiresAt.Unix() != 3 || !reflect.DeepEqual([]string(c.Audience), []string{"a"}) || c.Issuer != "" || c.Email != nil {
					t.Errorf("a case variant overwrote a registered claim: %+v", c)
				}
				if len(c.Custom) != 6 || c.Custom["SUB"] != "evil" {
					t.Errorf("Custom %v", c.Custom)
				}
			},
		},
		{name: "not an object", json: `["sub"]`, wantErr: "cannot unmarshal"},
		{name: "sub not a string", json: `{"sub":1,"session_id":"s","exp":3}`, wantErr: "sub"},
		{name: "email not an object", json: `{"sub":"u","session_id":"s","exp":3,"email":"a@x"}`, wantErr: "email"},
		{name: "exp a string", json: `{"sub":"u","session_id":"s","exp":"3"}`, wantErr: `"exp" is not a JSON number`},
		{name: "iat a bool", json: `{"sub":"u","session_id":"s","exp":3,"iat":true}`, wantErr: `"iat" is not a JSON number`},
		{name: "nbf null", json: `{"sub":"u","session_id":"s","exp":3,"nbf":null}`, wantErr: `"nbf" is not a JSON number`},
		{name: "truncated", json: `{"sub":"u",`, wantErr: "unexpected end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c auth.Claims
			err := json.Unmarshal([]byte(tt.json), &c)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, &c)
		})
	}
}

func TestClaimsValidate(t *testing.T) {
	tests := []struct {
		name string
		json string
		ok   bool
	}{
		{"complete", `{"sub":"u","session_id":"s","exp":3}`, true},
		{"no sub", `{"session_id":"s","exp":3}`, false},
		{"no session_id", `{"sub":"u","exp":3}`, false},
		{"exp 0", `{"sub":"u","session_id":"s","exp":0}`, false},
		{"exp negative", `{"sub":"u","session_id":"s","exp":-5}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c auth.Claims
			if err := json.Unmarshal([]byte(tt.json), &c); err != nil {
				t.Fatal(err)
			}
			if err := auth.ValidateClaims(&c); (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	var noTimes auth.Claims
	if err := json.Unmarshal([]byte(`{"sub":"u","session_id":"s"}`), &noTimes); err != nil {
		t.Fatal(err)
	}
	if !noTimes.ExpiresAt.IsZero() || !noTimes.IssuedAt.IsZero() || !noTimes.NotBefore.IsZero() {
		t.Error("absent exp, iat or nbf decoded to a non-zero time")
	}
	if d := auth.ExpirationTime(&noTimes); d != nil {
		t.Error("absent exp reaches golang-jwt as a time, so WithExpirationRequired would pass")
	}
}

// TestVerifiedCustomClaims: claims from Hanko's session.jwt_template come
// through verification into Custom, nested objects intact.
func TestVerifiedCustomClaims(t *testing.T) {
	now := time.Unix(fixtureNow, 0)
	hanko := authtest.NewServer(authtest.WithClock(func() time.Time { return now }))
	t.Cleanup(hanko.Close)
	a := newAuth(t, auth.TestConfig{HankoAPIURL: hanko.URL, Now: func() time.Time { return now }})
	custom := map[string]any{
		"role":        "editor",
		"permissions": []any{"todos:read", "todos:write"},
		"org":         map[string]any{"id": "o-1", "plan": map[string]any{"name": "pro", "seats": 5}},
		"beta":        true,
	}
	token := hanko.Token(authtest.Session{UserID: "u-1", Email: "u@example.test", EmailVerified: true, Username: "ulla", Custom: custom})
	custom["org"].(map[string]any)["plan"].(map[string]any)["seats"] = json.Number("5") // numbers decode exactly
	c, err := a.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Custom, custom) {
		t.Errorf("Custom\n got %#v\nwant %#v", c.Custom, custom)
	}
	if c.UserID != "u-1" || c.Username != "ulla" || c.Email == nil || !c.Email.IsVerified || !c.Email.IsPrimary {
		t.Errorf("registered claims %+v (email %+v)", c, c.Email)
	}
	for name := range c.Custom {
		switch name {
		case "sub", "session_id", "email", "username", "aud", "iss", "iat", "nbf", "exp", "amr":
			t.Errorf("registered claim %q in Custom", name)
		}
	}
}

// TestVerifyClaimNamesAreCaseSensitive: a custom claim whose name differs from
// a registered one only in case must not change how the token is judged.
func TestVerifyClaimNamesAreCaseSensitive(t *testing.T) {
	now := time.Unix(fixtureNow, 0)
	hanko := authtest.NewServer(authtest.WithClock(func() time.Time { return now }))
	t.Cleanup(hanko.Close)
	a := newAuth(t, auth.TestConfig{HankoAPIURL: hanko.URL, Now: func() time.Time { return now }, Audience: []string{"app"}, Issuer: "https://hanko.example"})
	base := authtest.Session{UserID: "u-1", Audience: []string{"app"}, Issuer: "https://hanko.example"}
	expired := base
	expired.IssuedAt, expired.ExpiresAt = now.Add(-13*time.Hour), now.Add(-time.Hour)
	tests := []struct {
		name    string
		session authtest.Session
		custom  map[string]any
		ok      bool
		user    string
	}{
		{"EXP does not extend an expired token", expired, map[string]any{"EXP": now.Add(time.Hour).Unix()}, false, ""},
		{"Aud does not satisfy the audience", authtest.Session{UserID: "u-1", Audience: []string{"other"}, Issuer: "https://hanko.example"}, map[string]any{"Aud": []string{"app"}}, false, ""},
		{"ISS does not satisfy the issuer", authtest.Session{UserID: "u-1", Audience: []string{"app"}}, map[string]any{"ISS": "https://hanko.example"}, false, ""},
		{"Sub does not change the user", base, map[string]any{"Sub": "u-2"}, true, "u-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.session.Custom = tt.custom
			c, err := a.Verify(context.Background(), hanko.Token(tt.session))
			if !tt.ok {
				expectCode(t, err, 401, auth.CodeInvalidToken)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.UserID != tt.user {
				t.Fatalf("user %q, want %q", c.UserID, tt.user)
			}
		})
	}
}
