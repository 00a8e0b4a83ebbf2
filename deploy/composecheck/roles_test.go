package composecheck

import (
	"path/filepath"
	"strings"
	"testing"
)

// The roles claim in deploy/hanko/config.yaml: present, exactly the guarded
// template, and anything else is reported by the stack check.
func TestHankoConfigRolesClaim(t *testing.T) {
	base := string(readFile(t, filepath.Join(RepoRoot, hankoConfig)))
	current := `      roles: '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'`
	if strings.Count(base, current) != 1 {
		t.Fatalf("%s does not contain the roles claim exactly once:\n%s", hankoConfig, current)
	}
	c := readHankoConfig(t, hankoConfig)
	if got := c.Session.JWTTemplate.Claims["roles"]; got != RolesClaimTemplate {
		t.Fatalf("roles claim parsed as %#v, want %q", got, RolesClaimTemplate)
	}

	schema, project := loadSchema(t), defaultProject(t)
	for _, tt := range []struct {
		name, new string
	}{
		{"unguarded (nil pointer error for users without metadata)", `      roles: '{{ .User.Metadata.Public "roles" }}'`},
		{"from unsafe metadata, which users write themselves", `      roles: '{{ with .User.Metadata }}{{ .Unsafe "roles" }}{{ end }}'`},
		{"another key", `      roles: '{{ with .User.Metadata }}{{ .Public "role" }}{{ end }}'`},
		{"under another claim name", `      role: '{{ with .User.Metadata }}{{ .Public "roles" }}{{ end }}'`},
		{"a fixed value", `      roles: '["admin"]'`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			broken := strings.Replace(base, current, tt.new, 1)
			var found bool
			for _, err := range CheckHankoConfigForStack(schema, []byte(broken), project) {
				found = found || strings.HasPrefix(err.Error(), "session.jwt_template.claims.roles")
			}
			if !found {
				t.Error("the stack check accepted it")
			}
		})
	}
	t.Run("without jwt_template", func(t *testing.T) {
		i := strings.Index(base, "  # Roles (docs/roles.md)")
		j := strings.Index(base, current) + len(current) + 1
		if i < 0 || j <= i {
			t.Fatal("cannot find the jwt_template block")
		}
		errs := CheckHankoConfigForStack(schema, []byte(base[:i]+base[j:]), project)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "session.jwt_template.claims.roles") {
			t.Errorf("errors %v, want exactly the missing roles claim", errs)
		}
	})
}
