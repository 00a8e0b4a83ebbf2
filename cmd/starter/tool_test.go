package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The synthetic repository the tests remove features from: a root module with
// three features (alpha and beta share common), their docs, settings and
// frontend parts, and a nested module with a test belonging to gamma.
var synthetic = map[string]string{
	"go.mod": "module github.com/hanko-gin/hanko-gin\n\ngo 1.26\n",
	"main.go": `package main

import (
	"fmt"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/features/alpha"
	"github.com/hanko-gin/hanko-gin/features/beta"
	"github.com/hanko-gin/hanko-gin/features/gamma"
)

var features = []app.Feature{
	alpha.Feature{},       // Alpha things (docs/alpha.md)
	beta.Feature{},        // Beta (docs/beta.md)
	gamma.LongerFeature{}, // Gamma (docs/gamma.md)
}

func main() { fmt.Println(len(features)) }
`,
	"app/app.go": "package app\n\nimport (\n\t\"strings\"\n\n\t\"gopkg.in/yaml.v3\"\n)\n\ntype Feature interface{}\n\n// Gamma is gamma's.\nvar Gamma = strings.ToUpper(\"gamma\")\n\nvar _ = yaml.Marshal\n",
	"features/alpha/alpha.go": `package alpha

import "github.com/hanko-gin/hanko-gin/features/common"

type Feature struct{}

var _ = common.Name
`,
	"features/beta/beta.go": `package beta

import "github.com/hanko-gin/hanko-gin/features/common"

type Feature struct{}

var _ = common.Name
`,
	"features/beta/beta_test.go": `package beta

import (
	"testing"

	"github.com/hanko-gin/hanko-gin/features/common/commontest"
)

func TestBeta(t *testing.T) { commontest.Use(t) }
`,
	"features/common/common.go":                   "package common\n\nconst Name = \"common\"\n",
	"features/common/commontest/commontest.go":    "package commontest\n\nimport \"testing\"\n\nfunc Use(t *testing.T) {}\n",
	"features/gamma/gamma.go":                     "package gamma\n\ntype LongerFeature struct{}\n",
	"features/gamma/testdata/broken.go":           "this is not Go\n",
	"docs/alpha.md":                               "# Alpha\n\nSet ALPHA_KEY.\n",
	"docs/beta.md":                                "# Beta\n\nWith alpha: see alpha.md.\n",
	"docs/gamma.md":                               "# Gamma\n",
	"docs/settings.md":                            "| name | meaning |\n|---|---|\n| `HANKO_API_URL` | Hanko |\n| `ALPHA_KEY` | alpha's key ([alpha](alpha.md)) |\n",
	"frontend/src/features/alpha/index.ts":        "export const alpha = { name: \"alpha\" };\n",
	"frontend/src/features/beta/index.ts":         "export const beta = { name: \"beta\" };\n",
	"frontend/src/features/beta/BetaPage.tsx":     "export function BetaPage() { return null; }\n",
	"frontend/node_modules/pkg/features/alpha.go": "package pkg // not ours, never looked at\n",
	"frontend/src/features.ts": `import { alpha } from "./features/alpha";
import { beta } from "./features/beta";

export const features = [
  alpha,
  beta,
];
`,
	"README.md":                  "# Synthetic\n\n## Features\n\n- alpha: does alpha ([docs](docs/alpha.md))\n- beta: does beta ([docs](docs/beta.md))\n- gamma: does gamma ([docs](docs/gamma.md))\n\nSettings: see .env.example.\n",
	".env.example":               "HANKO_API_URL=http://localhost:8000\n\n# alpha\nALPHA_KEY=\n\n# shared by alpha and beta\nCOMMON_URL=\n",
	"deploy/check/go.mod":        "module github.com/hanko-gin/hanko-gin/deploy/check\n\ngo 1.26\n",
	"deploy/check/check.go":      "package check\n",
	"deploy/check/gamma_test.go": "package check\n",
}

func syntheticCatalog() catalog {
	alpha := &feature{
		Name: "alpha", Description: "the alpha feature", Dir: "features/alpha",
		Paths: []string{"features/alpha", "docs/alpha.md", "frontend/src/features/alpha"},
		Blocks: []block{
			{File: "main.go", Lines: []string{"\talpha.Feature{},       // Alpha things (docs/alpha.md)"}},
			{File: "README.md", Lines: []string{"- alpha: does alpha ([docs](docs/alpha.md))"}},
			{File: ".env.example", Lines: []string{"# alpha", "ALPHA_KEY=", ""}},
			{File: "docs/settings.md", Lines: []string{"| `ALPHA_KEY` | alpha's key ([alpha](alpha.md)) |"}},
			{File: "docs/beta.md", Lines: []string{"", "With alpha: see alpha.md."}},
			{File: "frontend/src/features.ts", Lines: []string{`import { alpha } from "./features/alpha";`}},
			{File: "frontend/src/features.ts", Lines: []string{"  alpha,"}},
		},
		Env: []string{"ALPHA_KEY"},
	}
	beta := &feature{
		Name: "beta", Description: "the beta feature", Dir: "features/beta",
		Paths: []string{"features/beta", "docs/beta.md", "frontend/src/features/beta"},
		Blocks: []block{
			{File: "main.go", Lines: []string{"\tbeta.Feature{},        // Beta (docs/beta.md)"}},
			{File: "README.md", Lines: []string{"- beta: does beta ([docs](docs/beta.md))"}},
			{File: "frontend/src/features.ts", Lines: []string{`import { beta } from "./features/beta";`}},
			{File: "frontend/src/features.ts", Lines: []string{"  beta,"}},
		},
		Gone: []string{"BetaPage"},
	}
	gamma := &feature{
		Name: "gamma", Description: "the gamma feature", Dir: "features/gamma",
		Paths: []string{"features/gamma", "docs/gamma.md", "deploy/check/gamma_test.go"},
		Blocks: []block{
			{File: "main.go", Lines: []string{"\tgamma.LongerFeature{}, // Gamma (docs/gamma.md)"}},
			{File: "README.md", Lines: []string{"- gamma: does gamma ([docs](docs/gamma.md))"}},
			{File: "app/app.go", Lines: []string{"// Gamma is gamma's.", "var Gamma = strings.ToUpper(\"gamma\")", ""}},
		},
	}
	common := &feature{
		Name: "common", Description: "what alpha and beta share", Dir: "features/common",
		Paths:  []string{"features/common"},
		Blocks: []block{{File: ".env.example", Lines: []string{"", "# shared by alpha and beta", "COMMON_URL="}}},
		Env:    []string{"COMMON_URL"},
		UsedBy: []string{"alpha", "beta"},
	}
	return catalog{
		Module:   "github.com/hanko-gin/hanko-gin",
		Features: []*feature{alpha, beta, gamma},
		Shared:   []*feature{common},
	}
}

// writeTree creates files (relative path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTree returns every file under dir (relative path -> content); folders
// appear with a trailing / so that an empty one shows.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".":
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			files[rel] = "-> " + target
		case d.IsDir():
			files[rel+"/"] = ""
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

type tidyCalls struct{ dirs []string }

func (c *tidyCalls) tidy(root string) func(context.Context, string, io.Writer) error {
	return func(_ context.Context, dir string, _ io.Writer) error {
		rel, _ := filepath.Rel(root, dir)
		c.dirs = append(c.dirs, filepath.ToSlash(rel))
		return nil
	}
}

// startSynthetic writes the synthetic repository (changed by edit, if not nil)
// and returns its root and a tool working in it.
func startSynthetic(t *testing.T, edit func(root string, files map[string]string)) (string, tool, *tidyCalls) {
	t.Helper()
	root := t.TempDir()
	files := maps.Clone(synthetic)
	if edit != nil {
		edit(root, files)
	}
	writeTree(t, root, files)
	calls := &tidyCalls{}
	return root, tool{
		catalog: syntheticCatalog(),
		getwd:   func() (string, error) { return root, nil },
		tidy:    calls.tidy(root),
	}, calls
}

func TestList(t *testing.T) {
	_, tl, _ := startSynthetic(t, func(_ string, files map[string]string) {
		delete(files, "features/beta/beta.go")
		delete(files, "features/beta/beta_test.go")
	})
	var out strings.Builder
	if err := tl.run(context.Background(), []string{"list"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := `alpha   present  the alpha feature
beta    removed  the beta feature
gamma   present  the gamma feature
common  present  what alpha and beta share (shared: goes with the last of alpha, beta)
`
	if out.String() != want {
		t.Errorf("list printed\n%s\nwant\n%s", out.String(), want)
	}
}

func TestRemove(t *testing.T) {
	mainWithout := func(keep ...string) string {
		src := synthetic["main.go"]
		lines := map[string]string{
			"alpha": "\talpha.Feature{},       // Alpha things (docs/alpha.md)\n",
			"beta":  "\tbeta.Feature{},        // Beta (docs/beta.md)\n",
			"gamma": "\tgamma.LongerFeature{}, // Gamma (docs/gamma.md)\n",
		}
		for name, line := range lines {
			if !slices.Contains(keep, name) {
				src = strings.Replace(src, line, "", 1)
				src = strings.Replace(src, "\t\"github.com/hanko-gin/hanko-gin/features/"+name+"\"\n", "", 1)
			}
		}
		return src
	}
	tests := []struct {
		name    string
		runs    [][]string // one remove command line after another
		gone    []string   // features and shared parts that must be gone
		out     []string   // lines the last run must print
		changed map[string]string
		tidy    []string
		// changedAlso: more expected contents
		changedAlso map[string]string
	}{
		{
			name: "one feature, shared part stays",
			runs: [][]string{{"alpha"}},
			gone: []string{"alpha"},
			out: []string{
				"common stays: still used by beta",
				"removing alpha:",
				"deleted  features/alpha/",
				"deleted  docs/alpha.md",
				"deleted  frontend/src/features/alpha/",
				"changed  .env.example", "changed  README.md", "changed  docs/settings.md",
				"changed  frontend/src/features.ts", "changed  main.go",
				"go mod tidy in .",
				"removed alpha",
			},
			changed: map[string]string{
				"main.go": mainWithout("beta", "gamma"),
				"frontend/src/features.ts": `import { beta } from "./features/beta";

export const features = [
  beta,
];
`,
				".env.example": "HANKO_API_URL=http://localhost:8000\n\n# shared by alpha and beta\nCOMMON_URL=\n",
			},
			tidy: []string{"."},
		},
		{
			name: "both users at once take the shared part",
			runs: [][]string{{"alpha", "beta"}},
			gone: []string{"alpha", "beta", "common"},
			out:  []string{"removing alpha, beta, common:", "deleted  features/common/"},
			changed: map[string]string{
				".env.example":             "HANKO_API_URL=http://localhost:8000\n",
				"frontend/src/features.ts": "\nexport const features = [\n];\n",
				"README.md":                "# Synthetic\n\n## Features\n\n- gamma: does gamma ([docs](docs/gamma.md))\n\nSettings: see .env.example.\n",
			},
			tidy: []string{"."},
		},
		{
			name: "a main.go line found after gofmt realigned it",
			runs: [][]string{{"gamma"}, {"alpha"}},
			gone: []string{"alpha", "gamma"},
			out:  []string{"removing alpha:", "changed  main.go"},
		},
		{
			name: "the last user removed later takes the shared part",
			runs: [][]string{{"beta"}, {"alpha"}},
			gone: []string{"alpha", "beta", "common"},
			out:  []string{"removing alpha, common:", "deleted  features/common/", "changed  .env.example"},
		},
		{
			name: "a deletion that realigns main.go, and a nested module",
			runs: [][]string{{"gamma"}},
			gone: []string{"gamma"},
			out:  []string{"deleted  deploy/check/gamma_test.go", "go mod tidy in deploy/check"},
			changed: map[string]string{
				"main.go": strings.NewReplacer(
					"alpha.Feature{},       //", "alpha.Feature{}, //",
					"beta.Feature{},        //", "beta.Feature{},  //",
				).Replace(mainWithout("alpha", "beta")),
			},
			tidy: []string{".", "deploy/check"},
			// strings lost its last use; yaml.v3's name cannot be told from its path, so it stays
			// (it is used anyway).
			changedAlso: map[string]string{"app/app.go": "package app\n\nimport (\n\t\"gopkg.in/yaml.v3\"\n)\n\ntype Feature interface{}\n\nvar _ = yaml.Marshal\n"},
		},
		{
			name: "everything, named twice",
			runs: [][]string{{"gamma", "alpha", "beta", "alpha"}},
			gone: []string{"alpha", "beta", "gamma", "common"},
			out:  []string{"removing alpha, beta, gamma, common:", "removed alpha, beta, gamma, common"},
			changed: map[string]string{
				"main.go": `package main

import (
	"fmt"

	"github.com/hanko-gin/hanko-gin/app"
)

var features = []app.Feature{}

func main() { fmt.Println(len(features)) }
`,
			},
		},
		{
			name: "a block in a file another removed feature deletes",
			runs: [][]string{{"alpha", "beta"}},
			gone: []string{"alpha", "beta", "common"},
			out:  []string{"deleted  docs/beta.md"},
		},
		{
			name: "twice: the second run changes nothing",
			runs: [][]string{{"alpha", "gamma"}, {"gamma", "alpha"}},
			gone: []string{"alpha", "gamma"},
			out:  []string{"alpha: already removed", "gamma: already removed"},
			tidy: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, tl, calls := startSynthetic(t, nil)
			var out strings.Builder
			var before map[string]string
			for _, names := range tt.runs {
				before = readTree(t, root)
				out.Reset()
				calls.dirs = []string{}
				if err := tl.run(context.Background(), append([]string{"remove"}, names...), &out, io.Discard); err != nil {
					t.Fatalf("remove %v: %v\n%s", names, err, out.String())
				}
			}
			got := out.String()
			t.Logf("the last run printed:\n%s", got)
			for _, line := range tt.out {
				if !slices.Contains(strings.Split(got, "\n"), line) {
					t.Errorf("output lacks line %q:\n%s", line, got)
				}
			}
			after := readTree(t, root)
			for rel, want := range tt.changedAlso {
				if after[rel] != want {
					t.Errorf("%s is\n%s\nwant\n%s", rel, after[rel], want)
				}
			}
			for rel, want := range tt.changed {
				if after[rel] != want {
					t.Errorf("%s is\n%s\nwant\n%s", rel, after[rel], want)
				}
			}
			if tt.tidy != nil && !slices.Equal(calls.dirs, tt.tidy) {
				t.Errorf("go mod tidy ran in %q, want %q", calls.dirs, tt.tidy)
			}
			if slices.Contains(tt.out, "alpha: already removed") && !maps.Equal(before, after) {
				t.Errorf("the second run changed the tree")
			}
			// Every printed change is real, and every real change is printed.
			for rel, content := range before {
				_, kept := after[rel]
				switch {
				case !kept && !strings.Contains(got, "deleted  "+rel) && !deletedAbove(got, rel):
					t.Errorf("%s was deleted without saying so", rel)
				case kept && after[rel] != content && !strings.Contains(got, "changed  "+rel+"\n"):
					t.Errorf("%s was changed without saying so", rel)
				}
			}
			var removed []*feature
			cat := tl.catalog
			for _, f := range append(slices.Clone(cat.Features), cat.Shared...) {
				if slices.Contains(tt.gone, f.Name) {
					removed = append(removed, f)
					if present(root, f) {
						t.Errorf("%s is still present", f.Name)
					}
				} else if !present(root, f) {
					t.Errorf("%s was removed", f.Name)
				}
			}
			for _, p := range handWrittenProblems(root, removed) {
				t.Errorf("not as if by hand: %s", p)
			}
		})
	}
}

// deletedAbove reports whether out says a folder above rel was deleted.
func deletedAbove(out, rel string) bool {
	for dir := filepath.ToSlash(filepath.Dir(rel)); dir != "."; dir = filepath.ToSlash(filepath.Dir(dir)) {
		if strings.Contains(out, "deleted  "+dir+"/") {
			return true
		}
	}
	return false
}

// TestRemoveRefuses covers what must fail before anything changes.
func TestRemoveRefuses(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		edit    func(root string, files map[string]string)
		catalog func(c catalog) catalog
		errs    []string // each must be in the error
		status2 bool     // a usage error (exit status 2)
	}{
		{
			name: "unknown name", args: []string{"remove", "alpha", "bogus", "common"},
			errs:    []string{`unknown feature "bogus", "common"`, "the features are: alpha, beta, gamma"},
			status2: true,
		},
		{name: "no name", args: []string{"remove"}, errs: []string{"name at least one feature (alpha, beta, gamma)"}, status2: true},
		{name: "unknown command", args: []string{"delete", "alpha"}, errs: []string{`unknown command "delete"`}, status2: true},
		{name: "no command", args: nil, errs: []string{"usage:"}, status2: true},
		{
			name: "a stale block, named with its file",
			args: []string{"remove", "gamma", "alpha"},
			edit: func(_ string, files map[string]string) {
				files["README.md"] = strings.Replace(files["README.md"], "does alpha", "does Alpha", 1)
			},
			errs: []string{"alpha: README.md: block not found:\n      | - alpha: does alpha ([docs](docs/alpha.md))"},
		},
		{
			name: "a block found twice",
			args: []string{"remove", "alpha"},
			edit: func(_ string, files map[string]string) {
				files["frontend/src/features.ts"] += "  alpha,\n"
			},
			errs: []string{"alpha: frontend/src/features.ts: block found 2 times"},
		},
		{
			name: "a listed file that is missing",
			args: []string{"remove", "alpha"},
			edit: func(_ string, files map[string]string) { delete(files, "docs/alpha.md") },
			errs: []string{"alpha: docs/alpha.md does not exist"},
		},
		{
			name: "a block in a file the feature deletes",
			args: []string{"list"},
			catalog: func(c catalog) catalog {
				c.Features[1].Blocks = append(c.Features[1].Blocks, block{File: "docs/beta.md", Lines: []string{"# Beta"}})
				return c
			},
			errs: []string{"beta: a block in docs/beta.md, which it deletes"},
		},
		{
			name: "core code that uses the feature",
			args: []string{"remove", "alpha"},
			edit: func(_ string, files map[string]string) {
				files["app/uses.go"] = "package app\n\nimport \"github.com/hanko-gin/hanko-gin/features/alpha\"\n\nvar _ = alpha.Feature{}\n"
			},
			errs: []string{"app/uses.go stays but uses package github.com/hanko-gin/hanko-gin/features/alpha (alpha.Feature at line 3)"},
		},
		{
			name: "a folder that is a symlink out of the repository",
			args: []string{"remove", "alpha"},
			edit: func(root string, files map[string]string) {
				outside := filepath.Join(filepath.Dir(root), filepath.Base(root)+"-outside")
				writeTree(t, outside, map[string]string{"alpha.md": "keep me\n"})
				t.Cleanup(func() { os.RemoveAll(outside) })
				delete(files, "docs/alpha.md")
				delete(files, "docs/beta.md")
				delete(files, "docs/gamma.md")
				delete(files, "docs/settings.md")
				if err := os.Symlink(outside, filepath.Join(root, "docs")); err != nil {
					t.Fatal(err)
				}
			},
			errs: []string{"docs/alpha.md: leads outside the repository"},
		},
		{
			name: "an edited file that is a symlink",
			args: []string{"remove", "alpha"},
			edit: func(root string, files map[string]string) {
				writeTree(t, root, map[string]string{"docs/real-readme.md": files["README.md"]})
				delete(files, "README.md")
				if err := os.Symlink("docs/real-readme.md", filepath.Join(root, "README.md")); err != nil {
					t.Fatal(err)
				}
			},
			errs: []string{"README.md is not a regular file"},
		},
		{
			name: "a manifest path with ..",
			args: []string{"list"},
			catalog: func(c catalog) catalog {
				c.Features[0].Paths = append(c.Features[0].Paths, "../x")
				return c
			},
			errs: []string{`alpha: path "../x": want a clean path`},
		},
		{
			name: "a manifest whose folder is not among its paths",
			args: []string{"list"},
			catalog: func(c catalog) catalog {
				c.Features[2].Paths = c.Features[2].Paths[1:]
				return c
			},
			errs: []string{`gamma: Dir "features/gamma" must be one of its Paths`},
		},
		{
			name: "not in a clone",
			args: []string{"list"},
			edit: func(_ string, files map[string]string) { files["go.mod"] = "module example.com/other\n" },
			errs: []string{"not inside a clone of github.com/hanko-gin/hanko-gin"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, tl, calls := startSynthetic(t, tt.edit)
			if tt.catalog != nil {
				tl.catalog = tt.catalog(tl.catalog)
			}
			before := readTree(t, root)
			var out strings.Builder
			err := tl.run(context.Background(), tt.args, &out, io.Discard)
			if err == nil {
				t.Fatalf("no error; printed\n%s", out.String())
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\nlacks\n%s", err, want)
				}
			}
			if got := errors.Is(err, errUsage) || errors.Is(err, errUnknown); got != tt.status2 {
				t.Errorf("usage error: %v, want %v", got, tt.status2)
			}
			if after := readTree(t, root); !maps.Equal(before, after) {
				t.Errorf("the tree changed")
			}
			if len(calls.dirs) > 0 {
				t.Errorf("go mod tidy ran")
			}
		})
	}
}

func TestRemoveDryRun(t *testing.T) {
	root, tl, calls := startSynthetic(t, nil)
	before := readTree(t, root)
	var out strings.Builder
	if err := tl.run(context.Background(), []string{"remove", "-n", "alpha", "beta"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"would remove alpha, beta, common:", "would delete  features/common/", "would change  main.go"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !maps.Equal(before, readTree(t, root)) || len(calls.dirs) > 0 {
		t.Errorf("the dry run changed something")
	}
}

// TestRootFinding: the root is found from a folder below it, through a
// symlinked working directory, past a nested module.
func TestRootFinding(t *testing.T) {
	root, tl, _ := startSynthetic(t, nil)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(filepath.Join(root, "deploy", "check"), link); err != nil {
		t.Fatal(err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, wd := range []string{root, filepath.Join(root, "features", "alpha"), link} {
		tl.getwd = func() (string, error) { return wd, nil }
		got, err := tl.root()
		if err != nil || got != realRoot {
			t.Errorf("root from %s = %q, %v; want %s", wd, got, err, realRoot)
		}
	}
}

func TestRunWithRealGoModTidy(t *testing.T) {
	_, tl, _ := startSynthetic(t, func(_ string, files map[string]string) {
		// Offline: no module from outside.
		files["app/app.go"] = "package app\n\nimport \"strings\"\n\ntype Feature interface{}\n\n// Gamma is gamma's.\nvar Gamma = strings.ToUpper(\"gamma\")\n\n"
	})
	tl.tidy = goModTidy
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	var out strings.Builder
	if err := tl.run(context.Background(), []string{"remove", "gamma"}, &out, io.Discard); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "go mod tidy in deploy/check") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestCutBlock(t *testing.T) {
	tests := []struct {
		name, src string
		b         block
		spaced    bool
		want      string
	}{
		{"go: realigned comment", "x := []int{\n\t1,   // one\n\t22, // two\n}\n", block{Lines: []string{"\t1, // one"}}, true, "x := []int{\n\t22, // two\n}\n"},
		{"middle", "a\nb\nc\n", block{Lines: []string{"b"}}, false, "a\nc\n"},
		{"first lines", "a\nb\nc\n", block{Lines: []string{"a", "b"}}, false, "c\n"},
		{"last line without newline", "a\nb", block{Lines: []string{"b"}}, false, "a\n"},
		{"crlf", "a\r\nb\r\nc\r\n", block{Lines: []string{"b"}}, false, "a\r\nc\r\n"},
		{"replaced", "a\nb\nc\n", block{Lines: []string{"b"}, With: []string{"x", "y"}}, false, "a\nx\ny\nc\n"},
		{"replaced at the end without newline", "a\nb", block{Lines: []string{"b"}, With: []string{"x"}}, false, "a\nx"},
		{"blank lines count", "a\n\nb\n\nc\n", block{Lines: []string{"", "b"}}, false, "a\n\nc\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cutBlock(tt.src, tt.b, tt.spaced)
			if err != nil || got != tt.want {
				t.Errorf("cutBlock = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	for _, tt := range []struct{ src, line, err string }{
		{"a\nb\n", "c", "block not found"},
		{"a\nb\na\n", "a", "block found 2 times"},
		{"ab\n", "a", "block not found"}, // whole lines only
	} {
		if _, err := cutBlock(tt.src, block{Lines: []string{tt.line}}, false); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("cutBlock(%q, %q) error %v, want %q", tt.src, tt.line, err, tt.err)
		}
	}
}

func TestDropImports(t *testing.T) {
	const feat = "github.com/hanko-gin/hanko-gin/features/x"
	tests := []struct {
		name, src, want string
		changed         bool
		err             string
	}{
		{
			name: "one of a group, with its comment",
			src: `package p

import (
	"fmt"

	// x does things.
	"github.com/hanko-gin/hanko-gin/features/x" // the feature
	"github.com/hanko-gin/hanko-gin/routes"
)

var _ = fmt.Sprint
var _ = routes.X
`,
			want: `package p

import (
	"fmt"

	"github.com/hanko-gin/hanko-gin/routes"
)

var _ = fmt.Sprint
var _ = routes.X
`,
			changed: true,
		},
		{
			name: "a whole single import, and a sub-package",
			src:  "package p\n\nimport \"github.com/hanko-gin/hanko-gin/features/x/xtest\"\n\nfunc F() {}\n",
			want: "package p\n\nfunc F() {}\n", changed: true,
		},
		{
			name: "a whole group, named import",
			src:  "package p\n\nimport (\n\tfx \"github.com/hanko-gin/hanko-gin/features/x\"\n)\n\nfunc F() {}\n",
			want: "package p\n\nfunc F() {}\n", changed: true,
		},
		{
			name: "a similar path stays",
			src:  "package p\n\nimport \"github.com/hanko-gin/hanko-gin/features/xy\"\n\nvar _ = xy.A\n",
			want: "package p\n\nimport \"github.com/hanko-gin/hanko-gin/features/xy\"\n\nvar _ = xy.A\n",
		},
		{
			name: "a local variable of the same name is not a use",
			src:  "package p\n\nimport \"github.com/hanko-gin/hanko-gin/features/x\"\n\nfunc F(x struct{ A int }) int { return x.A }\n",
			want: "package p\n\nfunc F(x struct{ A int }) int { return x.A }\n", changed: true,
		},
		{
			name: "still used",
			src:  "package p\n\nimport fx \"github.com/hanko-gin/hanko-gin/features/x\"\n\nvar _ = fx.New()\n",
			err:  "p.go stays but uses package github.com/hanko-gin/hanko-gin/features/x (fx.New at line 3)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := dropImports("p.go", []byte(tt.src), []string{feat})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want || changed != tt.changed {
				t.Errorf("dropImports = %q, %v, %v; want %q, %v", got, changed, err, tt.want, tt.changed)
			}
		})
	}
}

func TestHandWrittenProblems(t *testing.T) {
	f := &feature{Name: "alpha", Dir: "features/alpha", Paths: []string{"features/alpha", "e2e/alpha.mjs"}, Env: []string{"ALPHA_KEY"}, Gone: []string{"alphaCounter"},
		Routes: []string{"GET /api/alpha", "GET http://${metrics_addr}/alpha-metrics"}}
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{name: "clean", files: map[string]string{
			"main.go":                       "package main\n",
			"docs/controles.md":             "not a trace: controles.md, ALPHA_KEYS, /api/alphabet\n",
			"cmd/starter/feature.go":        "package main // features/alpha ALPHA_KEY\n",
			"node_modules/x/alpha.md":       "features/alpha\n",
			"features/beta/testdata/bad.go": "not go\n",
		}},
		{name: "traces", files: map[string]string{
			"README.md":      "see [alpha](docs/alpha.md)\n",
			"docs/x.md":      "\n(alpha.md)\n",
			".env.example":   "A=1\nALPHA_KEY=\n",
			"e2e/run.mjs":    "import './alpha.mjs';\nimport 'e2e/alpha.mjs';\n",
			"routes/x.go":    "package routes\n\n// GET /api/alpha\n",
			"docs/ops.md":    "scrape /alpha-metrics (not a trace: the listener's path)\n",
			"store/c.go":     "package store\n\nvar alphaCounter = 1\n",
			"features/alpha": "a file where the folder was\n",
		}, want: []string{
			"README.md:1 mentions \"alpha.md\"",
			"docs/x.md:2 mentions \"alpha.md\"",
			".env.example:2 mentions \"ALPHA_KEY\"",
			"e2e/run.mjs:2 mentions \"e2e/alpha.mjs\"",
			"routes/x.go:3 mentions \"/api/alpha\"",
			"store/c.go:3 mentions \"alphaCounter\"",
			"alpha is removed, but features/alpha is still there",
		}},
		{name: "not gofmt-clean", files: map[string]string{"x.go": "package x\nvar  a = 1\n"}, want: []string{"x.go is not gofmt-clean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			got := handWrittenProblems(root, []*feature{f})
			if len(got) != len(tt.want) {
				t.Errorf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(tt.want))
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no problem %q in\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}
