package main

// These tests keep the documentation honest: README.md and every docs/*.md
// that exists. They are table-driven over the files present, so a doc that
// a feature's removal deletes takes its checks along, and what
// is left must still hold:
//
//   - settings tables match what the program reads and .env.example,
//   - route tables match the router,
//   - curl lines run against a real server with the statuses they document,
//   - code quotes are real code, in order, from one file,
//   - start-up messages are what the program prints,
//   - the "your own route" examples pass as written, in a copy of the project,
//   - relative links and #anchors resolve,
//   - README.md stays a tutorial (at most 300 lines) naming the test command.
//
// docs/testing.md describes these conventions for doc writers.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/testenv"
	"github.com/hanko-gin/hanko-gin/internal/tutorial"
)

// doc is one Markdown file of the documentation.
type doc struct {
	path   string // relative to the repository root, e.g. "docs/api.md"
	text   string
	blocks []fence
	prose  string // text without the tutorials' steps (new files and lines for the reader to write)
}

// withoutSteps blanks the bodies of the tutorial steps in text, keeping
// its line numbers.
func withoutSteps(text string, blocks []fence) string {
	lines := strings.Split(text, "\n")
	for _, f := range blocks {
		if f.Path() == "" {
			continue
		}
		for i := f.Line; i < f.Line+strings.Count(f.Body, "\n")+1 && i < len(lines); i++ {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// fence is a fenced code block: its info string ("go", "go example",
// "diff example main.go"), its body, the heading it sits under.
type fence = tutorial.Fence

// docs returns README.md and every docs/*.md, sorted.
func docs(t *testing.T) []doc {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	paths = append([]string{"README.md"}, paths...)
	var out []doc
	for _, p := range paths {
		d := doc{path: filepath.ToSlash(p), text: readFile(t, p)}
		d.blocks = tutorial.Fences(d.text)
		d.prose = withoutSteps(d.text, d.blocks)
		out = append(out, d)
	}
	return out
}

func findDoc(t *testing.T, all []doc, path string) doc {
	t.Helper()
	for _, d := range all {
		if d.path == path {
			return d
		}
	}
	t.Fatalf("%s is missing", path)
	return doc{}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	settingRow = regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]+)` \\| ([^|]*) \\|")
	routeRow   = regexp.MustCompile("(?m)^\\| (GET|POST|PUT|PATCH|DELETE) \\| `([^`]+)` \\|")
)

// settingsRead returns every setting the program asks its environment for
// while loading its settings: the core's and each feature's.
func settingsRead(t *testing.T) map[string]bool {
	t.Helper()
	asked := map[string]bool{}
	err := run(context.Background(), nil, func(k string) string { asked[k] = true; return "" }, io.Discard)
	if err == nil {
		t.Fatal("run started without HANKO_API_URL")
	}
	if len(asked) < 10 {
		t.Fatalf("run asked for only %d settings (%v); the test's way of finding them is out of date", len(asked), sortedKeys(asked))
	}
	return asked
}

// TestDocsSettings: docs/settings.md lists exactly the settings the program
// reads and .env.example has; a settings row anywhere else names a real
// setting with the same default.
func TestDocsSettings(t *testing.T) {
	all := docs(t)
	inCode := settingsRead(t)
	inExample := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z][A-Z0-9_]+)=`).FindAllStringSubmatch(readFile(t, ".env.example"), -1) {
		inExample[m[1]] = true
	}
	defaults := map[string]string{}
	for _, m := range settingRow.FindAllStringSubmatch(findDoc(t, all, "docs/settings.md").text, -1) {
		if _, dup := defaults[m[1]]; dup {
			t.Errorf("docs/settings.md lists %s twice", m[1])
		}
		defaults[m[1]] = m[2]
	}
	inDoc := map[string]bool{}
	for k := range defaults {
		inDoc[k] = true
	}
	for name, set := range map[string]map[string]bool{".env.example": inExample, "the program": inCode} {
		if !slices.Equal(sortedKeys(inDoc), sortedKeys(set)) {
			t.Errorf("docs/settings.md lists %v\n%s reads %v", sortedKeys(inDoc), name, sortedKeys(set))
		}
	}
	for _, d := range all {
		if d.path == "docs/settings.md" {
			continue
		}
		for _, m := range settingRow.FindAllStringSubmatch(d.prose, -1) {
			switch def, ok := defaults[m[1]]; {
			case !ok:
				t.Errorf("%s documents a setting the program does not read: %s", d.path, m[1])
			case def != m[2]:
				t.Errorf("%s gives %s the default %q, docs/settings.md %q", d.path, m[1], m[2], def)
			}
		}
	}
}

// routerRoutes returns "METHOD /path" for every route the API serves (the
// core's and the features', built as main.go's run builds them).
func routerRoutes(t *testing.T) map[string]bool {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	gin.SetMode(gin.ReleaseMode)
	a := apptest.App(t, map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "t.db")},
		app.Options{Log: io.Discard}, features...)
	out := map[string]bool{}
	for _, r := range a.Handler.Routes() {
		out[r.Method+" "+r.Path] = true
	}
	return out
}

// TestDocsRoutes: a route row in any doc names a real route. The complete
// list is the OpenAPI document, checked against the router in openapi_test.go.
func TestDocsRoutes(t *testing.T) {
	all := docs(t)
	inRouter := routerRoutes(t)
	for _, d := range all {
		for _, m := range routeRow.FindAllStringSubmatch(d.prose, -1) {
			if !inRouter[m[1]+" "+m[2]] {
				t.Errorf("%s documents a route the router does not serve: %s %s", d.path, m[1], m[2])
			}
		}
	}
}

var (
	statusComment = regexp.MustCompile(`^# → (\d{3})\b`)
	// runLine is a doc's way of starting the server with settings of its
	// own, e.g. "NAME=127.0.0.1:9090 go run .".
	runLine    = regexp.MustCompile(`^((?:[A-Z][A-Z0-9_]*=\S+ +)+)go run \.(?:\s|$)`)
	assignment = regexp.MustCompile(`([A-Z][A-Z0-9_]*)=(\S+)`)
	portInURL  = regexp.MustCompile(`:(\d{2,5})\b`)
)

// runSettings returns the settings a doc's sh blocks start the server with
// ("NAME=value ... go run ."), and the ports those settings open.
func runSettings(d doc) (env map[string]string, ports []string) {
	env = map[string]string{}
	for _, f := range d.blocks {
		if f.Lang() != "sh" || strings.Contains(f.Body, "(needs Docker)") {
			continue
		}
		for _, line := range strings.Split(f.Body, "\n") {
			m := runLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			for _, a := range assignment.FindAllStringSubmatch(m[1], -1) {
				env[a[1]] = a[2]
				for _, p := range portInURL.FindAllStringSubmatch(a[2], -1) {
					ports = append(ports, p[1])
				}
			}
		}
	}
	return env, ports
}

// curlScript turns a doc's sh blocks into a bash script that runs each line
// talking to the server (localhost:5001, or a port the doc's own settings
// open) and checks the status documented after each curl line
// ("# → 201 ..."). Blocks marked "(needs Docker)" are left out.
func curlScript(t *testing.T, d doc, ports []string) (script string, checked int) {
	hosts := []string{"localhost:5001"}
	for _, p := range ports {
		hosts = append(hosts, "localhost:"+p)
	}
	talksToServer := func(line string) bool {
		return slices.ContainsFunc(hosts, func(h string) bool { return strings.Contains(line, h) })
	}
	var b strings.Builder
	b.WriteString("set -u\nfail=0\n")
	for _, f := range d.blocks {
		if f.Lang() != "sh" || !strings.Contains(f.Body, "curl ") || strings.Contains(f.Body, "(needs Docker)") {
			continue
		}
		lines := strings.Split(strings.TrimSpace(f.Body), "\n")
		for i, line := range lines {
			if strings.HasPrefix(line, "#") || !talksToServer(line) {
				continue
			}
			if !strings.HasPrefix(line, "curl ") {
				b.WriteString(line + "\n") // e.g. TODO_ID=$(curl ...)
				continue
			}
			want := ""
			if i+1 < len(lines) {
				if m := statusComment.FindStringSubmatch(lines[i+1]); m != nil {
					want = m[1]
				}
			}
			if want == "" {
				t.Errorf("%s:%d: a curl line has no documented status (# → NNN) after it:\n%s", d.path, f.Line, line)
				continue
			}
			checked++
			fmt.Fprintf(&b, "code=$(%s -o /dev/null -w '%%{http_code}')\n", line)
			fmt.Fprintf(&b, "if [ \"$code\" != %s ]; then echo \"%s: answered $code, documented %s: %s\"; fail=1; fi\n",
				want, d.path, want, strings.NewReplacer(`"`, `\"`, "$", `\$`, "`", "\\`").Replace(line))
		}
	}
	b.WriteString("exit $fail\n")
	return b.String(), checked
}

// TestDocsCurlLinesRun runs every doc's curl lines against the real program,
// started as the README's Quick start C starts it: the stand-in Hanko
// (e2e/fakehanko) writes its URLs and tokens as shell exports, and the
// program runs with them, plus the settings of the doc's own
// "NAME=value go run ." line (each port in them a free one). Each doc gets a
// fresh server, so its lines see the state they create, as in a reader's
// terminal.
func TestDocsCurlLinesRun(t *testing.T) {
	curl, bash := testenv.Need(t, "curl"), testenv.Need(t, "bash")
	type job struct {
		d      doc
		script string
		env    map[string]string
		ports  []string
	}
	var jobs []job
	total := 0
	for _, d := range docs(t) {
		env, ports := runSettings(d)
		script, n := curlScript(t, d, ports)
		if d.path == "README.md" && n < 5 {
			t.Errorf("README.md has only %d curl lines with a documented status; its format changed", n)
		}
		if n > 0 {
			jobs = append(jobs, job{d, script, env, ports})
			total += n
		}
	}
	if total < 20 {
		t.Fatalf("found only %d curl lines with a documented status in all docs; the format changed", total)
	}

	fakehanko := filepath.Join(t.TempDir(), "fakehanko")
	if out, err := exec.Command("go", "build", "-o", fakehanko, "./e2e/fakehanko").CombinedOutput(); err != nil {
		t.Fatalf("building e2e/fakehanko: %v\n%s", err, out)
	}
	for _, j := range jobs {
		t.Run(j.d.path, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			envFile := filepath.Join(dir, "hanko.env")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fh := exec.CommandContext(ctx, fakehanko, "-addr", "127.0.0.1:0", "-env", envFile)
			fh.Stdout, fh.Stderr = io.Discard, io.Discard
			if err := fh.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { cancel(); _ = fh.Wait() }()
			docWaitFor(t, func() bool { _, err := os.Stat(envFile); return err == nil })

			port := docFreePort(t)
			hostPorts := []string{"localhost:5001", "localhost:" + strconv.Itoa(port)}
			env := shellExports(t, envFile)
			for k, v := range j.env {
				env[k] = v
			}
			for _, p := range j.ports {
				free := strconv.Itoa(docFreePort(t))
				for k, v := range env {
					env[k] = strings.ReplaceAll(v, ":"+p, ":"+free)
				}
				hostPorts = append(hostPorts, "localhost:"+p, "localhost:"+free)
			}
			env["PORT"] = strconv.Itoa(port)
			env["DATABASE_URL"] = "sqlite://" + filepath.Join(dir, "docs.db")
			logs := new(apptest.LogBuffer)
			done := make(chan error, 1)
			go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, logs) }()
			defer func() { cancel(); <-done }()
			docWaitFor(t, func() bool {
				return exec.Command(curl, "-sf", fmt.Sprintf("http://127.0.0.1:%d/readyz", port)).Run() == nil
			})

			script := strings.NewReplacer(hostPorts...).Replace(j.script)
			cmd := exec.Command(bash, "-c", ". "+envFile+"\n"+script)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("%s: curl lines failed (%v):\n%s\nserver log:\n%s", j.d.path, err, out, logs)
			}
		})
	}
}

// shellExports reads the `export NAME=value` lines fakehanko writes.
func shellExports(t *testing.T, path string) map[string]string {
	t.Helper()
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok {
			env[k] = v
		}
	}
	if env["HANKO_API_URL"] == "" || env["TOKEN"] == "" {
		t.Fatalf("%s exports no HANKO_API_URL or TOKEN:\n%s", path, readFile(t, path))
	}
	return env
}

func docFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func docWaitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sourceLines returns, for each file of the project whose name ends in one
// of exts, its lines normalised by norm.
func sourceLines(t *testing.T, norm func(string) string, exts ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			switch e.Name() {
			case ".git", "node_modules", "artifacts", "bin", "data":
				return filepath.SkipDir
			}
			return nil
		}
		if !slices.ContainsFunc(exts, func(x string) bool { return strings.HasSuffix(p, x) }) {
			return nil
		}
		var lines []string
		for _, l := range strings.Split(readFile(t, p), "\n") {
			lines = append(lines, norm(l))
		}
		out[p] = lines
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// normGo ignores indentation and alignment (gofmt aligns with spaces).
func normGo(l string) string { return strings.Join(strings.Fields(l), " ") }

// normYAML also drops comments.
func normYAML(l string) string {
	if i := strings.Index(l, " #"); i >= 0 {
		l = l[:i]
	}
	if strings.HasPrefix(strings.TrimSpace(l), "#") {
		return ""
	}
	return normGo(l)
}

// quotedIn reports whether the quote's chunks (separated by "..." lines)
// appear in file, in order, each chunk as consecutive lines. Blank lines
// are ignored on both sides.
func quotedIn(quote, file []string) bool {
	var chunks [][]string
	cur := []string{}
	for _, l := range quote {
		switch l {
		case "":
		case "...":
			if len(cur) > 0 {
				chunks = append(chunks, cur)
			}
			cur = []string{}
		default:
			cur = append(cur, l)
		}
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	var lines []string
	for _, l := range file {
		if l != "" {
			lines = append(lines, l)
		}
	}
	pos := 0
	for _, c := range chunks {
		i := pos
		for ; i+len(c) <= len(lines); i++ {
			if slices.Equal(lines[i:i+len(c)], c) {
				break
			}
		}
		if i+len(c) > len(lines) {
			return false
		}
		pos = i + len(c)
	}
	return true
}

// TestDocsQuoteRealCode: every go block (not marked "example") quotes the
// project's Go code, and every yaml block its YAML: the lines in order, from
// one file, with "..." for what is left out.
func TestDocsQuoteRealCode(t *testing.T) {
	sources := map[string]map[string][]string{
		"go":   sourceLines(t, normGo, ".go"),
		"yaml": sourceLines(t, normYAML, ".yaml", ".yml"),
	}
	norms := map[string]func(string) string{"go": normGo, "yaml": normYAML}
	readmeQuotes := 0
	for _, d := range docs(t) {
		for _, f := range d.blocks {
			files, ok := sources[f.Lang()]
			if !ok || f.IsExample() {
				continue
			}
			if d.path == "README.md" && f.Lang() == "go" {
				readmeQuotes++
			}
			var quote []string
			for _, l := range strings.Split(f.Body, "\n") {
				quote = append(quote, norms[f.Lang()](l))
			}
			if !slices.ContainsFunc(slices.Collect(maps.Values(files)), func(file []string) bool { return quotedIn(quote, file) }) {
				t.Errorf("%s:%d quotes %s code that is in no file of the project (mark new code %q):\n%s",
					d.path, f.Line, f.Lang(), f.Lang()+" example", f.Body)
			}
		}
	}
	if readmeQuotes < 5 {
		t.Errorf("README.md has %d Go quotes; its format changed", readmeQuotes)
	}
}

var startupCommand = regexp.MustCompile(`^\$ ((?:[A-Z][A-Z0-9_]*=(?:'[^']*'|"[^"]*"|\S*) )*)go run \.$`)

// TestDocsStartupMessages: a text block that starts with
// "$ NAME=value ... go run ." shows what the program prints with exactly
// those settings.
func TestDocsStartupMessages(t *testing.T) {
	assign := regexp.MustCompile(`([A-Z][A-Z0-9_]*)=('[^']*'|"[^"]*"|\S*)`)
	found := 0
	for _, d := range docs(t) {
		for _, f := range d.blocks {
			lines := strings.Split(strings.TrimRight(f.Body, "\n"), "\n")
			m := startupCommand.FindStringSubmatch(lines[0])
			if f.Lang() != "text" || m == nil {
				continue
			}
			found++
			env := map[string]string{}
			for _, a := range assign.FindAllStringSubmatch(m[1], -1) {
				env[a[1]] = strings.Trim(a[2], `'"`)
			}
			want := strings.Join(lines[1:], "\n")
			want = strings.TrimSuffix(want, "\nexit status 1")
			err := run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard)
			if err == nil {
				t.Errorf("%s:%d: the program started with %v", d.path, f.Line, env)
				continue
			}
			if got := "hanko-gin: " + err.Error(); got != want {
				t.Errorf("%s:%d: the program prints\n%s\nthe doc shows\n%s", d.path, f.Line, got, want)
			}
		}
	}
	if found == 0 {
		t.Error("no doc shows a start-up message; the README's format changed")
	}
}

// tutorials returns the tutorials of every doc: the example blocks with a
// path ("go example routes/greeting.go", "diff example routes/routes.go")
// under one heading.
func tutorials(t *testing.T, all []doc) []tutorial.Tutorial {
	var out []tutorial.Tutorial
	for _, d := range all {
		out = append(out, tutorial.FromDoc(d.path, d.text)...)
	}
	return out
}

// TestDocsTutorials follows each tutorial as written in a copy of the
// project (its files written, its lines added, those already there left as
// they are, so a tutorial followed in place is recognised) and runs the
// tests it has the reader write: one copy and one `go test` per tutorial,
// in parallel. scripts/test-tutorials.sh follows them in place instead and
// runs the whole suite.
func TestDocsTutorials(t *testing.T) {
	all := tutorials(t, docs(t))
	if !slices.ContainsFunc(all, func(tu tutorial.Tutorial) bool { return tu.Doc == "README.md" }) {
		t.Fatal("README.md has no tutorial (example blocks with a path under one heading)")
	}
	for _, tu := range all {
		if names, _ := tu.Tests(); len(names) == 0 {
			t.Errorf("%s writes no test (a _test.go step with a func TestX(t *testing.T))", tu.Name())
		}
		for _, f := range tu.Steps {
			if f.Lang() != "go" || !strings.HasSuffix(f.Path(), ".go") {
				continue
			}
			if formatted, err := format.Source([]byte(f.Body + "\n")); err != nil || string(formatted) != f.Body+"\n" {
				t.Errorf("%s:%d: %s is not as gofmt writes it (%v):\n%s", tu.Doc, f.Line, f.Path(), err, formatted)
			}
		}
	}
	if testing.Short() {
		t.Skip("builds a copy of the project per tutorial")
	}
	for _, tu := range all {
		t.Run(strings.ReplaceAll(tu.Name(), " ", "_"), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyProject(t, dir)
			if err := tu.Apply(dir); err != nil {
				t.Fatalf("%s cannot be followed: %v", tu.Name(), err)
			}
			names, pkgs := tu.Tests()
			cmd := exec.Command("go", append([]string{"test", "-trimpath", "-v", "-count=1", "-run", "^(" + strings.Join(names, "|") + ")$"}, pkgs...)...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			for _, n := range names {
				if !strings.Contains(string(out), "--- PASS: "+n+" ") {
					err = errors.Join(err, fmt.Errorf("%s did not pass", n))
				}
			}
			if err != nil {
				t.Fatalf("%s does not pass as written (%v):\n%s", tu.Name(), err, out)
			}
		})
	}
}

// copyProject copies the Go module (without the frontend, git and build
// output) to dir.
func copyProject(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			switch e.Name() {
			case ".git", "node_modules", "frontend", "artifacts", "bin", "data":
				return filepath.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		writeFile(t, filepath.Join(dir, p), readFile(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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

var (
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	inlineCode = regexp.MustCompile("`[^`]*`")
)

// TestDocsLinksResolve: every relative link in the repository's Markdown
// files points at a file or folder that exists, and every #anchor at a
// heading of the Markdown file it names.
func TestDocsLinksResolve(t *testing.T) {
	var mds []string
	err := filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && slices.Contains([]string{".git", "node_modules", "artifacts", "dist"}, e.Name()) {
			return filepath.SkipDir
		}
		if !e.IsDir() && strings.HasSuffix(p, ".md") {
			mds = append(mds, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]map[string]bool{}
	anchorsOf := func(p string) map[string]bool {
		if a, ok := anchors[p]; ok {
			return a
		}
		anchors[p] = headingAnchors(readFile(t, p))
		return anchors[p]
	}
	for _, md := range mds {
		inFence := false
		for i, line := range strings.Split(readFile(t, md), "\n") {
			if strings.HasPrefix(strings.TrimLeft(line, " "), "```") {
				inFence = !inFence
				continue
			}
			if inFence {
				continue
			}
			for _, m := range mdLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				resolved := md
				if path != "" {
					resolved = filepath.Join(filepath.Dir(md), path)
					if _, err := os.Stat(resolved); err != nil {
						t.Errorf("%s:%d links %s, which does not exist", md, i+1, target)
						continue
					}
				}
				if anchor != "" && strings.HasSuffix(resolved, ".md") && !anchorsOf(resolved)[anchor] {
					t.Errorf("%s:%d links %s, but %s has no heading with the anchor #%s", md, i+1, target, resolved, anchor)
				}
			}
		}
	}
}

// headingAnchors returns the anchors GitHub gives a Markdown file's headings.
func headingAnchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	inFence := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// TestReadmeIsATutorial: the README stays short and names the test command
// that CI runs.
func TestReadmeIsATutorial(t *testing.T) {
	readme := readFile(t, "README.md")
	if n := strings.Count(readme, "\n"); n > 300 {
		t.Errorf("README.md has %d lines; it is the tutorial, at most 300: move reference material to docs/", n)
	}
	if !strings.Contains(readme, "scripts/test.sh") || !regexp.MustCompile(`(?m)^scripts/test\.sh$`).MatchString(readFile(t, ".ci/run")) {
		t.Error("README.md must name scripts/test.sh as the test command, and .ci/run must call it")
	}
	if _, err := os.Stat("scripts/test.sh"); errors.Is(err, fs.ErrNotExist) {
		t.Error("scripts/test.sh is gone")
	}
}

// featureDocs returns the docs of features: docs/NAME.md of a features/NAME/.
func featureDocs(all []doc) map[string]doc {
	out := map[string]doc{}
	for _, d := range all {
		name, ok := strings.CutPrefix(strings.TrimSuffix(d.path, ".md"), "docs/")
		if _, err := os.Stat(filepath.Join("features", name)); ok && err == nil {
			out[name] = d
		}
	}
	return out
}

// TestDocsFeatureMentionsGoWithTheFeature: the other docs mention a feature
// only on lines that link its doc (a table row, a one-line list item), so
// that deleting the doc and those lines, as removing the feature
// does, leaves nothing of the feature: not its doc's name, not its folder,
// not its routes, not the settings whose row links it. Checked for each
// feature alone and for all of them together.
func TestDocsFeatureMentionsGoWithTheFeature(t *testing.T) {
	all := docs(t)
	feats := featureDocs(all)
	if len(feats) == 0 {
		t.Skip("no feature docs: every feature was removed")
	}
	settings := findDoc(t, all, "docs/settings.md").text
	var removals [][]string
	for _, name := range slices.Sorted(maps.Keys(feats)) {
		removals = append(removals, []string{name})
	}
	if len(feats) > 1 {
		removals = append(removals, slices.Sorted(maps.Keys(feats)))
	}
	for _, removed := range removals {
		var words []string
		for _, name := range removed {
			words = append(words, name+".md", "features/"+name+"/")
			for _, m := range routeRow.FindAllStringSubmatch(feats[name].text, -1) {
				words = append(words, m[2])
			}
			for _, line := range strings.Split(settings, "\n") {
				if m := settingRow.FindStringSubmatch(line); m != nil && strings.Contains(line, "("+name+".md") {
					words = append(words, m[1])
				}
			}
		}
		for _, d := range all {
			if slices.Contains(removed, strings.TrimSuffix(strings.TrimPrefix(d.path, "docs/"), ".md")) {
				continue
			}
			if strings.HasPrefix(d.path, "docs/tutorial-") {
				continue // a tutorial writes a feature: its text stays when the feature goes
			}
			for i, line := range strings.Split(d.text, "\n") {
				if slices.ContainsFunc(removed, func(name string) bool { return strings.Contains(line, name+".md") }) {
					continue // the line goes with the feature
				}
				for _, w := range words {
					if strings.Contains(line, w) {
						t.Errorf("removing %v: %s:%d mentions %q without linking the feature's doc, so it would stay:\n%s",
							removed, d.path, i+1, w, line)
					}
				}
			}
		}
	}
}

// TestDocsNamedPathsExist: a path the docs name in backticks (`auth/jwks.go`,
// `store/README.md`), from the repository's root, exists. Only paths that
// start at a top-level folder or file of the repository are checked, so
// routes (`/api/me`), media types and module paths are not mistaken for one.
func TestDocsNamedPathsExist(t *testing.T) {
	top, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	roots := map[string]bool{}
	for _, e := range top {
		roots[e.Name()] = true
	}
	span := regexp.MustCompile("`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/?)`")
	checked := 0
	all := docs(t)
	// The files the tutorials have the reader write need not exist yet.
	writes := map[string]bool{}
	for _, tu := range tutorials(t, all) {
		for _, f := range tu.Steps {
			writes[f.Path()] = true
		}
	}
	for _, d := range all {
		inFence := false
		for i, line := range strings.Split(d.text, "\n") {
			if strings.HasPrefix(strings.TrimLeft(line, " "), "```") {
				inFence = !inFence
			}
			if inFence {
				continue
			}
			for _, m := range span.FindAllStringSubmatch(line, -1) {
				p := m[1]
				first, _, nested := strings.Cut(p, "/")
				if !nested && !strings.Contains(p, ".") || !roots[first] {
					continue // a word, or not a path of this repository
				}
				checked++
				if _, err := os.Stat(p); err != nil && !writes[p] {
					t.Errorf("%s:%d names `%s`, which does not exist", d.path, i+1, p)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d paths named in the docs; the pattern is out of date", checked)
	}
}
