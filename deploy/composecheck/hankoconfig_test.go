package composecheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

const (
	schemaPath = "testdata/hanko.config.schema.json"
	// The config a real Hanko (v3.0.4-79-gf742d496) ran with when the shared
	// fixtures were captured.
	realAcceptedConfig = "testdata/hanko-config.real-accepted.yaml"
	// deploy/hanko/config.yaml with CORS written the old way (server.public.cors).
	oldCORSConfig = "testdata/hanko-config.server-public-cors.yaml"
	// feature:webhooks begin
	// The backend's webhook route (features/webhooks/webhooks.go), Hanko's callback path.
	webhookPath = "/webhooks/hanko"
	// feature:webhooks end
)

func loadSchema(t *testing.T) *HankoSchema {
	t.Helper()
	s, err := LoadHankoSchema(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readHankoConfig(t *testing.T, repoPath string) *HankoConfig {
	t.Helper()
	c, err := ParseHankoConfig(readFile(t, filepath.Join(RepoRoot, repoPath)))
	if err != nil {
		t.Fatalf("%s: %v", repoPath, err)
	}
	return c
}

// The schema copy in testdata must be the one shared with the rest of the repo.
func TestSchemaCopyMatchesRepoFixture(t *testing.T) {
	repoCopy := filepath.Join(RepoRoot, "auth/testdata/hanko/hanko.config.schema.json")
	want, err := os.ReadFile(repoCopy)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", repoCopy)
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(readFile(t, schemaPath)) != string(want) {
		t.Errorf("%s differs from %s; copy the current schema over", schemaPath, repoCopy)
	}
}

func TestComposeHankoConfigMatchesSchema(t *testing.T) {
	if err := loadSchema(t).Validate(readFile(t, filepath.Join(RepoRoot, hankoConfig)), false); err != nil {
		t.Errorf("%s does not validate against Hanko's config schema:\n%v", hankoConfig, err)
	}
}

// Why the `required` lists are dropped: a config a real Hanko accepted fails the
// published schema on `required` only, and passes once they are dropped.
func TestSchemaRelaxationMatchesRealHanko(t *testing.T) {
	s := loadSchema(t)
	real := readFile(t, realAcceptedConfig)
	if err := s.Validate(real, false); err != nil {
		t.Errorf("the config a real Hanko accepted fails the relaxed schema:\n%v", err)
	}
	err := s.Validate(real, true)
	if err == nil {
		t.Fatal("the published schema accepts the partial fixture config; the relaxation is no longer needed, drop it")
	}
	leaves := SchemaLeaves(err)
	if len(leaves) == 0 {
		t.Fatalf("unexpected error type: %v", err)
	}
	for _, leaf := range leaves {
		if _, ok := leaf.ErrorKind.(*kind.Required); !ok {
			t.Errorf("the published schema rejects the real config for more than missing properties: at /%s: %v",
				strings.Join(leaf.InstanceLocation, "/"), leaf)
		}
	}
}

// Every mutation of the compose config below must be rejected by the schema.
func TestSchemaRejectsBrokenConfigs(t *testing.T) {
	s := loadSchema(t)
	base := string(readFile(t, filepath.Join(RepoRoot, hankoConfig)))
	tests := []struct {
		name, old, new, wantInError string
	}{
		{
			name:        "old server.public.cors",
			old:         "  public:\n    address: \":8000\"",
			new:         "  public:\n    address: \":8000\"\n    cors:\n      allow_origins:\n        - http://localhost:5173",
			wantInError: "cors",
		},
		{name: "typo in a top-level key", old: "\nsession:", new: "\nsesion:", wantInError: "sesion"},
		{name: "SMTP port as a number", old: `port: "1025"`, new: `port: 1025`, wantInError: "port"},
		{name: "unknown cookie setting", old: "    secure: false", new: "    secure: false\n    samesite: lax", wantInError: "samesite"},
		{name: "origins as a string", old: "    origins:\n      - http://localhost:5173", new: "    origins: http://localhost:5173", wantInError: "origins"},
		{name: "passkey acquire value outside the enum", old: "  acquire_on_login: conditional", new: "  acquire_on_login: sometimes", wantInError: "acquire_on_login"},
		// feature:webhooks begin
		{name: "webhook event outside the enum", old: "        - user.delete", new: "        - user.deleted", wantInError: "/webhooks/hooks/0/events/0"},
		{name: "webhook url instead of callback", old: "    - callback: http://backend", new: "    - url: http://backend", wantInError: "url"},
		{name: "webhook events as a string", old: "      events:\n        - user.delete", new: "      events: user.delete", wantInError: "events"},
		// feature:webhooks end
		// feature:roles begin
		{name: "jwt_template claims as a string", old: "    claims:\n      roles:", new: "    claims: roles\n    x_roles:", wantInError: "claims"},
		{name: "unknown key in jwt_template", old: "  jwt_template:\n    claims:", new: "  jwt_template:\n    claim:", wantInError: "claim"},
		// feature:roles end
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Count(base, tc.old) != 1 {
				t.Fatalf("%s no longer contains %q exactly once; update this case", hankoConfig, tc.old)
			}
			broken := strings.Replace(base, tc.old, tc.new, 1)
			err := s.Validate([]byte(broken), false)
			if err == nil {
				t.Fatal("the schema accepted it")
			}
			if !strings.Contains(fmt.Sprintf("%#v", err), tc.wantInError) {
				t.Errorf("error does not mention %q:\n%#v", tc.wantInError, err)
			}
		})
	}
}

// CheckHankoConfigForStack returns every way a Hanko config does not fit the
// compose stack: schema errors, and disagreements with what the frontend, the
// backend and the other services expect.
func CheckHankoConfigForStack(schema *HankoSchema, data []byte, p *types.Project) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := schema.Validate(data, false); err != nil {
		fail("schema: %v", err)
	}
	c, err := ParseHankoConfig(data)
	if err != nil {
		return append(errs, err)
	}
	backend, frontend := p.Services["backend"], p.Services["frontend"]

	// The browser origin, from the frontend's published port.
	_, fePort, _ := PublishedPort(frontend, 5173)
	origin := "http://localhost:" + fePort
	if len(c.CORS.AllowOrigins) != 1 || c.CORS.AllowOrigins[0] != origin {
		fail("cors.allow_origins = %q, want exactly [%s] (the frontend origin)", c.CORS.AllowOrigins, origin)
	}
	if cors, _ := Env(backend, "CORS_ALLOWED_ORIGINS"); cors != origin {
		fail("backend CORS_ALLOWED_ORIGINS %q != frontend origin %s", cors, origin)
	}
	rp := c.Webauthn.RelyingParty
	if len(rp.Origins) != 1 || rp.Origins[0] != origin {
		fail("webauthn.relying_party.origins = %q, want [%s]", rp.Origins, origin)
	}
	if feHost, _, _ := URLHostPort(origin); rp.ID != feHost || rp.ID != "localhost" {
		fail("webauthn.relying_party.id = %q, want localhost (the frontend's host)", rp.ID)
	}
	if aud, _ := Env(backend, "HANKO_AUDIENCE"); aud != rp.ID {
		fail("backend HANKO_AUDIENCE %q != relying party id %q (Hanko's default aud)", aud, rp.ID)
	}

	// Ports: the listen addresses are what compose publishes and what the URLs use.
	hanko := p.Services["hanko"]
	for _, l := range []struct {
		what, addr string
		wantPort   uint32
	}{{"server.public.address", c.Server.Public.Address, 8000}, {"server.admin.address", c.Server.Admin.Address, 8001}} {
		port, err := AddressPort(l.addr)
		if err != nil || port != fmt.Sprint(l.wantPort) {
			fail("%s = %q, want port %d", l.what, l.addr, l.wantPort)
		}
	}
	if _, pub, ok := PublishedPort(hanko, 8000); !ok || pub != "8000" {
		fail("compose does not publish hanko's public port 8000 as 8000")
	}
	// The admin API has no authentication: keep it inside the network.
	// The backend reaches it there. // feature:hankoadmin
	if ip, pub, ok := PublishedPort(hanko, 8001); ok {
		fail("compose publishes hanko's admin API (8001) as %s:%s; it has no authentication, keep it inside the network", ip, pub)
	}
	// feature:hankoadmin begin
	if host, port, err := URLHostPort(mustString(Env(backend, "HANKO_ADMIN_API_URL"))); err != nil || host != "hanko" || port != "8001" {
		fail("backend HANKO_ADMIN_API_URL does not reach Hanko's admin API in the network (http://hanko:8001)")
	}
	// feature:hankoadmin end

	// Account deletion: the profile offers it.
	if c.Account.AllowDeletion == nil || !*c.Account.AllowDeletion {
		fail("account.allow_deletion must be true, or <hanko-profile> offers no \"Delete account\"")
	}
	// feature:webhooks begin
	// Hanko tells the backend.
	backendPort := mustString(Env(backend, "PORT"))
	wantCallback := "http://backend:" + backendPort + webhookPath
	var hooked bool
	for _, h := range c.Webhooks.Hooks {
		if h.Callback == wantCallback && (slices.Contains(h.Events, "user.delete") || slices.Contains(h.Events, "user")) {
			hooked = true
		}
	}
	if c.Webhooks.Enabled == nil || !*c.Webhooks.Enabled || !hooked {
		fail("webhooks must be enabled with a hook %s for user.delete, so deleting an account deletes its todos", wantCallback)
	}
	// feature:webhooks end
	if _, port, err := URLHostPort(mustString(Env(frontend, "HANKO_API_URL"))); err != nil || port != "8000" {
		fail("frontend HANKO_API_URL does not reach Hanko's public port 8000")
	}
	if _, port, err := URLHostPort(mustString(Env(backend, "HANKO_API_URL"))); err != nil || port != "8000" {
		fail("backend HANKO_API_URL does not reach Hanko's public port 8000")
	}

	// Mail: passcodes go to the mail catcher service.
	if c.EmailDelivery.Enabled == nil || !*c.EmailDelivery.Enabled {
		fail("email_delivery.enabled must be true, or no passcode is ever sent")
	}
	if mail, ok := p.Services[c.EmailDelivery.SMTP.Host]; !ok || !strings.HasPrefix(mail.Image, "axllent/mailpit:") {
		fail("email_delivery.smtp.host = %q, want the mailpit service", c.EmailDelivery.SMTP.Host)
	}
	if c.EmailDelivery.SMTP.Port != "1025" {
		fail("email_delivery.smtp.port = %q, want Mailpit's SMTP port 1025", c.EmailDelivery.SMTP.Port)
	}
	if c.Email.Enabled == nil || !*c.Email.Enabled || c.Email.UseForAuthentication == nil || !*c.Email.UseForAuthentication {
		fail("email.enabled and email.use_for_authentication must be true for passcode login")
	}

	// Database: Hanko's own database on the postgres service.
	pg := p.Services["postgres"]
	if c.Database.Host != "postgres" || c.Database.Port != "5432" || c.Database.Dialect != "postgres" {
		fail("database = %s:%s (%s), want postgres:5432 (postgres)", c.Database.Host, c.Database.Port, c.Database.Dialect)
	}
	for key, got := range map[string]string{"POSTGRES_DB": c.Database.Database, "POSTGRES_USER": c.Database.User, "POSTGRES_PASSWORD": c.Database.Password} {
		if want, _ := Env(pg, key); got != want {
			fail("database setting %q does not match postgres %s %q", got, key, want)
		}
	}

	// Session: the `hanko` cookie over plain http, read by the backend.
	if c.Session.EnableAuthTokenHeader == nil || *c.Session.EnableAuthTokenHeader {
		fail("session.enable_auth_token_header must be set to false, so Hanko sets the cookie the backend reads")
	}
	if c.Session.Cookie.Secure == nil || *c.Session.Cookie.Secure {
		fail("session.cookie.secure must be set to false for http://localhost (Safari)")
	}
	cookie := c.Session.Cookie.Name
	if cookie == "" {
		cookie = "hanko"
	}
	backendCookie, ok := Env(backend, "HANKO_COOKIE_NAME")
	if !ok {
		backendCookie = "hanko"
	}
	if cookie != backendCookie {
		fail("Hanko's cookie is %q but the backend reads %q", cookie, backendCookie)
	}

	// Secrets: present, long enough, and visibly not for production.
	if len(c.SecretKeys) == 0 {
		fail("secret_keys is empty")
	}
	for _, k := range c.SecretKeys {
		if len(k) < 16 || !strings.Contains(k, "DEVELOPMENT-ONLY") {
			fail("secret key %q: want at least 16 characters, marked DEVELOPMENT-ONLY", k)
		}
	}
	return errs
}

func mustString(v string, _ bool) string { return v }

func TestComposeHankoConfigFitsTheStack(t *testing.T) {
	errs := CheckHankoConfigForStack(loadSchema(t), readFile(t, filepath.Join(RepoRoot, hankoConfig)), defaultProject(t))
	for _, err := range errs {
		t.Error(err)
	}
}

// The negative case: CORS under server.public (how older Hanko read it) is an
// unknown key for current Hanko, so the frontend's origin would not be allowed.
func TestOldServerPublicCORSIsRejected(t *testing.T) {
	data := readFile(t, oldCORSConfig)
	c, err := ParseHankoConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.CORS.AllowOrigins) != 0 {
		t.Fatalf("%s has a top-level cors block; it must only have server.public.cors", oldCORSConfig)
	}
	if !strings.Contains(string(data), "server:\n  public:\n    address: \":8000\"\n    cors:\n") {
		t.Fatalf("%s no longer has server.public.cors", oldCORSConfig)
	}
	errs := CheckHankoConfigForStack(loadSchema(t), data, defaultProject(t))
	var schemaErr, corsErr bool
	for _, err := range errs {
		msg := err.Error()
		schemaErr = schemaErr || (strings.HasPrefix(msg, "schema:") && strings.Contains(msg, "cors"))
		corsErr = corsErr || strings.HasPrefix(msg, "cors.allow_origins")
	}
	if !schemaErr || !corsErr {
		t.Errorf("want a schema error about cors and a missing cors.allow_origins error, got %v", errs)
	}
}

// Everything else in the old-style file is the compose config, so the negative
// test fails for the CORS placement alone.
func TestOldCORSFixtureDiffersOnlyInCORS(t *testing.T) {
	cur := string(readFile(t, filepath.Join(RepoRoot, hankoConfig)))
	old := string(readFile(t, oldCORSConfig))
	strip := func(s string) string {
		var keep []string
		skipping := false
		for _, line := range strings.Split(s, "\n") {
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			if trimmed == "cors:" {
				skipping = true
				continue
			}
			if skipping && (strings.HasPrefix(trimmed, "- ") || strings.HasPrefix(trimmed, "allow_origins:") || strings.HasPrefix(trimmed, "unsafe_wildcard_origin_allowed:")) {
				continue
			}
			skipping = false
			if i := strings.Index(line, " #"); i >= 0 {
				line = strings.TrimRight(line[:i], " ")
			}
			keep = append(keep, line)
		}
		return strings.Join(keep, "\n")
	}
	if strip(cur) != strip(old) {
		t.Errorf("%s and %s differ in more than the cors block; regenerate the old-style file from the current config", oldCORSConfig, hankoConfig)
	}
}

// The stack check catches every way the account-deletion wiring can break,
// each for its own reason.
func TestStackCheckCatchesAccountDeletionMistakes(t *testing.T) {
	schema := loadSchema(t)
	base := string(readFile(t, filepath.Join(RepoRoot, hankoConfig)))
	tests := []struct {
		name, old, new string
		project        func(p *types.Project)
		want           string // start of the one error expected
	}{
		{name: "deletion not allowed", old: "  allow_deletion: true", new: "  allow_deletion: false", want: "account.allow_deletion"},
		// feature:webhooks begin
		{name: "webhooks disabled", old: "webhooks:\n  enabled: true", new: "webhooks:\n  enabled: false", want: "webhooks must be enabled"},
		{name: "callback on the wrong port", old: "http://backend:5001/webhooks/hanko", new: "http://backend:8080/webhooks/hanko", want: "webhooks must be enabled"},
		{name: "callback on localhost (the Hanko container itself)", old: "http://backend:5001/webhooks/hanko", new: "http://localhost:5001/webhooks/hanko", want: "webhooks must be enabled"},
		{name: "callback to another path", old: "http://backend:5001/webhooks/hanko", new: "http://backend:5001/webhook", want: "webhooks must be enabled"},
		{name: "only user.create", old: "        - user.delete", new: "        - user.create", want: "webhooks must be enabled"},
		// feature:webhooks end
		{name: "admin API published", project: func(p *types.Project) {
			h := p.Services["hanko"]
			h.Ports = append(h.Ports, types.ServicePortConfig{HostIP: "127.0.0.1", Target: 8001, Published: "8001", Protocol: "tcp"})
			p.Services["hanko"] = h
		}, want: "compose publishes hanko's admin API"},
		// feature:hankoadmin begin
		{name: "backend without the admin API", project: func(p *types.Project) {
			b := p.Services["backend"]
			delete(b.Environment, "HANKO_ADMIN_API_URL")
			p.Services["backend"] = b
		}, want: "backend HANKO_ADMIN_API_URL"},
		// feature:hankoadmin end
		// feature:webhooks begin
		{name: "backend on another port than the callback", project: func(p *types.Project) {
			b := p.Services["backend"]
			port := "8080"
			b.Environment["PORT"] = &port
			p.Services["backend"] = b
		}, want: "webhooks must be enabled"},
		// feature:webhooks end
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := base
			if tc.old != "" {
				if strings.Count(base, tc.old) != 1 {
					t.Fatalf("%s no longer contains %q exactly once; update this case", hankoConfig, tc.old)
				}
				data = strings.Replace(base, tc.old, tc.new, 1)
			}
			p := defaultProject(t)
			if tc.project != nil {
				tc.project(p)
			}
			errs := CheckHankoConfigForStack(schema, []byte(data), p)
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), tc.want) {
				t.Errorf("errors %v, want exactly one starting %q", errs, tc.want)
			}
		})
	}
}

// feature:webhooks begin
// Hanko's callback path is a route of the backend (the webhooks feature).
func TestWebhookCallbackIsABackendRoute(t *testing.T) {
	src := string(readFile(t, filepath.Join(RepoRoot, "features/webhooks/webhooks.go")))
	if !strings.Contains(src, `r.POST("`+webhookPath+`", `) {
		t.Errorf("features/webhooks/webhooks.go registers no POST %s, the callback in %s", webhookPath, hankoConfig)
	}
}

// feature:webhooks end
