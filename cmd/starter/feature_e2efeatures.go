package main

// e2e-features: the end-to-end test's folder of feature checks, which git
// drops once its last file (webhooks' or roles') goes; the link to it goes too.
var e2eFeatures = feature{
	Name:        "e2e-features",
	Description: "the e2e test's folder of feature checks (e2e/features/)",
	Dir:         "e2e/features",
	Paths: []string{
		"e2e/features",
	},
	UsedBy: []string{"webhooks", "roles"},
	Blocks: []block{
		{File: "frontend/README.md", Lines: []string{
			"[`e2e/features/`](../e2e/features) and are listed there one line each. It:",
		}, With: []string{
			"`e2e/features/` and are listed there one line each. It:",
		}},
	},
	// The convention stays described (where a new feature's checks go).
	KeepIn: []string{"e2e/run.mjs", "docs/testing.md", "docs/layout.md", "frontend/README.md"},
}
