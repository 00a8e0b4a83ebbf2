package main

import (
	"errors"
	"fmt"
	"go/format"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// A plan is every change a removal makes, worked out in memory first, so that
// nothing changes when any part of any manifest does not match.
type plan struct {
	root, module string
	deleted      []string          // files and folders to delete, in order
	changed      map[string][]byte // files that stay, with their new content
	dirs         map[string]bool   // which of deleted are folders
	goDirs       map[string]bool   // folders (in deleted ones) that hold Go files
	imports      []string          // import paths removed from every .go file
	gone         []string          // the paths of parts removed by earlier runs
}

func newPlan(root, module string) *plan {
	return &plan{root: root, module: module, changed: map[string][]byte{}, dirs: map[string]bool{}, goDirs: map[string]bool{}}
}

// build plans the removal of parts; it reports every mismatch it finds, each
// naming the feature and the file.
func (p *plan) build(parts []*feature) error {
	var problems []string
	for _, f := range parts {
		for _, rel := range f.Paths {
			if err := p.delete(rel); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", f.Name, err))
			}
		}
		p.imports = append(p.imports, f.Imports...)
	}
	for _, f := range parts {
		for _, b := range f.Blocks {
			if err := p.removeBlock(b); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", f.Name, err))
			}
		}
	}
	if len(problems) > 0 {
		return planError(problems)
	}
	for _, d := range sortedKeys(p.goDirs) {
		p.imports = append(p.imports, p.module+"/"+d)
	}
	if err := p.removeImports(); err != nil {
		return err
	}
	// Every changed Go file is gofmt'd (a deleted line in an aligned list
	// realigns its neighbours' comments), must still parse, and loses the
	// imports the removal left unused.
	for rel, src := range p.changed {
		if !strings.HasSuffix(rel, ".go") {
			continue
		}
		out, err := format.Source(src)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s no longer parses after the removal: %v", rel, err))
			continue
		}
		if out, _, err = dropUnusedImports(rel, out, p.module); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		p.changed[rel] = out
	}
	if len(problems) > 0 {
		return planError(problems)
	}
	return nil
}

func planError(problems []string) error {
	slices.Sort(problems)
	return fmt.Errorf("nothing was changed: the manifests do not match the repository (is a manifest out of date?):\n  %s",
		strings.Join(problems, "\n  "))
}

// abs returns the absolute path of rel, or an error when rel or its folder
// leads outside the root (through .. or a symlink).
func (p *plan) abs(rel string) (string, error) {
	if !cleanRel(rel) {
		return "", fmt.Errorf("%s: not a clean relative path", rel)
	}
	abs := filepath.Join(p.root, filepath.FromSlash(rel))
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s does not exist (nor its folder)", rel)
	} else if err != nil {
		return "", fmt.Errorf("%s: %w", rel, err)
	}
	if !inside(p.root, dir) {
		return "", fmt.Errorf("%s: leads outside the repository (to %s), refusing to touch it", rel, dir)
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// isDeleted reports whether rel or a folder above it is planned for deletion.
func (p *plan) isDeleted(rel string) bool {
	for _, d := range p.deleted {
		if rel == d || strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

func (p *plan) delete(rel string) error {
	abs, err := p.abs(rel)
	if err != nil {
		return err
	}
	info, err := os.Lstat(abs)
	if err != nil {
		return fmt.Errorf("%s does not exist (the manifest lists it for deletion)", rel)
	}
	if p.isDeleted(rel) {
		return nil
	}
	if info.IsDir() {
		p.dirs[rel] = true
		// Go packages in it lose their importers' import specs.
		filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
				r, _ := filepath.Rel(p.root, filepath.Dir(path))
				p.goDirs[filepath.ToSlash(r)] = true
			}
			return nil
		})
	}
	p.deleted = append(p.deleted, rel)
	return nil
}

// wentBefore reports whether rel was one of the paths of a part removed
// by an earlier run, and is gone.
func (p *plan) wentBefore(rel string) bool {
	for _, g := range p.gone {
		if rel == g || strings.HasPrefix(rel, g+"/") {
			_, err := os.Lstat(filepath.Join(p.root, filepath.FromSlash(rel)))
			return err != nil
		}
	}
	return false
}

// read returns the content rel will have so far in the plan.
func (p *plan) read(rel string) ([]byte, error) {
	if src, ok := p.changed[rel]; ok {
		return src, nil
	}
	if p.isDeleted(rel) {
		return nil, fmt.Errorf("%s is deleted by the removal, so none of its lines can be", rel)
	}
	abs, err := p.abs(rel)
	if err != nil {
		return nil, err
	}
	info, err := os.Lstat(abs)
	if err != nil {
		return nil, fmt.Errorf("%s does not exist", rel)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (a symlink?), refusing to edit it", rel)
	}
	return os.ReadFile(abs)
}

func (p *plan) removeBlock(b block) error {
	if p.isDeleted(b.File) || p.wentBefore(b.File) {
		// Another part removed now or before deletes the file (webhooks'
		// lines in docs/metrics.md when metrics goes too): nothing to cut.
		return nil
	}
	src, err := p.read(b.File)
	if err != nil {
		return err
	}
	out, err := cutBlock(string(src), b, strings.HasSuffix(b.File, ".go"))
	if err != nil {
		return fmt.Errorf("%s: %w", b.File, err)
	}
	p.changed[b.File] = []byte(out)
	return nil
}

// cutBlock deletes b's lines from src, or replaces them by b.With. They must
// occur exactly once, as whole lines (a "\r" before "\n" is ignored). With
// spaced, runs of spaces and tabs inside a line compare equal to one space:
// in Go files gofmt realigns a line's comment when a longer neighbour goes,
// so a feature's line in main.go must still be found after another's removal.
func cutBlock(src string, b block, spaced bool) (string, error) {
	lines := strings.SplitAfter(src, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	norm := func(l string) string {
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r")
		if spaced {
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			l = indent + strings.Join(strings.Fields(l), " ")
		}
		return l
	}
	var at []int
	for i := 0; i+len(b.Lines) <= len(lines); i++ {
		match := true
		for j, want := range b.Lines {
			if norm(lines[i+j]) != norm(want) {
				match = false
				break
			}
		}
		if match {
			at = append(at, i)
		}
	}
	switch len(at) {
	case 1:
	case 0:
		return "", fmt.Errorf("block not found:\n%s", quoteBlock(b.Lines))
	default:
		return "", fmt.Errorf("block found %d times (it must be found once; make it longer):\n%s", len(at), quoteBlock(b.Lines))
	}
	i := at[0]
	var out strings.Builder
	for _, l := range lines[:i] {
		out.WriteString(l)
	}
	ending := "\n"
	if last := lines[i+len(b.Lines)-1]; strings.HasSuffix(last, "\r\n") {
		ending = "\r\n"
	} else if !strings.HasSuffix(last, "\n") {
		ending = "" // the block ended the file without a newline
	}
	for k, l := range b.With {
		out.WriteString(l)
		if k < len(b.With)-1 || ending != "" {
			out.WriteString(cmp(ending, "\n"))
		}
	}
	for _, l := range lines[i+len(b.Lines):] {
		out.WriteString(l)
	}
	return out.String(), nil
}

func cmp(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func quoteBlock(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "      | %s", l)
	}
	return b.String()
}

// walkGo calls fn with every .go file the Go tool would see (no testdata,
// node_modules, hidden or _ folders) that the plan keeps.
func (p *plan) walkGo(fn func(rel string) error) error {
	return filepath.WalkDir(p.root, func(abs string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p.root, abs)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (skipDir(d.Name()) || p.isDeleted(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(rel, ".go") || p.isDeleted(rel) {
			return nil
		}
		return fn(rel)
	})
}

// skipDir reports whether a folder of this name holds nothing the Go tool or
// the removal looks at.
func skipDir(name string) bool {
	return name == "node_modules" || name == "testdata" || name == "vendor" ||
		strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// removeImports drops the plan's import paths (and the packages below them)
// from every Go file that stays.
func (p *plan) removeImports() error {
	if len(p.imports) == 0 {
		return nil
	}
	var problems []string
	err := p.walkGo(func(rel string) error {
		src, err := p.read(rel)
		if err != nil {
			return err
		}
		out, changed, err := dropImports(rel, src, p.imports)
		if err != nil {
			problems = append(problems, err.Error())
			return nil
		}
		if changed {
			p.changed[rel] = out
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("nothing was changed: code that stays uses what the removal deletes:\n  %s",
			strings.Join(problems, "\n  "))
	}
	return nil
}

// apply makes the planned changes and prints each file deleted or changed.
func (p *plan) apply(stdout io.Writer) error {
	for _, rel := range p.deleted {
		abs, err := p.abs(rel)
		if err != nil {
			return err
		}
		if err := os.RemoveAll(abs); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "deleted  %s\n", display(rel, p.dirs[rel]))
	}
	for _, rel := range sortedKeys(p.changed) {
		abs, err := p.abs(rel)
		if err != nil {
			return err
		}
		info, err := os.Lstat(abs)
		if err != nil {
			return err
		}
		if err := os.WriteFile(abs, p.changed[rel], info.Mode().Perm()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "changed  %s\n", rel)
	}
	// Folders the deletions left empty go too, as someone deleting by hand
	// would not keep them.
	for _, rel := range p.deleted {
		for dir := path.Dir(rel); dir != "."; dir = path.Dir(dir) {
			abs, err := p.abs(dir)
			if err != nil {
				return err
			}
			if entries, err := os.ReadDir(abs); err != nil || len(entries) > 0 {
				break
			}
			if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			fmt.Fprintf(stdout, "deleted  %s/ (left empty)\n", dir)
		}
	}
	return nil
}

func display(rel string, dir bool) string {
	if dir {
		return rel + "/"
	}
	return rel
}

func (p *plan) print(w io.Writer, prefix string) {
	for _, rel := range p.deleted {
		fmt.Fprintf(w, "%sdelete  %s\n", prefix, display(rel, p.dirs[rel]))
	}
	for _, rel := range sortedKeys(p.changed) {
		fmt.Fprintf(w, "%schange  %s\n", prefix, rel)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}

// modules returns the modules go mod tidy runs in: the root's, and each
// nested one (a folder with its own go.mod) in which Go code changed.
func (p *plan) modules() []string {
	dirs := []string{"."}
	var nested []string
	filepath.WalkDir(p.root, func(abs string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && abs != p.root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" && filepath.Dir(abs) != p.root {
			rel, _ := filepath.Rel(p.root, filepath.Dir(abs))
			nested = append(nested, filepath.ToSlash(rel))
		}
		return nil
	})
	var touched []string
	for rel := range p.changed {
		if strings.HasSuffix(rel, ".go") {
			touched = append(touched, rel)
		}
	}
	for _, d := range p.deleted {
		if strings.HasSuffix(d, ".go") {
			touched = append(touched, d)
		}
	}
	for d := range p.goDirs {
		touched = append(touched, d+"/")
	}
	for _, m := range nested {
		for _, rel := range touched {
			if strings.HasPrefix(rel, m+"/") {
				dirs = append(dirs, m)
				break
			}
		}
	}
	return dirs
}
