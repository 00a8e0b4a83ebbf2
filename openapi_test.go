package main

// The OpenAPI document against the program: with no feature, each feature
// alone and all of them (main.go's list), the router's routes are exactly
// the document's operations, and the document lints clean.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/hanko-gin/hanko-gin/app"
	"github.com/hanko-gin/hanko-gin/auth/authtest"
	"github.com/hanko-gin/hanko-gin/config"
	"github.com/hanko-gin/hanko-gin/internal/apptest"
	"github.com/hanko-gin/hanko-gin/internal/openapitest"
)

// featureSets are the programs to check: the core alone, each feature
// alone, and main.go's list.
func featureSets() map[string][]app.Feature {
	sets := map[string][]app.Feature{"core only": nil, "all features": features}
	for _, f := range features {
		sets[f.Name()+" only"] = []app.Feature{f}
	}
	return sets
}

// programFor builds the router of the core with fs (app.Build, as main.go
// does) and the document `hanko-gin openapi` prints for them.
func programFor(t *testing.T, fs []app.Feature) (*gin.Engine, []byte) {
	t.Helper()
	hanko := authtest.NewServer()
	t.Cleanup(hanko.Close)
	env := map[string]string{"HANKO_API_URL": hanko.URL, "DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "t.db")}
	gin.SetMode(gin.ReleaseMode)
	a := apptest.App(t, env, app.Options{Log: io.Discard}, fs...)
	var doc bytes.Buffer
	err := app.RunCommand(context.Background(), config.NewSettings(func(k string) string { return env[k] }), fs, []string{"openapi"}, &doc,
		app.Command{Name: "openapi", Run: printOpenAPI})
	if err != nil {
		t.Fatal(err)
	}
	return a.Handler, doc.Bytes()
}

var ginParam = regexp.MustCompile(`[:*](\w+)`)

// TestOpenAPIMatchesRouter: every route is an operation of the document and
// every operation a route; a missing one is named with what to add where.
func TestOpenAPIMatchesRouter(t *testing.T) {
	for name, fs := range featureSets() {
		t.Run(name, func(t *testing.T) {
			r, raw := programFor(t, fs)
			v, err := openapitest.Load(raw)
			if err != nil {
				t.Fatal(err)
			}
			inDoc := map[string]bool{}
			for path, item := range v.Doc.Paths.Map() {
				for method := range item.Operations() {
					inDoc[method+" "+path] = true
				}
			}
			inRouter := map[string]bool{}
			for _, rt := range r.Routes() {
				path := ginParam.ReplaceAllString(rt.Path, "{$1}")
				inRouter[rt.Method+" "+path] = true
				if !inDoc[rt.Method+" "+path] {
					t.Errorf("the router serves %s %s, the OpenAPI document has no such operation: add %q with a %q operation under paths in routes/openapi.yaml, or in the openapi.yaml of the feature that registers the route",
						rt.Method, rt.Path, path+":", strings.ToLower(rt.Method)+":")
				}
			}
			for op := range inDoc {
				if !inRouter[op] {
					method, path, _ := strings.Cut(op, " ")
					t.Errorf("the OpenAPI document describes %s %s, the router does not serve it: remove the %q operation of %q from the document, or register the route",
						method, path, strings.ToLower(method), path)
				}
			}
		})
	}
}

// TestOpenAPILint: the document is valid OpenAPI 3.1 (kin-openapi's
// validation, examples included) and keeps our rules: every operation has a
// unique operationId, a summary and declared tags, and every error response
// (4xx, 5xx) is JSON in the one error shape.
func TestOpenAPILint(t *testing.T) {
	for name, fs := range featureSets() {
		t.Run(name, func(t *testing.T) {
			_, raw := programFor(t, fs)
			v, err := openapitest.Load(raw) // loads and validates
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range lint(v.Doc) {
				t.Error(problem)
			}
		})
	}
}

func lint(doc *openapi3.T) []string {
	var problems []string
	if !doc.IsOpenAPI31OrLater() {
		problems = append(problems, "the document is not OpenAPI 3.1: "+doc.OpenAPI)
	}
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	ids := map[string]string{}
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range doc.Paths.Map() {
			if !yield(p) {
				return
			}
		}
	}) {
		for method, op := range doc.Paths.Value(path).Operations() {
			where := method + " " + path
			switch prev, dup := ids[op.OperationID]; {
			case op.OperationID == "":
				problems = append(problems, where+": no operationId")
			case dup:
				problems = append(problems, fmt.Sprintf("%s: operationId %q is %s's too", where, op.OperationID, prev))
			}
			ids[op.OperationID] = where
			if op.Summary == "" {
				problems = append(problems, where+": no summary")
			}
			if len(op.Tags) == 0 {
				problems = append(problems, where+": no tags")
			}
			for _, tag := range op.Tags {
				if !tags[tag] {
					problems = append(problems, fmt.Sprintf("%s: tag %q is not declared in the document's tags", where, tag))
				}
			}
			for status, resp := range op.Responses.Map() {
				if status == "default" {
					problems = append(problems, where+": a default response hides what the route answers; list the statuses")
					continue
				}
				if status < "400" {
					continue
				}
				mt := resp.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil || !isErrorShape(mt.Schema) {
					problems = append(problems, fmt.Sprintf("%s: the %s response is not application/json with the Error schema (#/components/schemas/Error)", where, status))
				}
			}
		}
	}
	return problems
}

// isErrorShape: the Error schema itself, or a choice whose every branch
// has the error shape (e.g. /readyz's NotReady, which adds "checks").
func isErrorShape(s *openapi3.SchemaRef) bool {
	if s.Ref == "#/components/schemas/Error" {
		return true
	}
	branches := append(s.Value.AnyOf, s.Value.OneOf...)
	if len(branches) > 0 {
		return !slices.ContainsFunc(branches, func(b *openapi3.SchemaRef) bool { return !isErrorShape(b) })
	}
	// An object with the two required members.
	return slices.Contains(s.Value.Required, "error") && slices.Contains(s.Value.Required, "message")
}
