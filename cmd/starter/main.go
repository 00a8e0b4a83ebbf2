// Command starter removes the optional features of this starter that a
// project does not need, and finally itself:
//
//	go run ./cmd/starter list                                each feature, present or removed
//	go run ./cmd/starter remove [-n] [--allow-dirty] NAME...  remove features
//	go run ./cmd/starter remove starter                      remove this tool and every marker
//
// A feature is its folders (features.go lists them) and the lines of shared
// files marked with a comment naming it (text.go). Removing it deletes both,
// the Markdown list items and table rows that link what was deleted, the
// headings left with nothing under them and the Go imports left unused; it
// records the feature's settings in config/retired.go, so that start-up warns
// when one is still set, and runs go mod tidy. It works on a committed tree,
// and completes or changes nothing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

var errUsage = errors.New("usage: go run ./cmd/starter list | remove [-n] [--allow-dirty] NAME...")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	wd, err := os.Getwd()
	if err == nil {
		err = run(ctx, os.Args[1:], wd, os.Stdout, goModTidy(os.Stderr))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run is the whole program, on the repository around wd.
func run(ctx context.Context, args []string, wd string, stdout io.Writer, tidy func(context.Context, string) error) error {
	if len(args) == 0 {
		return errUsage
	}
	root, err := findRoot(wd)
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		_, named, err := scan(root, func(rel string) bool { return under(rel, lookup(starter).Paths) })
		if err != nil {
			return err
		}
		for _, f := range features {
			state := "removed"
			if named[f.Name] || slices.ContainsFunc(f.Paths, func(p string) bool { return exists(root, p) }) {
				state = "present"
			}
			desc := f.Description
			if len(f.UsedBy) > 0 {
				desc += " (goes with the last of " + strings.Join(f.UsedBy, ", ") + ")"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", f.Name, state, desc)
		}
		return w.Flush()
	case "remove":
		return remove(ctx, root, args[1:], stdout, tidy)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, errUsage)
		return nil
	}
	return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
}

func remove(ctx context.Context, root string, args []string, stdout io.Writer, tidy func(context.Context, string) error) error {
	fs := flag.NewFlagSet("remove", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dryRun := fs.Bool("n", false, "print what would change, change nothing")
	allowDirty := fs.Bool("allow-dirty", false, "remove even with uncommitted changes")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("remove: %v: %w", err, errUsage)
	}
	var names []string
	for _, n := range fs.Args() {
		if f := lookup(n); f == nil || len(f.UsedBy) > 0 {
			var known []string
			for _, f := range features {
				if len(f.UsedBy) == 0 {
					known = append(known, f.Name)
				}
			}
			return fmt.Errorf("unknown feature %q (remove takes %s): %w", n, strings.Join(known, ", "), errUsage)
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return fmt.Errorf("remove: name a feature: %w", errUsage)
	}
	if !*dryRun {
		if err := recoverInterrupted(root, stdout); err != nil {
			return fmt.Errorf("an interrupted removal left %s, and putting it back failed: %w", undoDir, err)
		}
	}
	p, err := newPlan(root, names)
	if err != nil {
		return fmt.Errorf("%w\nnothing was changed", err)
	}
	if len(p.going) == 0 {
		fmt.Fprintf(stdout, "%s: already removed\n", strings.Join(names, ", "))
		return nil
	}
	if *dryRun {
		fmt.Fprintf(stdout, "would remove %s:\n", strings.Join(p.going, ", "))
		p.print(stdout, "would ")
		return nil
	}
	if !*allowDirty {
		changed, err := dirty(ctx, root)
		if err != nil {
			return fmt.Errorf("%w; to remove anyway, pass --allow-dirty", err)
		}
		if len(changed) > 0 {
			return fmt.Errorf("the tree has uncommitted changes (%s): commit or stash them first, so that the removal's changes stand apart from yours; to remove anyway, pass --allow-dirty",
				strings.Join(first(changed, 3), ", "))
		}
	}
	fmt.Fprintf(stdout, "removing %s:\n", strings.Join(p.going, ", "))
	p.print(stdout, "")
	if err := p.apply(ctx, tidy); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %s\n", strings.Join(p.going, ", "))
	return nil
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

// findRoot returns the repository: the nearest folder at or above wd with a
// go.mod and a main.go (the starter's root module).
func findRoot(wd string) (string, error) {
	dir, err := filepath.Abs(wd)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if exists(d, "go.mod") && exists(d, "main.go") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("not inside the starter: no folder at or above %s has go.mod and main.go", dir)
		}
	}
}
