package authkeys

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

// Options change how Parse reports problems.
type Options struct {
	// LegacyName is the file name 3.0.6 prints in its messages
	// ("/etc/ha.d//authkeys", sic); empty means the name given to Parse.
	LegacyName string
}

const whitespace = " \t\n\r\f"

// ErrNoActiveKey means the file selects no valid key for signing (no `auth`
// line, or no valid key line of its index after it). 3.0.6 reports it after
// the problems of the lines, whatever their position.
var ErrNoActiveKey = errors.New("no key to sign with")

// Parse reads an authkeys file as heartbeat 3.0.6 does (spec 2.1): `#` starts
// a comment only at the start of a line, `auth N` selects the signing key,
// `N METHOD [SECRET]` defines key N (the secret is one blank-free token).
// Every valid key is kept, not only the active one. Errors (a scan.ErrorList)
// carry the lines 3.0.6 logs; Parse returns the keys it could read even then.
//
// As in 3.0.6, `auth N` only takes effect for key lines after it: the active
// key is the last key line whose index equalled the `auth` index in force.
func Parse(name string, r io.Reader, opts Options) (*Keys, error) {
	legacy := opts.LegacyName
	if legacy == "" {
		legacy = name
	}
	var (
		keys    = &Keys{Active: -1}
		errs    scan.ErrorList
		authnum = -1
		authAt  int
	)
	fail := func(line int, msg string, prio scan.Prio, legacyLines ...string) {
		ll := make([]scan.LogLine, len(legacyLines))
		for i, t := range legacyLines {
			ll[i] = scan.LogLine{Line: line, Prio: scan.PrioError, Text: t}
		}
		if len(ll) > 0 {
			ll[0].Prio = prio
		}
		errs.Add(name, line, msg, ll...)
	}
	sc := scan.New(name, r)
	for l, ok := sc.Next(); ok; l, ok = sc.Next() {
		bp := strings.TrimLeft(l.Text, whitespace)
		if bp == "" || bp[0] == '#' {
			continue
		}
		if bp[0] == 'a' {
			n, ok := scanAuth(bp)
			if !ok {
				fail(l.Num, fmt.Sprintf("Invalid auth line [%s]", l.Text), scan.PrioError,
					fmt.Sprintf("Invalid auth line [%s] in %s", l.Text, legacy))
				continue
			}
			authnum, authAt = n, l.Num
			continue
		}
		// sscanf("%d%s%s"): an integer, then two blank-free tokens.
		idx, n := leadingInt(bp)
		f := strings.FieldsFunc(bp[n:], func(r rune) bool { return strings.ContainsRune(whitespace, r) })
		if n == 0 || len(f) < 1 {
			fail(l.Num, fmt.Sprintf("Auth line [%s] is invalid.", l.Text), scan.PrioError,
				fmt.Sprintf("Auth line [%s] is invalid.", l.Text))
			continue
		}
		method, secret := f[0], ""
		if len(f) > 1 {
			secret = f[1]
		}
		m := Method(method)
		switch {
		case idx < 0 || idx > MaxIndex:
			fail(l.Num, fmt.Sprintf("Invalid authnum [%d]", idx), scan.PrioError,
				fmt.Sprintf("Invalid authnum [%d] in %s", idx, legacy))
			continue
		case !m.Valid():
			fail(l.Num, fmt.Sprintf("Invalid authtype [%s]", method), scan.PrioError,
				fmt.Sprintf("LoadPlugin on %s returned 5: No such plugin/interface/interface type", method),
				fmt.Sprintf("Lookup extended#2 returned FALSE for %s", method),
				fmt.Sprintf("Table size: %d", keys.methodCount()),
				fmt.Sprintf("Invalid authtype [%s]", method))
			continue
		case secret != "" && !m.NeedsKey():
			fail(l.Num, fmt.Sprintf("Auth method [%s] doesn't use a key", method), scan.PrioInfo,
				fmt.Sprintf("Auth method [%s] doesn't use a key", method))
			continue
		case secret == "" && m.NeedsKey():
			fail(l.Num, fmt.Sprintf("Auth method [%s] requires a key", method), scan.PrioError,
				fmt.Sprintf("Auth method [%s] requires a key", method))
			continue
		}
		keys.Set(Key{Index: idx, Method: m, Secret: secret})
		if idx == authnum {
			keys.Active = idx
		}
	}
	errs = append(errs, sc.Errs...)
	if keys.Active < 0 {
		if authnum < 0 {
			fail(0, "Missing auth directive", scan.PrioError,
				fmt.Sprintf("Missing auth directive in keyfile [%s]", legacy))
		} else {
			fail(authAt, fmt.Sprintf("Auth Key [%d] not found", authnum), scan.PrioError,
				fmt.Sprintf("Auth Key [%d] not found in keyfile [%s]", authnum, legacy))
		}
		errs[len(errs)-1].Err = ErrNoActiveKey
	}
	errs.Sort()
	return keys, errs.Err()
}

// scanAuth parses "auth %d" as sscanf does: the word auth, any blanks
// (possibly none), then an integer.
func scanAuth(s string) (int, bool) {
	rest, ok := strings.CutPrefix(s, "auth")
	if !ok {
		return 0, false
	}
	n, used := leadingInt(strings.TrimLeft(rest, whitespace))
	return n, used > 0
}

// leadingInt parses the integer at the start of s like sscanf's %d (blanks,
// a sign, digits) and returns it with the number of bytes used, 0 if none.
func leadingInt(s string) (int, int) {
	end := len(s) - len(strings.TrimLeft(s, whitespace))
	start := end
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	digits := end
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == digits {
		return 0, 0
	}
	n, err := strconv.Atoi(s[start:end])
	if err != nil {
		// Out of int range: certainly not an index 0..15.
		n = MaxIndex + 1
	}
	return n, end
}

// methodCount is the number of distinct methods of the keys read so far:
// 3.0.6 prints the size of its table of loaded auth plugins.
func (k *Keys) methodCount() int {
	seen := map[Method]bool{}
	for _, key := range k.keys {
		if key != nil {
			seen[key.Method] = true
		}
	}
	return len(seen)
}

// Indexes returns the indexes of the defined keys in increasing order.
func (k *Keys) Indexes() []int {
	var out []int
	for i, key := range k.keys {
		if key != nil {
			out = append(out, i)
		}
	}
	return out
}

// CheckPerm refuses a key file readable by group or others (mode & 0044), as
// 3.0.6 does; write bits and the owner are not checked. legacyName is the
// name for 3.0.6's message.
func CheckPerm(name, legacyName string, fi fs.FileInfo) error {
	if fi.Mode().Perm()&0o044 == 0 {
		return nil
	}
	return &scan.Error{
		File: name,
		Msg:  fmt.Sprintf("Bad permissions on keyfile (mode %04o), 600 recommended", fi.Mode().Perm()),
		Legacy: []scan.LogLine{{Prio: scan.PrioError,
			Text: fmt.Sprintf("Bad permissions on keyfile [%s], 600 recommended.", legacyName)}},
	}
}
