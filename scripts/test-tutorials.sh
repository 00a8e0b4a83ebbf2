#!/usr/bin/env bash
# Follows every tutorial of the README and docs/ in place, on a copy of the
# repository, as a reader would (their files written, their lines added), and
# runs vet and the whole Go suite there: a tutorial followed in place must
# leave `go test ./...` green, the doc tests included. Then follows them a
# second time, which must change nothing. (The doc tests also run each
# tutorial's own tests alone, in a copy each: readme_test.go's TestDocsTutorials.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
tar --exclude=./.git --exclude=node_modules --exclude=./artifacts --exclude=./bin --exclude=./data -cf - . | (cd "$work" && tar -xf -)
cd "$work"
docs=(README.md docs/*.md)

echo "== following the tutorials in place"
go run ./internal/tutorial/follow "${docs[@]}"
echo "== following them again changes nothing"
tree_hash() { find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum; }
before="$(tree_hash)"
go run ./internal/tutorial/follow "${docs[@]}" >/dev/null
[ "$before" = "$(tree_hash)" ] || { echo "following the tutorials a second time changed files"; exit 1; }
echo "== gofmt, go vet"
test -z "$(gofmt -l .)" || { gofmt -l .; echo "the tutorials' Go code is not gofmt-formatted"; exit 1; }
go vet ./...
echo "== go test ./... with the tutorials followed"
go test -count=1 ./...
echo "== tutorials followed in place: suite green"

# feature:starter begin
# The feature tutorial ends by removing its feature with the starter tool.
if [ -d features/hello ]; then
  echo "== removing the tutorial's feature: go run ./cmd/starter remove hello"
  git init -q && git add -A && git -c user.name=tutorial -c user.email=tutorial@example.com commit -qm "tutorials followed"
  go run ./cmd/starter remove hello
  if grep -rn '"github.com/hanko-gin/hanko-gin/features/hello"' --include=*.go . ; then echo "the hello feature is still imported"; exit 1; fi
  go vet ./...
  go test -count=1 . ./app/ ./routes/ ./config/
  echo "== the tutorial's feature removed: vet and the docs tests green"
fi
# feature:starter end
