package roles_test

// The roles feature's part of the compose stack's Hanko config
// (deploy/hanko/config.yaml): the session.jwt_template claim that copies a
// user's public metadata "roles" into their tokens, where FromClaims reads
// them. The file as a whole is checked against Hanko's JSON schema and the
// rest of the stack by deploy/composecheck.

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/hanko-gin/hanko-gin/features/roles"
)

const hankoConfig = "../../deploy/hanko/config.yaml"

// claimTemplate is the only template the stack may use for the roles claim:
// public metadata, which only Hanko's admin API writes (never unsafe
// metadata, which users write from the browser), and guarded with `with`, so
// a user without any metadata gets "" instead of a template error in Hanko's
// log at every sign-in (checked on a real Hanko).
const claimTemplate = `{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}`

// checkRolesClaim reports what is wrong with the roles claim of a Hanko config.
func checkRolesClaim(data []byte) error {
	var c struct {
		Session struct {
			JWTTemplate struct {
				Claims map[string]any `yaml:"claims"`
			} `yaml:"jwt_template"`
		} `yaml:"session"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return err
	}
	got, ok := c.Session.JWTTemplate.Claims[roles.Claim]
	switch {
	case !ok:
		return errors.New("session.jwt_template.claims." + roles.Claim + " is missing: sessions carry no roles, so the admin area opens for nobody")
	case got != claimTemplate:
		return fmt.Errorf("session.jwt_template.claims.%s = %#v, want %q", roles.Claim, got, claimTemplate)
	}
	return nil
}

func TestHankoConfigCopiesRolesIntoTokens(t *testing.T) {
	data, err := os.ReadFile(hankoConfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkRolesClaim(data); err != nil {
		t.Fatalf("%s: %v", hankoConfig, err)
	}

	base := string(data)
	current := `      roles: '` + claimTemplate + `'`
	if strings.Count(base, current) != 1 {
		t.Fatalf("%s does not contain the roles claim exactly once:\n%s", hankoConfig, current)
	}
	withoutTemplate := func() string {
		i := strings.Index(base, "  jwt_template:\n")
		j := strings.Index(base, current) + len(current) + 1
		if i < 0 || j <= i {
			t.Fatal("cannot find the jwt_template block")
		}
		return base[:i] + base[j:]
	}
	for _, tt := range []struct {
		name, config string
	}{
		{"unguarded (a template error for users without metadata)", strings.Replace(base, current, `      roles: '{{ .User.Metadata.Public "roles" }}'`, 1)},
		{"from unsafe metadata, which users write themselves", strings.Replace(base, current, `      roles: '{{ with .User.Metadata }}{{ .Unsafe "roles" }}{{ end }}'`, 1)},
		{"another key", strings.Replace(base, current, `      roles: '{{ with .User.Metadata }}{{ .Public "role" }}{{ end }}'`, 1)},
		{"under another claim name", strings.Replace(base, current, `      role: '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'`, 1)},
		{"a fixed value", strings.Replace(base, current, `      roles: '["admin"]'`, 1)},
		{"without jwt_template", withoutTemplate()},
		{"not under session", strings.Replace(withoutTemplate(), "\naccount:", "\njwt_template:\n  claims:\n    roles: '"+claimTemplate+"'\naccount:", 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := checkRolesClaim([]byte(tt.config))
			if err == nil || !strings.HasPrefix(err.Error(), "session.jwt_template.claims.roles ") {
				t.Errorf("the check answered %v, want an error about the roles claim", err)
			}
		})
	}
}
