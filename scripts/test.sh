#!/usr/bin/env bash
# The project's test command (the README's, and what CI runs):
#   Go vet + race tests (SQLite and a throwaway PostgreSQL), the compose checks,
#   the frontend's lint/typecheck/unit tests/build and the browser end-to-end test.
# Needs: Go, Node 20 + npm, PostgreSQL server binaries, Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go vet"
go vet ./...
echo "== backend build"
scripts/build.sh bin/hanko-gin
echo "== go test -race (SQLite and PostgreSQL)"
scripts/with-postgres.sh go test -race -count=1 ./...
echo "== compose checks"
(cd deploy/composecheck && go vet ./... && go test -count=1 ./...)
echo "== frontend"
scripts/test-frontend.sh
echo "== all tests passed"
