// Package tutorial reads the tutorials in the project's Markdown and follows
// them on a tree of files, for the doc tests (readme_test.go) and for
// scripts/test-tutorials.sh, which follows them in place on a copy of the
// repository.
//
// A fenced block is a step of a tutorial when its info string is
// "LANG example PATH": it writes the file PATH (relative to the repository's
// root) with its body, or, for "diff example PATH", adds its "+" lines to
// PATH right after its context lines (" " lines; "-" lines are not
// supported), or at the end of PATH when it has no context lines. A diff whose "+" lines are already in the file is already
// done, so a tutorial the reader has followed in place is recognised, not
// applied twice. The steps under one heading of level 1 or 2 are one
// tutorial. "LANG example" without a path is new code shown, not a step.
package tutorial

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Fence is a fenced code block of a Markdown text.
type Fence struct {
	Info    string // the info string: "go", "go example", "diff example main.go"
	Body    string // with the fence's indentation removed
	Heading string // the heading it sits under
	Section string // the heading of level 1 or 2 it sits under
	Line    int    // 1-based line of the opening fence
}

// Lang is the first word of the info string.
func (f Fence) Lang() string {
	if w := strings.Fields(f.Info); len(w) > 0 {
		return w[0]
	}
	return ""
}

// IsExample reports a block that is new code for the reader to write, not
// a quote of the project's code ("go example", "yaml example").
func (f Fence) IsExample() bool { return slices.Contains(strings.Fields(f.Info), "example") }

// Path is the file an example block writes or changes ("" when it only
// shows code).
func (f Fence) Path() string {
	w := strings.Fields(f.Info)
	if len(w) == 3 && w[1] == "example" {
		return w[2]
	}
	return ""
}

// Fences parses the fenced code blocks of a Markdown text, also those
// indented under a list item.
func Fences(text string) []Fence {
	var out []Fence
	var cur *Fence
	var indent int
	var body []string
	heading, section := "", ""
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if cur == nil {
			if strings.HasPrefix(trimmed, "```") {
				cur = &Fence{Info: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), Heading: heading, Section: section, Line: i + 1}
				indent, body = len(line)-len(trimmed), nil
			} else if strings.HasPrefix(line, "#") {
				heading = line
				if strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "## ") {
					section = line
				}
			}
			continue
		}
		if strings.TrimSpace(line) == "```" {
			cur.Body = strings.Join(body, "\n")
			out = append(out, *cur)
			cur = nil
			continue
		}
		n := 0
		for n < indent && n < len(line) && line[n] == ' ' {
			n++
		}
		body = append(body, line[n:])
	}
	return out
}

// Tutorial is the steps under one heading of a doc.
type Tutorial struct {
	Doc     string // e.g. "README.md"
	Section string // e.g. "## Adding your own protected route"
	Steps   []Fence
}

// Name is "doc: section title".
func (t Tutorial) Name() string { return t.Doc + ": " + strings.TrimLeft(t.Section, "# ") }

// FromDoc returns the tutorials of the Markdown text of doc, in order.
func FromDoc(doc, text string) []Tutorial {
	var out []Tutorial
	for _, f := range Fences(text) {
		if f.Path() == "" {
			continue
		}
		if len(out) == 0 || out[len(out)-1].Section != f.Section {
			out = append(out, Tutorial{Doc: doc, Section: f.Section})
		}
		out[len(out)-1].Steps = append(out[len(out)-1].Steps, f)
	}
	return out
}

var testFunc = regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`)

// Tests returns the Go tests the tutorial writes and their packages
// ("./routes/"), sorted.
func (t Tutorial) Tests() (names, pkgs []string) {
	for _, s := range t.Steps {
		if !strings.HasSuffix(s.Path(), "_test.go") {
			continue
		}
		for _, m := range testFunc.FindAllStringSubmatch(s.Body, -1) {
			names = append(names, m[1])
		}
		if pkg := "./" + filepath.ToSlash(filepath.Dir(s.Path())) + "/"; !slices.Contains(pkgs, pkg) {
			pkgs = append(pkgs, pkg)
		}
	}
	slices.Sort(names)
	slices.Sort(pkgs)
	return names, pkgs
}

// Apply follows the tutorial in the tree at root: it writes its files and
// makes its additions, skipping those already made.
func (t Tutorial) Apply(root string) error {
	for _, s := range t.Steps {
		path := filepath.Join(root, filepath.FromSlash(s.Path()))
		var err error
		if s.Lang() == "diff" {
			err = addLines(path, s.Body)
		} else {
			err = writeFile(path, strings.TrimRight(s.Body, "\n")+"\n")
		}
		if err != nil {
			return fmt.Errorf("%s:%d (%s): %w", t.Doc, s.Line, s.Path(), err)
		}
	}
	return nil
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// addLines adds a diff's "+" lines to the file at path after its context
// lines, unless the file has them already.
func addLines(path, diff string) error {
	var context, added []string
	for _, l := range strings.Split(strings.TrimRight(diff, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "+"):
			added = append(added, l[1:])
		case strings.HasPrefix(l, " ") || l == "":
			if len(added) == 0 {
				context = append(context, strings.TrimPrefix(l, " "))
			}
		default:
			return fmt.Errorf("a diff step may only add lines (\"+\") after context lines (\" \"): %q", l)
		}
	}
	if len(added) == 0 {
		return fmt.Errorf("a diff step needs \"+\" lines")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	if after(lines, added) >= 0 {
		return nil // done already: the reader followed the tutorial in place
	}
	if len(context) == 0 { // no context: at the end of the file
		text := strings.TrimRight(string(b), "\n") + "\n" + strings.Join(added, "\n") + "\n"
		return os.WriteFile(path, []byte(text), 0o644)
	}
	at := after(lines, context)
	if at < 0 {
		return fmt.Errorf("the file no longer has the lines the step adds after:\n%s", strings.Join(context, "\n"))
	}
	lines = slices.Concat(lines[:at], added, lines[at:])
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

// after finds want in lines as consecutive lines (comparing without
// indentation, and skipping blank lines) and returns the index just after
// the match; -1 when it is not there.
func after(lines, want []string) int {
	var w []string
	for _, l := range want {
		if strings.TrimSpace(l) != "" {
			w = append(w, strings.Join(strings.Fields(l), " "))
		}
	}
	if len(w) == 0 {
		return -1
	}
	for i := range lines {
		j, k := i, 0
		for ; k < len(w) && j < len(lines); j++ {
			l := strings.Join(strings.Fields(lines[j]), " ")
			if l == "" && k > 0 {
				continue
			}
			if l != w[k] {
				break
			}
			k++
		}
		if k == len(w) {
			return j
		}
	}
	return -1
}
