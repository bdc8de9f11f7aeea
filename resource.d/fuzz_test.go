package resource

import (
	"regexp"
	"strings"
	"testing"
)

// notRunningGlob and runningGlob are ResourceManager's case patterns as
// regular expressions, the oracle for StatusRunning.
var (
	notRunningGlob = regexp.MustCompile(`(?s)^.*[Nn][Oo][Tt] .*[Rr]unning.*$`)
	runningGlob    = regexp.MustCompile(`(?s)^(.*[Rr]unning.*|.*OK.*)$`)
)

func FuzzStatusRunning(f *testing.F) {
	for _, s := range []string{"OK", "Not running", "", "is NOT currently Running", "RUNNING",
		"running (Primary)", "stopped (Secondary)", "cannot determine status, may be running (Unknown)",
		"spectest: running\n", "nOt \xffrunning", "no t running"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		want := !notRunningGlob.MatchString(out) && runningGlob.MatchString(out)
		if got := StatusRunning(out); got != want {
			t.Errorf("StatusRunning(%q) = %v, glob says %v", out, got, want)
		}
	})
}

func FuzzParseWord(f *testing.F) {
	for _, s := range []string{"10.250.0.100/24/eth0", "spectest::alpha", "IPaddr::10.0.0.1/24/eth0/10.0.0.255",
		"Filesystem::/dev/drbd1::/data::ext4", "drbddisk::r0", "probe::port=61000", "a::::b::", "::", "..", "1.2.3.4x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, word string) {
		name, args, err := ParseWord(word)
		if err != nil {
			return
		}
		if name == "" || strings.Contains(name, "/") || name == ".." {
			t.Fatalf("ParseWord(%q) accepted name %q", word, name)
		}
		for _, a := range args {
			if a == "" || strings.Contains(a, "::") {
				t.Fatalf("ParseWord(%q) gave argument %q", word, a)
			}
		}
		// The canonical form parses to the same result.
		canon := strings.Join(append([]string{name}, args...), "::")
		name2, args2, err := ParseWord(canon)
		if err != nil || name2 != name || strings.Join(args2, "\x00") != strings.Join(args, "\x00") {
			t.Fatalf("ParseWord(%q) = %q %q, but its canonical form %q gives %q %q %v",
				word, name, args, canon, name2, args2, err)
		}
	})
}

func FuzzProcDRBDRole(f *testing.F) {
	f.Add(" 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----\n", "0")
	f.Add("version: 8.4.11\n 1: cs:StandAlone st:Secondary/Unknown\n", "1")
	f.Add("0: cs:", "0")
	f.Add("0: cs:a:b:c/", "0")
	f.Fuzz(func(t *testing.T, proc, minor string) {
		if role := ProcDRBDRole(proc, minor); role == "" {
			t.Fatalf("ProcDRBDRole(%q, %q) gave an empty role", proc, minor)
		}
	})
}
