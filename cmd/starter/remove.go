package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// retiredFile is the core file whose map names the settings of removed
// features, so that start-up warns when one is still set.
const retiredFile = "config/retired.go"

// plan is everything a removal changes, worked out before anything is
// touched.
type plan struct {
	root    string
	going   []string          // the features removed, in manifest order
	deletes []string          // folders and files deleted whole
	changes map[string]string // file -> its new content
	retired map[string]string // setting -> feature
	modules []string          // where go mod tidy runs
	regen   []int             // indexes into generated, made again
	notes   []string
}

// scan reads every text file of the repository that stays (not .git, not
// node_modules), with the names of the features its markers name.
func scan(root string, skip func(string) bool) (map[string]string, map[string]bool, error) {
	files := map[string]string{}
	named := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == undoDir || skip(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || skip(rel) {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > 2<<20 {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
			return nil
		}
		files[rel] = string(b)
		for _, m := range trailingMarker.FindAllStringSubmatch(string(b), -1) {
			named[m[1]] = true
		}
		return nil
	})
	return files, named, err
}

func exists(root, rel string) bool {
	_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
	return err == nil
}

// under reports whether rel is one of paths or inside one.
func under(rel string, paths []string) bool {
	return slices.ContainsFunc(paths, func(p string) bool { return rel == p || strings.HasPrefix(rel, p+"/") })
}

// newPlan works out the removal of names (and of the shared parts only they
// used). It changes nothing.
func newPlan(root string, names []string) (*plan, error) {
	// The tool's own files are not searched: its tests are full of markers.
	all, named, err := scan(root, func(rel string) bool { return under(rel, lookup(starter).Paths) })
	if err != nil {
		return nil, err
	}
	present := func(f *feature) bool {
		return named[f.Name] || slices.ContainsFunc(f.Paths, func(p string) bool { return exists(root, p) })
	}
	removed := map[string]bool{}
	for _, n := range names {
		removed[n] = true
	}
	p := &plan{root: root, changes: map[string]string{}, retired: map[string]string{}}
	for _, f := range features {
		if len(f.UsedBy) > 0 {
			removed[f.Name] = !slices.ContainsFunc(f.UsedBy, func(u string) bool { return !removed[u] && present(lookup(u)) })
		}
		if removed[f.Name] && present(&f) {
			p.going = append(p.going, f.Name)
			for _, q := range f.Paths {
				if exists(root, q) {
					p.deletes = append(p.deletes, q)
				}
			}
		}
	}
	if len(p.going) == 0 {
		return p, nil
	}
	strip := removed[starter]
	gone := func(rel string) bool { return under(rel, p.deletes) }

	// The settings the removed Go code read.
	read := map[string]string{}
	for rel, src := range all {
		if gone(rel) && strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") {
			for _, s := range settingsRead(src) {
				read[s] = featureOf(rel)
			}
		}
	}

	modules := map[string]bool{}
	for _, rel := range slices.Sorted(mapKeys(all)) {
		src := all[rel]
		if gone(rel) {
			if strings.HasSuffix(rel, ".go") {
				modules[moduleOf(all, rel)] = true
			}
			continue
		}
		out, notes := edit(rel, src, removed, strip, gone)
		p.notes = append(p.notes, notes...)
		if out == src {
			continue
		}
		if strings.HasSuffix(rel, ".go") {
			if out, err = fixGo(rel, src, out); err != nil {
				return nil, err
			}
			modules[moduleOf(all, rel)] = true
		}
		p.changes[rel] = out
		all[rel] = out
	}

	// Settings still read elsewhere stay quiet.
	for name, f := range read {
		if !slices.ContainsFunc(slices.Collect(mapKeys(all)), func(rel string) bool {
			return !gone(rel) && strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") &&
				rel != retiredFile && strings.Contains(all[rel], `"`+name+`"`)
		}) {
			p.retired[name] = f
		}
	}
	if src, ok := all[retiredFile]; ok && len(p.retired) > 0 {
		out, err := retire(src, p.retired)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", retiredFile, err)
		}
		p.changes[retiredFile] = out
	} else if len(p.retired) > 0 {
		p.notes = append(p.notes, retiredFile+" is gone: start-up will not warn about the removed features' settings")
	}
	for m := range modules {
		if m != "" && !gone(path.Join(m, "go.mod")) {
			p.modules = append(p.modules, m)
		}
	}
	slices.Sort(p.modules)
	for i, g := range generated {
		switch {
		case len(p.modules) == 0 || !exists(root, g.Path) || gone(g.Path):
		case g.Needs != "" && !exists(root, g.Needs):
			p.notes = append(p.notes, fmt.Sprintf("%s is missing, so %s is not made again: run %s", g.Needs, g.Path, strings.Join(g.Cmd, " ")))
		default:
			p.regen = append(p.regen, i)
		}
	}
	return p, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// featureOf names the feature whose path holds rel.
func featureOf(rel string) string {
	for _, f := range features {
		if under(rel, f.Paths) {
			return f.Name
		}
	}
	return ""
}

// moduleOf returns the folder of the go.mod that holds rel ("." for the
// root), or "" when none does.
func moduleOf(all map[string]string, rel string) string {
	for dir := path.Dir(rel); ; dir = path.Dir(dir) {
		if _, ok := all[path.Join(dir, "go.mod")]; ok {
			return dir
		}
		if dir == "." {
			return ""
		}
	}
}

// print writes the plan, each line prefixed with verb ("" or "would ").
func (p *plan) print(w io.Writer, verb string) {
	for _, d := range p.deletes {
		fmt.Fprintf(w, "  %sdelete   %s\n", verb, d)
	}
	for _, rel := range slices.Sorted(mapKeys(p.changes)) {
		fmt.Fprintf(w, "  %sedit     %s\n", verb, rel)
	}
	for _, s := range slices.Sorted(mapKeys(p.retired)) {
		fmt.Fprintf(w, "  %sretire   %s (start-up warns when it is set)\n", verb, s)
	}
	for _, m := range p.modules {
		fmt.Fprintf(w, "  %srun      go mod tidy in %s\n", verb, m)
	}
	for _, i := range p.regen {
		fmt.Fprintf(w, "  %smake     %s (%s)\n", verb, generated[i].Path, strings.Join(generated[i].Cmd, " "))
	}
	for _, n := range p.notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// undoDir holds what a removal replaced until it has succeeded, with a
// journal: a removal that fails, or that a rerun finds interrupted, puts it
// all back.
const undoDir = ".starter-undo"

// journalDone ends the journal of a removal that completed.
const journalDone = "-- done"

type undo struct {
	dir     string
	root    string
	journal *os.File
	entries []string
}

// apply makes the plan's changes so that they happen completely or not at
// all: what it deletes or rewrites is first moved or copied into undoDir,
// and any failure (go mod tidy's included) moves it back.
func (p *plan) apply(ctx context.Context, tidy func(ctx context.Context, dir string) error) (err error) {
	u, err := startUndo(p.root)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			if rerr := u.rollback(); rerr != nil {
				err = fmt.Errorf("%w\nputting the tree back failed too: %v (what is left of it is in %s)", err, rerr, u.dir)
			} else {
				err = fmt.Errorf("%w\nnothing was changed", err)
			}
		}
	}()
	for _, d := range p.deletes {
		if err := u.save(d, true); err != nil {
			return err
		}
	}
	for _, rel := range slices.Sorted(mapKeys(p.changes)) {
		if err := u.save(rel, false); err != nil {
			return err
		}
		abs := filepath.Join(p.root, filepath.FromSlash(rel))
		info, err := os.Stat(abs)
		if err != nil {
			return err
		}
		if err := os.WriteFile(abs, []byte(p.changes[rel]), info.Mode().Perm()); err != nil {
			return err
		}
	}
	for _, m := range p.modules {
		for _, f := range []string{"go.mod", "go.sum"} {
			if rel := path.Join(m, f); exists(p.root, rel) {
				if err := u.save(rel, false); err != nil {
					return err
				}
			}
		}
		if err := tidy(ctx, filepath.Join(p.root, filepath.FromSlash(m))); err != nil {
			return fmt.Errorf("go mod tidy in %s: %w", m, err)
		}
	}
	for _, i := range p.regen {
		g := generated[i]
		if err := u.save(g.Path, false); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, g.Cmd[0], g.Cmd[1:]...)
		cmd.Dir = p.root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("making %s (%s): %v\n%s", g.Path, strings.Join(g.Cmd, " "), err, stderr.String())
		}
		if g.Writes {
			continue
		}
		if err := os.WriteFile(filepath.Join(p.root, filepath.FromSlash(g.Path)), out, 0o644); err != nil {
			return err
		}
	}
	// Folders the deletions left empty go too.
	for _, d := range p.deletes {
		for dir := path.Dir(d); dir != "."; dir = path.Dir(dir) {
			if os.Remove(filepath.Join(p.root, filepath.FromSlash(dir))) != nil {
				break
			}
		}
	}
	// From here on the removal stands: a backup left behind is only deleted.
	if _, err := fmt.Fprintln(u.journal, journalDone); err != nil {
		return err
	}
	u.journal.Close()
	if err := os.RemoveAll(u.dir); err != nil {
		p.notes = append(p.notes, fmt.Sprintf("the removal is done, but its backup %s could not be deleted: %v", undoDir, err))
	}
	return nil
}

func startUndo(root string) (*undo, error) {
	u := &undo{dir: filepath.Join(root, undoDir), root: root}
	if err := os.Mkdir(u.dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot keep a backup while removing: %w", err)
	}
	var err error
	u.journal, err = os.Create(filepath.Join(u.dir, "journal"))
	return u, err
}

// save puts rel into the backup: moved when it is deleted, else copied.
func (u *undo) save(rel string, move bool) error {
	src := filepath.Join(u.root, filepath.FromSlash(rel))
	dst := filepath.Join(u.dir, "files", filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	if move {
		if err := os.Rename(src, dst); err != nil {
			return fmt.Errorf("cannot delete %s: %w", rel, err)
		}
	} else if err := copyFile(src, dst); err != nil {
		return err
	}
	u.entries = append(u.entries, rel)
	_, err := fmt.Fprintln(u.journal, rel)
	return err
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, info.Mode().Perm())
}

// rollback puts every saved path back, last first, and deletes the backup.
func (u *undo) rollback() error {
	var errs []error
	for _, rel := range slices.Backward(u.entries) {
		abs := filepath.Join(u.root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.RemoveAll(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		if err := os.Rename(filepath.Join(u.dir, "files", filepath.FromSlash(rel)), abs); err != nil {
			errs = append(errs, err)
		}
	}
	if u.journal != nil {
		u.journal.Close()
	}
	if len(errs) == 0 {
		errs = append(errs, os.RemoveAll(u.dir))
	}
	return errors.Join(errs...)
}

// recoverInterrupted puts back what an interrupted removal had changed, as
// its journal lists, so that the tree is as before it and a rerun starts
// afresh.
func recoverInterrupted(root string, stdout io.Writer) error {
	dir := filepath.Join(root, undoDir)
	b, err := os.ReadFile(filepath.Join(dir, "journal"))
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(dir); err == nil {
			return os.RemoveAll(dir) // interrupted before it saved anything
		}
		return nil
	}
	if err != nil {
		return err
	}
	if strings.HasSuffix(string(b), journalDone+"\n") {
		return os.RemoveAll(dir) // the removal completed; only its backup was left
	}
	u := &undo{dir: dir, root: root}
	for rel := range strings.Lines(string(b)) {
		if rel = strings.TrimSpace(rel); rel != "" && exists(dir, filepath.Join("files", rel)) {
			u.entries = append(u.entries, rel)
		}
	}
	fmt.Fprintf(stdout, "an interrupted removal left %s: putting back the %d paths it had changed\n", undoDir, len(u.entries))
	return u.rollback()
}

// dirty returns what `git status` reports as uncommitted in root.
func dirty(ctx context.Context, root string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=normal")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("cannot tell whether the tree has uncommitted changes (git status: %v %s)", err, strings.TrimSpace(stderr.String()))
	}
	var lines []string
	for l := range strings.Lines(string(out)) {
		if l = strings.TrimRight(l, "\n"); l != "" && !strings.Contains(l, undoDir) {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

func goModTidy(stderr io.Writer) func(ctx context.Context, dir string) error {
	return func(ctx context.Context, dir string) error {
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = dir
		cmd.Stdout = stderr
		cmd.Stderr = stderr
		return cmd.Run()
	}
}
