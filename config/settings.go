package config

import (
	"fmt"
	"slices"
	"strings"
)

// Settings reads settings from the environment and collects every problem
// found in them, the core's (Read) and each feature's (in app.Feature's
// Setup), so that start-up fails once, with one message naming them all.
type Settings struct {
	getenv   func(string) string
	problems []string
	core     Config
}

// NewSettings reads through getenv (os.Getenv, or a lookup that also sees
// .env).
func NewSettings(getenv func(string) string) *Settings {
	return &Settings{getenv: getenv}
}

// Get returns the setting name with surrounding spaces trimmed, or def when
// it is unset or blank.
func (s *Settings) Get(name, def string) string {
	if v := strings.TrimSpace(s.getenv(name)); v != "" {
		return v
	}
	return def
}

// Bad reports a problem, a sentence that names the setting, e.g.
// Bad("PORT %q must be a number", v). A problem reported twice (two
// features reading the same setting) is listed once. Never put a secret in it.
func (s *Settings) Bad(format string, args ...any) {
	p := fmt.Sprintf(format, args...)
	if !slices.Contains(s.problems, p) {
		s.problems = append(s.problems, p)
	}
}

// Core returns the core settings Read found (zero before Read, and zero
// fields for invalid settings).
func (s *Settings) Core() Config { return s.core }

// Err returns an *Error listing every problem reported, or nil.
func (s *Settings) Err() error {
	if len(s.problems) == 0 {
		return nil
	}
	return &Error{Problems: slices.Clone(s.problems)}
}
