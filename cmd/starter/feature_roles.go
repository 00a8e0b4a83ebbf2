package main

// roles: roles from Hanko metadata, the admin area, the roles subcommand.
// (Phase 1 placeholder: the blocks are written once features/roles lands.)
var roles = feature{
	Name:        "roles",
	Description: "roles from Hanko user metadata: the admin area (API and frontend page) and the roles subcommand",
	Dir:         "features/roles",
	Paths: []string{
		"features/roles",
		"frontend/src/features/roles",
		"docs/roles.md",
	},
	Routes:   []string{"GET /api/admin/users"},
	Commands: []string{"roles"},
	ProbeEnv: map[string]string{"HANKO_ADMIN_API_URL": "${hanko_admin_url}"},
}
