// Package composecheck checks the docker compose stack of hanko-gin without a
// Docker engine: it loads docker-compose.yml the way `docker compose config`
// does (compose-go), validates the Hanko config that compose mounts against
// Hanko's own JSON schema, and reads the Dockerfiles.
//
// It is a separate Go module so that the starter's go.mod only lists what the
// backend itself needs. Run it with:
//
//	cd deploy/composecheck && go vet ./... && go test ./...
package composecheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// RepoRoot is the repository root, relative to this package's directory (where
// `go test` runs).
const RepoRoot = "../.."

// LoadProject loads compose files (paths relative to the repository root) like
// `docker compose -f a -f b config` run in the repository root: the project
// directory is the folder of the first file, variables are interpolated from
// env and then from envFiles (what `.env` next to docker-compose.yml, or
// --env-file, does), and profiles come from COMPOSE_PROFILES in env or from
// the profiles argument. Services outside the active profiles end up in
// project.DisabledServices.
//
// Unlike the docker CLI, it reads neither the process environment nor the
// repository's own `.env` unless given: the checks must not depend on a
// developer's local settings.
func LoadProject(files, env, envFiles, profiles []string) (*types.Project, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(RepoRoot, f)
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(RepoRoot),
		cli.WithEnv(env),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithResolvedPaths(true),
		cli.WithConsistency(true),
	}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	}
	if len(profiles) > 0 {
		opts = append(opts, cli.WithProfiles(profiles))
	} else {
		opts = append(opts, cli.WithDefaultProfiles())
	}
	o, err := cli.NewProjectOptions(paths, opts...)
	if err != nil {
		return nil, err
	}
	return cli.ProjectFromOptions(context.Background(), o)
}

// Env returns a service's environment variable and whether it is set.
func Env(s types.ServiceConfig, name string) (string, bool) {
	v, ok := s.Environment[name]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

// BuildArg returns a service's build argument and whether it is set.
func BuildArg(s types.ServiceConfig, name string) (string, bool) {
	if s.Build == nil {
		return "", false
	}
	v, ok := s.Build.Args[name]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

// PublishedPort returns the host port that publishes a container port of a
// service, and the host IP it is bound to.
func PublishedPort(s types.ServiceConfig, target uint32) (hostIP, hostPort string, ok bool) {
	for _, p := range s.Ports {
		if p.Target == target {
			return p.HostIP, p.Published, true
		}
	}
	return "", "", false
}

// StartOrder returns the services in an order compose could start them
// (dependencies first, ties broken by name), or an error on a cycle or on a
// dependency that is not an enabled service.
func StartOrder(p *types.Project) ([]string, error) {
	names := p.ServiceNames()
	slices.Sort(names)
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var order []string
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("depends_on cycle: %s", strings.Join(append(path, name), " -> "))
		case 2:
			return nil
		}
		s, ok := p.Services[name]
		if !ok {
			return fmt.Errorf("%s depends on %q, which is not an enabled service", path[len(path)-1], name)
		}
		state[name] = 1
		deps := make([]string, 0, len(s.DependsOn))
		for d := range s.DependsOn {
			deps = append(deps, d)
		}
		slices.Sort(deps)
		for _, d := range deps {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// URLHostPort splits an absolute http(s) URL into host and port (the scheme's
// default port when none is given).
func URLHostPort(raw string) (host, port string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", "", fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	port = u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Hostname(), port, nil
}

// AddressPort returns the port of a host:port listen address such as ":8000".
func AddressPort(addr string) (string, error) {
	_, port, err := net.SplitHostPort(addr)
	return port, err
}

// ---- Hanko config ----------------------------------------------------------

// HankoConfig is the part of Hanko's config file the stack depends on.
type HankoConfig struct {
	Database struct {
		Host     string `yaml:"host"`
		Port     string `yaml:"port"`
		User     string `yaml:"user"`
		Password string `yaml:"password"`
		Database string `yaml:"database"`
		Dialect  string `yaml:"dialect"`
	} `yaml:"database"`
	Server struct {
		Public struct {
			Address string `yaml:"address"`
		} `yaml:"public"`
		Admin struct {
			Address string `yaml:"address"`
		} `yaml:"admin"`
	} `yaml:"server"`
	CORS struct {
		AllowOrigins []string `yaml:"allow_origins"`
	} `yaml:"cors"`
	SecretKeys    []string `yaml:"secret_keys"`
	EmailDelivery struct {
		Enabled *bool `yaml:"enabled"`
		SMTP    struct {
			Host string `yaml:"host"`
			Port string `yaml:"port"`
		} `yaml:"smtp"`
	} `yaml:"email_delivery"`
	Email struct {
		Enabled              *bool `yaml:"enabled"`
		UseForAuthentication *bool `yaml:"use_for_authentication"`
	} `yaml:"email"`
	Webauthn struct {
		RelyingParty struct {
			ID      string   `yaml:"id"`
			Origins []string `yaml:"origins"`
		} `yaml:"relying_party"`
	} `yaml:"webauthn"`
	Session struct {
		EnableAuthTokenHeader *bool `yaml:"enable_auth_token_header"`
		Cookie                struct {
			Name   string `yaml:"name"`
			Secure *bool  `yaml:"secure"`
		} `yaml:"cookie"`
	} `yaml:"session"`
	Account struct {
		AllowDeletion *bool `yaml:"allow_deletion"`
	} `yaml:"account"`
	Webhooks struct {
		Enabled *bool `yaml:"enabled"`
		Hooks   []struct {
			Callback string   `yaml:"callback"`
			Events   []string `yaml:"events"`
		} `yaml:"hooks"`
	} `yaml:"webhooks"`
}

// ParseHankoConfig decodes the keys of a Hanko config the stack depends on.
func ParseHankoConfig(data []byte) (*HankoConfig, error) {
	var c HankoConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// HankoSchema is Hanko's JSON schema for its config file, compiled for the way
// Hanko reads that file.
type HankoSchema struct {
	strict  *jsonschema.Schema
	relaxed *jsonschema.Schema
}

// LoadHankoSchema compiles Hanko's config schema (`hanko schema generate
// config`) twice: as published, and without its `required` lists.
//
// The published schema marks every field of Hanko's Go config structs as
// required, but Hanko starts from its default config and overlays the file, so
// a partial file is valid: the fixture config a real Hanko ran with fails the
// published schema only on `required`. Everything else stays strict in the
// relaxed schema: unknown keys (additionalProperties: false), types, enums.
func LoadHankoSchema(path string) (*HankoSchema, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	strict, err := compileSchema(raw, false)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", path, err)
	}
	relaxed, err := compileSchema(raw, true)
	if err != nil {
		return nil, fmt.Errorf("compile %s without required: %w", path, err)
	}
	return &HankoSchema{strict: strict, relaxed: relaxed}, nil
}

func compileSchema(raw []byte, dropRequired bool) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	if dropRequired {
		doc = withoutRequired(doc, false)
	}
	c := jsonschema.NewCompiler()
	const loc = "hanko.config.schema.json"
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	return c.Compile(loc)
}

// withoutRequired drops the `required` keyword from every schema object. A
// property that happens to be called "required" (a key of a `properties` map)
// is kept.
func withoutRequired(v any, inProperties bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, child := range t {
			if k == "required" && !inProperties {
				if _, isList := child.([]any); isList {
					continue
				}
			}
			out[k] = withoutRequired(child, !inProperties && (k == "properties" || k == "$defs" || k == "patternProperties"))
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, child := range t {
			out[i] = withoutRequired(child, false)
		}
		return out
	default:
		return v
	}
}

// Validate checks a Hanko config file's content (YAML) against the schema,
// relaxed (as Hanko reads it) or strict (as published).
func (h *HankoSchema) Validate(yamlData []byte, strict bool) error {
	var doc any
	if err := yaml.Unmarshal(yamlData, &doc); err != nil {
		return fmt.Errorf("parse YAML: %w", err)
	}
	// YAML -> JSON -> the JSON value model the validator expects.
	j, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("convert YAML to JSON: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return err
	}
	s := h.relaxed
	if strict {
		s = h.strict
	}
	return s.Validate(inst)
}

// ---- Dockerfiles -----------------------------------------------------------

// Instruction is one Dockerfile instruction with its continuation lines joined.
type Instruction struct {
	Stage   int    // index of the FROM it belongs to (-1 before the first FROM)
	Keyword string // upper case: FROM, RUN, COPY, ...
	Args    string // the rest of the line, continuations joined with spaces
}

// ParseDockerfile splits a Dockerfile into instructions. It understands
// comments, blank lines and backslash continuations (enough for our own
// Dockerfiles; heredocs are not used there).
func ParseDockerfile(path string) ([]Instruction, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Instruction
	stage := -1
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		kw, rest, _ := strings.Cut(line, " ")
		kw = strings.ToUpper(kw)
		if kw == "FROM" {
			stage++
		}
		out = append(out, Instruction{Stage: stage, Keyword: kw, Args: strings.TrimSpace(rest)})
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue // comment (also inside a continued instruction)
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\"))
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(line)
		flush()
	}
	flush()
	return out, sc.Err()
}

// Find returns the index of the first instruction at or after start with the
// keyword whose arguments contain substr, or -1.
func Find(ins []Instruction, start int, keyword, substr string) int {
	for i := start; i < len(ins); i++ {
		if ins[i].Keyword == keyword && strings.Contains(ins[i].Args, substr) {
			return i
		}
	}
	return -1
}

// ArgDefault returns the default value of a global or stage ARG.
func ArgDefault(ins []Instruction, name string) (string, bool) {
	for _, in := range ins {
		if in.Keyword != "ARG" {
			continue
		}
		k, v, hasDefault := strings.Cut(in.Args, "=")
		if strings.TrimSpace(k) == name && hasDefault {
			return strings.Trim(strings.TrimSpace(v), `"`), true
		}
	}
	return "", false
}

// SchemaLeaves returns the innermost causes of a schema validation error: the
// individual violations (a missing property, an unknown key, a wrong type).
func SchemaLeaves(err error) []*jsonschema.ValidationError {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil
	}
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, SchemaLeaves(c)...)
	}
	return out
}
