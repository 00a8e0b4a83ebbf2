// Command starter lists the optional features of this starter and removes the
// ones a project does not need:
//
//	go run ./cmd/starter list                  each feature, one line, present or removed
//	go run ./cmd/starter remove [-n] NAME...   delete the features' files, wiring lines,
//	                                           settings and docs, then run go mod tidy
//
// What belongs to a feature is written down, one manifest per feature, in
// feature_<name>.go beside this file. The removal is checked before anything
// changes: every file must exist and every block of lines must be found exactly
// once, so a manifest that no longer matches the code fails loudly (CI removes
// each feature in a scratch copy, see scripts/test-removal.sh). It never
// touches a file outside the repository, and a second run changes nothing.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		if errors.Is(err, errUsage) || errors.Is(err, errUnknown) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run is the whole program: it works on the repository around the current
// directory, with the features written down in this package.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	t := tool{catalog: defaultCatalog, getwd: os.Getwd, tidy: goModTidy}
	return t.run(ctx, args, stdout, stderr)
}
