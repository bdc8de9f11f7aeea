package resource

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ipShorthand is ResourceManager's isip glob [0-9]*.[0-9]*.[0-9]*.[0-9]*:
// a word that looks like an IPv4 address stands for IPaddr::word.
var ipShorthand = regexp.MustCompile(`(?s)^[0-9].*\.[0-9].*\.[0-9].*\.[0-9].*$`)

// ParseWord splits a haresources resource word into the agent name and its
// arguments, as ResourceManager does: a bare IPv4 address (with optional
// /bits/nic/broadcast) means IPaddr::word, the arguments follow the name
// separated by "::", and empty arguments vanish (the script's unquoted
// expansion drops them). Names that could leave the script directories
// ("..", anything with "/") are rejected.
func ParseWord(word string) (name string, args []string, err error) {
	if ipShorthand.MatchString(word) {
		word = "IPaddr::" + word
	}
	name, rest, _ := strings.Cut(word, "::")
	switch {
	case name == "":
		return "", nil, errors.New("empty resource name")
	case strings.ContainsAny(name, "/ \t\n\x00"), name == "." || name == "..":
		return "", nil, fmt.Errorf("invalid resource name %q", name)
	}
	if rest == "" {
		return name, nil, nil
	}
	for _, a := range strings.Split(rest, "::") {
		if a != "" {
			args = append(args, a)
		}
	}
	return name, args, nil
}

// StatusRunning applies heartbeat's status convention (spec 3.2) to the
// stdout of `script args status`, with the globs of ResourceManager's
// we_own_resource, first match wins:
//
//	*[Nn][Oo][Tt]\ *[Rr]unning*  stopped ("Not running", "is NOT currently Running")
//	*[Rr]unning* | *OK*          running
//	anything else                stopped ("", "stopped", "RUNNING")
func StatusRunning(stdout string) bool {
	if i := indexNotBlank(stdout); i >= 0 && hasRunning(stdout[i:]) {
		return false
	}
	return hasRunning(stdout) || strings.Contains(stdout, "OK")
}

// indexNotBlank finds the first "not " in any letter case and returns the
// index just past it, or -1. The first one leaves the longest tail, so it
// is the only one worth checking.
func indexNotBlank(s string) int {
	for i := 0; i+4 <= len(s); i++ {
		if strings.EqualFold(s[i:i+3], "not") && s[i+3] == ' ' {
			return i + 4
		}
	}
	return -1
}

func hasRunning(s string) bool {
	return strings.Contains(s, "running") || strings.Contains(s, "Running")
}
