package main

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// fixGo finishes an edited Go file: it drops the imports that the removed
// lines were the last to use (as goimports would) and gofmts the result.
func fixGo(rel, before, after string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, after, parser.ParseComments)
	if err != nil {
		return "", fmt.Errorf("%s does not parse once the marked lines are gone: %v", rel, err)
	}
	usedBefore := usedNames(before)
	usedAfter := usedNames(after)
	type span struct{ from, to int } // 1-based lines, inclusive
	var cut []span
	line := func(p token.Pos) int { return fset.Position(p).Line }
	for _, decl := range f.Decls {
		d, ok := decl.(*ast.GenDecl)
		if !ok || d.Tok != token.IMPORT {
			continue
		}
		var drop []span
		for _, s := range d.Specs {
			spec := s.(*ast.ImportSpec)
			p, _ := strconv.Unquote(spec.Path.Value)
			name := importName(spec, p)
			if name == "_" || name == "." || !usedBefore[name] || usedAfter[name] {
				continue
			}
			from, to := line(spec.Pos()), line(spec.End())
			if spec.Doc != nil {
				from = line(spec.Doc.Pos())
			}
			drop = append(drop, span{from, to})
		}
		if len(drop) > 0 && len(drop) == len(d.Specs) {
			from := line(d.Pos())
			if d.Doc != nil {
				from = line(d.Doc.Pos())
			}
			drop = []span{{from, line(d.End())}}
		}
		cut = append(cut, drop...)
	}
	var b strings.Builder
	for i, l := range strings.SplitAfter(after, "\n") {
		if !slices.ContainsFunc(cut, func(s span) bool { return s.from <= i+1 && i+1 <= s.to }) {
			b.WriteString(l)
		}
	}
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return "", fmt.Errorf("%s: %v", rel, err)
	}
	return string(out), nil
}

// usedNames returns the package names src refers to (name.X with name not
// declared in the file); nil when src does not parse.
func usedNames(src string) map[string]bool {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		return nil
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	return used
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// importName is the name a file refers to an imported package by: the spec's
// own name, else the last element of the path (a /vN suffix skipped), the
// convention nearly every package follows. A wrong guess only keeps an
// import: it is dropped only when that name was used before and is not now.
func importName(spec *ast.ImportSpec, p string) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	name := path.Base(p)
	if majorVersion.MatchString(name) {
		name = path.Base(path.Dir(p))
	}
	return strings.TrimPrefix(strings.TrimSuffix(name, ".v3"), "go-")
}

var settingName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{4,}$`)

// settingsRead returns the settings a Go file reads: the constant first
// argument of a two-argument Get call (config.Settings.Get, the way every
// feature reads its settings).
func settingsRead(src string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		return nil
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Get" {
			return true
		}
		if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && settingName.MatchString(s) {
				names = append(names, s)
			}
		}
		return true
	})
	return names
}

// retire adds settings (name -> feature) to the map literal `retired` of
// config/retired.go, keeping the ones already there.
func retire(src string, add map[string]string) (string, error) {
	start := strings.Index(src, "var retired = map[string]string{")
	if start < 0 {
		return "", fmt.Errorf("no `var retired = map[string]string{` in it")
	}
	open := start + len("var retired = map[string]string{")
	end := open // the closing brace
	if !strings.HasPrefix(src[open:], "}") {
		end = strings.Index(src[open:], "\n}")
		if end < 0 {
			return "", fmt.Errorf("the map retired does not end")
		}
		end += open + 1
	}
	entries := map[string]string{}
	entry := regexp.MustCompile(`"([A-Z0-9_]+)":\s*"([^"]*)"`)
	for _, m := range entry.FindAllStringSubmatch(src[open:end], -1) {
		entries[m[1]] = m[2]
	}
	for k, v := range add {
		entries[k] = v
	}
	var b strings.Builder
	b.WriteString(src[:open] + "\n")
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		fmt.Fprintf(&b, "\t%q: %q,\n", k, entries[k])
	}
	b.WriteString(src[end:])
	out, err := format.Source([]byte(b.String()))
	return string(out), err
}
