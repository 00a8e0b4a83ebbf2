#!/usr/bin/env bash
# Frontend checks, then the browser end-to-end test (called by scripts/test.sh):
#   npm ci, eslint, tsc, Vitest unit tests, production build, and e2e/run.mjs, which
#   builds the backend and a stand-in Hanko (e2e/fakehanko), serves a build of the app and
#   drives it in headless Chromium (Debian's /usr/bin/chromium, or $CHROMIUM).
# Everything listens on loopback; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

e2e_pid=""
cleanup() {
  # e2e/run.mjs stops its own children; this covers an interrupt of the script itself.
  if [ -n "$e2e_pid" ] && kill -0 "$e2e_pid" 2>/dev/null; then
    kill -TERM "$e2e_pid" 2>/dev/null || true
    wait "$e2e_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

(
  cd frontend
  echo "== frontend: npm ci"
  npm ci --no-audit --no-fund
  echo "== frontend: the generated API client is current (openapi.json -> src/generated/openapi.ts)"
  npm run check:api
  echo "== frontend: lint"
  npm run lint
  echo "== frontend: typecheck"
  npm run typecheck
  echo "== frontend: unit tests"
  npm test
  echo "== frontend: build"
  # The build bakes no URL in (they are runtime settings, /config.js); this one only fills the
  # build-time fallback so the bundle is the one `npm run dev` users get.
  VITE_HANKO_API_URL="${VITE_HANKO_API_URL:-http://localhost:8000}" npm run build
)

# The same rule as the Go tests' internal/testenv: without Chromium, skip saying
# so; under HANKO_GIN_REQUIRE_TOOLS=1 (CI), fail.
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  why="the browser end-to-end test needs Chromium at $chromium: install chromium (Debian) or set CHROMIUM=/path/to/chrome"
  case "${HANKO_GIN_REQUIRE_TOOLS:-}" in
    1) echo "FAIL: $why (required because HANKO_GIN_REQUIRE_TOOLS=1)" >&2; exit 1 ;;
    "" | 0) echo "== SKIP: $why (with HANKO_GIN_REQUIRE_TOOLS=1, as in CI, this fails instead)"; exit 0 ;;
    *) echo "HANKO_GIN_REQUIRE_TOOLS=\"$HANKO_GIN_REQUIRE_TOOLS\": want 1 (tools are required) or 0" >&2; exit 1 ;;
  esac
fi

echo "== frontend: browser end-to-end test"
node e2e/run.mjs &
e2e_pid=$!
wait "$e2e_pid"
e2e_pid=""
