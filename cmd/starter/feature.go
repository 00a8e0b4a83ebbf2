package main

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// A feature is everything that belongs to one optional part of the starter,
// written down so that it can be removed from a clone.
type feature struct {
	// Name is what `remove` takes (webhooks, roles, metrics).
	Name string
	// Description is the one line `list` shows.
	Description string
	// Dir is the feature's own folder. The feature counts as present while
	// it exists and as removed once it is gone (then nothing else of the
	// manifest is required to match).
	Dir string
	// Paths are the files and folders deleted with the feature, Dir among
	// them. Each must exist while the feature is present.
	Paths []string
	// Blocks are runs of lines deleted (or replaced) in files that stay.
	Blocks []block
	// Imports are Go import paths whose import specs are removed from every
	// .go file. The packages in deleted folders of this module are added
	// without being listed.
	Imports []string
	// Env names the feature's settings: after removal they appear nowhere.
	Env []string
	// Gone lists other words that appear nowhere after removal (routes,
	// subcommands, modules): the "looks written by hand" check greps for them.
	Gone []string
	// KeepIn are files or folders that may still mention the feature once
	// it is removed, because they stay on purpose (auth keeps VerifyWebhook).
	KeepIn []string
	// Routes, Commands and ProbeEnv tell TestRemovedFeaturesAreGone how to
	// see the feature in the running program. Routes are requests ("METHOD
	// /path" on the server, or "METHOD http://${metrics_addr}/path" on a
	// listener of the feature's own): while the feature is present they
	// answer other than 404, once it is removed they answer 404 (or nothing
	// listens). Commands are subcommands of the binary that become unknown.
	// ProbeEnv are the settings that turn the feature on; ${hanko_admin_url}
	// (the stand-in Hanko's admin API) and ${metrics_addr} (a free loopback
	// address) are filled in.
	Routes   []string
	Commands []string
	ProbeEnv map[string]string
	// UsedBy, on a shared part, names the features that use it: it is
	// removed with the last of them and cannot be removed by name.
	UsedBy []string
}

// A block is a run of consecutive lines of File, written exactly as they are
// (tabs included, no line endings). It must occur exactly once in File; it is
// deleted, or replaced by With when With is set.
type block struct {
	File  string
	Lines []string
	With  []string
}

// A catalog is the set of features the tool knows, in the order `list`
// shows them, and the parts they share.
type catalog struct {
	Module   string // the module path of the repository's root go.mod
	Features []*feature
	Shared   []*feature
}

// defaultCatalog is this repository's: one manifest per feature_<name>.go.
var defaultCatalog = catalog{
	Module:   "github.com/hanko-gin/hanko-gin",
	Features: []*feature{&webhooks, &roles, &metrics},
	Shared:   []*feature{&hankoadmin, &e2eFeatures},
}

// names returns the names remove accepts, in list order.
func (c catalog) names() []string {
	var names []string
	for _, f := range c.Features {
		names = append(names, f.Name)
	}
	return names
}

func (c catalog) feature(name string) *feature {
	for _, f := range c.Features {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// check reports mistakes in the manifests themselves (not in the repository):
// paths that are not plain relative paths, a feature without a folder, a
// shared part used by an unknown feature.
func (c catalog) check() error {
	var problems []string
	seen := map[string]bool{}
	all := append(slices.Clone(c.Features), c.Shared...)
	for i, f := range all {
		shared := i >= len(c.Features)
		switch {
		case f.Name == "" || strings.ContainsAny(f.Name, " \t/"):
			problems = append(problems, fmt.Sprintf("feature name %q: want one word", f.Name))
		case seen[f.Name]:
			problems = append(problems, fmt.Sprintf("feature %q: listed twice", f.Name))
		}
		seen[f.Name] = true
		if shared != (len(f.UsedBy) > 0) {
			problems = append(problems, fmt.Sprintf("%s: UsedBy is for shared parts, and only they need it", f.Name))
		}
		for _, u := range f.UsedBy {
			if c.feature(u) == nil {
				problems = append(problems, fmt.Sprintf("%s: used by unknown feature %q", f.Name, u))
			}
		}
		if f.Dir == "" || !slices.Contains(f.Paths, f.Dir) {
			problems = append(problems, fmt.Sprintf("%s: Dir %q must be one of its Paths", f.Name, f.Dir))
		}
		paths := slices.Clone(f.Paths)
		for _, b := range f.Blocks {
			paths = append(paths, b.File)
			if len(b.Lines) == 0 {
				problems = append(problems, fmt.Sprintf("%s: empty block in %s", f.Name, b.File))
			}
			for _, p := range f.Paths {
				if b.File == p || strings.HasPrefix(b.File, p+"/") {
					problems = append(problems, fmt.Sprintf("%s: a block in %s, which it deletes", f.Name, b.File))
				}
			}
		}
		for _, p := range paths {
			if !cleanRel(p) {
				problems = append(problems, fmt.Sprintf("%s: path %q: want a clean path relative to the repository root, with / and no ..", f.Name, p))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the manifests are wrong:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// cleanRel reports whether p is a clean, slash-separated path inside the root.
func cleanRel(p string) bool {
	return p != "" && p != "." && path.Clean(p) == p && !path.IsAbs(p) &&
		p != ".." && !strings.HasPrefix(p, "../") && !strings.Contains(p, `\`)
}
