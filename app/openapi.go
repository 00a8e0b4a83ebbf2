package app

// OpenAPI adds a feature's fragment of the OpenAPI document (YAML: its
// paths, components, tags and x-error-codes; see routes.Document), merged
// into the core's document and served at /openapi.json. A feature embeds it
// from its own folder, so removing the folder removes its operations.
func (h *Hooks) OpenAPI(fragment []byte) { h.openapi = append(h.openapi, fragment) }

// OpenAPIFragments returns the OpenAPI hooks' fragments, in order.
func (h *Hooks) OpenAPIFragments() [][]byte { return h.openapi }
