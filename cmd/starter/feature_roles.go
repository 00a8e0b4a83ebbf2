package main

// roles: roles from Hanko's user metadata, the admin area and the roles
// subcommand (docs/roles.md).
var roles = feature{
	Name:        "roles",
	Description: "roles from Hanko user metadata: the admin area (API and page) and the roles subcommand",
	Dir:         "features/roles",
	Paths: []string{
		"features/roles",
		"store/counts.go",
		"store/counts_test.go",
		"frontend/src/features/roles",
		"e2e/features/roles.mjs",
		"deploy/composecheck/roles_test.go",
		"docs/roles.md",
	},
	Blocks: []block{
		// The wiring: one line in the backend, one in the frontend, one in the e2e test.
		{File: "main.go", Lines: []string{
			"\troles.Feature{},    // roles from Hanko metadata: the admin area, the roles subcommand (docs/roles.md)",
		}},
		{File: "frontend/src/features.ts", Lines: []string{
			"import { roles } from \"./features/roles\";",
		}},
		{File: "frontend/src/features.ts", Lines: []string{
			"  roles, // the admin area: users, their roles, grant or remove admin (docs/roles.md)",
		}},
		{File: "e2e/run.mjs", Lines: []string{
			"  await import(\"./features/roles.mjs\"), // the admin area (docs/roles.md)",
		}},
		// Settings and compose: the admin API serves the admin area and the subcommand.
		{File: ".env.example", Lines: []string{
			"# - the admin area (/api/admin/...) and `hanko-gin roles`",
		}},
		{File: "docker-compose.yml", Lines: []string{
			"      # - the admin area and `docker compose exec backend /hanko-gin roles grant you@example.com admin`",
		}},
		{File: "deploy/compose.cloud.yml", Lines: []string{
			"      # - the admin area and `hanko-gin roles`",
		}},
		// Hanko's config: the roles claim in session tokens, and its checks.
		{File: "deploy/hanko/config.yaml", Lines: []string{
			"  # Roles (docs/roles.md): copy the user's public metadata",
			"  # \"roles\" into every session token. Guarded with `with`: a user without any",
			"  # metadata would otherwise make Hanko log a template error at every login.",
			"  jwt_template:",
			"    claims:",
			"      roles: '{{ with .User.Metadata }}{{ .Public \"roles\" }}{{ end }}'",
		}},
		{File: "deploy/composecheck/testdata/hanko-config.server-public-cors.yaml", Lines: []string{
			"  # Roles (docs/roles.md): copy the user's public metadata",
			"  # \"roles\" into every session token. Guarded with `with`: a user without any",
			"  # metadata would otherwise make Hanko log a template error at every login.",
			"  jwt_template:",
			"    claims:",
			"      roles: '{{ with .User.Metadata }}{{ .Public \"roles\" }}{{ end }}'",
		}},
		{File: "deploy/composecheck/composecheck.go", Lines: []string{
			"",
			"// RolesClaimTemplate is the session.jwt_template claim that copies a user's",
			"// public metadata \"roles\" into their session tokens. The `with` guard makes a",
			"// user without any metadata get \"\" instead of a template error in Hanko's log",
			"// (checked on a real Hanko; auth/testdata/hanko/webhooks/README.md).",
			"const RolesClaimTemplate = `{{ with .User.Metadata }}{{ .Public \"roles\" }}{{ end }}`",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t\t{name: \"jwt_template claims as a string\", old: \"    claims:\\n      roles:\", new: \"    claims: roles\\n    x_roles:\", wantInError: \"claims\"},",
			"\t\t{name: \"unknown key in jwt_template\", old: \"  jwt_template:\\n    claims:\", new: \"  jwt_template:\\n    claim:\", wantInError: \"claim\"},",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"",
			"\t// Roles: the public metadata's \"roles\" reach the token, guarded (see RolesClaimTemplate).",
			"\tif got, ok := c.Session.JWTTemplate.Claims[\"roles\"]; !ok || got != RolesClaimTemplate {",
			"\t\tfail(\"session.jwt_template.claims.roles = %#v, want %q (the backend's RequireRole reads it; unguarded, Hanko logs a template error for users without metadata)\", got, RolesClaimTemplate)",
			"\t}",
		}},
		// The docs: the feature's lines, each linking docs/roles.md.
		{File: "README.md", Lines: []string{
			"- **roles**: roles from Hanko's user metadata, an admin area (API and page) and the `roles` subcommand; on when `HANKO_ADMIN_API_URL` is set; remove with `go run ./cmd/starter remove roles`. [docs/roles.md](docs/roles.md)",
		}},
		{File: "docs/api.md", Lines: []string{
			"| GET | `/api/admin/users` | `admin` role, confirmed with Hanko | Hanko's users with roles and todo counts, paged ([roles](roles.md#routes)) |",
			"| PUT | `/api/admin/users/:id/roles` | `admin` role, confirmed with Hanko | replaces a user's roles ([roles](roles.md#routes)) |",
		}},
		{File: "docs/layout.md", Lines: []string{
			"| [`features/roles/`](../features/roles/) | the admin area's API (`/api/admin/...`) and the `roles` subcommand ([roles.md](roles.md)) |",
		}},
		{File: "docs/operations.md", Lines: []string{
			"- **Admin routes** confirm every session with Hanko, so they stop (503) while Hanko is down ([roles](roles.md#why-admin-routes-always-ask-hanko)).",
		}},
		{File: "docs/operations.md", Lines: []string{
			"| 403 `forbidden` on the admin area right after `roles grant` | roles reach the token at sign-in; the current token predates the grant | sign out and in again ([roles](roles.md#granting-the-first-admin)) |",
			"| 503 `admin_unavailable` on the admin area | `HANKO_ADMIN_API_URL` is not set, or the backend cannot reach it (in compose: `http://hanko:8001`) | set it; the message and the backend log say which ([roles](roles.md#settings)) |",
		}},
		{File: "deploy/README.md", Lines: []string{
			"- **Roles in tokens.** `session.jwt_template` in `deploy/hanko/config.yaml`",
			"  copies each user's public metadata `roles` into their session token (see",
			"  [docs/roles.md](../docs/roles.md)); the check below insists on that exact,",
			"  guarded template. Grant the first admin from inside the network:",
			"  `docker compose exec backend /hanko-gin roles grant you@example.com admin`.",
		}},
		{File: "deploy/README.md", Lines: []string{
			"- For the admin area and `hanko-gin roles`, set `HANKO_ADMIN_API_URL` and",
			"  `HANKO_ADMIN_API_KEY` to your project's admin API URL and an API key from the",
			"  console; without them both stay off.",
		}},
		{File: "frontend/README.md", Lines: []string{
			"  roles, // the admin area: users, their roles, grant or remove admin (docs/roles.md)",
		}},
		{File: "frontend/README.md", Lines: []string{
			"### roles: the admin area",
			"",
			"[`src/features/roles/AdminPage.tsx`](src/features/roles/AdminPage.tsx), at `/admin`: Hanko's users",
			"with their roles and todo counts, and a button to grant or remove `admin` (not on your own row).",
			"The header shows the **Admin** entry only when `/api/me` lists the `admin` role",
			"([`src/features/roles/admin.ts`](src/features/roles/admin.ts)); the backend decides anyway: its",
			"calls ([`src/features/roles/admin-api.ts`](src/features/roles/admin-api.ts)) need the role, and a",
			"403 or a 503 is explained in plain words. A 401 there means Hanko ended the session (its roles",
			"changed), so the page asks to sign in again.",
			"",
		}},
		{File: "routes/todos_test.go", Lines: []string{
			"\t\tfor _, path := range []string{\"/api/todos\", \"/api/me\", \"/api/admin/users\", \"/api/public\", \"/readyz\"} {",
		}, With: []string{
			"\t\tfor _, path := range []string{\"/api/todos\", \"/api/me\", \"/api/public\", \"/readyz\"} {",
		}},
	},
	// auth keeps RequireRole and Claims.Roles (Hanko concepts).
	KeepIn:   []string{"auth"},
	Gone:     []string{"hanko-gin roles", "RolesClaimTemplate", "/api/admin"},
	Routes:   []string{"GET /api/admin/users"},
	Commands: []string{"roles"},
	ProbeEnv: map[string]string{"HANKO_ADMIN_API_URL": "${hanko_admin_url}"},
}
