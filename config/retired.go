package config

import (
	"fmt"
	"maps"
	"slices"
)

// retired maps each setting of a feature removed from this project to that
// feature. Set, such a setting does nothing any more, so start-up says so
// instead of ignoring it silently.
// `go run ./cmd/starter remove NAME` adds the removed feature's settings. // feature:starter
var retired = map[string]string{}

// Retired returns one warning for each setting of a removed feature that is
// still set (in the environment or .env), naming the setting and the feature.
func (s *Settings) Retired() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(retired)) {
		if s.getenv(name) != "" {
			out = append(out, fmt.Sprintf("%s is set, but the %s feature that read it was removed: it does nothing", name, retired[name]))
		}
	}
	return out
}
