// Command follow follows, in the current directory, every tutorial of the
// Markdown files it is given (see package tutorial), as a reader would:
//
//	go run ./internal/tutorial/follow README.md docs/*.md
//
// scripts/test-tutorials.sh runs it on a copy of the repository, then the
// whole test suite.
package main

import (
	"fmt"
	"os"

	"github.com/hanko-gin/hanko-gin/internal/tutorial"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/tutorial/follow FILE.md...")
		os.Exit(2)
	}
	followed := 0
	for _, doc := range os.Args[1:] {
		text, err := os.ReadFile(doc)
		if err != nil {
			fmt.Fprintln(os.Stderr, "follow:", err)
			os.Exit(1)
		}
		for _, tu := range tutorial.FromDoc(doc, string(text)) {
			if err := tu.Apply("."); err != nil {
				fmt.Fprintln(os.Stderr, "follow:", err)
				os.Exit(1)
			}
			fmt.Println("followed", tu.Name())
			followed++
		}
	}
	if followed == 0 {
		fmt.Fprintln(os.Stderr, "follow: no tutorial in", os.Args[1:])
		os.Exit(1)
	}
}
