package main

// A feature is an optional part of the starter. Its own folders and files go
// whole; its lines in shared files carry a comment naming it (see text.go).
type feature struct {
	Name        string
	Description string
	// Paths are its folders and files, relative to the repository root. One
	// that is already gone is nothing to delete.
	Paths []string
	// UsedBy, on a part several features share, names them: the part goes
	// with the last of them and is not removed by name.
	UsedBy []string
}

// starter is this tool. Removing it also strips every marker that is left,
// turning the marked lines of the features still present into plain lines.
const starter = "starter"

var features = []feature{
	{
		Name:        "webhooks",
		Description: "Hanko webhooks: user.delete and session.delete.* revoke on every replica, user.delete removes the user's data; the purge-deleted-users subcommand",
		Paths: []string{
			"features/webhooks", "docs/webhooks.md",
			"frontend/src/features/webhooks", "e2e/features/webhooks.mjs",
			"deploy/composecheck/sessiondelete_test.go",
		},
	},
	{
		Name:        "roles",
		Description: "roles from Hanko user metadata: the admin area (API and page) and the roles subcommand",
		Paths: []string{
			"features/roles", "docs/roles.md",
			"frontend/src/features/roles", "e2e/features/roles.mjs",
		},
	},
	{
		Name:        "metrics",
		Description: "Prometheus metrics on a listener of their own (METRICS_ADDR)",
		Paths:       []string{"features/metrics", "docs/metrics.md"},
	},
	{
		Name:        "hankoadmin",
		Description: "client of Hanko's admin API (HANKO_ADMIN_API_URL) and its stand-in for tests",
		Paths:       []string{"features/hankoadmin", "e2e/fakehanko/admin.go"},
		UsedBy:      []string{"webhooks", "roles"},
	},
	{
		Name:        starter,
		Description: "this tool; removing it drops its script, its CI lines and every marker, leaving a plain project",
		Paths:       []string{"cmd/starter", "scripts/test-removal.sh"},
	},
}

// generated are files made from the code, made again (in this order) after
// a removal by a command run at the root: its output, or, with Writes, the
// file it writes. Needs is a path without which the command cannot run; then
// the removal says what to run instead.
var generated = []struct {
	Path   string
	Cmd    []string
	Writes bool
	Needs  string
}{
	{Path: "frontend/openapi.json", Cmd: []string{"go", "run", ".", "openapi"}},
	{Path: "frontend/src/generated/openapi.ts", Cmd: []string{"npm", "--prefix", "frontend", "run", "--silent", "gen:api"}, Writes: true, Needs: "frontend/node_modules"},
}

func lookup(name string) *feature {
	for i := range features {
		if features[i].Name == name {
			return &features[i]
		}
	}
	return nil
}
