#!/usr/bin/env bash
# Load benchmark of the real server binary, in one run:
#   - builds bin/hanko-gin (scripts/build.sh) and cmd/loadbench,
#   - starts a stand-in Hanko with an RSA-4096 key (loadbench hanko),
#   - starts hanko-gin pinned to CPU 0 and drives it with wrk pinned to CPU 1,
#     every request carrying the same ~1.1 KiB hanko cookie a browser sends:
#       /api/public, /api/protected (one repeated token), /api/protected (a
#       different token on every request: cold path), with the session check
#       off and on, plus refused tampered tokens with the session check on,
# feature:metrics begin
#     and the metrics cost: two servers, METRICS_ADDR unset and set, in
#       alternating rounds of /api/public and /api/protected on each,
# feature:metrics end
#   - prints req/s, p50/p99, the ratio to /api/public, and the JWKS and
#     /sessions/validate calls the stand-in saw,
#   - the flood runs: one server (GOMAXPROCS=1); for each of FLOOD_LEVELS
#     connections of forged tokens (Hanko's kid, random well-formed signatures)
#     from one client, a signed-in user's requests (repeated token) alone, then
#     during the flood while 20 never-seen valid tokens arrive from other
#     clients (loadbench newcomers, each from its own loopback address,
#     honouring Retry-After, at most 3 tries) and Hanko delivers 12 logout
#     webhooks (loadbench webhooks, never retried): the user's req/s, p99 and
#     ratio, the newcomers that got in, the webhooks answered 2xx, the forged
#     tokens' 401/503 counts, each against its goal,
#   - runs the in-process 1,000,000-token heap test (skip: HEAP_TOKENS=0).
# Everything it starts stops when it ends. Usage:
#   scripts/bench.sh            DURATION=8s CONNECTIONS=32 ROUNDS=3 HEAP_TOKENS=1000000
#   ONLY=checks scripts/bench.sh    only the session-check rounds (ONLY=flood: the flood run)
#   ONLY=metrics scripts/bench.sh   only the metrics-off/on rounds # feature:metrics
#   FLOOD_LEVELS="64 400 1000" FLOOD_DURATION=5s   the flood runs
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
HEAP_TOKENS=${HEAP_TOKENS:-1000000}
ROUNDS=${ROUNDS:-3} # public/protected pairs, alternated; the median ratio is reported
COLD_TOKENS=${COLD_TOKENS:-256}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
FLOOD_LEVELS=${FLOOD_LEVELS:-64 400 1000}
FLOOD_DURATION=${FLOOD_DURATION:-5s}
NEWCOMERS=20 # per flood level, one every 200 ms
WEBHOOKS=12  # per flood level, one every 300 ms
want() { [ -z "${ONLY:-}" ] || [ "$ONLY" = "$1" ]; }

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
command -v taskset >/dev/null || { echo "bench: taskset (util-linux) is required" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building" >&2
scripts/build.sh "$work/hanko-gin"
go build -o "$work/loadbench" ./cmd/loadbench

echo "== starting the stand-in Hanko (RSA-4096, minting $COLD_TOKENS tokens)" >&2
"$work/loadbench" hanko -dir "$work" -tokens "$COLD_TOKENS" -max-run 30m &
pids+=($!)
hanko_pid=$!
for _ in $(seq 600); do [ -f "$work/url" ] && break; sleep 0.1; done
[ -f "$work/url" ] || { echo "bench: stand-in Hanko did not start" >&2; exit 1; }
hanko_url=$(cat "$work/url")
taskset -a -p -c "$LOAD_CPU" "$hanko_pid" >/dev/null # shares the load generator's CPU
token_bytes=$(head -c -1 "$work/token" | wc -c)

stats() { curl -fsS "$hanko_url/_stats"; }
stat_of() { sed -E "s/.*\"$1\":([0-9]+).*/\1/"; }

port=$((20000 + RANDOM % 20000))
server_pid=
start_server() { # session_check cache_size [address of an extra listener]
  export METRICS_ADDR=${3:-} # feature:metrics
  GOMAXPROCS=1 HANKO_API_URL=$hanko_url PORT=$port HANKO_SESSION_CHECK=$1 HANKO_SESSION_CACHE_SIZE=$2 \
    DATABASE_URL="sqlite://$work/bench-$1-$2-$port.db" LOG_LEVEL=info LOG_FORMAT=json \
    taskset -c "$SERVER_CPU" "$work/hanko-gin" >>"$work/server.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: hanko-gin did not become ready:" >&2; tail -5 "$work/server.log" >&2; exit 1
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }

results="$work/results"
: >"$results"
run() { # label mode path token-env
  local label=$1 mode=$2 path=$3 envvar=$4 file=$5
  local before after out
  before=$(stats)
  out=$(env "$envvar=$file" taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" \
    -s cmd/loadbench/wrk.lua "http://127.0.0.1:$port$path" | grep '^RESULT')
  after=$(stats)
  echo "$label|$mode|$out|jwks=$(( $(stat_of jwks <<<"$after") - $(stat_of jwks <<<"$before") ))|validate=$(( $(stat_of validate <<<"$after") - $(stat_of validate <<<"$before") ))" >>"$results"
  echo "   $label ($mode): $out" >&2
}

# Cold runs use a cache smaller than the token pool: with round-robin tokens
# every request misses, verifies the signature and inserts, as fresh tokens do.
cold_cache=32
checks="false true"
want checks || checks=""
for check in $checks; do
  mode="session check $([ $check = true ] && echo on || echo off)"
  echo "== $mode" >&2
  start_server "$check" 10000
  # Alternate public and protected so that a noisy moment on a shared machine
  # hits one round, not the whole comparison; the summary takes the median.
  for round in $(seq "$ROUNDS"); do
    run "/api/public" "$mode, round $round" /api/public TOKEN_FILE "$work/token"
    run "/api/protected, repeated token" "$mode, round $round" /api/protected TOKEN_FILE "$work/token"
  done
  if [ $check = true ]; then
    run "/api/protected, tampered token (401)" "$mode" /api/protected TOKEN_FILE "$work/bad-token"
  fi
  stop_server
  start_server "$check" "$cold_cache"
  run "/api/public" "$mode, cache $cold_cache" /api/public TOKEN_FILE "$work/token"
  run "/api/protected, new token each request" "$mode, cache $cold_cache" /api/protected TOKENS_FILE "$work/tokens"
  stop_server
done

# feature:metrics begin
# The metrics cost: one server without metrics, one with METRICS_ADDR set,
# both on the server CPU (only one is loaded at a time), alternating rounds.
if want metrics; then
echo "== metrics off and on (session check off)" >&2
off_port=$port on_port=$((port + 1)) metrics_addr=127.0.0.1:$((port + 2))
port=$off_port; start_server false 10000; off_pid=$server_pid
port=$on_port; start_server false 10000 "$metrics_addr"; on_pid=$server_pid
for round in $(seq "$ROUNDS"); do
  port=$off_port
  run "/api/public" "metrics off, round $round" /api/public TOKEN_FILE "$work/token"
  run "/api/protected, repeated token" "metrics off, round $round" /api/protected TOKEN_FILE "$work/token"
  port=$on_port
  run "/api/public" "metrics on, round $round" /api/public TOKEN_FILE "$work/token"
  run "/api/protected, repeated token" "metrics on, round $round" /api/protected TOKEN_FILE "$work/token"
done
curl -fsS "http://$metrics_addr/metrics" | grep -E '^hanko_gin_(auth_decisions_total|http_requests_total\{method="GET",route="/api/p)' >"$work/scrape"
server_pid=$off_pid; stop_server
server_pid=$on_pid; stop_server
fi
# feature:metrics end

# The floods: one fresh server, so the newcomers' tokens are never-seen; per
# level the user alone, then the user during the flood. The flood comes from
# 127.0.0.1, the newcomers from 127.0.1.x (one address each), Hanko's
# webhooks from 127.0.0.2: one client against many, as the fair queue sees it.
flood_results="$work/flood-results"
: >"$flood_results"
if want flood; then
  start_server false 10000
  url="http://127.0.0.1:$port/api/protected"
  secs=${FLOOD_DURATION%s}
  # Deliver webhooks only when the server has the route (a project that
  # cut them answers 404 there).
  hook_status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$port/webhooks/hanko" || true)
  [ "$hook_status" = 404 ] && WEBHOOKS=0
  level_no=0
  for level in $FLOOD_LEVELS; do
    level_no=$((level_no + 1))
    echo "== flood: $level connections of forged tokens against a signed-in user, newcomers and webhooks" >&2
    out=$(env TOKEN_FILE="$work/token" taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$FLOOD_DURATION" -s cmd/loadbench/wrk.lua "$url" | grep '^RESULT')
    echo "alone|$level|$out" >>"$flood_results"
    echo "   user alone: $out" >&2
    env TOKENS_FILE="$work/forged-tokens" COUNT_STATUS=1 taskset -c "$LOAD_CPU" wrk -t1 -c"$level" -d"$((secs + 3))s" \
      -s cmd/loadbench/wrk.lua "$url" >"$work/forged-$level.out" &
    flood_pid=$!; pids+=("$flood_pid")
    sleep 1 # the flood is on before the others start, and ends after them
    sed -n "$(( (level_no - 1) * NEWCOMERS + 1 )),$(( level_no * NEWCOMERS ))p" "$work/tokens" >"$work/newcomers-$level"
    taskset -c "$LOAD_CPU" "$work/loadbench" newcomers -url "$url" -tokens "$work/newcomers-$level" \
      -every 200ms -for "$FLOOD_DURATION" -from 127.0.1. >"$work/newcomers-$level.out" &
    newcomers_pid=$!; pids+=("$newcomers_pid")
    : >"$work/webhooks-$level.out"
    webhooks_pid=""
    if [ "$WEBHOOKS" -gt 0 ]; then
      taskset -c "$LOAD_CPU" "$work/loadbench" webhooks -url "http://127.0.0.1:$port/webhooks/hanko" -hanko "$hanko_url" \
        -n "$WEBHOOKS" -every 300ms -from 127.0.0.2 >"$work/webhooks-$level.out" &
      webhooks_pid=$!; pids+=("$webhooks_pid")
    fi
    out=$(env TOKEN_FILE="$work/token" taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$FLOOD_DURATION" -s cmd/loadbench/wrk.lua "$url" | grep '^RESULT')
    echo "flood|$level|$out" >>"$flood_results"
    echo "   user during the flood: $out" >&2
    wait "$newcomers_pid" $webhooks_pid "$flood_pid"
    echo "forged|$level|$(grep '^RESULT' "$work/forged-$level.out")" >>"$flood_results"
    echo "newcomers|$level|$(cat "$work/newcomers-$level.out")" >>"$flood_results"
    echo "webhooks|$level|$(cat "$work/webhooks-$level.out")" >>"$flood_results"
    sed 's/^/   /' "$work/newcomers-$level.out" "$work/webhooks-$level.out" >&2
  done
  stop_server
fi

echo
echo "hanko-gin load benchmark: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)), $(go version | cut -d' ' -f3)"
echo "server on CPU $SERVER_CPU, wrk -t1 -c$CONNECTIONS -d$DURATION and the stand-in Hanko on CPU $LOAD_CPU; hanko cookie $token_bytes bytes, RSA-4096"
echo
if [ -s "$results" ]; then
printf '| %-40s | %-30s | %9s | %8s | %8s | %12s | %6s | %4s | %8s |\n' route mode "req/s" p50 p99 "× public" non2xx jwks validate
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..42})" "$(printf -- '-%.0s' {1..32})" ----------: ---------: ---------: -------------: -------: -----: ---------:
base=
while IFS='|' read -r label mode result jwks validate; do
  req=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
  dur=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$result")
  p50=$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$result")
  p99=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$result")
  non2xx=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$result")
  rps=$(awk -v r="$req" -v d="$dur" 'BEGIN{printf "%.0f", r*1e6/d}')
  [ "$label" = "/api/public" ] && base=$rps
  ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN{printf "%.2f", a/b}')
  printf '| %-40s | %-30s | %9s | %6.2fms | %6.2fms | %12s | %6s | %4s | %8s |\n' "$label" "$mode" "$rps" \
    "$(awk -v v="$p50" 'BEGIN{print v/1000}')" "$(awk -v v="$p99" 'BEGIN{print v/1000}')" "$ratio" "$non2xx" "${jwks#jwks=}" "${validate#validate=}"
done <"$results"
echo
echo "(× public: against the /api/public run just before it, same server process; jwks/validate: calls the stand-in served during that run)"
echo
# Median over the rounds of the repeated-token ratio, per mode.
awk -F'|' '
  function rps(r,   req, dur) { match(r, /requests=[0-9]+/); req = substr(r, RSTART + 9, RLENGTH - 9)
    match(r, /duration_us=[0-9]+/); dur = substr(r, RSTART + 12, RLENGTH - 12); return req * 1e6 / dur }
  $1 == "/api/public" { base = rps($3) }
  $1 == "/api/protected, repeated token" { m = $2; sub(/, round [0-9]+$/, "", m); n[m]++; v[m, n[m]] = rps($3) / base }
  END { for (m in n) { k = n[m]; for (i = 1; i <= k; i++) a[i] = v[m, i]
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      list = ""; for (i = 1; i <= k; i++) list = list sprintf("%s%.2f", i > 1 ? ", " : "", v[m, i])
      printf "repeated token, %s: median ratio to /api/public over %d rounds: %.2f (rounds: %s)\n", m, k, a[int((k + 1) / 2)], list } }
' "$results" | sort
fi
# feature:metrics begin
if want metrics && [ -s "$results" ]; then
# Median over the rounds of /api/protected with metrics on over metrics off.
awk -F'|' '
  function rps(r,   req, dur) { match(r, /requests=[0-9]+/); req = substr(r, RSTART + 9, RLENGTH - 9)
    match(r, /duration_us=[0-9]+/); dur = substr(r, RSTART + 12, RLENGTH - 12); return req * 1e6 / dur }
  $1 == "/api/protected, repeated token" && $2 ~ /^metrics off, round/ { off = rps($3) }
  $1 == "/api/protected, repeated token" && $2 ~ /^metrics on, round/ { k++; v[k] = rps($3) / off; a[k] = v[k] }
  END { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    list = ""; for (i = 1; i <= k; i++) list = list sprintf("%s%.2f", i > 1 ? ", " : "", v[i])
    printf "metrics cost, repeated token: /api/protected with metrics over without, median over %d rounds: %.2f (rounds: %s)\n", k, a[int((k + 1) / 2)], list }
' "$results"
fi
if want metrics; then
echo
echo "scraped from METRICS_ADDR after the metrics-on rounds:"
sed 's/^/  /' "$work/scrape"
fi
# feature:metrics end

if [ -s "$flood_results" ]; then
  echo
  echo "floods: server GOMAXPROCS=1 on CPU $SERVER_CPU; on CPU $LOAD_CPU the user (wrk -c$CONNECTIONS, repeated token, $FLOOD_DURATION),"
  echo "the flood (wrk, $(wc -l <"$work/forged-tokens") distinct forged tokens, from 127.0.0.1), $NEWCOMERS newcomers (one address each,"
  echo "Retry-After honoured, at most 3 tries), $WEBHOOKS logout webhooks (from 127.0.0.2, never retried), the stand-in Hanko"
  echo
  printf '| %6s | %9s | %9s | %7s | %8s | %13s | %11s | %22s | %s |\n' "flood" "alone/s" "flood/s" "× alone" "p99" "newcomers in" "webhooks 2xx" "forged 401 / 503" "goals met"
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' -------: ----------: ----------: --------: ---------: --------------: ------------: ------------------------: -----------
  field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }
  for level in $FLOOD_LEVELS; do
    alone=$(grep "^alone|$level|" "$flood_results" | cut -d'|' -f3-)
    during=$(grep "^flood|$level|" "$flood_results" | cut -d'|' -f3-)
    forged=$(grep "^forged|$level|" "$flood_results" | cut -d'|' -f3-)
    newc=$(grep "^newcomers|$level|" "$flood_results" | cut -d'|' -f3-)
    hooks=$(grep "^webhooks|$level|" "$flood_results" | cut -d'|' -f3-)
    [ -n "$alone" ] && [ -n "$during" ] || continue
    a_rps=$(awk -v r="$(field requests "$alone")" -v d="$(field duration_us "$alone")" 'BEGIN{printf "%.0f", r*1e6/d}')
    f_rps=$(awk -v r="$(field requests "$during")" -v d="$(field duration_us "$during")" 'BEGIN{printf "%.0f", r*1e6/d}')
    ratio=$(awk -v a="$f_rps" -v b="$a_rps" 'BEGIN{printf "%.2f", a/b}')
    p99=$(awk -v v="$(field p99_us "$during")" 'BEGIN{printf "%.2f", v/1000}')
    sent=$(field sent "$newc"); inn=$(( $(field first_try "$newc") + $(field after_retry "$newc") ))
    hsent=0; hok=0
    [ -n "$hooks" ] && { hsent=$(field sent "$hooks"); hok=$(field ok "$hooks"); }
    goals=$(awk -v r="$ratio" -v p="$p99" -v i="$inn" -v s="$sent" -v h="$hok" -v hs="$hsent" \
      'BEGIN{ok = (r >= 0.5) + (p < 5) + (i == s) + (h == hs); printf "%d of 4", ok}')
    printf '| %6s | %9s | %9s | %7s | %6sms | %13s | %11s | %22s | %s |\n' "$level" "$a_rps" "$f_rps" "$ratio" "$p99" \
      "$inn/$sent ($(field first_try "$newc") first)" "$hok/$hsent" "$(field s401 "$forged") / $(field s503 "$forged")" "$goals"
  done
  echo
  echo "(goals: the user ≥ 0.5× alone with p99 < 5 ms, every newcomer in within 3 tries, every webhook answered 2xx)"
fi

if [ "$HEAP_TOKENS" != 0 ]; then
  echo
  echo "== heap with $HEAP_TOKENS distinct valid tokens through the middleware (in-process)"
  HANKO_GIN_HEAP_TOKENS=$HEAP_TOKENS go test -count=1 -run '^TestHeapBoundedMillionTokens$' -v -timeout 30m ./auth/ | grep -E '^\s+bench_test.go|^(ok|FAIL|---)' | sed -E 's/^\s+bench_test.go:[0-9]+: /  /'
fi
