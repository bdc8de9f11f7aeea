// Package haresources parses /etc/ha.d/haresources as heartbeat 3.0.6's
// ResourceManager script reads it (spec 3.1): comments removed, lines ending
// in `\` joined to the next without a blank, blanks collapsed, the node name
// lower-cased; each remaining line is a resource group `NODE RSC1 RSC2 ...`.
//
// It keeps the position (file, physical line) of every token. Whether the
// node is a cluster member and which agent provides each resource is decided
// elsewhere (package config).
package haresources

import (
	"fmt"
	"io"
	"strings"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

// Resource is one resource word of a group.
type Resource struct {
	// Text is the word as written (after normalisation), e.g.
	// "10.0.0.1/24/eth0" or "Filesystem::/dev/sda1::/data::ext3".
	Text string
	// Script is the agent name: the text before the first `::`, or IPaddr
	// for a bare IPv4 address.
	Script string
	// Args are the arguments split as ResourceManager splits them.
	Args []string
	// Shorthand is true for a bare IP address (IPaddr::<word>).
	Shorthand bool
	File      string
	Line      int
}

// Group is one line of haresources.
type Group struct {
	// Node is the preferred owner, lower-cased.
	Node string
	// Key identifies the group: everything after the node name, blanks collapsed.
	Key       string
	Resources []Resource
	File      string
	Line      int // the physical line where the group starts
}

// Resources is a parsed haresources file.
type Resources struct {
	Groups []Group
	// Warnings are quirks 3.0.6 accepts silently but that are probably mistakes.
	Warnings []*scan.Error
}

// Options exists for symmetry with the other parsers; haresources has no
// 3.0.6 parse messages of its own.
type Options struct{}

// segment is a piece of a logical line and the physical line it came from.
type segment struct {
	text string
	line int
}

// Parse reads haresources from r. Errors (a scan.ErrorList) are lines the
// scanner refuses (too long, NUL bytes, unreadable).
func Parse(name string, r io.Reader, _ Options) (*Resources, error) {
	res := &Resources{}
	warn := func(line int, format string, args ...any) {
		res.Warnings = append(res.Warnings, &scan.Error{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	sc := scan.New(name, r)
	crlf := false
	next := func() (scan.Line, bool) {
		l, ok := sc.Next()
		if ok && strings.HasSuffix(l.Text, "\r") {
			// ResourceManager would keep the CR in the last word of the line.
			l.Text = strings.TrimSuffix(l.Text, "\r")
			if !crlf {
				crlf = true
				warn(l.Num, "CRLF line ends: heartbeat 3.0.6's ResourceManager keeps the CR in the last resource of each line (heartbeat-go drops it)")
			}
		}
		return l, ok
	}
	for l, ok := next(); ok; l, ok = next() {
		first := l.Text
		if i := strings.IndexByte(first, '#'); i >= 0 {
			first = first[:i]
		}
		segs := []segment{{first, l.Num}}
		// sed ':a; /\\$/N; s/\\\n//; ta': comments are only removed from the
		// first line, before joining.
		for strings.HasSuffix(segs[len(segs)-1].text, `\`) {
			nl, ok := next()
			if !ok {
				warn(l.Num, "the last line ends with a backslash; heartbeat 3.0.6 keeps it as part of the last resource")
				break
			}
			last := &segs[len(segs)-1]
			last.text = strings.TrimSuffix(last.text, `\`)
			if strings.Contains(nl.Text, "#") {
				warn(nl.Num, "`#` in a continued line is not a comment for heartbeat 3.0.6's ResourceManager: the words after it are resources")
			}
			segs = append(segs, segment{nl.Text, nl.Num})
		}
		if g, ok := group(name, segs); ok {
			if len(g.Resources) == 0 {
				warn(g.Line, "group of node %s has no resources", g.Node)
			}
			res.Groups = append(res.Groups, g)
		}
	}
	errs := sc.Errs
	errs.Sort()
	return res, errs.Err()
}

// group splits a joined line into words at blanks and tabs, each word taking
// the physical line where it starts.
func group(file string, segs []segment) (Group, bool) {
	type word struct {
		text string
		line int
	}
	var words []word
	inWord := false
	for _, s := range segs {
		for _, c := range s.text {
			if c == ' ' || c == '\t' {
				inWord = false
				continue
			}
			if !inWord {
				words = append(words, word{line: s.line})
				inWord = true
			}
			words[len(words)-1].text += string(c)
		}
	}
	if len(words) == 0 {
		return Group{}, false
	}
	g := Group{Node: strings.ToLower(words[0].text), File: file, Line: words[0].line}
	keys := make([]string, 0, len(words)-1)
	for _, w := range words[1:] {
		g.Resources = append(g.Resources, parseResource(file, w.line, w.text))
		keys = append(keys, w.text)
	}
	g.Key = strings.Join(keys, " ")
	return g, true
}

func parseResource(file string, line int, text string) Resource {
	r := Resource{Text: text, File: file, Line: line, Shorthand: IsIP(text)}
	if r.Shorthand {
		r.Script, r.Args = "IPaddr", []string{text}
		return r
	}
	script, _, hasArgs := strings.Cut(text, "::")
	r.Script = script
	if hasArgs {
		r.Args = splitArgs(text)
	}
	return r
}

// splitArgs is ResourceManager's resource2arg: sed 's%[^:]*::%%' removes the
// first run of non-colons followed by "::", the remaining "::" become blanks,
// and the shell splits the result into words.
func splitArgs(text string) []string {
	i := strings.Index(text, "::")
	j := strings.LastIndexByte(text[:i], ':') + 1
	rest := text[:j] + text[i+2:]
	return strings.Fields(strings.ReplaceAll(rest, "::", " "))
}

// IsIP reports whether a word is taken for an IP address by ResourceManager:
// it matches the shell pattern [0-9]*.[0-9]*.[0-9]*.[0-9]*, i.e. it starts
// with a digit and contains three more "." each followed by a digit.
func IsIP(word string) bool {
	if word == "" || word[0] < '0' || word[0] > '9' {
		return false
	}
	rest := word[1:]
	for range 3 {
		found := false
		for i := 0; i+1 < len(rest); i++ {
			if rest[i] == '.' && rest[i+1] >= '0' && rest[i+1] <= '9' {
				rest, found = rest[i+2:], true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
