package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A small repository with the real manifest's folders: webhooks and roles
// share hankoadmin; metrics has a setting.
var synthetic = map[string]string{
	"go.mod": "module example.com/m\n\ngo 1.26\n",
	"main.go": `package main

import (
	"example.com/m/features/metrics"
	"example.com/m/features/roles"
	"example.com/m/features/webhooks"
)

var features = []any{
	webhooks.Feature{}, // feature:webhooks — Hanko webhooks
	roles.Feature{},    // feature:roles — the admin area
	metrics.Feature{},  // feature:metrics — Prometheus
}

// ` + "`go run ./cmd/starter remove NAME`" + ` deletes one. // feature:starter
func main() { _ = features }
`,
	"config/retired.go":             "package config\n\nvar retired = map[string]string{}\n",
	"features/webhooks/webhooks.go": "package webhooks\n\nimport _ \"example.com/m/features/hankoadmin\"\n\ntype Feature struct{}\n",
	"features/roles/roles.go":       "package roles\n\nimport _ \"example.com/m/features/hankoadmin\"\n\ntype Feature struct{}\n",
	"features/metrics/metrics.go":   "package metrics\n\ntype S interface{ Get(string, string) string }\n\ntype Feature struct{}\n\nfunc (Feature) Setup(s S) { s.Get(\"METRICS_ADDR\", \"\") }\n",
	"features/hankoadmin/client.go": "package hankoadmin\n\nfunc url(s interface{ Get(string, string) string }) string { return s.Get(\"HANKO_ADMIN_API_URL\", \"\") }\n",
	"docs/webhooks.md":              "# Webhooks\n",
	"docs/roles.md":                 "# Roles\n",
	"docs/metrics.md":               "# Metrics\n",
	"e2e/features/webhooks.mjs":     "export const name = 'webhooks';\n",
	"e2e/features/roles.mjs":        "export const name = 'roles';\n",
	"cmd/starter/main.go":           "package main\n\nfunc main() {}\n",
	"scripts/test-removal.sh":       "#!/bin/sh\n",
	"scripts/test.sh":               "go test ./...\nscripts/test-removal.sh # feature:starter\n",
	".env.example":                  "PORT=5001\n\n# feature:metrics begin\nMETRICS_ADDR=\n# feature:metrics end\n\n# feature:hankoadmin begin\n# Used by:\n# - roles # feature:roles\n# - webhooks # feature:webhooks\nHANKO_ADMIN_API_URL=\n# feature:hankoadmin end\n",
	"README.md": `# App

## Features

- **webhooks**: deliveries. [docs/webhooks.md](docs/webhooks.md)
- **roles**: admin area. [docs/roles.md](docs/roles.md)
- **metrics**: Prometheus. [docs/metrics.md](docs/metrics.md)

Cut one with the tool. <!-- feature:starter -->

## More

text
`,
}

func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, root, "init", "-q")
	git(t, root, "add", "-A")
	git(t, root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
	return root
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// tree reads every file under root except .git.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func noTidy(context.Context, string) error { return nil }

func TestRemove(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		dirty   bool
		tidy    func(context.Context, string) error
		wantErr string
		wantOut string
		check   func(t *testing.T, files map[string]string)
	}{
		{
			name: "metrics", args: []string{"remove", "metrics"}, wantOut: "removed metrics\n",
			check: func(t *testing.T, f map[string]string) {
				mustLack(t, f, "features/metrics/metrics.go", "docs/metrics.md")
				mustHave(t, f, "features/hankoadmin/client.go")
				notIn(t, f["main.go"], "metrics")
				notIn(t, f[".env.example"], "METRICS_ADDR")
				notIn(t, f["README.md"], "Prometheus")
				in(t, f["config/retired.go"], `"METRICS_ADDR": "metrics"`)
			},
		},
		{
			name: "webhooks keeps hankoadmin for roles", args: []string{"remove", "webhooks"},
			check: func(t *testing.T, f map[string]string) {
				mustLack(t, f, "features/webhooks/webhooks.go", "e2e/features/webhooks.mjs")
				mustHave(t, f, "features/hankoadmin/client.go", "e2e/features/roles.mjs")
				in(t, f[".env.example"], "HANKO_ADMIN_API_URL=")
				notIn(t, f[".env.example"], "# - webhooks")
			},
		},
		{
			name: "all three take hankoadmin and leave no empty section", args: []string{"remove", "webhooks", "roles", "metrics"},
			wantOut: "removed webhooks, roles, metrics, hankoadmin\n",
			check: func(t *testing.T, f map[string]string) {
				mustLack(t, f, "features/hankoadmin/client.go", "e2e/features/roles.mjs")
				if _, err := os.Stat("e2e"); err == nil {
					t.Error("the empty e2e/features folder is left")
				}
				if want := "PORT=5001\n"; f[".env.example"] != want {
					t.Errorf(".env.example:\n%s\nwant:\n%s", f[".env.example"], want)
				}
				in(t, f["README.md"], "## Features\n\nCut one with the tool.")
				in(t, f["main.go"], "var features = []any{}\n")
				notIn(t, f["main.go"], "example.com/m/features")
				in(t, f["config/retired.go"], `"HANKO_ADMIN_API_URL": "hankoadmin"`)
			},
		},
		{
			name: "starter: the tool, its lines and every marker", args: []string{"remove", "starter"},
			check: func(t *testing.T, f map[string]string) {
				mustLack(t, f, "cmd/starter/main.go", "scripts/test-removal.sh")
				mustHave(t, f, "features/metrics/metrics.go")
				for rel, src := range f {
					notIn(t, src, "feature:", rel)
					notIn(t, src, "cmd/starter", rel)
				}
				in(t, f["main.go"], "\twebhooks.Feature{}, // Hanko webhooks\n")
				in(t, f[".env.example"], "# - roles\n")
				if want := "go test ./...\n"; f["scripts/test.sh"] != want {
					t.Errorf("scripts/test.sh = %q, want %q", f["scripts/test.sh"], want)
				}
			},
		},
		{
			name: "-n prints the plan and changes nothing", args: []string{"remove", "-n", "roles"},
			wantOut: "would remove roles:\n  would delete   features/roles\n",
			check: func(t *testing.T, f map[string]string) {
				if !maps.Equal(f, synthetic) {
					t.Error("the tree changed")
				}
			},
		},
		{
			name: "refuses uncommitted changes", args: []string{"remove", "roles"}, dirty: true,
			wantErr: "uncommitted changes (?? mine.txt): commit or stash them first, so that the removal's changes stand apart from yours; to remove anyway, pass --allow-dirty",
		},
		{
			name: "--allow-dirty goes on", args: []string{"remove", "--allow-dirty", "roles"}, dirty: true,
			check: func(t *testing.T, f map[string]string) {
				mustLack(t, f, "features/roles/roles.go")
				mustHave(t, f, "mine.txt")
			},
		},
		{
			name: "a failing go mod tidy puts everything back", args: []string{"remove", "webhooks", "roles"},
			tidy:    func(context.Context, string) error { return errors.New("no network") },
			wantErr: "go mod tidy in .: no network\nnothing was changed",
		},
		{name: "unknown feature", args: []string{"remove", "rolez"}, wantErr: `unknown feature "rolez"`},
		{name: "a shared part is not removed by name", args: []string{"remove", "hankoadmin"}, wantErr: `unknown feature "hankoadmin"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeRepo(t, synthetic)
			t.Chdir(root)
			if tt.dirty {
				os.WriteFile("mine.txt", []byte("x"), 0o644)
			}
			before := tree(t, root)
			tidy := tt.tidy
			if tidy == nil {
				tidy = noTidy
			}
			var out bytes.Buffer
			err := run(t.Context(), tt.args, filepath.Join(root, "features"), &out, tidy)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if after := tree(t, root); !maps.Equal(before, after) {
					t.Errorf("the tree changed although the removal failed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output:\n%s\nwant it to contain:\n%s", out.String(), tt.wantOut)
			}
			tt.check(t, tree(t, root))
			// A second run has nothing to do.
			if !slicesContain(tt.args, "-n") {
				out.Reset()
				git(t, root, "add", "-A")
				git(t, root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "removed")
				if err := run(t.Context(), tt.args, root, &out, tidy); err != nil || !strings.Contains(out.String(), "already removed") {
					t.Errorf("second run: %v, %q", err, out.String())
				}
			}
		})
	}
}

// A folder that cannot be deleted stops the removal with the tree as it was;
// once it can, a rerun does the whole job.
func TestRemoveIsAtomic(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs Unix permissions that bind (not root)")
	}
	root := writeRepo(t, synthetic)
	before := tree(t, root)
	locked := filepath.Join(root, "features")
	if err := os.Chmod(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	var out bytes.Buffer
	err := run(t.Context(), []string{"remove", "metrics", "webhooks", "roles"}, root, &out, noTidy)
	if err == nil || !strings.Contains(err.Error(), "cannot delete features/webhooks") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("error %v, want cannot delete features/webhooks ... nothing was changed", err)
	}
	if after := tree(t, root); !maps.Equal(before, after) {
		t.Fatal("the tree changed")
	}
	os.Chmod(locked, 0o755)
	if err := run(t.Context(), []string{"remove", "metrics", "webhooks", "roles"}, root, &out, noTidy); err != nil {
		t.Fatal(err)
	}
	mustLack(t, tree(t, root), "features/webhooks/webhooks.go", "features/hankoadmin/client.go")
}

// A removal killed midway left its backup: the next run puts it back first.
func TestRemoveRecoversAnInterruptedRun(t *testing.T) {
	root := writeRepo(t, synthetic)
	before := tree(t, root)
	u, err := startUndo(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"features/roles", "main.go"} {
		if err := u.save(rel, rel != "main.go"); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "main.go"), []byte("half"), 0o644)
	u.journal.Close() // killed here

	var out bytes.Buffer
	if err := run(t.Context(), []string{"remove", "metrics"}, root, &out, noTidy); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "an interrupted removal left .starter-undo: putting back the 2 paths") {
		t.Errorf("output %q", out.String())
	}
	after := tree(t, root)
	mustHave(t, after, "features/roles/roles.go")
	in(t, after["main.go"], "roles.Feature{}")
	mustLack(t, after, "features/metrics/metrics.go")
	if after["features/roles/roles.go"] != before["features/roles/roles.go"] {
		t.Error("features/roles changed")
	}
}

// The backup of a removal that completed is deleted, not put back.
func TestRemoveDeletesTheBackupOfACompletedRun(t *testing.T) {
	root := writeRepo(t, synthetic)
	u, err := startUndo(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.save("features/roles", true); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(u.journal, journalDone)
	u.journal.Close()
	git(t, root, "add", "-A")
	git(t, root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "removed roles")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"remove", "metrics"}, root, &out, noTidy); err != nil {
		t.Fatal(err)
	}
	after := tree(t, root)
	mustLack(t, after, "features/roles/roles.go", "features/metrics/metrics.go", ".starter-undo/journal")
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func mustHave(t *testing.T, files map[string]string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if _, ok := files[rel]; !ok {
			t.Errorf("%s is gone", rel)
		}
	}
}

func mustLack(t *testing.T, files map[string]string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if _, ok := files[rel]; ok {
			t.Errorf("%s is still there", rel)
		}
	}
}

func in(t *testing.T, s, want string) {
	t.Helper()
	if !strings.Contains(s, want) {
		t.Errorf("%q is not in:\n%s", want, s)
	}
}

func notIn(t *testing.T, s, unwanted string, where ...string) {
	t.Helper()
	if strings.Contains(s, unwanted) {
		t.Errorf("%v: %q is still in:\n%s", where, unwanted, s)
	}
}
