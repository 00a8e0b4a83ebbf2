package main

// hankoadmin: the client of Hanko's admin API and its test stand-in, shared
// by webhooks (the purge) and roles; it goes with the last of them.
var hankoadmin = feature{
	Name:        "hankoadmin",
	Description: "client of Hanko's admin API and its test stand-in",
	Dir:         "features/hankoadmin",
	Paths: []string{
		"features/hankoadmin",
	},
	UsedBy: []string{"webhooks", "roles"},
}
