// Package testenv holds the one rule for tests that need a program from
// outside Go (PostgreSQL's server binaries, curl, bash): where the program is
// missing they skip with one line saying what to install, and where
// HANKO_GIN_REQUIRE_TOOLS=1 is set (CI sets it) they fail instead, so nothing
// is skipped unnoticed there.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireVar names the environment variable that turns skips into failures.
const RequireVar = "HANKO_GIN_REQUIRE_TOOLS"

// Need returns the path of program on PATH. When it is not there, t is
// skipped, or failed under HANKO_GIN_REQUIRE_TOOLS=1.
func Need(t testing.TB, program string) string {
	t.Helper()
	required(t) // a misspelt value fails now, not only once a program is missing
	path, err := exec.LookPath(program)
	if err != nil {
		Missing(t, program+" is not on PATH: install it to run this test")
	}
	return path
}

// Missing ends t because something it needs from outside Go is unavailable:
// it skips t with why, or fails t with why under HANKO_GIN_REQUIRE_TOOLS=1.
// why should be one line saying what is missing and how to get it.
func Missing(t testing.TB, why string) {
	t.Helper()
	if required(t) {
		t.Fatalf("%s (required because %s=1)", why, RequireVar)
	}
	t.Skipf("SKIP: %s (with %s=1, as in CI, this fails instead)", why, RequireVar)
}

// required reports whether HANKO_GIN_REQUIRE_TOOLS=1 asks for every tool. Any
// value other than "", 0 and 1 fails t rather than being guessed at.
func required(t testing.TB) bool {
	t.Helper()
	switch v := os.Getenv(RequireVar); v {
	case "", "0":
		return false
	case "1":
		return true
	default:
		t.Fatalf("%s=%q: want 1 (tools are required) or 0", RequireVar, v)
		return false
	}
}
