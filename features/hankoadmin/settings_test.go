package hankoadmin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin"
)

func fromSettings(env map[string]string) (*hankoadmin.Client, error) {
	s := config.NewSettings(func(k string) string { return env[k] })
	c := hankoadmin.FromSettings(s)
	hankoadmin.FromSettings(s) // a second feature reading the same settings adds no problem
	return c, s.Err()
}

func TestFromSettings(t *testing.T) {
	if c, err := fromSettings(map[string]string{}); c != nil || err != nil {
		t.Errorf("unset: %v, %v; want no client and no problem", c, err)
	}
	if c, err := fromSettings(map[string]string{"HANKO_ADMIN_API_URL": "http://hanko:8001", "HANKO_ADMIN_API_KEY": "key-123"}); c == nil || err != nil {
		t.Errorf("valid: %v, %v", c, err)
	}
	for _, tc := range []struct {
		name    string
		set     map[string]string
		mention string
	}{
		{"relative URL", map[string]string{"HANKO_ADMIN_API_URL": "hanko:8001"}, "HANKO_ADMIN_API_URL"},
		{"URL without host", map[string]string{"HANKO_ADMIN_API_URL": "http://"}, "HANKO_ADMIN_API_URL"},
		{"URL with credentials", map[string]string{"HANKO_ADMIN_API_URL": "https://u:secret@x.hanko.io"}, "must not carry credentials"},
		{"URL with a query", map[string]string{"HANKO_ADMIN_API_URL": "http://hanko:8001?x=1"}, "HANKO_ADMIN_API_URL"},
		{"key with a space", map[string]string{"HANKO_ADMIN_API_URL": "https://x.hanko.io", "HANKO_ADMIN_API_KEY": "abc def"}, "HANKO_ADMIN_API_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := fromSettings(tc.set)
			var ce *config.Error
			if c != nil || !errors.As(err, &ce) {
				t.Fatalf("accepted %v (err %v)", tc.set, err)
			}
			if len(ce.Problems) != 1 || !strings.Contains(ce.Problems[0], tc.mention) {
				t.Errorf("problems = %q, want one mentioning %q", ce.Problems, tc.mention)
			}
		})
	}
}

// The admin API key and passwords in the admin API URL never appear in a
// problem (the message is printed at start-up and by the subcommands).
func TestFromSettingsNeverShowsSecrets(t *testing.T) {
	_, err := fromSettings(map[string]string{
		"HANKO_ADMIN_API_URL": "https://svc:pa55word@x.hanko.io?q",
		"HANKO_ADMIN_API_KEY": "sk_live_\x01abc",
	})
	if err == nil {
		t.Fatal("accepted the settings")
	}
	for _, secret := range []string{"pa55word", "sk_live", "abc"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows %q:\n%v", secret, err)
		}
	}
	if !strings.Contains(err.Error(), "HANKO_ADMIN_API_URL") || !strings.Contains(err.Error(), "HANKO_ADMIN_API_KEY") {
		t.Errorf("the error does not name both settings:\n%v", err)
	}
}

// An API key sent over plain http to another machine is flagged (the roles
// feature warns about it at start-up); compose's internal "hanko" and
// loopback are not another machine.
func TestSendsKeyInTheClear(t *testing.T) {
	for _, tc := range []struct {
		url, key string
		want     bool
	}{
		{"https://admin.example.com", "k", false},
		{"http://hanko:8001", "k", false},
		{"http://localhost:8001", "k", false},
		{"http://127.0.0.1:8001", "k", false},
		{"http://[::1]:8001", "k", false},
		{"http://admin.example.com:8001", "", false},
		{"http://admin.example.com:8001", "k", true},
		{"http://10.1.2.3:8001", "k", true},
		{"http://[2001:db8::1]:8001", "k", true},
	} {
		c, err := hankoadmin.New(tc.url, tc.key)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.SendsKeyInTheClear(); got != tc.want {
			t.Errorf("%s with key %q: %v, want %v", tc.url, tc.key, got, tc.want)
		}
	}
}
