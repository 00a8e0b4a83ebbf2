package main

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// dropImports removes from the Go source src every import spec of one of
// paths (or of a package below one), deleting the spec's lines (with its
// comments) and then gofmt'ing the file. It fails when the file still uses
// a package it no longer imports: that code belongs to the removed feature
// but lives outside its folder.
func dropImports(rel string, src []byte, paths []string) ([]byte, bool, error) {
	if !mentionsAny(src, paths) {
		return src, false, nil
	}
	return dropImportsIf(rel, src, func(p string, _ *ast.ImportSpec) bool { return matchesImport(p, paths) })
}

// dropUnusedImports removes the imports of the standard library and of
// module that the Go file src no longer uses, as goimports would once a
// block removal took their last use. Other imports are left alone (their
// package name cannot be told from the path for sure): go vet reports them.
func dropUnusedImports(rel string, src []byte, module string) ([]byte, bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, 0)
	if err != nil {
		return nil, false, fmt.Errorf("%s no longer parses after the removal: %v", rel, err)
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
	var unused []string
	for _, spec := range f.Imports {
		p, _ := strconv.Unquote(spec.Path.Value)
		known := !strings.Contains(strings.SplitN(p, "/", 2)[0], ".") || p == module || strings.HasPrefix(p, module+"/")
		if p == "C" || !known || spec.Name != nil && (spec.Name.Name == "_" || spec.Name.Name == ".") {
			continue
		}
		if !used[importName(spec, p)] {
			unused = append(unused, p)
		}
	}
	if len(unused) == 0 {
		return src, false, nil
	}
	return dropImportsIf(rel, src, func(p string, _ *ast.ImportSpec) bool { return slices.Contains(unused, p) })
}

func dropImportsIf(rel string, src []byte, dropped func(path string, spec *ast.ImportSpec) bool) ([]byte, bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments|parser.ImportsOnly)
	if err != nil {
		return nil, false, fmt.Errorf("%s does not parse: %v", rel, err)
	}
	type span struct{ from, to int } // 1-based lines, inclusive
	var cut []span
	names := map[string]string{} // package name used in the file -> import path
	line := func(p token.Pos) int { return fset.Position(p).Line }
	for _, decl := range f.Decls {
		d, ok := decl.(*ast.GenDecl)
		if !ok || d.Tok != token.IMPORT {
			continue
		}
		var drop []*ast.ImportSpec
		for _, s := range d.Specs {
			spec := s.(*ast.ImportSpec)
			p, _ := strconv.Unquote(spec.Path.Value)
			if dropped(p, spec) {
				drop = append(drop, spec)
				names[importName(spec, p)] = p
			}
		}
		switch {
		case len(drop) == 0:
		case len(drop) == len(d.Specs):
			from := line(d.Pos())
			if d.Doc != nil {
				from = line(d.Doc.Pos())
			}
			cut = append(cut, span{from, line(d.End())})
		default:
			for _, spec := range drop {
				from, to := line(spec.Pos()), line(spec.End())
				if spec.Doc != nil {
					from = line(spec.Doc.Pos())
				}
				if spec.Comment != nil {
					to = line(spec.Comment.End())
				}
				cut = append(cut, span{from, to})
			}
		}
	}
	if len(cut) == 0 {
		return src, false, nil
	}
	lines := strings.SplitAfter(string(src), "\n")
	var b strings.Builder
	for i, l := range lines {
		n := i + 1
		if slices.ContainsFunc(cut, func(s span) bool { return s.from <= n && n <= s.to }) {
			continue
		}
		b.WriteString(l)
	}
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		return nil, false, fmt.Errorf("%s does not parse once its imports of %s are removed: %v", rel, strings.Join(slices.Sorted(mapValues(names)), ", "), err)
	}
	if uses := usesPackages(rel, out, names); len(uses) > 0 {
		return nil, false, fmt.Errorf("%s stays but uses %s", rel, strings.Join(uses, "; "))
	}
	return out, true, nil
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func mentionsAny(src []byte, paths []string) bool {
	for _, p := range paths {
		if strings.Contains(string(src), `"`+p) {
			return true
		}
	}
	return false
}

// matchesImport reports whether the import path p is one of paths or a
// package below one.
func matchesImport(p string, paths []string) bool {
	for _, q := range paths {
		if p == q || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// importName is the name a file refers to an imported package by: the spec's
// own name, else the last element of the path (a /vN suffix skipped), the
// convention every package here follows.
func importName(spec *ast.ImportSpec, p string) string {
	if spec.Name != nil {
		return spec.Name.Name
	}
	name := path.Base(p)
	if majorVersion.MatchString(name) {
		name = path.Base(path.Dir(p))
	}
	return strings.TrimPrefix(name, "go-")
}

// usesPackages lists where src still refers to one of the package names it no
// longer imports (name.X with name not declared in the file).
func usesPackages(rel string, src []byte, names map[string]string) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, 0)
	if err != nil {
		return nil // format.Source parsed it; cannot happen
	}
	var uses []string
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Obj != nil || seen[id.Name] {
			return true
		}
		if p, ok := names[id.Name]; ok {
			seen[id.Name] = true
			uses = append(uses, fmt.Sprintf("package %s (%s.%s at line %d), which goes with the feature",
				p, id.Name, sel.Sel.Name, fset.Position(sel.Pos()).Line))
		}
		return true
	})
	return uses
}
