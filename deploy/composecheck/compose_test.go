package composecheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

const (
	composeFile  = "docker-compose.yml"
	cloudFile    = "deploy/compose.cloud.yml"
	hankoConfig  = "deploy/hanko/config.yaml"
	postgresInit = "deploy/postgres/10-create-todos-db.sql"

	// What the browser uses; baked into the frontend and allowed by Hanko and the backend.
	frontendOrigin = "http://localhost:5173"
	hankoBrowser   = "http://localhost:8000"
	backendBrowser = "http://localhost:5001"
	// What the backend uses inside the compose network.
	hankoInNetwork = "http://hanko:8000"

	cloudURL = "https://f4a0c3e2-0000-4000-8000-000000000000.hanko.io"
)

// defaultProject is `docker compose up --build` with a clean environment.
func defaultProject(t *testing.T) *types.Project {
	t.Helper()
	p, err := LoadProject([]string{composeFile}, nil, nil, nil)
	if err != nil {
		t.Fatalf("load %s: %v", composeFile, err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("service %q is not enabled; enabled: %v, disabled: %v", name, p.ServiceNames(), p.DisabledServiceNames())
	}
	return s
}

func TestEveryServiceStartsByDefault(t *testing.T) {
	p := defaultProject(t)
	want := []string{"backend", "frontend", "hanko", "hanko-migrate", "mailpit", "postgres"}
	got := p.ServiceNames()
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("enabled services = %v, want %v", got, want)
	}
	if d := p.DisabledServiceNames(); len(d) != 0 {
		t.Errorf("services disabled by profiles in a plain `docker compose up`: %v", d)
	}
	if p.Name != "hanko-gin" {
		t.Errorf("project name = %q, want hanko-gin (container and volume names derive from it)", p.Name)
	}
}

func TestDependsOnConditions(t *testing.T) {
	p := defaultProject(t)
	// The complete depends_on of every service: nothing missing, nothing extra.
	want := map[string]map[string]string{
		"postgres":      {},
		"mailpit":       {},
		"hanko-migrate": {"postgres": types.ServiceConditionHealthy},
		"hanko": {
			"hanko-migrate": types.ServiceConditionCompletedSuccessfully,
			"mailpit":       types.ServiceConditionStarted,
		},
		"backend": {
			"postgres": types.ServiceConditionHealthy,
			"hanko":    types.ServiceConditionHealthy,
		},
		"frontend": {"backend": types.ServiceConditionHealthy},
	}
	for name, deps := range want {
		t.Run(name, func(t *testing.T) {
			s := service(t, p, name)
			got := map[string]string{}
			for d, cfg := range s.DependsOn {
				got[d] = cfg.Condition
				if !cfg.Required {
					t.Errorf("depends_on %s has required: false; compose would start %s without it", d, name)
				}
			}
			if len(got) != len(deps) {
				t.Errorf("depends_on = %v, want %v", got, deps)
			}
			for d, cond := range deps {
				if got[d] != cond {
					t.Errorf("depends_on %s: condition %q, want %q", d, got[d], cond)
				}
			}
		})
	}
}

// A condition is only meaningful if the dependency can reach it: service_healthy
// needs a healthcheck, service_completed_successfully needs a one-shot service.
func TestConditionsAreReachable(t *testing.T) {
	for _, files := range [][]string{{composeFile}, {composeFile, cloudFile}} {
		p, err := LoadProject(files, []string{"HANKO_API_URL=" + cloudURL}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Services {
			for dep, cfg := range s.DependsOn {
				target, ok := p.Services[dep]
				if !ok {
					t.Errorf("%v: %s depends on %s, which is not enabled", files, s.Name, dep)
					continue
				}
				switch cfg.Condition {
				case types.ServiceConditionHealthy:
					if target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0 {
						t.Errorf("%v: %s waits for %s to be healthy, but %s has no healthcheck", files, s.Name, dep, dep)
					}
				case types.ServiceConditionCompletedSuccessfully:
					if target.Restart == types.RestartPolicyAlways || target.Restart == types.RestartPolicyUnlessStopped {
						t.Errorf("%v: %s waits for %s to complete, but %s restarts %q", files, s.Name, dep, dep, target.Restart)
					}
				}
			}
		}
	}
}

func TestStartOrder(t *testing.T) {
	order, err := StartOrder(defaultProject(t))
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, n := range order {
		pos[n] = i
	}
	chain := []string{"postgres", "hanko-migrate", "hanko", "backend", "frontend"}
	for i := 1; i < len(chain); i++ {
		if pos[chain[i-1]] >= pos[chain[i]] {
			t.Errorf("start order %v: %s must start before %s", order, chain[i-1], chain[i])
		}
	}
	if pos["mailpit"] >= pos["hanko"] {
		t.Errorf("start order %v: mailpit must start before hanko sends mail", order)
	}
}

func TestHealthchecks(t *testing.T) {
	p := defaultProject(t)
	hankoCfgTarget := mountTargetOf(t, service(t, p, "hanko"), hankoConfig)
	tests := []struct {
		service string
		want    []string
	}{
		{"postgres", []string{"CMD", "pg_isready", "-h", "127.0.0.1", "-U", "hanko", "-d", "hanko"}},
		// Hanko's own readiness command (the image has no shell or curl).
		{"hanko", []string{"CMD", "/hanko", "isready", "--config", hankoCfgTarget, "public"}},
		// The backend's `healthcheck` subcommand probes /healthz on $PORT.
		{"backend", []string{"CMD", "/hanko-gin", "healthcheck"}},
		{"frontend", []string{"CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:5173/"}},
	}
	for _, tc := range tests {
		t.Run(tc.service, func(t *testing.T) {
			hc := service(t, p, tc.service).HealthCheck
			if hc == nil || hc.Disable {
				t.Fatal("no healthcheck")
			}
			if !slices.Equal([]string(hc.Test), tc.want) {
				t.Errorf("healthcheck test = %q, want %q", hc.Test, tc.want)
			}
			if hc.Interval == nil || hc.Retries == nil || *hc.Retries == 0 {
				t.Errorf("healthcheck needs an interval and retries, got interval=%v retries=%v", hc.Interval, hc.Retries)
			}
		})
	}
	// The hanko services are one image; the healthcheck and both commands read
	// the same mounted file.
	for _, name := range []string{"hanko-migrate", "hanko"} {
		s := service(t, p, name)
		cmd := strings.Join(s.Command, " ")
		if !strings.Contains(cmd, "--config "+hankoCfgTarget) {
			t.Errorf("%s command %q does not read the mounted config %s", name, cmd, hankoCfgTarget)
		}
		if mountTargetOf(t, s, hankoConfig) != hankoCfgTarget {
			t.Errorf("%s mounts %s elsewhere than hanko does", name, hankoConfig)
		}
	}
	if got := service(t, p, "hanko-migrate").Command; !slices.Equal(got[:2], []string{"migrate", "up"}) {
		t.Errorf("hanko-migrate command = %q, want migrate up", got)
	}
	if got := service(t, p, "hanko").Command; !slices.Equal(got[:2], []string{"serve", "all"}) {
		t.Errorf("hanko command = %q, want serve all", got)
	}
}

// mountTargetOf returns where a repository file is bind-mounted (read-only) in a service.
func mountTargetOf(t *testing.T, s types.ServiceConfig, repoPath string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join(RepoRoot, repoPath))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Source == abs {
			if !v.ReadOnly {
				t.Errorf("%s mounts %s writable; mount it :ro", s.Name, repoPath)
			}
			return v.Target
		}
	}
	t.Fatalf("%s does not mount %s", s.Name, repoPath)
	return ""
}

func TestImagesArePinned(t *testing.T) {
	p := defaultProject(t)
	hankoImage := service(t, p, "hanko").Image
	if m := service(t, p, "hanko-migrate").Image; m != hankoImage {
		t.Errorf("hanko-migrate image %q != hanko image %q: migrations must match the server", m, hankoImage)
	}
	if !regexp.MustCompile(`^ghcr\.io/teamhanko/hanko:v\d+\.\d+\.\d+$`).MatchString(hankoImage) {
		t.Errorf("hanko image %q: want the official image pinned to a release tag vX.Y.Z", hankoImage)
	}
	for _, s := range p.Services {
		if s.Build != nil {
			if s.Image != "" {
				t.Errorf("%s both builds and names image %q", s.Name, s.Image)
			}
			continue
		}
		_, tag, ok := strings.Cut(s.Image, ":")
		if !ok || tag == "" || tag == "latest" || tag == "main" || strings.Contains(tag, "/") {
			t.Errorf("%s image %q is not pinned to a version tag", s.Name, s.Image)
		}
	}
}

func TestBackendEnvironment(t *testing.T) {
	p := defaultProject(t)
	backend := service(t, p, "backend")
	tests := []struct {
		name, want string
	}{
		{"HANKO_API_URL", hankoInNetwork},
		{"CORS_ALLOWED_ORIGINS", frontendOrigin},
		{"DATABASE_URL", "postgres://todos:todos@postgres:5432/todos?sslmode=disable"},
		{"PORT", "5001"},
		// Hanko's `aud` is webauthn.relying_party.id (checked against the config below).
		{"HANKO_AUDIENCE", "localhost"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Env(backend, tc.name)
			if !ok || got == "" {
				t.Fatalf("%s is not set; the backend refuses to start without it", tc.name)
			}
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
	if v, ok := Env(backend, "CORS_ALLOWED_ORIGINS"); ok && strings.Contains(v, "*") {
		t.Errorf("CORS_ALLOWED_ORIGINS=%q: the backend refuses wildcards", v)
	}

	// The in-network URLs must name services that exist, on ports they listen on.
	host, port, err := URLHostPort(mustEnv(t, backend, "HANKO_API_URL"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Services[host]; !ok || host != "hanko" {
		t.Errorf("HANKO_API_URL host %q is not the hanko service", host)
	}
	hc := readHankoConfig(t, hankoConfig)
	if pub, _ := AddressPort(hc.Server.Public.Address); pub != port {
		t.Errorf("HANKO_API_URL port %s, but Hanko's public API listens on %q", port, hc.Server.Public.Address)
	}
	// feature:hankoadmin begin
	// The admin API: the hanko service's admin port, inside the network.
	adminHost, adminPort, err := URLHostPort(mustEnv(t, backend, "HANKO_ADMIN_API_URL"))
	if err != nil {
		t.Fatal(err)
	}
	if adm, _ := AddressPort(hc.Server.Admin.Address); adminHost != "hanko" || adminPort != adm {
		t.Errorf("HANKO_ADMIN_API_URL %s:%s, but Hanko's admin API is hanko on %q", adminHost, adminPort, hc.Server.Admin.Address)
	}
	// feature:hankoadmin end
	_, hostPort, ok := PublishedPort(backend, 5001)
	if !ok || hostPort != mustEnv(t, backend, "PORT") {
		t.Errorf("backend PORT %s is not the published container port (published %q)", mustEnv(t, backend, "PORT"), hostPort)
	}
}

func mustEnv(t *testing.T, s types.ServiceConfig, name string) string {
	t.Helper()
	v, ok := Env(s, name)
	if !ok {
		t.Fatalf("%s: %s not set", s.Name, name)
	}
	return v
}

// The backend's DATABASE_URL must point at a database the postgres init script
// creates, with the role and password it creates.
func TestTodosDatabaseIsCreated(t *testing.T) {
	p := defaultProject(t)
	pg := service(t, p, "postgres")
	dbURL := mustEnv(t, service(t, p, "backend"), "DATABASE_URL")
	m := regexp.MustCompile(`^postgres://([^:@]+):([^@]+)@([^:/]+):(\d+)/([^?]+)`).FindStringSubmatch(dbURL)
	if m == nil {
		t.Fatalf("DATABASE_URL %q is not postgres://user:password@host:port/db", dbURL)
	}
	user, password, host, port, db := m[1], m[2], m[3], m[4], m[5]
	if host != "postgres" || port != "5432" {
		t.Errorf("DATABASE_URL points at %s:%s, want the postgres service on 5432", host, port)
	}
	if db == mustEnv(t, pg, "POSTGRES_DB") {
		t.Errorf("the backend uses Hanko's database %q; it needs its own", db)
	}
	initDir := mountTargetOf(t, pg, filepath.Dir(postgresInit))
	if initDir != "/docker-entrypoint-initdb.d" {
		t.Errorf("init scripts mounted at %s, want /docker-entrypoint-initdb.d", initDir)
	}
	sql, err := os.ReadFile(filepath.Join(RepoRoot, postgresInit))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CREATE ROLE " + user + " WITH LOGIN PASSWORD '" + password + "';",
		"CREATE DATABASE " + db + " OWNER " + user + ";",
	} {
		if !strings.Contains(string(sql), want) {
			t.Errorf("%s does not contain %q (needed by DATABASE_URL %s)", postgresInit, want, dbURL)
		}
	}
}

func TestFrontendRuntimeURLs(t *testing.T) {
	p := defaultProject(t)
	fe := service(t, p, "frontend")
	tests := []struct {
		arg, want, service string
		target             uint32
	}{
		// Browser URLs, read when the container starts, each reaching a published port of
		// the service behind it.
		{"HANKO_API_URL", hankoBrowser, "hanko", 8000},
		{"API_URL", backendBrowser, "backend", 5001},
	}
	for _, tc := range tests {
		t.Run(tc.arg, func(t *testing.T) {
			got, ok := Env(fe, tc.arg)
			if !ok || got != tc.want {
				t.Fatalf("environment %s = %q (set: %v), want %q", tc.arg, got, ok, tc.want)
			}
			host, port, err := URLHostPort(got)
			if err != nil {
				t.Fatal(err)
			}
			if host != "localhost" {
				t.Errorf("%s host %q: the browser needs localhost, not an in-network name", tc.arg, host)
			}
			ip, published, ok := PublishedPort(service(t, p, tc.service), tc.target)
			if !ok || published != port {
				t.Errorf("%s uses port %s, but %s publishes container port %d as %q", tc.arg, port, tc.service, tc.target, published)
			}
			if ip != "127.0.0.1" && ip != "" {
				t.Errorf("%s is published on %s, which localhost does not reach", tc.service, ip)
			}
		})
	}
	// The page origin is what CORS and WebAuthn allow.
	_, published, ok := PublishedPort(fe, 5173)
	if !ok || "http://localhost:"+published != frontendOrigin {
		t.Errorf("frontend publishes 5173 as %q; the browser origin must be %s", published, frontendOrigin)
	}
	if fe.Build == nil || fe.Build.Dockerfile != "Dockerfile" || !strings.HasSuffix(fe.Build.Context, "/frontend") {
		t.Errorf("frontend build = %+v, want context ./frontend with its Dockerfile", fe.Build)
	}
}

func TestPublishedPorts(t *testing.T) {
	p := defaultProject(t)
	type binding struct{ service, hostIP string }
	// host port -> the only service and interface that may publish it. Hanko's
	// admin API (8001) is not among them: it has no authentication.
	want := map[string]binding{
		"8000": {"hanko", "127.0.0.1"},
		"8025": {"mailpit", "127.0.0.1"},
		"5001": {"backend", "127.0.0.1"},
		"5173": {"frontend", "127.0.0.1"},
	}
	seen := map[string]string{}
	for _, s := range p.Services {
		for _, port := range s.Ports {
			proto := port.Protocol
			if proto == "" {
				proto = "tcp"
			}
			key := port.Published + "/" + proto
			if other, dup := seen[key]; dup {
				t.Errorf("host port %s is published by both %s and %s", key, other, s.Name)
			}
			seen[key] = s.Name
			w, ok := want[port.Published]
			if !ok {
				t.Errorf("%s publishes unexpected host port %s", s.Name, port.Published)
				continue
			}
			if w.service != s.Name || w.hostIP != port.HostIP {
				t.Errorf("host port %s is published by %s on %q, want %s on %q", port.Published, s.Name, port.HostIP, w.service, w.hostIP)
			}
		}
	}
	for hp, w := range want {
		if _, ok := seen[hp+"/tcp"]; !ok {
			t.Errorf("%s does not publish host port %s", w.service, hp)
		}
	}
}

// A developer's `.env` (the backend's local settings) sits next to
// docker-compose.yml, where compose reads it for interpolation. It must not
// change where the compose backend finds Hanko.
func TestDotEnvDoesNotLeakIntoDefaultStack(t *testing.T) {
	dotenv := filepath.Join(t.TempDir(), ".env")
	content := "HANKO_API_URL=http://localhost:8000\nDATABASE_URL=sqlite://data/x.db\nCORS_ALLOWED_ORIGINS=*\nPORT=9999\n"
	content += "HANKO_ADMIN_API_URL=http://localhost:8001\n" // feature:hankoadmin
	if err := os.WriteFile(dotenv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadProject([]string{composeFile}, []string{"HANKO_API_URL=" + cloudURL}, []string{dotenv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	backend := service(t, p, "backend")
	for name, want := range map[string]string{
		"HANKO_API_URL":        hankoInNetwork,
		"DATABASE_URL":         "postgres://todos:todos@postgres:5432/todos?sslmode=disable",
		"CORS_ALLOWED_ORIGINS": frontendOrigin,
		"PORT":                 "5001",
		"HANKO_ADMIN_API_URL":  "http://hanko:8001", // feature:hankoadmin
	} {
		if got := mustEnv(t, backend, name); got != want {
			t.Errorf("with a .env and a shell variable around, backend %s = %q, want %q", name, got, want)
		}
	}
}

func TestCloudOverride(t *testing.T) {
	t.Run("only backend and frontend, with the cloud URL", func(t *testing.T) {
		p, err := LoadProject([]string{composeFile, cloudFile}, []string{"HANKO_API_URL=" + cloudURL}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := p.ServiceNames()
		slices.Sort(got)
		if !slices.Equal(got, []string{"backend", "frontend"}) {
			t.Errorf("enabled services = %v, want [backend frontend]", got)
		}
		backend := service(t, p, "backend")
		if v := mustEnv(t, backend, "HANKO_API_URL"); v != cloudURL {
			t.Errorf("backend HANKO_API_URL = %q, want %q", v, cloudURL)
		}
		if v, _ := Env(service(t, p, "frontend"), "HANKO_API_URL"); v != cloudURL {
			t.Errorf("frontend HANKO_API_URL = %q, want %q", v, cloudURL)
		}
		// feature:hankoadmin begin
		for _, name := range []string{"HANKO_ADMIN_API_URL", "HANKO_ADMIN_API_KEY"} {
			if v, ok := Env(backend, name); !ok || v != "" {
				t.Errorf("backend %s = %q (set: %v); with Hanko Cloud it comes from the environment, empty when unset (never the disabled hanko service)", name, v, ok)
			}
		}
		// feature:hankoadmin end
		if v, ok := Env(backend, "DATABASE_URL"); ok {
			t.Errorf("backend DATABASE_URL = %q points at the disabled postgres; it should be unset (SQLite)", v)
		}
		if v := mustEnv(t, backend, "CORS_ALLOWED_ORIGINS"); v != frontendOrigin {
			t.Errorf("backend CORS_ALLOWED_ORIGINS = %q, want %q", v, frontendOrigin)
		}
		if len(backend.DependsOn) != 0 {
			t.Errorf("backend still depends on %v", backend.DependsOn)
		}
		dataVolume := false
		for _, v := range backend.Volumes {
			dataVolume = dataVolume || (v.Type == types.VolumeTypeVolume && v.Target == "/app/data")
		}
		if !dataVolume {
			t.Error("backend has no volume on /app/data; its SQLite todos would vanish with the container")
		}
		if _, err := StartOrder(p); err != nil {
			t.Error(err)
		}
	})
	// feature:hankoadmin begin
	t.Run("Hanko Cloud's admin API from the environment", func(t *testing.T) {
		p, err := LoadProject([]string{composeFile, cloudFile}, []string{"HANKO_API_URL=" + cloudURL,
			"HANKO_ADMIN_API_URL=" + cloudURL + "/admin", "HANKO_ADMIN_API_KEY=k3y"}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		backend := service(t, p, "backend")
		if v := mustEnv(t, backend, "HANKO_ADMIN_API_URL"); v != cloudURL+"/admin" {
			t.Errorf("HANKO_ADMIN_API_URL = %q", v)
		}
		if v := mustEnv(t, backend, "HANKO_ADMIN_API_KEY"); v != "k3y" {
			t.Errorf("HANKO_ADMIN_API_KEY = %q", v)
		}
	})
	// feature:hankoadmin end
	t.Run("refuses to start without HANKO_API_URL", func(t *testing.T) {
		_, err := LoadProject([]string{composeFile, cloudFile}, nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), "HANKO_API_URL") {
			t.Errorf("loading the cloud override without HANKO_API_URL: err = %v, want an error naming HANKO_API_URL", err)
		}
	})
	t.Run("HANKO_API_URL from a .env file", func(t *testing.T) {
		dotenv := filepath.Join(t.TempDir(), ".env")
		if err := os.WriteFile(dotenv, []byte("HANKO_API_URL="+cloudURL+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := LoadProject([]string{composeFile, cloudFile}, nil, []string{dotenv}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := mustEnv(t, service(t, p, "backend"), "HANKO_API_URL"); v != cloudURL {
			t.Errorf("backend HANKO_API_URL = %q, want %q from .env", v, cloudURL)
		}
	})
	t.Run("the self-hosted profile brings the self-hosted services back", func(t *testing.T) {
		p, err := LoadProject([]string{composeFile, cloudFile}, []string{"HANKO_API_URL=" + cloudURL, "COMPOSE_PROFILES=self-hosted-hanko"}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(p.ServiceNames()); n != 6 {
			t.Errorf("with COMPOSE_PROFILES=self-hosted-hanko: %d services enabled (%v), want 6", n, p.ServiceNames())
		}
	})
}
