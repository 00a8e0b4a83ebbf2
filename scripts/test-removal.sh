#!/usr/bin/env bash
# Proves that `go run ./cmd/starter remove` leaves a working project (called by
# scripts/test.sh after the frontend checks, so frontend/node_modules exists).
# For webhooks, roles, metrics and all three together it copies the checkout
# (the files git knows, plus untracked ones not ignored) into a scratch folder,
# removes the features there, and runs in the copy:
#   - the removal again, which must only say "already removed";
#   - go vet, go build and go test for the root module and deploy/composecheck.
#     go test includes cmd/starter's checks: TestRepoLooksHandWritten (no file
#     mentions a removed folder, doc, setting, route or subcommand; gofmt-clean),
#     told by STARTER_EXPECT_REMOVED what must be gone, TestManifestsMatchRepo
#     (the manifests of the features left still apply), and
#     TestRemovedFeaturesAreGone (the server still verifies tokens and serves
#     todos; removed routes answer 404, removed subcommands are unknown);
#   - where the removal changed frontend/: the frontend's typecheck and build
#     (npm run build runs tsc) and its unit tests.
#   - when metrics goes: Prometheus must have left go.mod.
# The copies reuse frontend/node_modules (hard links, else a copy) and the Go
# build and module caches. HANKO_GIN_REQUIRE_TOOLS is honoured as everywhere.
#
#   ONLY="roles metrics" scripts/test-removal.sh   one variant (names removed together)
#   REMOVAL_JOBS=4 scripts/test-removal.sh          variants run at once (default 2)
#   KEEP=1 scripts/test-removal.sh                  keep the scratch copies
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

variants=("webhooks" "roles" "metrics" "webhooks roles metrics")
if [ -n "${ONLY:-}" ]; then
  variants=("$ONLY")
fi
jobs=${REMOVAL_JOBS:-2}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/hanko-gin-removal.XXXXXX")
running=()
cleanup() {
  for pid in "${running[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then
    echo "== removal: scratch copies kept in $scratch"
  else
    rm -rf "$scratch"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -d frontend/node_modules ]; then
  echo "== removal: npm ci (frontend/node_modules is missing)"
  (cd frontend && npm ci --no-audit --no-fund)
fi

# copy_checkout DEST: the checkout as a fresh clone would have it (git's files,
# plus new files not yet committed), with the installed frontend packages.
copy_checkout() {
  local dest=$1
  mkdir -p "$dest"
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi # skip deleted, not yet committed
    done |
    tar --null -T - -cf - | tar -xf - -C "$dest"
  cp -al frontend/node_modules "$dest/frontend/" 2>/dev/null ||
    cp -a frontend/node_modules "$dest/frontend/"
  # Caches that tools rewrite in place must not be hard links to the checkout's.
  rm -rf "$dest/frontend/node_modules/.vite" "$dest/frontend/node_modules/.tmp" "$dest/frontend/node_modules/.cache"
}

# variant NAMES...: one scratch copy with NAMES removed, checked.
variant() {
  local label dest start
  label=$(IFS=+; echo "$*")
  dest=$scratch/$label
  start=$SECONDS
  echo "== $label: copy the checkout"
  copy_checkout "$dest"
  cd "$dest"

  echo "== $label: go run ./cmd/starter remove $*"
  go run ./cmd/starter remove "$@" | tee "$scratch/$label.removed"
  echo "== $label: a second run changes nothing"
  again=$(go run ./cmd/starter remove "$@")
  want=$(for n in "$@"; do echo "$n: already removed"; done)
  if [ "$again" != "$want" ]; then
    echo "FAIL: the second removal printed:"$'\n'"$again"$'\n'"want:"$'\n'"$want" >&2
    return 1
  fi
  case " $* " in
    *" metrics "*)
      if grep -q prometheus go.mod; then
        echo "FAIL: Prometheus is still in go.mod after removing metrics:" >&2
        grep prometheus go.mod >&2
        return 1
      fi ;;
  esac

  echo "== $label: go vet"
  go vet ./...
  echo "== $label: go build"
  go build ./...
  echo "== $label: go test"
  STARTER_EXPECT_REMOVED=$(IFS=,; echo "$*") go test -count=1 ./...
  echo "== $label: compose checks"
  (cd deploy/composecheck && go vet ./... && go test -count=1 ./...)

  if grep -qE '^(deleted|changed)  frontend/' "$scratch/$label.removed"; then
    echo "== $label: frontend typecheck and build"
    (cd frontend && VITE_HANKO_API_URL=http://localhost:8000 npm run build)
    echo "== $label: frontend unit tests"
    (cd frontend && npm test)
  else
    echo "== $label: frontend unchanged by the removal, its checks already ran"
  fi
  echo "== $label: passed in $((SECONDS - start))s"
}

start=$SECONDS
echo "== removal: ${#variants[@]} variant(s), $jobs at a time, in $scratch"
declare -A pid_label
failed=()
# reap waits for one variant to end and records the result.
reap() {
  local pid="" status=0 p rest=()
  wait -n -p pid "${running[@]}" || status=$?
  for p in "${running[@]}"; do
    if [ "$p" != "$pid" ]; then rest+=("$p"); fi
  done
  running=("${rest[@]}")
  local label=${pid_label[$pid]}
  if [ "$status" -ne 0 ]; then
    failed+=("$label")
    echo "== removal: $label FAILED (exit status $status); its log:"
    sed 's/^/    /' "$scratch/$label.log"
  else
    grep -E '^== .*: passed in' "$scratch/$label.log" || true
  fi
}
for v in "${variants[@]}"; do
  label=${v// /+}
  while [ "${#running[@]}" -ge "$jobs" ]; do reap; done
  # shellcheck disable=SC2086
  (set -euo pipefail; variant $v) >"$scratch/$label.log" 2>&1 &
  running+=("$!")
  pid_label[$!]=$label
done
while [ "${#running[@]}" -gt 0 ]; do reap; done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== removal: FAILED: ${failed[*]} (after $((SECONDS - start))s)" >&2
  exit 1
fi
echo "== removal: all ${#variants[@]} variant(s) passed in $((SECONDS - start))s"
