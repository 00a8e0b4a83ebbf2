package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeOwnRoleRouteExample does what "Your own role-protected route"
// says, in a copy of the project: write the handler, register it, write the
// test, and run that test.
func TestReadmeOwnRoleRouteExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a copy of the project")
	}
	text := section(t, readFile(t, "README.md"), "### Your own role-protected route")
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(text, -1)
	if len(blocks) != 3 {
		t.Fatalf("expected the handler, the registration and the test as Go blocks, found %d", len(blocks))
	}
	dedent := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			out = append(out, strings.TrimPrefix(l, "   "))
		}
		return strings.Join(out, "\n")
	}
	handler, register, test := dedent(blocks[0][1]), strings.TrimSpace(dedent(blocks[1][1])), dedent(blocks[2][1])

	dir := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, f, filepath.Join(dir, f))
	}
	for _, pkg := range examplePackages {
		files, _ := filepath.Glob(filepath.Join(pkg, "*"))
		for _, f := range files {
			if info, err := os.Stat(f); err == nil && !info.IsDir() {
				copyFile(t, f, filepath.Join(dir, f))
			}
		}
	}
	routesGo := filepath.Join(dir, "routes", "routes.go")
	src := readFile(t, routesGo)
	anchor := "\tprivate.DELETE(\"/todos/:id\", a.deleteTodo)\n"
	if !strings.Contains(src, anchor) {
		t.Fatal("routes.go no longer has the line the example registers its route after")
	}
	writeFile(t, routesGo, strings.Replace(src, anchor, anchor+"\t"+register+"\n", 1))
	writeFile(t, filepath.Join(dir, "routes", "reports.go"), handler)
	writeFile(t, filepath.Join(dir, "routes", "reports_test.go"), test)

	cmd := exec.Command("go", "test", "-v", "-count=1", "-run", "^TestReports$", "./routes/")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SKIP_POSTGRES=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestReports") {
		t.Fatalf("the README's role-protected route example does not pass as written (%v):\n%s", err, out)
	}
}
