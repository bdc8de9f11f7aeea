package hacf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
			_ = c.Validate("node1")
		}
	})
}
