package composecheck

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

func parseDockerfile(t *testing.T, repoPath string) []Instruction {
	t.Helper()
	ins, err := ParseDockerfile(filepath.Join(RepoRoot, repoPath))
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// finalStage returns the instructions of the last stage (the image that runs).
func finalStage(ins []Instruction) []Instruction {
	last := ins[len(ins)-1].Stage
	var out []Instruction
	for _, in := range ins {
		if in.Stage == last {
			out = append(out, in)
		}
	}
	return out
}

// The backend image is built by the same command CI uses (scripts/build.sh),
// after a cached `go mod download`, and runs non-root on distroless.
func TestBackendDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	steps := []struct {
		keyword, substr, why string
	}{
		{"COPY", "go.mod go.sum", "copy the module files first"},
		{"RUN", "go mod download", "download dependencies in their own cached layer"},
		{"COPY", ". .", "then copy the sources"},
		{"RUN", "scripts/build.sh /out/hanko-gin", "build with CI's command"},
	}
	at := 0
	for _, s := range steps {
		i := Find(ins, at, s.keyword, s.substr)
		if i < 0 {
			t.Fatalf("Dockerfile: no %s %q after instruction %d (%s)", s.keyword, s.substr, at, s.why)
		}
		at = i + 1
	}
	if strings.Contains(strings.Join(instructionArgs(ins, "RUN"), "\n"), "go build") {
		t.Error("Dockerfile runs `go build` itself; use scripts/build.sh so the image and CI build the same way")
	}
	build, err := os.ReadFile(filepath.Join(RepoRoot, "scripts/build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(build), "CGO_ENABLED=0 go build") {
		t.Error("scripts/build.sh no longer builds with CGO_ENABLED=0; the distroless static image needs a static binary")
	}

	final := finalStage(ins)
	if from := final[0].Args; !regexp.MustCompile(`^gcr\.io/distroless/static(-debian\d+)?:nonroot$`).MatchString(from) {
		t.Errorf("final image FROM %q, want gcr.io/distroless/static…:nonroot", from)
	}
	want := map[string]string{
		"USER":        "nonroot:nonroot",
		"ENTRYPOINT":  `["/hanko-gin"]`,
		"EXPOSE":      "5001",
		"HEALTHCHECK": `CMD ["/hanko-gin", "healthcheck"]`,
		"ENV":         "PORT=5001",
		"WORKDIR":     "/app",
	}
	for kw, w := range want {
		got := instructionArgs(final, kw)
		if len(got) != 1 || !strings.HasSuffix(got[0], w) {
			t.Errorf("final stage %s = %q, want one ending in %q", kw, got, w)
		}
	}
	if Find(final, 0, "COPY", "--chown=nonroot:nonroot /out/data /app/data") < 0 {
		t.Error("final stage does not give the non-root user a writable /app/data (the SQLite default)")
	}

	// The compose healthcheck and the image's must run the same binary.
	backend := service(t, defaultProject(t), "backend")
	var entry []string
	if err := json.Unmarshal([]byte(instructionArgs(final, "ENTRYPOINT")[0]), &entry); err != nil {
		t.Fatal(err)
	}
	if hc := backend.HealthCheck.Test; len(hc) < 2 || hc[1] != entry[0] {
		t.Errorf("compose healthcheck %q does not run the image's entrypoint %q", hc, entry[0])
	}
}

// The golang image pins GOTOOLCHAIN=local, so its Go must be at least go.mod's.
func TestBackendDockerfileGoVersion(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	if Find(ins, 0, "FROM", "golang:${GO_VERSION}") < 0 {
		t.Fatal("build stage is not FROM golang:${GO_VERSION}")
	}
	img, ok := ArgDefault(ins, "GO_VERSION")
	if !ok {
		t.Fatal("no ARG GO_VERSION=<version>")
	}
	gomod, err := os.ReadFile(filepath.Join(RepoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	if compareVersions(img, string(m[1])) < 0 {
		t.Errorf("Dockerfile builds with Go %s, but go.mod needs go %s", img, m[1])
	}
}

func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}

func instructionArgs(ins []Instruction, keyword string) []string {
	var out []string
	for _, in := range ins {
		if in.Keyword == keyword {
			out = append(out, in.Args)
		}
	}
	return out
}

// The frontend image runs CI's commands and bakes no URL in: one image for every environment,
// its URLs set when the container starts (nginx's templates fill them in).
func TestFrontendDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "frontend/Dockerfile")
	steps := []struct{ keyword, substr string }{
		{"COPY", "package.json package-lock.json ./"},
		{"RUN", "npm ci"},
		{"COPY", ". ."},
		{"RUN", "npm run build"},
	}
	at := 0
	buildStage := -1
	for _, s := range steps {
		i := Find(ins, at, s.keyword, s.substr)
		if i < 0 {
			t.Fatalf("frontend/Dockerfile: no %s %q after instruction %d, in this order: %v", s.keyword, s.substr, at, steps)
		}
		if buildStage >= 0 && ins[i].Stage != buildStage {
			t.Errorf("%s %q is not in the build stage", s.keyword, s.substr)
		}
		buildStage = ins[i].Stage
		at = i + 1
	}
	for _, a := range instructionArgs(ins, "ARG") {
		if name, _, _ := strings.Cut(a, "="); strings.HasPrefix(name, "VITE_") {
			t.Errorf("frontend/Dockerfile bakes %s into the bundle; browser URLs are runtime settings", name)
		}
	}
	fe := service(t, defaultProject(t), "frontend")
	if fe.Build != nil && len(fe.Build.Args) > 0 {
		t.Errorf("compose passes build args %v to the frontend; its settings are runtime environment", fe.Build.Args)
	}

	// The node image satisfies package.json's engines.node (">=MAJOR.MINOR").
	node, ok := ArgDefault(ins, "NODE_VERSION")
	if !ok || Find(ins, 0, "FROM", "node:${NODE_VERSION}") < 0 {
		t.Fatal("build stage is not FROM node:${NODE_VERSION}… with an ARG default")
	}
	var pkg struct {
		Engines struct{ Node string } `json:"engines"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join(RepoRoot, "frontend/package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`^>=\s*(\d+)`).FindStringSubmatch(pkg.Engines.Node); m != nil && compareVersions(node, m[1]) < 0 {
		t.Errorf("node %s is older than engines.node %q", node, pkg.Engines.Node)
	}

	final := finalStage(ins)
	if !strings.HasPrefix(final[0].Args, "nginxinc/nginx-unprivileged:") {
		t.Errorf("frontend runtime FROM %q, want nginxinc/nginx-unprivileged", final[0].Args)
	}
	if got := instructionArgs(final, "EXPOSE"); !slices.Equal(got, []string{"5173"}) {
		t.Errorf("frontend EXPOSE %q, want 5173", got)
	}
	if Find(final, 0, "COPY", "--from=build /app/dist /usr/share/nginx/html") < 0 {
		t.Error("frontend runtime does not copy the Vite build (dist) into nginx's root")
	}
	if Find(final, 0, "COPY", "nginx/default.conf.template nginx/security-headers.inc.template /etc/nginx/templates/") < 0 {
		t.Error("frontend runtime does not install nginx/*.template into /etc/nginx/templates (filled in when the container starts)")
	}
	// Every variable the templates use has a default in the image, so envsubst fills them all.
	for _, name := range []string{"API_URL", "HANKO_API_URL", "AUTH_TRANSPORT", "HANKO_COOKIE_NAME"} {
		if Find(final, 0, "ENV", name+"=") < 0 {
			t.Errorf("frontend runtime has no ENV default for %s", name)
		}
	}
}

func TestNginxServesTheSPAOn5173(t *testing.T) {
	const file = "frontend/nginx/default.conf.template"
	conf := string(readFile(t, filepath.Join(RepoRoot, file)))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s*listen\s+5173;`),
		regexp.MustCompile(`(?m)^\s*root\s+/usr/share/nginx/html;`),
		regexp.MustCompile(`(?s)location / \{[^}]*try_files \$uri /index\.html;`),
		// The runtime settings, from the container's environment.
		regexp.MustCompile(`(?s)location = /config\.js \{[^}]*\$\{API_URL\}[^}]*\$\{HANKO_API_URL\}[^}]*\$\{AUTH_TRANSPORT\}[^}]*\$\{HANKO_COOKIE_NAME\}`),
	} {
		if !want.MatchString(conf) {
			t.Errorf("%s does not match %s", file, want)
		}
	}
	if regexp.MustCompile(`(?m)^\s*listen\s+(80|8080);`).MatchString(conf) {
		t.Errorf("%s still listens on the image's default port", file)
	}
	// Every location sends the security headers (a location's own add_header drops the server's).
	locations := regexp.MustCompile(`(?m)^\s*location `).FindAllStringIndex(conf, -1)
	includes := regexp.MustCompile(`(?m)^\s*include /etc/nginx/conf\.d/security-headers\.inc;`).FindAllStringIndex(conf, -1)
	if len(locations) == 0 || len(includes) != len(locations) {
		t.Errorf("%s: %d locations but %d include the security headers", file, len(locations), len(includes))
	}
	headers := string(readFile(t, filepath.Join(RepoRoot, "frontend/nginx/security-headers.inc.template")))
	for _, want := range []string{"Content-Security-Policy", "connect-src 'self' ${API_URL} ${HANKO_API_URL}", "frame-ancestors 'none'", `X-Content-Type-Options "nosniff"`, "Referrer-Policy"} {
		if !strings.Contains(headers, want) {
			t.Errorf("frontend/nginx/security-headers.inc.template lacks %s", want)
		}
	}
}

// .dockerignore files keep local state and secrets out of the build context,
// and keep what the build needs in it.
func TestDockerignore(t *testing.T) {
	tests := []struct {
		file               string
		excluded, included []string
	}{
		{
			file: ".dockerignore",
			excluded: []string{
				".git/HEAD", ".env", ".env.local", "data/todos.db", "bin/hanko-gin", "artifacts/run/log.txt",
				"node_modules/x/index.js", "frontend/node_modules/react/index.js", "frontend/src/main.tsx",
				"hanko-gin", "auth/jwks_test.go",
			},
			included: []string{"go.mod", "go.sum", "main.go", "scripts/build.sh", "auth/middleware.go", "routes/router.go", "store/store.go"},
		},
		{
			file:     "frontend/.dockerignore",
			excluded: []string{"node_modules/react/index.js", ".env", ".env.local", "dist/index.html"},
			included: []string{"package.json", "package-lock.json", "index.html", "src/main.tsx", "vite.config.ts", "tsconfig.json", "public/favicon.svg", "nginx.conf"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			pm := ignoreMatcher(t, tc.file)
			for _, p := range tc.excluded {
				if !ignored(t, pm, p) {
					t.Errorf("%s does not keep %s out of the build context", tc.file, p)
				}
			}
			for _, p := range tc.included {
				if ignored(t, pm, p) {
					t.Errorf("%s drops %s, which the build needs", tc.file, p)
				}
			}
		})
	}
}

// Every file `go build .` compiles or embeds must reach the backend build context.
func TestDockerignoreKeepsEveryBuildInput(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}`, ".")
	cmd.Dir = RepoRoot
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list in the repository root: %v\n%s", err, out)
	}
	root, err := filepath.Abs(RepoRoot)
	if err != nil {
		t.Fatal(err)
	}
	pm := ignoreMatcher(t, ".dockerignore")
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		rel, err := filepath.Rel(root, fields[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields[1:] {
			p := filepath.ToSlash(filepath.Join(rel, f))
			n++
			if ignored(t, pm, p) {
				t.Errorf(".dockerignore drops %s, which `go build` needs", p)
			}
		}
	}
	if n == 0 {
		t.Fatalf("go list found no source files of the main module:\n%s", out)
	}
}

func ignoreMatcher(t *testing.T, repoPath string) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(filepath.Join(RepoRoot, repoPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func ignored(t *testing.T, pm *patternmatcher.PatternMatcher, path string) bool {
	t.Helper()
	m, err := pm.MatchesOrParentMatches(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
