package main

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Markers, in any file's comment syntax (//, #, <!-- -->, /* */):
//
//	code // feature:NAME            this line is NAME's
//	// feature:NAME begin           the lines up to the matching
//	...                             "feature:NAME end" are NAME's
//	// feature:NAME end
//
// A trailing marker may go on with a description: "// feature:NAME — why".
var (
	spanMarker     = regexp.MustCompile(`^\s*(?://|#|<!--|/\*)\s*feature:([a-z][a-z0-9-]*)\s+(begin|end)\s*(?:-->|\*/)?\s*$`)
	trailingMarker = regexp.MustCompile(`(?:^|\s)(?://|#|<!--|/\*)\s*feature:([a-z][a-z0-9-]*)\b`)
	// What stripping a trailing marker takes: the marker, a separator after
	// it, and the comment itself when nothing else is in it.
	markerText  = regexp.MustCompile(`feature:[a-z][a-z0-9-]*\s*(?:(?:—|–|-|:)\s+)?`)
	spanWord    = regexp.MustCompile(`^\s+(?:begin|end)\b`)
	emptyEnding = regexp.MustCompile(`\s*(?://|#|<!--\s*-->|/\*\s*\*/)\s*$`)
)

type line struct {
	text string
	del  bool
}

// edit is one file's change: the lines of removed features go (and, when
// strip is set, every marker that is left), then, in Markdown, what links a
// removed path and what that leaves empty. gone tells whether a repository
// path is removed. It returns src unchanged when there is nothing to do, and
// notes on what it could not do.
func edit(rel string, src string, removed map[string]bool, strip bool, gone func(string) bool) (string, []string) {
	if !strings.Contains(src, "feature:") && !(isMarkdown(rel) && strings.Contains(src, "](")) {
		return src, nil
	}
	text, final := strings.CutSuffix(src, "\n")
	ls := make([]line, 0, strings.Count(text, "\n")+1)
	for t := range strings.SplitSeq(text, "\n") {
		ls = append(ls, line{text: t})
	}
	md := isMarkdown(rel)
	var code []bool
	var emptyBefore map[int]bool
	if md {
		code = codeLines(ls)
		emptyBefore = emptyHeadings(ls, code)
	}
	notes := markers(rel, ls, removed, strip, md)
	if md {
		markdown(rel, ls, code, emptyBefore, gone)
	}
	out := join(ls)
	if out == text {
		return src, notes
	}
	if final {
		out += "\n"
	}
	return out, notes
}

func isMarkdown(rel string) bool { return strings.HasSuffix(rel, ".md") }

// markers deletes removed features' lines and spans; with strip, it also
// deletes the span lines of the others and strips their trailing markers.
func markers(rel string, ls []line, removed map[string]bool, strip bool, md bool) []string {
	var notes []string
	// Pair each begin with the next end of the same name. A begin whose end
	// the user deleted removes only itself: guessing where the span ended
	// could take the user's own lines.
	end := map[int]int{}
	open := map[string][]int{}
	for i, l := range ls {
		m := spanMarker.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		if m[2] == "begin" {
			open[m[1]] = append(open[m[1]], i)
		} else if s := open[m[1]]; len(s) > 0 {
			end[s[len(s)-1]] = i
			open[m[1]] = s[:len(s)-1]
		}
	}
	for i := 0; i < len(ls); i++ {
		if m := spanMarker.FindStringSubmatch(ls[i].text); m != nil {
			name := m[1]
			j, paired := end[i]
			switch {
			case removed[name] && paired:
				for k := i; k <= j; k++ {
					ls[k].del = true
				}
				i = j
			case removed[name] || strip:
				ls[i].del = true
				if m[2] == "begin" && !paired && removed[name] {
					notes = append(notes, fmt.Sprintf("%s:%d: feature:%s begin has no end: only the marker was removed", rel, i+1, name))
				}
			}
			continue
		}
		m := trailingMarker.FindAllStringSubmatchIndex(ls[i].text, -1)
		if m == nil || spanWord.MatchString(ls[i].text[m[len(m)-1][1]:]) {
			continue // no marker, or a span marker quoted in a line (a diff in a doc)
		}
		name := ls[i].text[m[len(m)-1][2]:m[len(m)-1][3]]
		switch {
		case removed[name]:
			ls[i].del = true
			if md {
				// A marked list item goes with its continuation lines.
				if ind, ok := listItem(ls[i].text); ok {
					for k := i + 1; k < len(ls) && continues(ls[k].text, ind); k++ {
						ls[k].del = true
					}
				}
			}
		case strip:
			start := m[len(m)-1][0]
			rest := markerText.ReplaceAllString(ls[i].text[start:], "")
			ls[i].text = strings.TrimRight(emptyEnding.ReplaceAllString(ls[i].text[:start]+rest, ""), " \t")
		}
	}
	return notes
}

var (
	listStart = regexp.MustCompile(`^(\s*)(?:[-*+]|\d+[.)])\s+`)
	heading   = regexp.MustCompile(`^(#{1,6})\s`)
	tableSep  = regexp.MustCompile(`^\s*\|?\s*:?-{3,}`)
	link      = regexp.MustCompile(`(!?)\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	refLink   = regexp.MustCompile(`^\s*\[[^\]]+\]:\s*(\S+)`)
	fence     = regexp.MustCompile("^\\s*(```|~~~)")
)

// listItem reports whether s starts a list item, and its indentation.
func listItem(s string) (int, bool) {
	m := listStart.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	return len(m[1]), true
}

// continues reports whether s belongs to a list item indented by ind: it is
// not blank and indented deeper.
func continues(s string, ind int) bool {
	return strings.TrimSpace(s) != "" && len(s)-len(strings.TrimLeft(s, " \t")) > ind
}

// markdown drops list items, table rows and reference links that link a
// removed path, tables and headings left with nothing under them, and turns
// the other links to removed paths into plain text.
func markdown(rel string, ls []line, code []bool, emptyBefore map[int]bool, gone func(string) bool) {
	linksGone := func(s string) bool {
		for _, m := range link.FindAllStringSubmatch(s, -1) {
			if target(rel, m[3], gone) {
				return true
			}
		}
		if m := refLink.FindStringSubmatch(s); m != nil {
			return target(rel, m[1], gone)
		}
		return false
	}
	for i := 0; i < len(ls); i++ {
		if ls[i].del || code[i] {
			continue
		}
		t := ls[i].text
		if ind, ok := listItem(t); ok {
			// The item's own lines: up to its first nested item.
			own := i + 1
			for own < len(ls) && !ls[own].del && continues(ls[own].text, ind) {
				if _, nested := listItem(ls[own].text); nested {
					break
				}
				own++
			}
			drop := false
			for k := i; k < own; k++ {
				drop = drop || !ls[k].del && linksGone(ls[k].text)
			}
			if drop {
				ls[i].del = true
				for k := i + 1; k < len(ls) && (ls[k].del || continues(ls[k].text, ind)); k++ {
					ls[k].del = true
				}
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(t), "|") && linksGone(t) || refLink.MatchString(t) && linksGone(t) {
			ls[i].del = true
		}
	}
	// Tables whose every row went.
	for i := 0; i+1 < len(ls); i++ {
		if code[i] || ls[i].del || !strings.HasPrefix(strings.TrimSpace(ls[i].text), "|") || !tableSep.MatchString(ls[i+1].text) {
			continue
		}
		j, rows, left := i+2, 0, 0
		for ; j < len(ls) && strings.HasPrefix(strings.TrimSpace(ls[j].text), "|"); j++ {
			rows++
			if !ls[j].del {
				left++
			}
		}
		if rows > 0 && left == 0 {
			ls[i].del, ls[i+1].del = true, true
		}
		i = j - 1
	}
	// Headings that had something under them and now have nothing.
	emptyAfter := emptyHeadings(ls, code)
	for i := len(ls) - 1; i >= 0; i-- {
		if emptyAfter[i] && !emptyBefore[i] {
			ls[i].del = true
			emptyAfter = emptyHeadings(ls, code)
		}
	}
	// Other links to removed paths become their text.
	for i := range ls {
		if ls[i].del || code[i] {
			continue
		}
		ls[i].text = link.ReplaceAllStringFunc(ls[i].text, func(s string) string {
			m := link.FindStringSubmatch(s)
			switch {
			case !target(rel, m[3], gone):
				return s
			case m[1] == "!":
				return ""
			default:
				return m[2]
			}
		})
	}
}

// codeLines marks the lines of fenced code blocks, fences included.
func codeLines(ls []line) []bool {
	code := make([]bool, len(ls))
	in := false
	for i, l := range ls {
		if fence.MatchString(l.text) {
			in = !in
			code[i] = true
		}
		code[i] = code[i] || in
	}
	return code
}

// emptyHeadings marks the headings with nothing but blank lines (or lines
// being deleted) before the next heading of the same or a higher level.
func emptyHeadings(ls []line, code []bool) map[int]bool {
	out := map[int]bool{}
	for i, l := range ls {
		m := heading.FindStringSubmatch(l.text)
		if l.del || code[i] || m == nil {
			continue
		}
		empty := true
		for j := i + 1; j < len(ls); j++ {
			if ls[j].del {
				continue
			}
			if n := heading.FindStringSubmatch(ls[j].text); n != nil && !code[j] && len(n[1]) <= len(m[1]) {
				break
			}
			if strings.TrimSpace(ls[j].text) != "" {
				empty = false
				break
			}
		}
		out[i] = empty
	}
	return out
}

// target reports whether a link in the Markdown file rel points at a
// removed path of the repository.
func target(rel, t string, gone func(string) bool) bool {
	if strings.Contains(t, "://") || strings.HasPrefix(t, "mailto:") || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "/") {
		return false
	}
	t, _, _ = strings.Cut(t, "#")
	t, _, _ = strings.Cut(t, "?")
	if t == "" {
		return false
	}
	p := path.Clean(path.Join(path.Dir(rel), t))
	return !strings.HasPrefix(p, "../") && gone(p)
}

// join writes the lines left, dropping a blank line that a deletion left
// next to another blank line (or at the start of the file).
func join(ls []line) string {
	var b strings.Builder
	lastBlank, cut, first := true, false, true
	for _, l := range ls {
		if l.del {
			cut = true
			continue
		}
		blank := strings.TrimSpace(l.text) == ""
		if blank && lastBlank && cut {
			continue
		}
		if !first {
			b.WriteByte('\n')
		}
		b.WriteString(l.text)
		first, lastBlank, cut = false, blank, false
	}
	if cut { // the file's last lines went: so does the blank line before them
		return strings.TrimRight(b.String(), " \t\n")
	}
	return b.String()
}
