// This file only keeps the Go tool out of frontend/: some npm packages ship Go
// sources inside node_modules (flatted does), which `go vet ./...` and
// `go test ./...` at the repository root would otherwise pick up.
module github.com/hanko-gin/hanko-gin/frontend

go 1.26
