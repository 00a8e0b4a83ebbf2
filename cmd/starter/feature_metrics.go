package main

// metrics: Prometheus metrics on a listener of their own (docs/metrics.md).
var metrics = feature{
	Name:        "metrics",
	Description: "Prometheus metrics on a listener of their own (METRICS_ADDR)",
	Dir:         "features/metrics",
	Paths: []string{
		"features/metrics",
		"docs/metrics.md",
	},
	Blocks: []block{
		{File: "main.go", Lines: []string{
			"\tmetrics.Feature{},  // Prometheus metrics on METRICS_ADDR (docs/metrics.md)",
		}},
		{File: ".env.example", Lines: []string{
			"# Prometheus metrics: host:port of a listener of their own serving /metrics,",
			"# e.g. 127.0.0.1:9090 (or :9090 inside a container). Never the public PORT.",
			"# Empty: no metrics.",
			"METRICS_ADDR=",
			"",
		}},
		{File: "README.md", Lines: []string{
			"- **metrics**: Prometheus metrics on a private listener; on when `METRICS_ADDR` is set; remove with `go run ./cmd/starter remove metrics`. [docs/metrics.md](docs/metrics.md)",
		}},
		{File: "docs/benchmarks.md", Lines: []string{
			"Prometheus metrics cost the protected route about 1 % of its throughput (**0.99×**, median of 7 rounds; in process 0.2 µs and no allocation per request; [metrics.md](metrics.md#what-it-costs)).",
		}},
		{File: "docs/layout.md", Lines: []string{
			"| [`features/metrics/`](../features/metrics/) | Prometheus middleware, collectors and the `METRICS_ADDR` listener ([metrics.md](metrics.md)) |",
		}},
		{File: "docs/operations.md", Lines: []string{
			"- **Metrics** on a private listener, never the public port ([metrics](metrics.md)).",
		}},
		{File: "docs/operations.md", Lines: []string{
			"- With the metrics feature, the alert rules on its counters are in [metrics.md](metrics.md#alerting).",
		}},
		{File: "docs/settings.md", Lines: []string{
			"| `METRICS_ADDR` | (empty: off) | `host:port` of the Prometheus `/metrics` listener, e.g. `127.0.0.1:9090`; never the public port ([metrics](metrics.md#settings)) |",
		}},
		{File: "scripts/bench.sh", Lines: []string{
			"#     and the metrics cost: two servers, METRICS_ADDR unset and set, in",
			"#       alternating rounds of /api/public and /api/protected on each,",
		}},
		{File: "scripts/bench.sh", Lines: []string{
			"# The metrics cost: one server without metrics, one with METRICS_ADDR set,",
			"# both on the server CPU (only one is loaded at a time), alternating rounds.",
			"if want metrics; then",
			"echo \"== metrics off and on (session check off)\" >&2",
			"off_port=$port on_port=$((port + 1)) metrics_addr=127.0.0.1:$((port + 2))",
			"port=$off_port; start_server false 10000; off_pid=$server_pid",
			"port=$on_port; start_server false 10000 \"$metrics_addr\"; on_pid=$server_pid",
			"for round in $(seq \"$ROUNDS\"); do",
			"  port=$off_port",
			"  run \"/api/public\" \"metrics off, round $round\" /api/public TOKEN_FILE \"$work/token\"",
			"  run \"/api/protected, repeated token\" \"metrics off, round $round\" /api/protected TOKEN_FILE \"$work/token\"",
			"  port=$on_port",
			"  run \"/api/public\" \"metrics on, round $round\" /api/public TOKEN_FILE \"$work/token\"",
			"  run \"/api/protected, repeated token\" \"metrics on, round $round\" /api/protected TOKEN_FILE \"$work/token\"",
			"done",
			"curl -fsS \"http://$metrics_addr/metrics\" | grep -E '^hanko_gin_(auth_decisions_total|http_requests_total\\{method=\"GET\",route=\"/api/p)' >\"$work/scrape\"",
			"server_pid=$off_pid; stop_server",
			"server_pid=$on_pid; stop_server",
			"fi",
			"",
		}},
		{File: "scripts/bench.sh", Lines: []string{
			"if want metrics && [ -s \"$results\" ]; then",
			"# Median over the rounds of /api/protected with metrics on over metrics off.",
			"awk -F'|' '",
			"  function rps(r,   req, dur) { match(r, /requests=[0-9]+/); req = substr(r, RSTART + 9, RLENGTH - 9)",
			"    match(r, /duration_us=[0-9]+/); dur = substr(r, RSTART + 12, RLENGTH - 12); return req * 1e6 / dur }",
			"  $1 == \"/api/protected, repeated token\" && $2 ~ /^metrics off, round/ { off = rps($3) }",
			"  $1 == \"/api/protected, repeated token\" && $2 ~ /^metrics on, round/ { k++; v[k] = rps($3) / off; a[k] = v[k] }",
			"  END { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }",
			"    list = \"\"; for (i = 1; i <= k; i++) list = list sprintf(\"%s%.2f\", i > 1 ? \", \" : \"\", v[i])",
			"    printf \"metrics cost, repeated token: /api/protected with metrics over without, median over %d rounds: %.2f (rounds: %s)\\n\", k, a[int((k + 1) / 2)], list }",
			"' \"$results\"",
			"fi",
			"if want metrics; then",
			"echo",
			"echo \"scraped from METRICS_ADDR after the metrics-on rounds:\"",
			"sed 's/^/  /' \"$work/scrape\"",
			"fi",
		}},
		{File: "scripts/bench.sh", Lines: []string{
			"#   ONLY=metrics scripts/bench.sh   only the metrics-off/on rounds (ONLY=checks, ONLY=flood: those)",
		}, With: []string{
			"#   ONLY=checks scripts/bench.sh    only the session-check rounds (ONLY=flood: the flood run)",
		}},
		{File: "scripts/bench.sh", Lines: []string{
			"start_server() { # session_check cache_size [metrics_addr]",
			"  GOMAXPROCS=1 HANKO_API_URL=$hanko_url PORT=$port HANKO_SESSION_CHECK=$1 HANKO_SESSION_CACHE_SIZE=$2 METRICS_ADDR=${3:-} \\",
		}, With: []string{
			"start_server() { # session_check cache_size",
			"  GOMAXPROCS=1 HANKO_API_URL=$hanko_url PORT=$port HANKO_SESSION_CHECK=$1 HANKO_SESSION_CACHE_SIZE=$2 \\",
		}},
	},
	Env:      []string{"METRICS_ADDR"},
	Gone:     []string{"github.com/prometheus/client_golang"},
	Routes:   []string{"GET http://${metrics_addr}/metrics"},
	ProbeEnv: map[string]string{"METRICS_ADDR": "${metrics_addr}"},
}
