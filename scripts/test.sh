#!/usr/bin/env bash
# The project's test command (the README's, and what CI runs):
#   Go vet + race tests (SQLite and PostgreSQL), the compose checks,
#   the frontend's lint/typecheck/unit tests/build and the browser end-to-end test,
#   the tutorials followed in place on a copy (scripts/test-tutorials.sh),
#   then the feature removals (scripts/test-removal.sh: each feature, and all three, # feature:starter
#   removed with `go run ./cmd/starter remove` in scratch copies, and checked). # feature:starter
# Needs: Go, Node 20 + npm. Tests that need PostgreSQL's server binaries, curl or
# Chromium skip without them, saying so, or fail under HANKO_GIN_REQUIRE_TOOLS=1 (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go vet"
go vet ./...
echo "== backend build"
scripts/build.sh bin/hanko-gin
echo "== go test -race (SQLite and PostgreSQL)"
go test -race -count=1 ./...
echo "== compose checks"
(cd deploy/composecheck && go vet ./... && go test -count=1 ./...)
echo "== frontend"
scripts/test-frontend.sh
echo "== tutorials followed in place"
scripts/test-tutorials.sh
echo "== feature removal" # feature:starter
scripts/test-removal.sh # feature:starter
echo "== all tests passed"
