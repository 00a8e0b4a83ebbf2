package main

import (
	"strings"
	"testing"
)

func TestEdit(t *testing.T) {
	gone := []string{"features/webhooks", "docs/webhooks.md"}
	tests := []struct {
		name    string
		file    string
		src     string
		removed string // comma-separated
		strip   bool
		want    string
		note    string // a note that must be given
	}{
		{name: "trailing marker", file: "main.go", removed: "webhooks",
			src:  "a\n\twebhooks.Feature{}, // feature:webhooks — why\nb\n",
			want: "a\nb\n"},
		{name: "another feature's line stays", file: "main.go", removed: "roles",
			src:  "a\n\twebhooks.Feature{}, // feature:webhooks — why\n",
			want: "a\n\twebhooks.Feature{}, // feature:webhooks — why\n"},
		{name: "span, and the blank line it leaves", file: "config.yaml", removed: "webhooks",
			src:  "a: 1\n\n# feature:webhooks begin\nwebhooks:\n  on: true\n# feature:webhooks end\n\nb: 2\n",
			want: "a: 1\n\nb: 2\n"},
		{name: "lines the user edited inside a span go with it", file: ".env.example", removed: "metrics",
			src:  "# feature:metrics begin\n# my own note\nMETRICS_ADDR=:9090\n# feature:metrics end\nPORT=1\n",
			want: "PORT=1\n"},
		{name: "nested spans of two features", file: "x.sh", removed: "hankoadmin",
			src:  "# feature:hankoadmin begin\nA=1 # feature:roles\n# feature:hankoadmin end\nB=2\n",
			want: "B=2\n"},
		{name: "a span whose end the user deleted loses only its marker", file: "x.yaml", removed: "webhooks",
			src: "# feature:webhooks begin\nmine: 1\n", want: "mine: 1\n",
			note: "has no end"},
		{name: "a marker the user deleted is nothing to remove", file: "main.go", removed: "webhooks",
			src: "\twebhooks.Feature{}, // my comment\n", want: "\twebhooks.Feature{}, // my comment\n"},
		{name: "strip: markers go, the lines stay", file: "main.go", removed: "starter", strip: true,
			src:  "\troles.Feature{}, // feature:roles — the admin area\n\tx := 1 // feature:roles\n// feature:metrics begin\nm()\n// feature:metrics end\nrun() // feature:starter\n",
			want: "\troles.Feature{}, // the admin area\n\tx := 1\nm()\n"},
		{name: "strip in Markdown and YAML", file: "a.md", removed: "starter", strip: true,
			src:  "- an item <!-- feature:roles -->\n- tool <!-- feature:starter -->\n",
			want: "- an item\n"},
		{name: "strip a comment line's marker", file: "c.yml", removed: "starter", strip: true,
			src:  "  # - the admin area # feature:roles\n",
			want: "  # - the admin area\n"},
		{name: "a marked list item goes with its continuation lines", file: "README.md", removed: "roles",
			src:  "- one\n- two <!-- feature:roles -->\n  more of two\n    - nested\n- three\n",
			want: "- one\n- three\n"},
		{name: "list items and table rows that link a removed path", file: "docs/api.md", removed: "webhooks",
			src:  "# API\n\n| a | b |\n|---|---|\n| x | y |\n| hook | [w](webhooks.md#x) |\n\n- see [w](webhooks.md)\n  continued\n- kept\n",
			want: "# API\n\n| a | b |\n|---|---|\n| x | y |\n\n- kept\n"},
		{name: "a table left without rows goes, and so does its empty section", file: "docs/layout.md", removed: "webhooks",
			src:  "# Layout\n\nintro\n\n## The features\n\n| path | what |\n|---|---|\n| [`features/webhooks/`](../features/webhooks/) | hooks |\n\n## Next\n\ntext\n",
			want: "# Layout\n\nintro\n\n## Next\n\ntext\n"},
		{name: "a section left with only an empty subsection goes", file: "README.md", removed: "webhooks",
			src:  "# R\n\n## A\n\n### B\n\n- [w](docs/webhooks.md)\n\n## C\n\nc\n",
			want: "# R\n\n## C\n\nc\n"},
		{name: "a section whose only lines were marked goes", file: "README.md", removed: "starter",
			src:  "# R\n\n## Features\n\nCut one. <!-- feature:starter -->\n\n## Reference\n\nr\n",
			want: "# R\n\n## Reference\n\nr\n"},
		{name: "a heading that was empty before stays", file: "README.md", removed: "webhooks",
			src:  "# R\n\n## Todo\n\n## C\n\n- [w](docs/webhooks.md) <!-- feature:webhooks -->\n- c\n",
			want: "# R\n\n## Todo\n\n## C\n\n- c\n"},
		{name: "a link in a paragraph becomes its text", file: "deploy/README.md", removed: "webhooks",
			src:  "Deletion works. See [the doc](../docs/webhooks.md#a) and [auth](../docs/auth.md).\n",
			want: "Deletion works. See the doc and [auth](../docs/auth.md).\n"},
		{name: "code blocks are not Markdown", file: "README.md", removed: "webhooks",
			src:  "```md\n- [w](docs/webhooks.md)\n```\n",
			want: "```md\n- [w](docs/webhooks.md)\n```\n"},
		{name: "a marker in a code block still counts", file: "README.md", removed: "roles",
			src:  "```ts\n  roles, // feature:roles — admin\n  other,\n```\n",
			want: "```ts\n  other,\n```\n"},
		{name: "last lines of the file", file: "x.sh", removed: "metrics",
			src:  "a\n\n# feature:metrics begin\nb\n# feature:metrics end\n",
			want: "a\n"},
		{name: "a span marker quoted in a diff is no marker", file: "docs/tutorial.md", removed: "hello,starter", strip: true,
			src:  "```diff\n+\t// feature:hello begin\n+\thello.Feature{},\n```\n",
			want: "```diff\n+\t// feature:hello begin\n+\thello.Feature{},\n```\n"},
		{name: "words that look like markers but are not", file: "README.md", removed: "webhooks",
			src:  "Mark a line with `// feature:NAME`; see http://x/#feature:webhooks\n",
			want: "Mark a line with `// feature:NAME`; see http://x/#feature:webhooks\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			removed := map[string]bool{}
			for n := range strings.SplitSeq(tt.removed, ",") {
				removed[n] = true
			}
			got, notes := edit(tt.file, tt.src, removed, tt.strip, func(p string) bool { return under(p, gone) })
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
			if tt.note != "" && !strings.Contains(strings.Join(notes, "\n"), tt.note) {
				t.Errorf("notes %q, want one saying %q", notes, tt.note)
			}
		})
	}
}

func TestFixGo(t *testing.T) {
	tests := []struct{ name, before, after, want string }{
		{
			name:   "an import the removed line was the last to use goes",
			before: "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/features/webhooks\"\n)\n\nvar _ = webhooks.Feature{}\nvar _ = fmt.Sprint\n",
			after:  "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/features/webhooks\"\n)\n\nvar _ = fmt.Sprint\n",
			want:   "package main\n\nimport (\n\t\"fmt\"\n)\n\nvar _ = fmt.Sprint\n",
		},
		{
			name:   "the whole import declaration, and gofmt",
			before: "package main\n\nimport \"slices\"\n\nvar x = []int{\n\t1, // a\n\t2,    // b\n}\nvar _ = slices.Max(x)\n",
			after:  "package main\n\nimport \"slices\"\n\nvar x = []int{\n\t2,    // b\n}\n",
			want:   "package main\n\nvar x = []int{\n\t2, // b\n}\n",
		},
		{
			name:   "an import still used stays; a name guessed wrong stays",
			before: "package main\n\nimport (\n\t\"fmt\"\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = fmt.Sprint\nvar _ = yaml.Marshal\n",
			after:  "package main\n\nimport (\n\t\"fmt\"\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = fmt.Sprint\nvar _ = yaml.Marshal\n",
			want:   "package main\n\nimport (\n\t\"fmt\"\n\t\"gopkg.in/yaml.v3\"\n)\n\nvar _ = fmt.Sprint\nvar _ = yaml.Marshal\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fixGo("x.go", tt.before, tt.after)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
	if _, err := fixGo("x.go", "package main\n", "package main\nfunc {\n"); err == nil {
		t.Error("a file that does not parse: no error")
	}
}

func TestRetire(t *testing.T) {
	for _, src := range []string{
		"package config\n\nvar retired = map[string]string{}\n\nfunc f() {}\n",
		"package config\n\nvar retired = map[string]string{\n\t\"A_B\": \"old\",\n}\n\nfunc f() {}\n",
	} {
		got, err := retire(src, map[string]string{"METRICS_ADDR": "metrics"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, "\t\"METRICS_ADDR\": \"metrics\",\n}\n\nfunc f() {}\n") ||
			strings.Contains(src, "A_B") != strings.Contains(got, "\t\"A_B\":          \"old\",\n") {
			t.Errorf("from\n%s\ngot\n%s", src, got)
		}
	}
}

func TestSettingsRead(t *testing.T) {
	src := "package m\n\nfunc f(s S, h H) {\n\ts.Get(\"METRICS_ADDR\", \"\")\n\th.Get(\"Content-Type\")\n\th.Get(\"X-Total-Count\", \"\")\n}\n"
	if got := settingsRead(src); len(got) != 1 || got[0] != "METRICS_ADDR" {
		t.Errorf("got %q, want [METRICS_ADDR]", got)
	}
}
