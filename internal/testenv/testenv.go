// Package testenv holds the one rule for tests that need a program from
// outside Go (PostgreSQL's server binaries, curl, bash): where the program is
// missing they skip with one line saying what to install, and where
// HANKO_GIN_REQUIRE_TOOLS=1 is set (CI sets it) they fail instead, so nothing
// is skipped unnoticed there.
package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// RequireVar names the environment variable that turns skips into failures.
const RequireVar = "HANKO_GIN_REQUIRE_TOOLS"

// Need returns the path of program on PATH. When it is not there, t is
// skipped, or failed under HANKO_GIN_REQUIRE_TOOLS=1.
func Need(t testing.TB, program string) string {
	t.Helper()
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
		t.Fatalf("%s (required because %s is set)", why, RequireVar)
	}
	t.Skipf("SKIP: %s (with %s=1, as in CI, this fails instead)", why, RequireVar)
}

// required reports whether HANKO_GIN_REQUIRE_TOOLS asks for every tool. A
// value that is not a boolean fails t rather than being read as "no".
func required(t testing.TB) bool {
	t.Helper()
	v := os.Getenv(RequireVar)
	if v == "" {
		return false
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		t.Fatalf("%s=%q: want 1 (tools are required) or 0", RequireVar, v)
	}
	return on
}
