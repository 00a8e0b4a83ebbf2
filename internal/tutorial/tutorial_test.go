package tutorial

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const doc = "# Intro\n\nText.\n\n## A route\n\n1. Write it:\n\n   ```go example routes/x.go\n   package routes\n   ```\n\n2. Register it:\n\n   ```diff example routes/routes.go\n    \tprivate.GET(\"/a\", a.a)\n   +\tprivate.GET(\"/x\", a.x)\n   ```\n\n   ```go example routes/x_test.go\n   package routes\n\n   func TestX(t *testing.T) {}\n   ```\n\n```go example\nshown only\n```\n"

func TestApply(t *testing.T) {
	tus := FromDoc("README.md", doc)
	if len(tus) != 1 || tus[0].Name() != "README.md: A route" || len(tus[0].Steps) != 3 {
		t.Fatalf("tutorials: %+v", tus)
	}
	names, pkgs := tus[0].Tests()
	if strings.Join(names, ",") != "TestX" || strings.Join(pkgs, ",") != "./routes/" {
		t.Errorf("tests %v in %v", names, pkgs)
	}
	for _, tc := range []struct {
		name, routes, want, err string
	}{
		{"fresh", "func New() {\n\tprivate.GET(\"/a\", a.a)\n}\n", "func New() {\n\tprivate.GET(\"/a\", a.a)\n\tprivate.GET(\"/x\", a.x)\n}\n", ""},
		{"followed in place already: nothing added twice", "func New() {\n\tprivate.GET(\"/a\", a.a)\n\tprivate.GET(\"/x\", a.x)\n}\n", "func New() {\n\tprivate.GET(\"/a\", a.a)\n\tprivate.GET(\"/x\", a.x)\n}\n", ""},
		{"indented otherwise: still found", "func New() {\n  private.GET(\"/a\",  a.a)\n}\n", "func New() {\n  private.GET(\"/a\",  a.a)\n\tprivate.GET(\"/x\", a.x)\n}\n", ""},
		{"the context is gone", "func New() {}\n", "func New() {}\n", "no longer has the lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			routes := filepath.Join(dir, "routes", "routes.go")
			if err := writeFile(routes, tc.routes); err != nil {
				t.Fatal(err)
			}
			err := tus[0].Apply(dir)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("Apply: %v, want an error saying %q", err, tc.err)
			}
			if got, _ := os.ReadFile(routes); string(got) != tc.want {
				t.Errorf("routes.go:\n%s\nwant:\n%s", got, tc.want)
			}
			if err == nil {
				if got, _ := os.ReadFile(filepath.Join(dir, "routes", "x.go")); string(got) != "package routes\n" {
					t.Errorf("x.go: %q", got)
				}
			}
		})
	}
}
