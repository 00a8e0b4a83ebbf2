#!/usr/bin/env bash
# Follows the README's "Adding your own protected route" (GET /api/greeting, the backend and the
# API contract) and frontend/README.md's "Your own page" (the generated client, a page, its route,
# its header link, its test) on a copy of the repository, as a reader would, with the same
# extractor as scripts/test-tutorials.sh (fenced "LANG example PATH" and "diff example PATH"
# blocks, internal/tutorial). Then runs what the tutorial ends with: the frontend's typecheck,
# unit tests and build, plus its lint and the generated-client check. The copy reuses
# frontend/node_modules through a symlink, so run `npm ci` in frontend/ first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -d "$root/frontend/node_modules" ] || { echo "frontend/node_modules is missing: run npm ci in frontend/ first"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
tar --exclude=./.git --exclude=node_modules --exclude=./artifacts --exclude=./bin --exclude=./data -cf - . | (cd "$work" && tar -xf -)
ln -s "$root/frontend/node_modules" "$work/frontend/node_modules"
cd "$work"

echo "== following the backend's route tutorial and the frontend's page tutorial"
go run ./internal/tutorial/follow README.md frontend/README.md
grep -q '"/api/greeting"' frontend/src/pages/GreetingPage.tsx || { echo "the page tutorial was not followed"; exit 1; }
echo "== the tutorial's step 1: the contract to the frontend, the client regenerated"
go run . openapi > frontend/openapi.json
grep -q '"/api/greeting"' frontend/openapi.json || { echo "GET /api/greeting is not in the API contract"; exit 1; }
(
  cd frontend
  npm run --silent gen:api
  npm run --silent check:api
  echo "== frontend with the tutorial followed: lint, typecheck, unit tests, build"
  npm run --silent lint
  npm run --silent typecheck
  npm test -- --silent
  # As scripts/test-frontend.sh builds; the copy's dist/ goes with the copy.
  VITE_HANKO_API_URL="${VITE_HANKO_API_URL:-http://localhost:8000}" npm run --silent build -- --logLevel warn
)
echo "== the route and page tutorials followed: frontend green"
