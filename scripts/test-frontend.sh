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
  echo "== frontend: lint"
  npm run lint
  echo "== frontend: typecheck"
  npm run typecheck
  echo "== frontend: unit tests"
  npm test
  echo "== frontend: build"
  # The real URLs come from frontend/.env in development; the build check only needs valid ones.
  VITE_HANKO_API_URL="${VITE_HANKO_API_URL:-http://localhost:8000}" npm run build
)

echo "== frontend: browser end-to-end test"
node e2e/run.mjs &
e2e_pid=$!
wait "$e2e_pid"
e2e_pid=""
