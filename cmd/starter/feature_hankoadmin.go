package main

// hankoadmin: the client of Hanko's admin API and its stand-in for tests.
// webhooks (the purge) and roles use it; it goes with the last of them, so its
// blocks see the files with both features' lines already gone.
var hankoadmin = feature{
	Name:        "hankoadmin",
	Description: "client of Hanko's admin API (HANKO_ADMIN_API_URL) and its stand-in for tests",
	Dir:         "features/hankoadmin",
	Paths: []string{
		"features/hankoadmin",
		"e2e/fakehanko/admin.go",
	},
	UsedBy: []string{"webhooks", "roles"},
	Blocks: []block{
		{File: ".env.example", Lines: []string{
			"",
			"# Hanko's admin API. Self-hosted: the admin port, e.g. http://hanko:8001 in",
			"# docker compose; it has no authentication, so never make it reachable from",
			"# outside. Hanko Cloud: the admin API URL from the console (Pro plan). Empty:",
			"# not set (the server runs; what needs it answers 503 or says so). Used by:",
			"HANKO_ADMIN_API_URL=",
			"",
			"# Hanko Cloud's admin API key, sent as Authorization: Bearer. A secret: keep",
			"# it out of git; it is never logged. Empty for self-hosted Hanko.",
			"HANKO_ADMIN_API_KEY=",
		}},
		{File: "docker-compose.yml", Lines: []string{
			"      # Hanko's admin API, inside the network only, for",
			"      HANKO_ADMIN_API_URL: http://hanko:8001",
		}},
		{File: "docker-compose.yml", Lines: []string{
			"    # The admin API (8001) has no authentication, so it is not published at all:",
			"    # only the backend reaches it, inside the compose network (HANKO_ADMIN_API_URL).",
		}, With: []string{
			"    # The admin API (8001) has no authentication, so it is not published at all.",
		}},
		{File: "deploy/compose.cloud.yml", Lines: []string{
			"      # Hanko Cloud's admin API, https://<tenant-id>.hanko.io/admin, and an API",
			"      # key from the console (Pro and Enterprise plans). Empty: what needs it",
			"      # answers 503 or says it is not configured. Used by",
			"      HANKO_ADMIN_API_URL: ${HANKO_ADMIN_API_URL:-}",
			"      HANKO_ADMIN_API_KEY: ${HANKO_ADMIN_API_KEY:-}",
		}},
		{File: "deploy/README.md", Lines: []string{
			"| `hanko` | Hanko admin API (no authentication) | not published | `hanko:8001` (the backend's `HANKO_ADMIN_API_URL`) |",
		}, With: []string{
			"| `hanko` | Hanko admin API (no authentication) | not published | `hanko:8001` |",
		}},
		{File: "deploy/README.md", Lines: []string{
			"- **Admin API.** It has no authentication, so compose does not publish it:",
			"  only the backend reaches it, at `http://hanko:8001`.",
		}, With: []string{
			"- **Admin API.** It has no authentication, so compose does not publish it.",
		}},
		// The compose checks that the backend reaches the admin API.
		{File: "deploy/composecheck/compose_test.go", Lines: []string{
			"\t// The admin API: the hanko service's admin port, inside the network.",
			"\tadminHost, adminPort, err := URLHostPort(mustEnv(t, backend, \"HANKO_ADMIN_API_URL\"))",
			"\tif err != nil {",
			"\t\tt.Fatal(err)",
			"\t}",
			"\tif adm, _ := AddressPort(hc.Server.Admin.Address); adminHost != \"hanko\" || adminPort != adm {",
			"\t\tt.Errorf(\"HANKO_ADMIN_API_URL %s:%s, but Hanko's admin API is hanko on %q\", adminHost, adminPort, hc.Server.Admin.Address)",
			"\t}",
		}},
		{File: "deploy/composecheck/compose_test.go", Lines: []string{
			"\t\t\"HANKO_ADMIN_API_URL\":  \"http://hanko:8001\",",
		}},
		{File: "deploy/composecheck/compose_test.go", Lines: []string{
			"\t\tfor _, name := range []string{\"HANKO_ADMIN_API_URL\", \"HANKO_ADMIN_API_KEY\"} {",
			"\t\t\tif v, ok := Env(backend, name); !ok || v != \"\" {",
			"\t\t\t\tt.Errorf(\"backend %s = %q (set: %v); with Hanko Cloud it comes from the environment, empty when unset (never the disabled hanko service)\", name, v, ok)",
			"\t\t\t}",
			"\t\t}",
		}},
		{File: "deploy/composecheck/compose_test.go", Lines: []string{
			"\tt.Run(\"Hanko Cloud's admin API from the environment\", func(t *testing.T) {",
			"\t\tp, err := LoadProject([]string{composeFile, cloudFile}, []string{\"HANKO_API_URL=\" + cloudURL,",
			"\t\t\t\"HANKO_ADMIN_API_URL=\" + cloudURL + \"/admin\", \"HANKO_ADMIN_API_KEY=k3y\"}, nil, nil)",
			"\t\tif err != nil {",
			"\t\t\tt.Fatal(err)",
			"\t\t}",
			"\t\tbackend := service(t, p, \"backend\")",
			"\t\tif v := mustEnv(t, backend, \"HANKO_ADMIN_API_URL\"); v != cloudURL+\"/admin\" {",
			"\t\t\tt.Errorf(\"HANKO_ADMIN_API_URL = %q\", v)",
			"\t\t}",
			"\t\tif v := mustEnv(t, backend, \"HANKO_ADMIN_API_KEY\"); v != \"k3y\" {",
			"\t\t\tt.Errorf(\"HANKO_ADMIN_API_KEY = %q\", v)",
			"\t\t}",
			"\t})",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\tif host, port, err := URLHostPort(mustString(Env(backend, \"HANKO_ADMIN_API_URL\"))); err != nil || host != \"hanko\" || port != \"8001\" {",
			"\t\tfail(\"backend HANKO_ADMIN_API_URL does not reach Hanko's admin API in the network (http://hanko:8001)\")",
			"\t}",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t\t{name: \"backend without the admin API\", project: func(p *types.Project) {",
			"\t\t\tb := p.Services[\"backend\"]",
			"\t\t\tdelete(b.Environment, \"HANKO_ADMIN_API_URL\")",
			"\t\t\tp.Services[\"backend\"] = b",
			"\t\t}, want: \"backend HANKO_ADMIN_API_URL\"},",
		}},
		{File: "deploy/composecheck/compose_test.go", Lines: []string{
			"\tcontent := \"HANKO_API_URL=http://localhost:8000\\nDATABASE_URL=sqlite://data/x.db\\nCORS_ALLOWED_ORIGINS=*\\nPORT=9999\\nHANKO_ADMIN_API_URL=http://localhost:8001\\n\"",
		}, With: []string{
			"\tcontent := \"HANKO_API_URL=http://localhost:8000\\nDATABASE_URL=sqlite://data/x.db\\nCORS_ALLOWED_ORIGINS=*\\nPORT=9999\\n\"",
		}},
		{File: "deploy/composecheck/hankoconfig_test.go", Lines: []string{
			"\t// The admin API has no authentication: only the backend, in the network, reaches it.",
		}, With: []string{
			"\t// The admin API has no authentication: keep it inside the network.",
		}},
		// The docs.
		{File: "docs/settings.md", Lines: []string{
			"| `HANKO_ADMIN_API_URL` | (empty: not configured) | Hanko's admin API, for the features that use it ([hankoadmin](../features/hankoadmin/)): self-hosted, the admin port (`http://hanko:8001` in compose; no authentication, never public); Hanko Cloud, `https://<tenant-id>.hanko.io/admin` |",
			"| `HANKO_ADMIN_API_KEY` | (empty) | Hanko Cloud's admin API key, sent as `Authorization: Bearer`; a secret, never logged (start-up warns when it would travel over plain http to a remote host); empty for self-hosted Hanko ([hankoadmin](../features/hankoadmin/)) |",
		}},
		{File: "docs/layout.md", Lines: []string{
			"| [`features/hankoadmin/`](../features/hankoadmin/) | a typed client of Hanko's admin API and its stand-in for tests, used by webhooks and roles; it goes with the last of them |",
		}},
	},
	Env: []string{"HANKO_ADMIN_API_URL", "HANKO_ADMIN_API_KEY"},
	// The stand-in Hanko of the e2e test keeps its -admin-addr flag and
	// exports HANKO_ADMIN_API_URL when it serves an admin API.
	KeepIn: []string{"e2e/fakehanko"},
}
