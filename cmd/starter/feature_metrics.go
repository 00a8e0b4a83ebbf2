package main

// metrics: Prometheus metrics on METRICS_ADDR.
// (Phase 1 placeholder: the blocks are written once features/metrics lands.)
var metrics = feature{
	Name:        "metrics",
	Description: "Prometheus metrics on their own listener (METRICS_ADDR)",
	Dir:         "features/metrics",
	Paths: []string{
		"features/metrics",
		"docs/metrics.md",
	},
	Routes:   []string{"GET http://${metrics_addr}/metrics"},
	ProbeEnv: map[string]string{"METRICS_ADDR": "${metrics_addr}"},
}
