package main

// webhooks: Hanko's webhook deliveries and the purge (docs/webhooks.md).
var webhooks = feature{
	Name:        "webhooks",
	Description: "Hanko webhooks: user.delete and session.delete.* revoke on every replica, user.delete removes the user's data; the purge-deleted-users subcommand",
	Dir:         "features/webhooks",
	Paths: []string{
		"features/webhooks",
		"deploy/composecheck/sessiondelete_test.go",
		"frontend/src/features/webhooks",
		"e2e/features/webhooks.mjs",
		"docs/webhooks.md",
	},
	Blocks: []block{
		// The wiring: one line in the backend, one in the frontend, one in the e2e test.
		{File: "main.go", Lines: []string{
			"\twebhooks.Feature{}, // Hanko webhooks: revoke deleted users and ended sessions, delete a deleted user's data; the purge (docs/webhooks.md)",
		}},
		{File: "frontend/src/features.ts", Lines: []string{
			"import { webhooks } from \"./features/webhooks\";",
		}},
		{File: "frontend/src/features.ts", Lines: []string{
			"  webhooks, // \"Delete account\" lands on the login page saying the todos were deleted (docs/webhooks.md)",
		}},
		{File: "e2e/run.mjs", Lines: []string{
			"  await import(\"./features/webhooks.mjs\"), // account deletion -> user.delete webhook (docs/webhooks.md)",
		}},
		// Settings and compose: the admin API serves the purge.
		{File: ".env.example", Lines: []string{
			"# - `hanko-gin purge-deleted-users`, to ask which users still exist",
		}},
		{File: "docker-compose.yml", Lines: []string{
			"      # - `docker compose exec backend /hanko-gin purge-deleted-users`",
		}},
		{File: "deploy/compose.cloud.yml", Lines: []string{
			"      # - `hanko-gin purge-deleted-users`",
		}},
		// Hanko's config: the webhook to the backend, and its checks.
		{File: "deploy/hanko/config.yaml", Lines: []string{
			"# Hanko POSTs a signed event to the backend when a user is deleted (from the",
			"# profile page or the admin API); the backend then deletes the user's todos.",
			"# Hanko sends each delivery once; `hanko-gin purge-deleted-users` catches the",
			"# ones the backend missed. See docs/webhooks.md.",
			"webhooks:",
			"  enabled: true",
			"  hooks:",
			"    - callback: http://backend:5001/webhooks/hanko   # in-network: the backend service",
			"      events:",
			"        - user.delete",
			"",
		}},
		{File: "deploy/hanko/config.yaml", Lines: []string{
			"# Session events: on a Hanko that sends them (its main branch since August 2026;",
			"# not v3.0.4, pinned in docker-compose.yml, whose config refuses them), add",
			"#         - session.delete",
			"# under `events:` above. A logout or an ended session is then refused by every",
			"# backend replica within a second, not only by the session check",
			"# (HANKO_SESSION_CHECK) or at the token's exp.",
			"",
		}},
		{File: "deploy/composecheck/testdata/hanko-config.server-public-cors.yaml", Lines: []string{
			"# Hanko POSTs a signed event to the backend when a user is deleted (from the",
			"# profile page or the admin API); the backend then deletes the user's todos.",
			"# Hanko sends each delivery once; `hanko-gin purge-deleted-users` catches the",
			"# ones the backend missed. See docs/webhooks.md.",
			"webhooks:",
			"  enabled: true",
			"  hooks:",
			"    - callback: http://backend:5001/webhooks/hanko   # in-network: the backend service",
			"      events:",
			"        - user.delete",
			"",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t\t{name: \"webhook event outside the enum\", old: \"        - user.delete\", new: \"        - user.deleted\", wantInError: \"/webhooks/hooks/0/events/0\"},",
			"\t\t{name: \"webhook url instead of callback\", old: \"    - callback: http://backend\", new: \"    - url: http://backend\", wantInError: \"url\"},",
			"\t\t{name: \"webhook events as a string\", old: \"      events:\\n        - user.delete\", new: \"      events: user.delete\", wantInError: \"events\"},",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t// Account deletion: the profile offers it, and Hanko tells the backend.",
		}, With: []string{
			"\t// Account deletion: the profile offers it.",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\tbackendPort := mustString(Env(backend, \"PORT\"))",
			"\twantCallback := \"http://backend:\" + backendPort + webhookPath",
			"\tvar hooked bool",
			"\tfor _, h := range c.Webhooks.Hooks {",
			"\t\tif h.Callback == wantCallback && (slices.Contains(h.Events, \"user.delete\") || slices.Contains(h.Events, \"user\")) {",
			"\t\t\thooked = true",
			"\t\t}",
			"\t}",
			"\tif c.Webhooks.Enabled == nil || !*c.Webhooks.Enabled || !hooked {",
			"\t\tfail(\"webhooks must be enabled with a hook %s for user.delete, so deleting an account deletes its todos\", wantCallback)",
			"\t}",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t\t{name: \"webhooks disabled\", old: \"webhooks:\\n  enabled: true\", new: \"webhooks:\\n  enabled: false\", want: \"webhooks must be enabled\"},",
			"\t\t{name: \"callback on the wrong port\", old: \"http://backend:5001/webhooks/hanko\", new: \"http://backend:8080/webhooks/hanko\", want: \"webhooks must be enabled\"},",
			"\t\t{name: \"callback on localhost (the Hanko container itself)\", old: \"http://backend:5001/webhooks/hanko\", new: \"http://localhost:5001/webhooks/hanko\", want: \"webhooks must be enabled\"},",
			"\t\t{name: \"callback to another path\", old: \"http://backend:5001/webhooks/hanko\", new: \"http://backend:5001/webhook\", want: \"webhooks must be enabled\"},",
			"\t\t{name: \"only user.create\", old: \"        - user.delete\", new: \"        - user.create\", want: \"webhooks must be enabled\"},",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t\t{name: \"backend on another port than the callback\", project: func(p *types.Project) {",
			"\t\t\tb := p.Services[\"backend\"]",
			"\t\t\tport := \"8080\"",
			"\t\t\tb.Environment[\"PORT\"] = &port",
			"\t\t\tp.Services[\"backend\"] = b",
			"\t\t}, want: \"webhooks must be enabled\"},",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t// The backend's webhook route (features/webhooks/webhooks.go), Hanko's callback path.",
			"\twebhookPath = \"/webhooks/hanko\"",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"",
			"// Hanko's callback path is a route of the backend (the webhooks feature).",
			"func TestWebhookCallbackIsABackendRoute(t *testing.T) {",
			"\tsrc := string(readFile(t, filepath.Join(RepoRoot, \"features/webhooks/webhooks.go\")))",
			"\tif !strings.Contains(src, `r.POST(\"`+webhookPath+`\", `) {",
			"\t\tt.Errorf(\"features/webhooks/webhooks.go registers no POST %s, the callback in %s\", webhookPath, hankoConfig)",
			"\t}",
			"}",
		}},
		// The docs: the feature's lines, each linking docs/webhooks.md.
		{File: "README.md", Lines: []string{
			"- **webhooks**: Hanko's `user.delete` and `session.delete.*` webhooks revoke the user or the session on every replica (and delete a deleted user's data), and `purge-deleted-users` catches deliveries that never arrived; on in compose, elsewhere register the webhook in Hanko; remove with `go run ./cmd/starter remove webhooks`. [docs/webhooks.md](docs/webhooks.md)",
		}},
		{File: "README.md", Lines: []string{
			"- **Hanko's webhooks** ([docs/webhooks.md](docs/webhooks.md#revocation-ended-sessions-and-deleted-users)): a `user.delete` or `session.delete.*` delivery revokes the user or the session on every replica within a second, where Hanko sends the event.",
		}},
		{File: "docs/auth.md", Lines: []string{
			"- **Hanko's webhooks** ([webhooks.md](webhooks.md#revocation-ended-sessions-and-deleted-users)): within a second, on every replica, where Hanko sends the event (`user.delete`; `session.delete.*` on a Hanko that sends them). Hanko never retries a delivery, so a lost one falls back to the mechanisms below.",
		}},
		{File: "docs/operations.md", Lines: []string{
			"- **Revocations reach every replica** through PostgreSQL (`LISTEN/NOTIFY`) within a second ([webhooks](webhooks.md#revocation-ended-sessions-and-deleted-users)).",
		}},
		{File: "docs/operations.md", Lines: []string{
			"| Logged-out tokens still work although Hanko's webhooks are set up | `session.delete` is not among the hook's events (Hanko v3.0.4 sends none), or the delivery failed (Hanko never retries) | check the backend's log for `hanko webhook outcome=revoked`; the session check is the backstop ([webhooks](webhooks.md#revocation-ended-sessions-and-deleted-users)) |",
		}},
		{File: "docs/api.md", Lines: []string{
			"| POST | `/webhooks/hanko` | no: the signed token in the body | Hanko's webhook deliveries ([webhooks](webhooks.md#the-route)) |",
		}},
		{File: "docs/layout.md", Lines: []string{
			"| [`features/webhooks/`](../features/webhooks/) | `POST /webhooks/hanko` and the `purge-deleted-users` subcommand ([webhooks.md](webhooks.md)) |",
		}},
		{File: "docs/metrics.md", Lines: []string{
			"| `hanko_gin_webhook_deliveries_total` | `event`, `outcome` (`deleted`, `revoked`, `ignored`, `refused`, `failed`) | deliveries to `POST /webhooks/hanko` ([webhooks](webhooks.md)); `event` is Hanko's (from the verified token), or `unverified` for a refused delivery |",
		}},
		{File: "docs/metrics.md", Lines: []string{
			"- **Lost deletions**: `increase(hanko_gin_webhook_deliveries_total{outcome=\"failed\"}[1h]) > 0`: Hanko does not retry, so run the purge ([webhooks](webhooks.md#the-purge-deletions-that-never-arrived)).",
		}},
		{File: "docs/operations.md", Lines: []string{
			"- **Deleted users.** Register Hanko's `user.delete` webhook and run the purge daily ([webhooks](webhooks.md#turning-it-on)).",
		}},
		{File: "docs/operations.md", Lines: []string{
			"| A deleted user's todos are still there | the `user.delete` webhook never arrived: Hanko's `webhooks` not set up, a callback Hanko cannot reach, or the backend was down (Hanko does not retry) | check the backend's log for `hanko webhook` and Hanko's for the delivery; run the purge ([webhooks](webhooks.md#the-purge-deletions-that-never-arrived)) |",
			"| `purge-deleted-users`: `... could not be judged, so their data was kept` | the admin API is unreachable, slow, refused the key, or `HANKO_ADMIN_API_URL` points elsewhere | fix `HANKO_ADMIN_API_URL`/`HANKO_ADMIN_API_KEY` and run it again; nothing was deleted ([webhooks](webhooks.md#the-purge-deletions-that-never-arrived)) |",
		}},
		{File: "deploy/README.md", Lines: []string{
			"  only the backend reaches it, at `http://hanko:8001`. Ask it from inside the",
			"  network, for example with the purge:",
			"  `docker compose exec backend /hanko-gin purge-deleted-users --dry-run`.",
		}, With: []string{
			"  only the backend reaches it, at `http://hanko:8001`.",
		}},
		{File: "deploy/README.md", Lines: []string{
			"- **Account deletion.** `account.allow_deletion: true` puts \"Delete account\"",
			"  into the profile page, and the `webhooks` block makes Hanko POST `user.delete`",
			"  to `http://backend:5001/webhooks/hanko`, where the backend deletes the user's",
			"  todos. See [docs/webhooks.md](../docs/webhooks.md).",
		}},
		{File: "frontend/README.md", Lines: []string{
			"  webhooks, // \"Delete account\" lands on the login page saying the todos were deleted (docs/webhooks.md)",
		}},
		{File: "frontend/README.md", Lines: []string{
			"### webhooks: after deleting the account",
			"",
			"**Delete account** in `<hanko-profile>` (offered when Hanko's `account.allow_deletion` is on)",
			"ends in hanko-elements' user-deleted event (`hanko-user-deleted`, `hanko.onUserDeleted`).",
			"[`src/features/webhooks/AccountDeletedRedirect.tsx`](src/features/webhooks/AccountDeletedRedirect.tsx)",
			"then clears what is left of the session and opens the login page with \"Your account and your todos",
			"were deleted.\" The todos are deleted by the backend itself, when Hanko's `user.delete` webhook",
			"arrives (the backend's webhooks feature, `docs/webhooks.md`).",
			"",
		}},
	},
	// auth keeps VerifyWebhook (a Hanko concept), its example and the test
	// kit's webhook delivery; the stand-in Hanko of the e2e test sends
	// webhooks as Hanko does.
	KeepIn:   []string{"auth", "e2e/fakehanko"},
	Gone:     []string{"purge-deleted-users", "hanko_gin_webhook_deliveries_total"},
	Routes:   []string{"POST /webhooks/hanko"},
	Commands: []string{"purge-deleted-users"},
}
