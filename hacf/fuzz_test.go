package hacf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/ha.cf*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("mcast eth0 239.0.0.1 694 1 0\nucast\nmcast\nping_group g\nrespawn\napiauth\nstonith_host\n")
	f.Add("keepalive 2s\nbaud 1\nbaud 2\nnice_failback on\ncrm on\nudp eth0\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse("ha.cf", strings.NewReader(text), Options{Interfaces: ifaces{"eth0": true}})
		if c == nil {
			t.Fatal("nil config")
		}
		if err == nil {
			err = c.Validate("node1")
		}
		checkPositions(t, err, strings.Count(text, "\n")+1)
	})
}

// checkPositions checks that err is nil or a list of errors of ha.cf sorted
// by line, each naming a line of the file (or 0, the whole file).
func checkPositions(t *testing.T, err error, lines int) {
	t.Helper()
	if err == nil {
		return
	}
	errs := scan.Errors(err)
	if len(errs) == 0 {
		t.Fatalf("error without a position: %v", err)
	}
	for i, e := range errs {
		if e.File != "ha.cf" || e.Line < 0 || e.Line > lines {
			t.Fatalf("error %d at %s:%d, file has %d lines: %v", i, e.File, e.Line, lines, e)
		}
		if i > 0 && e.Line < errs[i-1].Line {
			t.Fatalf("errors not sorted by line: %v", errs)
		}
	}
}
