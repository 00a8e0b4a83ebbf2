package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records how Need ended a test. Fatalf and Skipf stop the calling
// goroutine, as the real ones do.
type fakeTB struct {
	testing.TB
	fatal, skip string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skip = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestNeed(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "hanko-gin-test-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, program, require string
		wantPath               string
		wantSkip, wantFatal    []string // substrings; nil: must not happen
	}{
		{name: "present", program: "hanko-gin-test-tool", wantPath: tool},
		{name: "present, required", program: "hanko-gin-test-tool", require: "1", wantPath: tool},
		{name: "missing skips", program: "hanko-gin-no-such-tool",
			wantSkip: []string{"SKIP: hanko-gin-no-such-tool is not on PATH", "HANKO_GIN_REQUIRE_TOOLS=1"}},
		{name: "missing, 0 skips", program: "hanko-gin-no-such-tool", require: "0",
			wantSkip: []string{"hanko-gin-no-such-tool is not on PATH"}},
		{name: "missing, required fails", program: "hanko-gin-no-such-tool", require: "1",
			wantFatal: []string{"hanko-gin-no-such-tool is not on PATH", "required because HANKO_GIN_REQUIRE_TOOLS=1"}},
		{name: "unclear value fails", program: "hanko-gin-no-such-tool", require: "true",
			wantFatal: []string{`HANKO_GIN_REQUIRE_TOOLS="true": want 1`}},
		{name: "unclear value fails even when present", program: "hanko-gin-test-tool", require: "yes",
			wantFatal: []string{`HANKO_GIN_REQUIRE_TOOLS="yes": want 1`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", dir)
			t.Setenv(RequireVar, tc.require)
			f := &fakeTB{TB: t}
			var got string
			done := make(chan struct{})
			go func() {
				defer close(done)
				got = Need(f, tc.program)
			}()
			<-done
			if got != tc.wantPath {
				t.Errorf("path = %q, want %q", got, tc.wantPath)
			}
			for _, c := range []struct {
				what, got string
				want      []string
			}{{"skip", f.skip, tc.wantSkip}, {"fatal", f.fatal, tc.wantFatal}} {
				if c.want == nil && c.got != "" {
					t.Errorf("unexpected %s: %q", c.what, c.got)
				}
				if c.want != nil && c.got == "" {
					t.Errorf("no %s, want one containing %q", c.what, c.want)
				}
				for _, w := range c.want {
					if !strings.Contains(c.got, w) {
						t.Errorf("%s = %q, want it to contain %q", c.what, c.got, w)
					}
				}
				if strings.Contains(c.got, "\n") {
					t.Errorf("%s is more than one line: %q", c.what, c.got)
				}
			}
		})
	}
}
