package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// errUsage marks a mistake in the command line (exit status 2).
var errUsage = errors.New("usage: go run ./cmd/starter list | remove [-n] NAME...")

// errUnknown marks a name remove does not know (exit status 2).
var errUnknown = errors.New("nothing was changed")

// tool is the program with what it depends on made explicit, so tests can run
// it on a synthetic repository with synthetic manifests.
type tool struct {
	catalog catalog
	getwd   func() (string, error)
	// tidy runs `go mod tidy` in dir.
	tidy func(ctx context.Context, dir string, stderr io.Writer) error
}

func (t tool) run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := t.catalog.check(); err != nil {
		return err
	}
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "list":
		if len(args) > 1 {
			return fmt.Errorf("list takes no arguments: %w", errUsage)
		}
		return t.list(stdout)
	case "remove":
		return t.remove(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, errUsage)
		fmt.Fprintln(stdout, "features:", strings.Join(t.catalog.names(), ", "))
		return nil
	default:
		return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
	}
}

// list prints each feature with its description and whether it is present.
func (t tool) list(stdout io.Writer) error {
	root, err := t.root()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, f := range t.catalog.Features {
		fmt.Fprintf(w, "%s\t%s\t%s\n", f.Name, presence(root, f), f.Description)
	}
	for _, s := range t.catalog.Shared {
		fmt.Fprintf(w, "%s\t%s\t%s (shared: goes with the last of %s)\n",
			s.Name, presence(root, s), s.Description, strings.Join(s.UsedBy, ", "))
	}
	return w.Flush()
}

func presence(root string, f *feature) string {
	if present(root, f) {
		return "present"
	}
	return "removed"
}

// present reports whether f's folder is still there.
func present(root string, f *feature) bool {
	_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(f.Dir)))
	return err == nil
}

// remove removes the named features (and the shared parts only they used):
// it plans every change in memory, checks the plan, and only then writes.
func (t tool) remove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("remove", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dryRun := fs.Bool("n", false, "print what would change, change nothing")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("remove: %v: %w", err, errUsage)
	}
	names := fs.Args()
	if len(names) == 0 {
		return fmt.Errorf("remove: name at least one feature (%s): %w",
			strings.Join(t.catalog.names(), ", "), errUsage)
	}
	var wanted []*feature
	var unknown []string
	for _, n := range names {
		f := t.catalog.feature(n)
		switch {
		case f == nil:
			unknown = append(unknown, fmt.Sprintf("%q", n))
		case !slices.Contains(wanted, f):
			wanted = append(wanted, f)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("unknown feature %s (the features are: %s): %w",
			strings.Join(unknown, ", "), strings.Join(t.catalog.names(), ", "), errUnknown)
	}
	root, err := t.root()
	if err != nil {
		return err
	}

	// What goes: the wanted features still present, then each shared part
	// whose users are all gone or going.
	gone := map[string]bool{}
	var parts []*feature
	for _, f := range t.catalog.Features {
		switch {
		case !present(root, f):
			gone[f.Name] = true
			if slices.Contains(wanted, f) {
				fmt.Fprintf(stdout, "%s: already removed\n", f.Name)
			}
		case slices.Contains(wanted, f):
			gone[f.Name] = true
			parts = append(parts, f)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	for _, s := range t.catalog.Shared {
		if !present(root, s) {
			continue
		}
		var users []string
		for _, u := range s.UsedBy {
			if !gone[u] {
				users = append(users, u)
			}
		}
		if len(users) == 0 {
			parts = append(parts, s)
		} else {
			fmt.Fprintf(stdout, "%s stays: still used by %s\n", s.Name, strings.Join(users, ", "))
		}
	}

	p := newPlan(root, t.catalog.Module)
	for _, f := range append(slices.Clone(t.catalog.Features), t.catalog.Shared...) {
		if !present(root, f) {
			p.gone = append(p.gone, f.Paths...)
		}
	}
	if err := p.build(parts); err != nil {
		return err
	}
	var partNames []string
	for _, f := range parts {
		partNames = append(partNames, f.Name)
	}
	if *dryRun {
		fmt.Fprintf(stdout, "would remove %s:\n", strings.Join(partNames, ", "))
		p.print(stdout, "would ")
		fmt.Fprintln(stdout, "would run go mod tidy")
		return nil
	}
	fmt.Fprintf(stdout, "removing %s:\n", strings.Join(partNames, ", "))
	if err := p.apply(stdout); err != nil {
		return err
	}
	for _, dir := range p.modules() {
		if err := t.tidyIn(ctx, root, dir, stdout, stderr); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "removed %s\n", strings.Join(partNames, ", "))
	return nil
}

// tidyIn runs go mod tidy in the module at dir (relative to root) and prints
// go.mod and go.sum when it changed them.
func (t tool) tidyIn(ctx context.Context, root, dir string, stdout, stderr io.Writer) error {
	abs := filepath.Join(root, filepath.FromSlash(dir))
	files := []string{"go.mod", "go.sum"}
	before := make([][]byte, len(files))
	for i, f := range files {
		before[i], _ = os.ReadFile(filepath.Join(abs, f))
	}
	fmt.Fprintf(stdout, "go mod tidy in %s\n", dir)
	if err := t.tidy(ctx, abs, stderr); err != nil {
		return fmt.Errorf("go mod tidy in %s: %w", dir, err)
	}
	for i, f := range files {
		after, _ := os.ReadFile(filepath.Join(abs, f))
		if !bytes.Equal(before[i], after) {
			fmt.Fprintf(stdout, "changed  %s\n", path.Join(dir, f))
		}
	}
	return nil
}

func goModTidy(ctx context.Context, dir string, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
	cmd.Dir = dir
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	return cmd.Run()
}

// root finds the repository: the nearest directory at or above the working
// directory (symlinks resolved) whose go.mod declares the catalog's module.
func (t tool) root() (string, error) {
	wd, err := t.getwd()
	if err != nil {
		return "", err
	}
	dir, err := filepath.EvalSymlinks(wd)
	if err != nil {
		return "", err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(mod) == t.catalog.Module {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside a clone of %s: no go.mod declaring that module at or above %s", t.catalog.Module, wd)
		}
		dir = parent
	}
}

// modulePath returns the module path a go.mod declares, or "".
func modulePath(mod []byte) string {
	for line := range strings.Lines(string(mod)) {
		line, _, _ = strings.Cut(line, "//")
		fields := strings.Fields(line)
		if len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], "\"`")
		}
	}
	return ""
}
