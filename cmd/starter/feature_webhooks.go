package main

// webhooks: Hanko's webhook deliveries, the revocation list, the purge.
// (Phase 1 placeholder: the blocks are written once features/webhooks lands.)
var webhooks = feature{
	Name:        "webhooks",
	Description: "Hanko webhooks: user.delete removes the user's data, session.delete.* revokes the session; the purge-deleted-users subcommand",
	Dir:         "features/webhooks",
	Paths: []string{
		"features/webhooks",
		"docs/webhooks.md",
	},
	Routes:   []string{"POST /webhooks/hanko"},
	Commands: []string{"purge-deleted-users"},
}
