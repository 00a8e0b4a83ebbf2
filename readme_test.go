package main

// These tests keep README.md honest: its settings table matches .env.example
// and the code, its routes table matches the router, and its curl lines run
// against a real server with the status codes it documents.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/features/hankoadmin/hankoadmintest"
	"github.com/hanko-gin/hanko-gin/internal/testenv"
	"github.com/hanko-gin/hanko-gin/routes"
	"github.com/hanko-gin/hanko-gin/store"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns the README text under a heading, up to the next heading of
// the same or a higher level.
func section(t *testing.T, readme, heading string) string {
	t.Helper()
	level := strings.Count(strings.Fields(heading)[0], "#")
	start := strings.Index(readme, "\n"+heading+"\n")
	if start < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	rest := readme[start+len(heading)+2:]
	for i, line := range strings.Split(rest, "\n") {
		if h := strings.Fields(line); len(h) > 0 && strings.Trim(h[0], "#") == "" && len(h[0]) <= level && strings.HasPrefix(line, "#") {
			return strings.Join(strings.Split(rest, "\n")[:i], "\n")
		}
	}
	return rest
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestReadmeSettingsMatchEnvExampleAndCode(t *testing.T) {
	readme := readFile(t, "README.md")
	inReadme := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]+)` \\|").FindAllStringSubmatch(section(t, readme, "### Settings"), -1) {
		inReadme[m[1]] = true
	}
	inExample := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z][A-Z0-9_]+)=`).FindAllStringSubmatch(readFile(t, ".env.example"), -1) {
		inExample[m[1]] = true
	}
	inCode := map[string]bool{}
	features, _ := filepath.Glob("features/*/*.go") // features read their own settings
	for _, f := range append([]string{"config/config.go"}, features...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		for _, m := range regexp.MustCompile(`[gG]et\("([A-Z][A-Z0-9_]+)"`).FindAllStringSubmatch(readFile(t, f), -1) {
			inCode[m[1]] = true
		}
	}
	if len(inCode) < 10 {
		t.Fatalf("found only %d settings in config/config.go; the pattern is out of date", len(inCode))
	}
	for name, set := range map[string]map[string]bool{".env.example": inExample, "config/config.go": inCode} {
		if !slices.Equal(sortedKeys(inReadme), sortedKeys(set)) {
			t.Errorf("README settings %v\n%s settings %v", sortedKeys(inReadme), name, sortedKeys(set))
		}
	}
}

func TestReadmeRoutesMatchRouter(t *testing.T) {
	readme := readFile(t, "README.md")
	inReadme := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| (GET|POST|PATCH|DELETE|PUT) \\| `([^`]+)` \\|").FindAllStringSubmatch(section(t, readme, "### Routes"), -1) {
		inReadme[m[1]+" "+m[2]] = true
	}
	hanko := authtest.NewServer()
	defer hanko.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := auth.New(ctx, auth.Config{HankoAPIURL: hanko.URL})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inRouter := map[string]bool{}
	hooks := &app.Hooks{} // the features' routes too, as main wires them
	for _, f := range features {
		f.Setup(config.NewSettings(func(string) string { return "" }), hooks)
	}
	deps := app.Deps{Auth: a, Store: db}
	for _, r := range routes.New(routes.Deps{Auth: a, Store: db, AllowedOrigins: []string{"http://localhost:5173"},
		Routes: func(r *gin.Engine) { hooks.AddRoutes(r, deps) }}).Routes() {
		inRouter[r.Method+" "+r.Path] = true
	}
	if !slices.Equal(sortedKeys(inReadme), sortedKeys(inRouter)) {
		t.Errorf("README routes %v\nrouter routes %v", sortedKeys(inReadme), sortedKeys(inRouter))
	}
}

// TestReadmeCurlLinesRun runs every shell block of the README that talks to
// the backend, against the real program, and checks the status documented
// after each curl line ("# → 201 ..."). Variables set in one block (TODO_ID)
// carry over to the next, as in a reader's terminal.
func TestReadmeCurlLinesRun(t *testing.T) {
	curl, bash := testenv.Need(t, "curl"), testenv.Need(t, "bash")
	readme := readFile(t, "README.md")
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme, -1)
	var script strings.Builder
	script.WriteString("set -u\nfail=0\n")
	checked := 0
	for _, b := range blocks {
		if !strings.Contains(b[1], "curl ") || strings.Contains(b[1], "(needs Docker)") {
			continue
		}
		lines := strings.Split(strings.TrimSpace(b[1]), "\n")
		for i, line := range lines {
			if !strings.Contains(line, "localhost:5001") || strings.HasPrefix(line, "#") {
				continue
			}
			if !strings.HasPrefix(line, "curl ") {
				script.WriteString(line + "\n") // e.g. TODO_ID=$(curl ...)
				continue
			}
			want := ""
			if i+1 < len(lines) {
				if m := regexp.MustCompile(`^# → (\d{3})\b`).FindStringSubmatch(lines[i+1]); m != nil {
					want = m[1]
				}
			}
			if want == "" {
				t.Errorf("README curl line has no documented status (# → NNN) after it:\n%s", line)
				continue
			}
			checked++
			fmt.Fprintf(&script, "code=$(%s -o /dev/null -w '%%{http_code}')\n", line)
			fmt.Fprintf(&script, "if [ \"$code\" != %s ]; then echo \"README line answered $code, documented %s: %s\"; fail=1; fi\n",
				want, want, strings.ReplaceAll(line, `"`, `\"`))
		}
	}
	script.WriteString("exit $fail\n")
	if checked < 10 {
		t.Fatalf("found only %d curl lines with a documented status; the README's format changed", checked)
	}

	hanko := authtest.NewServer()
	defer hanko.Close()
	admin := hankoadmintest.NewServer(hanko.Issuer) // alice is an admin, as with e2e/fakehanko
	defer admin.Close()
	alice, bob := admin.AddUser("alice@example.test"), admin.AddUser("bob@example.test")
	admin.SetPublicMetadata(alice.ID, map[string]any{"roles": []string{"admin"}})
	port := freePort(t)
	env := map[string]string{
		"HANKO_API_URL":       hanko.URL,
		"HANKO_ADMIN_API_URL": admin.URL,
		"PORT":                strconv.Itoa(port),
		"DATABASE_URL":        "sqlite://" + filepath.Join(t.TempDir(), "readme.db"),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, new(syncBuffer)) }()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool {
		return exec.Command(curl, "-sf", fmt.Sprintf("http://127.0.0.1:%d/readyz", port)).Run() == nil
	})

	cmd := exec.Command(bash, "-c", strings.ReplaceAll(script.String(), "localhost:5001", fmt.Sprintf("localhost:%d", port)))
	cmd.Env = append(os.Environ(),
		"TOKEN="+admin.LoginSession(alice.ID),
		"TOKEN_BOB="+admin.LoginSession(bob.ID))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("README curl lines failed (%v):\n%s", err, out)
	}
}

// TestReadmeQuotesRealCode keeps "How it works" honest: every line of its Go
// snippets (other than "...") appears in the project's Go code.
func TestReadmeQuotesRealCode(t *testing.T) {
	howItWorks := section(t, readFile(t, "README.md"), "## How it works")
	var code strings.Builder
	for _, dir := range []string{".", "auth", "config", "routes", "store"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				code.WriteString(readFile(t, f))
			}
		}
	}
	norm := func(l string) string { return strings.Join(strings.Fields(l), " ") } // gofmt aligns with spaces
	lines := map[string]bool{}
	for _, l := range strings.Split(code.String(), "\n") {
		lines[norm(l)] = true
	}
	snippets := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(howItWorks, -1)
	if len(snippets) < 5 {
		t.Fatalf("found %d Go snippets in How it works; the README's format changed", len(snippets))
	}
	for _, s := range snippets {
		for _, l := range strings.Split(s[1], "\n") {
			l = norm(l)
			if l == "" || l == "..." || lines[l] {
				continue
			}
			t.Errorf("README quotes a line that is not in the code: %q", l)
		}
	}
}

// TestReadmeOwnRouteExample does what "Adding your own protected route" says,
// in a copy of the project: write the handler, register it, write the test,
// and run that test.
func TestReadmeOwnRouteExample(t *testing.T) {
	runReadmeRouteExample(t, "## Adding your own protected route", "greeting", "TestGreeting")
}

// TestReadmeOwnRoleRouteExample does the same for "Your own role-protected route".
func TestReadmeOwnRoleRouteExample(t *testing.T) {
	runReadmeRouteExample(t, "### Your own role-protected route", "reports", "TestReports")
}

// runReadmeRouteExample takes the first three Go blocks of a README section
// (the handler, its registration, its test), writes them into a copy of the
// project as routes/<name>.go, a line in routes.go and routes/<name>_test.go,
// and runs the test.
func runReadmeRouteExample(t *testing.T, heading, name, testName string) {
	if testing.Short() {
		t.Skip("builds a copy of the project")
	}
	text := section(t, readFile(t, "README.md"), heading)
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(text, -1)
	if len(blocks) < 3 {
		t.Fatalf("%s: expected the handler, the registration and the test as Go blocks, found %d", heading, len(blocks))
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
		t.Fatal("routes.go no longer has the line the examples register their routes after")
	}
	writeFile(t, routesGo, strings.Replace(src, anchor, anchor+"\t"+register+"\n", 1))
	writeFile(t, filepath.Join(dir, "routes", name+".go"), handler)
	writeFile(t, filepath.Join(dir, "routes", name+"_test.go"), test)

	cmd := exec.Command("go", "test", "-v", "-count=1", "-run", "^"+testName+"$", "./routes/")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+testName) {
		t.Fatalf("the README's example under %q does not pass as written (%v):\n%s", heading, err, out)
	}
}

// examplePackages are what the README's route examples build with, in a copy of the project.
var examplePackages = []string{"auth", "auth/authtest", "hankoadmin", "roles", "store", "store/migrations/sqlite", "store/migrations/postgres", "store/storetest", "internal/testenv", "routes"}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	writeFile(t, to, readFile(t, from))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
