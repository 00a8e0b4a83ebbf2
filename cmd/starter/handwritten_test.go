package main

import (
	"bytes"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkHandWritten fails t unless the repository at root looks as if the
// removed parts had been removed by hand: none of their files is left, no
// file mentions their folders, docs, settings or other words (Gone), and
// every Go file is gofmt-clean. cmd/starter itself is not searched: its
// manifests name every feature by design.
func checkHandWritten(t testing.TB, root string, removed []*feature) {
	t.Helper()
	for _, p := range handWrittenProblems(root, removed) {
		t.Error(p)
	}
}

// traces returns the words that must appear nowhere once f is removed.
func traces(f *feature) []string {
	words := []string{"features/" + f.Name, f.Name + ".md"}
	words = append(words, f.Paths...)
	words = append(words, f.Env...)
	words = append(words, f.Gone...)
	for _, r := range f.Routes {
		// The server's routes; a listener of the feature's own serves
		// generic paths (/metrics), which the feature's Env covers.
		if _, target, _ := strings.Cut(r, " "); strings.HasPrefix(target, "/") {
			words = append(words, target)
		}
	}
	slices.Sort(words)
	return slices.Compact(words)
}

func handWrittenProblems(root string, removed []*feature) []string {
	var problems []string
	for _, f := range removed {
		for _, p := range f.Paths {
			if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p))); err == nil {
				problems = append(problems, fmt.Sprintf("%s is removed, but %s is still there", f.Name, p))
			}
		}
	}
	err := filepath.WalkDir(root, func(abs string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, abs)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel == ".":
			case rel == "cmd/starter", d.Name() == "node_modules", strings.HasPrefix(d.Name(), "."),
				rel == "bin", rel == "data", rel == "artifacts", rel == "frontend/dist":
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || d.Name() == "go.sum" || d.Name() == "package-lock.json" {
			return nil
		}
		src, err := os.ReadFile(abs)
		if err != nil {
			return err
		}
		if bytes.IndexByte(src, 0) >= 0 {
			return nil // binary
		}
		for _, f := range removed {
			if slices.ContainsFunc(f.KeepIn, func(k string) bool { return rel == k || strings.HasPrefix(rel, k+"/") }) {
				continue
			}
			for _, w := range traces(f) {
				if n, line := findWord(string(src), w); n > 0 {
					problems = append(problems, fmt.Sprintf("%s:%d mentions %q of the removed %s (%d times)", rel, line, w, f.Name, n))
				}
			}
		}
		if strings.HasSuffix(rel, ".go") && !strings.Contains("/"+rel, "/testdata/") {
			if out, err := format.Source(src); err != nil {
				problems = append(problems, fmt.Sprintf("%s does not parse: %v", rel, err))
			} else if !bytes.Equal(out, src) {
				problems = append(problems, fmt.Sprintf("%s is not gofmt-clean", rel))
			}
		}
		return nil
	})
	if err != nil {
		problems = append(problems, err.Error())
	}
	return problems
}

// findWord counts the occurrences of w in s that are not part of a longer
// word (so "roles.md" does not match "controles.md"), and returns the line of
// the first.
func findWord(s, w string) (n, line int) {
	isWord := func(b byte) bool {
		return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
	}
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return n, line
		}
		at, end := i+j, i+j+len(w)
		before := at == 0 || !isWord(s[at-1]) || !isWord(w[0])
		after := end == len(s) || !isWord(s[end]) || !isWord(w[len(w)-1])
		if before && after {
			if n == 0 {
				line = strings.Count(s[:at], "\n") + 1
			}
			n++
		}
		i = at + 1
	}
}

// TestRepoLooksHandWritten runs the check on this repository for every
// feature that is gone from it. On a full checkout that is only the gofmt
// check; in the scratch copies of scripts/test-removal.sh it is the proof,
// and STARTER_EXPECT_REMOVED (comma-separated names) makes sure the copy
// really lacks what the script removed.
func TestRepoLooksHandWritten(t *testing.T) {
	root, err := tool{catalog: defaultCatalog, getwd: os.Getwd}.root()
	if err != nil {
		t.Fatal(err)
	}
	var removed []*feature
	var names []string
	for _, f := range defaultCatalog.Features {
		if !present(root, f) {
			removed = append(removed, f)
			names = append(names, f.Name)
		}
	}
	for _, s := range defaultCatalog.Shared {
		if !present(root, s) {
			removed = append(removed, s)
		}
	}
	if want, ok := os.LookupEnv("STARTER_EXPECT_REMOVED"); ok {
		wantNames := strings.FieldsFunc(want, func(r rune) bool { return r == ',' || r == ' ' })
		slices.Sort(wantNames)
		got := slices.Sorted(slices.Values(names))
		if !slices.Equal(got, wantNames) {
			t.Fatalf("removed features: %v, want %v (STARTER_EXPECT_REMOVED)", got, wantNames)
		}
	}
	t.Logf("removed here: %v", names)
	checkHandWritten(t, root, removed)
}

// TestManifestsMatchRepo plans, without changing anything, the removal of
// each feature still present in this repository, and of all of them at once:
// a manifest that no longer matches the code fails here, in a plain go test,
// before the scratch-copy runs of scripts/test-removal.sh.
func TestManifestsMatchRepo(t *testing.T) {
	tl := tool{catalog: defaultCatalog, getwd: os.Getwd}
	root, err := tl.root()
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, f := range defaultCatalog.Features {
		if present(root, f) {
			all = append(all, f.Name)
		}
	}
	runs := [][]string{all}
	for _, n := range all {
		runs = append(runs, []string{n})
	}
	for _, names := range runs {
		if len(names) == 0 {
			continue
		}
		t.Run(strings.Join(names, "+"), func(t *testing.T) {
			var out strings.Builder
			err := tl.run(t.Context(), append([]string{"remove", "-n"}, names...), &out, io.Discard)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
		})
	}
}
