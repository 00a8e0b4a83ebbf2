package routes

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-yaml"
)

// coreDocument is the API contract of the core routes (OpenAPI 3.1, YAML).
//
//go:embed openapi.yaml
var coreDocument []byte

// Document returns the OpenAPI document as JSON: the core's, with the
// features' fragments merged in. A fragment is YAML (or JSON) with any of
//
//   - paths: operations to add (a path may be shared, an operation may not);
//   - components: schemas, responses, parameters, ... to add (names are unique);
//   - tags: tags to add;
//   - x-error-codes: codes to add to the core's ErrorCode enum.
//
// A fragment may refer to the core's components ("#/components/schemas/Error").
// The output is deterministic (object keys sorted), so its ETag only changes
// when the document does.
func Document(fragments ...[]byte) ([]byte, error) {
	doc, err := yamlObject(coreDocument)
	if err != nil {
		return nil, fmt.Errorf("routes/openapi.yaml: %w", err)
	}
	for i, f := range fragments {
		frag, err := yamlObject(f)
		if err != nil {
			return nil, fmt.Errorf("OpenAPI fragment %d: %w", i+1, err)
		}
		if err := merge(doc, frag); err != nil {
			return nil, fmt.Errorf("OpenAPI fragment %d: %w", i+1, err)
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func yamlObject(src []byte) (map[string]any, error) {
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a YAML mapping")
	}
	return m, nil
}

// merge adds frag's paths, components, tags and error codes to doc, refusing
// anything that would replace what is already there.
func merge(doc, frag map[string]any) error {
	for _, key := range slices.Sorted(maps.Keys(frag)) {
		switch key {
		case "paths", "components":
			into := object(doc, key)
			for name, v := range asObject(frag[key]) {
				section := object(into, name)
				for item, def := range asObject(v) {
					if key == "paths" {
						// Operations of one path may come from several places.
						path := object(section, item)
						for method, op := range asObject(def) {
							if _, dup := path[method]; dup {
								return fmt.Errorf("%s %s is already in the document", strings.ToUpper(method), item)
							}
							path[method] = op
						}
						continue
					}
					if _, dup := section[item]; dup {
						return fmt.Errorf("components.%s.%s is already in the document", name, item)
					}
					section[item] = def
				}
			}
		case "tags":
			tags, _ := doc["tags"].([]any)
			doc["tags"] = append(tags, frag["tags"].([]any)...)
		case "x-error-codes":
			code := object(object(object(doc, "components"), "schemas"), "ErrorCode")
			enum, _ := code["enum"].([]any)
			for _, c := range frag[key].([]any) {
				if !slices.Contains(enum, c) {
					enum = append(enum, c)
				}
			}
			code["enum"] = enum
		default:
			return fmt.Errorf("a fragment may add paths, components, tags and x-error-codes, not %q", key)
		}
	}
	return nil
}

// object returns m[key] as an object, creating it when absent. paths is the
// only level where a fragment's object may be nested deeper; the caller
// handles that.
func object(m map[string]any, key string) map[string]any {
	o, ok := m[key].(map[string]any)
	if !ok {
		o = map[string]any{}
		m[key] = o
	}
	return o
}

func asObject(v any) map[string]any {
	o, _ := v.(map[string]any)
	return o
}

// serveDocument answers GET /openapi.json with the document built once at
// start-up, and 304 to a client that has it already (If-None-Match).
func serveDocument(doc []byte) gin.HandlerFunc {
	sum := sha256.Sum256(doc)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("ETag", etag)
		// Cached, but asked again each time: a new release is seen at once,
		// and an unchanged document costs a 304.
		h.Set("Cache-Control", "no-cache")
		if etagMatches(c.GetHeader("If-None-Match"), etag) {
			c.Status(http.StatusNotModified)
			return
		}
		c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
	}
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
