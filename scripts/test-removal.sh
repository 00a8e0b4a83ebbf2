#!/usr/bin/env bash
# Proves that `go run ./cmd/starter remove` leaves a working project, also after
# the edits a new owner makes first (called by scripts/test.sh after the
# frontend checks, so frontend/node_modules exists).
#
# In scratch copies of the checkout, with the user's edits committed (README
# rewritten, a comment added to main.go and to every docs page), it removes
# webhooks, roles, metrics, all three, and then `starter` itself on top of all
# three. After each removal:
#   - a second run only says "already removed";
#   - go vet, go build and go test ./... (root module), the compose checks
#     (deploy/composecheck) and, when frontend/ changed, the frontend's build
#     (which typechecks) and unit tests pass;
#   - nothing of what was removed is left: its files, the words that name it
#     (its folders, docs, routes, subcommands, settings, markers), uses of its
#     Go packages, comments naming it, Markdown sections left empty, links to
#     missing files; its settings, still set, get a start-up warning.
# Two lanes run at once, each a clone of the edited copy taking two variants in
# turn. HANKO_GIN_REQUIRE_TOOLS is honoured as everywhere.
#
#   ONLY="roles metrics" scripts/test-removal.sh   one variant (names removed together)
#   KEEP=1 scripts/test-removal.sh                  keep the scratch copies
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS


scratch=$(mktemp -d "${TMPDIR:-/tmp}/hanko-gin-removal.XXXXXX")
server_pid=
running=()
cleanup() {
  for pid in "${running[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then
    echo "== removal: scratch copy kept in $scratch"
  else
    rm -rf "$scratch"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  echo "== removal: npm ci (frontend/node_modules is missing or older than package-lock.json)"
  (cd frontend && npm ci --no-audit --no-fund)
fi

# The checkout as a fresh clone has it (git's files and new ones not ignored),
# with the checkout's frontend packages linked one by one, so that the tools'
# caches (node_modules/.vite, .tmp) are written in the copy, not the checkout.
repo=$scratch/repo
mkdir -p "$repo"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
  done |
  tar --null -T - -cf - | tar -xf - -C "$repo"
# link_node_modules DIR: DIR/frontend/node_modules, each entry a link to the checkout's.
link_node_modules() {
  local entry
  mkdir "$1/frontend/node_modules"
  for entry in "$root"/frontend/node_modules/* "$root"/frontend/node_modules/.bin "$root"/frontend/node_modules/.package-lock.json; do
    if [ -e "$entry" ]; then ln -s "$entry" "$1/frontend/node_modules/"; fi
  done
}

# A Markdown check, built once outside the copy (it must outlive cmd/starter):
# prints headings with nothing under them and relative links to missing files.
mkdir -p "$scratch/mdcheck"
cat >"$scratch/mdcheck/go.mod" <<'EOF'
module mdcheck

go 1.22
EOF
cat >"$scratch/mdcheck/main.go" <<'EOF'
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	heading = regexp.MustCompile(`^(#{1,6})\s`)
	link    = regexp.MustCompile(`\]\(([^)\s]+)`)
	fence   = regexp.MustCompile("^\\s*(```|~~~)")
)

func main() {
	filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		b, _ := os.ReadFile(p)
		lines := strings.Split(string(b), "\n")
		code := make([]bool, len(lines))
		in := false
		for i, l := range lines {
			if fence.MatchString(l) {
				in = !in
				code[i] = true
			}
			code[i] = code[i] || in
		}
		for i, l := range lines {
			if code[i] {
				continue
			}
			if m := heading.FindStringSubmatch(l); m != nil {
				empty := true
				for _, n := range lines[i+1:] {
					if h := heading.FindStringSubmatch(n); h != nil && len(h[1]) <= len(m[1]) {
						break
					}
					if strings.TrimSpace(n) != "" {
						empty = false
						break
					}
				}
				if empty {
					fmt.Printf("%s: empty section %q\n", p, l)
				}
			}
			for _, m := range link.FindAllStringSubmatch(l, -1) {
				t, _, _ := strings.Cut(m[1], "#")
				if t == "" || strings.Contains(t, "://") || strings.HasPrefix(t, "mailto:") || strings.HasPrefix(t, "/") {
					continue
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(p), t)); err != nil {
					fmt.Printf("%s: link to a missing %s\n", p, t)
				}
			}
		}
		return nil
	})
}
EOF
(cd "$scratch/mdcheck" && go build -o "$scratch/bin/mdcheck" .)

cd "$repo"
gitq() { git -c user.name=removal -c user.email=removal@example.com "$@"; }
git init -q
gitq add -A
gitq commit -qm "a fresh clone"

echo "== removal: the user's first edits (README rewritten, comments in main.go and every docs page)"
sed -i -e '1s/.*/# Acme notes: our app on Hanko/' \
  -e 's/^\(- \*\*[a-z]*\*\*\): /\1 (we may drop it): /' README.md
sed -i '0,/^$/s//\nWe forked this starter in 2026; the team owns it now./' README.md
sed -i 's|^var features = \[\]app.Feature{$|&\n\t// Ours: keep this list short.|' main.go
grep -q "Ours: keep this list short" main.go || fail "could not add the comment to main.go"
for f in docs/*.md; do printf '<!-- Reviewed by the Acme team. -->\n' | cat - "$f" >"$f.new" && mv "$f.new" "$f"; done
gitq commit -qam "our edits"
"$scratch/bin/mdcheck" >"$scratch/md.before"

# words NAME: what names the feature once it is gone (case-insensitive ERE).
words() {
  case $1 in
    webhooks) echo 'webhooks\.md|features/webhooks|purge-deleted-users|/webhooks/hanko|webhook_deliveries|webhooks feature|feature:webhooks' ;;
    roles) echo 'roles\.md|features/roles|/api/admin|hanko-gin roles|RolesClaimTemplate|admin area|roles feature|feature:roles' ;;
    metrics) echo 'metrics\.md|features/metrics|METRICS_ADDR|prometheus|metrics feature|feature:metrics' ;;
    hankoadmin) echo 'hankoadmin|HANKO_ADMIN_API|feature:hankoadmin' ;;
    starter) echo 'cmd/starter|test-removal|(^|[[:space:]])(//|#|<!--)[[:space:]]*feature:[a-z][a-z0-9-]*([[:space:]]*$|[[:space:]]*-->|[[:space:]]+[^be[:space:]])' ;;
  esac
}
# settings NAME: what start-up must warn about when it is still set.
settings() {
  case $1 in
    metrics) echo METRICS_ADDR ;;
    hankoadmin) echo HANKO_ADMIN_API_URL ;;
  esac
}

# check_gone NAMES...: nothing of NAMES is left in the copy.
check_gone() {
  local name pattern hits pkgs keep
  for name in "$@"; do
    pattern=$(words "$name")
    # Captures of a real Hanko (testdata) name what Hanko sent; the starter's own
    # files name every feature until it goes. scripts/bench.sh's flood run drives
    # auth's webhook lane through the webhooks route.
    # The stand-in Hanko of the e2e test keeps its -admin-addr flag (it exports
    # HANKO_ADMIN_API_URL only when it serves an admin API).
    keep=':!scripts/bench.sh'
    [ "$name" != hankoadmin ] || keep=':!e2e/fakehanko'
    hits=$(git grep --untracked -niE "$pattern" -- . ':!config/retired.go' ':!frontend/package-lock.json' \
      ':!*testdata*' ':!cmd/starter' ':!scripts/test-removal.sh' "$keep" || true)
    [ -z "$hits" ] || fail "$name removed, but these lines still name it:"$'\n'"$hits"
    case $name in webhooks | roles | metrics | hankoadmin)
      pkgs=$name
      [ "$name" != hankoadmin ] || pkgs="hankoadmin|hankoadmintest"
      hits=$(git grep --untracked -nE "\b($pkgs)\.[A-Z]|//.*\b$name\b.*\bfeatures?\b|//.*\bfeatures?\b.*\b$name\b" -- '*.go' ':!cmd/starter' || true)
      [ -z "$hits" ] || fail "$name removed, but Go code or comments still name it:"$'\n'"$hits" ;;
    esac
  done
  "$scratch/bin/mdcheck" >"$work/md.after"
  hits=$(comm -13 <(sort "$scratch/md.before") <(sort "$work/md.after"))
  [ -z "$hits" ] || fail "the removal of $* left Markdown behind:"$'\n'"$hits"
  [ -z "$(gofmt -l .)" ] || fail "not gofmt-clean: $(gofmt -l .)"
}

# check_warns NAMES...: the settings of NAMES, still set, are warned about.
check_warns() {
  local name s out port=$((20000 + RANDOM % 20000))
  go build -o "$work/hanko-gin" .
  for name in "$@"; do
    s=$(settings "$name")
    [ -n "$s" ] || continue
    env "$s=x" HANKO_API_URL=http://127.0.0.1:9 PORT=$port DATABASE_URL="sqlite://$work/warn.db" \
      "$work/hanko-gin" >"$work/warn.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do
      grep -q "listening" "$work/warn.log" && break
      sleep 0.1
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    out=$(grep -c "$s is set, but the $name feature" "$work/warn.log" || true)
    [ "$out" = 1 ] || fail "$s set after removing $name: want one start-up warning naming it, got:"$'\n'"$(cat "$work/warn.log")"
  done
}

# checks LABEL NAMES...: the copy builds, passes its tests, and has nothing of NAMES.
checks() {
  local label=$1 t0=$SECONDS fe_pid=""
  shift
  if ! git diff --quiet HEAD -- frontend; then
    (cd frontend && VITE_HANKO_API_URL=http://localhost:8000 npm run build >"$work/fe.log" 2>&1 &&
      npm test >>"$work/fe.log" 2>&1) &
    fe_pid=$!
  fi
  check_gone "$@"
  go vet ./...
  go build ./...
  go test ./... >"$work/go.log" 2>&1 || { cat "$work/go.log"; fail "$label: go test"; }
  grep -v 'no test files\|(cached)' "$work/go.log" | sed 's/^/    /' || true
  (cd deploy/composecheck && go vet ./... && go test ./... >"$work/go.log" 2>&1) ||
    { cat "$work/go.log"; fail "$label: the compose checks"; }
  check_warns "$@"
  if [ -n "$fe_pid" ]; then
    wait "$fe_pid" || { cat "$work/fe.log"; fail "$label: the frontend's build or unit tests failed"; }
    echo "== $label: frontend build and unit tests passed"
  fi
  echo "== $label: passed in $((SECONDS - t0))s"
}

# remove NAMES...: remove NAMES with the tool, run it again, check.
remove() {
  local names="$*" again gone=("$@")
  local label=${names// /+}
  case " $* " in *" webhooks "*" roles "* | *" roles "*" webhooks "*) gone+=(hankoadmin) ;; esac
  echo "== $label: go run ./cmd/starter remove $*"
  go run ./cmd/starter remove "$@" | sed 's/^/    /'
  if [ "$*" = starter ]; then
    [ ! -e cmd/starter ] || fail "remove starter left cmd/starter"
  else
    again=$(go run ./cmd/starter remove "$@")
    [ "$again" = "${names// /, }: already removed" ] || fail "$label: the second run printed: $again"
  fi
  checks "$label" "${gone[@]}"
}

# lane VARIANTS...: in one clone of the edited copy, each variant in turn (the
# clone reset in between, so go test reuses its cache for what a removal does
# not touch); after all three, remove starter too.
lane() {
  local dir=$scratch/lane$1 v
  shift
  trap 'if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi' EXIT
  git clone -q "$repo" "$dir"
  cd "$dir"
  gitq tag edited
  link_node_modules .
  for v in "$@"; do
    gitq reset -q --hard edited
    gitq clean -qfdx -e frontend/node_modules
    work=$scratch/${v// /+}.work
    mkdir -p "$work"
    # shellcheck disable=SC2086
    remove $v
    if [ "$v" = "webhooks roles metrics" ]; then
      gitq add -A
      gitq commit -qm "removed $v"
      work=$scratch/starter.work
      mkdir -p "$work"
      remove starter
      # shellcheck disable=SC2086
      check_gone $v hankoadmin
    fi
  done
}

# Two lanes share the variants; ONLY gives one lane one variant.
if [ -n "${ONLY:-}" ]; then
  lanes=("$ONLY")
else
  lanes=("webhooks|roles" "metrics|webhooks roles metrics")
fi
echo "== removal: ${#lanes[@]} lane(s) of variants in $scratch"
declare -A label_of
failed=()
# reap waits for one lane to end and reports it.
reap() {
  local pid="" status=0 p rest=()
  wait -n -p pid "${running[@]}" || status=$?
  for p in "${running[@]}"; do
    if [ "$p" != "$pid" ]; then rest+=("$p"); fi
  done
  running=("${rest[@]}")
  local label=${label_of[$pid]}
  if [ "$status" -ne 0 ]; then
    failed+=("$label")
    echo "== removal: lane $label FAILED (exit status $status); its log:"
    sed 's/^/    /' "$scratch/lane$label.log"
  else
    grep -E '^== .*: passed in' "$scratch/lane$label.log" || true
  fi
}
i=0
for l in "${lanes[@]}"; do
  i=$((i + 1))
  IFS='|' read -ra vs <<<"$l"
  (lane "$i" "${vs[@]}") >"$scratch/lane$i.log" 2>&1 &
  running+=("$!")
  label_of[$!]=$i
done
while [ "${#running[@]}" -gt 0 ]; do reap; done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== removal: FAILED: ${failed[*]} (after $((SECONDS - start))s)" >&2
  exit 1
fi
echo "== removal: all variants passed in $((SECONDS - start))s"
