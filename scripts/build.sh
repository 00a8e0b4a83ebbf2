#!/usr/bin/env bash
# Builds the backend exactly as the Dockerfile does: a static, CGO-free binary.
# Usage: scripts/build.sh [output path]   (default: bin/hanko-gin)
set -euo pipefail
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "${1:-bin/hanko-gin}" .
