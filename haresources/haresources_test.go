package haresources

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func render(res *Resources) []string {
	var out []string
	for _, g := range res.Groups {
		s := fmt.Sprintf("%d %s [%s]:", g.Line, g.Node, g.Key)
		for _, r := range g.Resources {
			s += fmt.Sprintf(" %d:%s%q", r.Line, r.Script, r.Args)
		}
		out = append(out, s)
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"lab", "# comment\nnode1 10.250.0.100/24/eth0 spectest::alpha spectest::beta\n",
			[]string{`2 node1 [10.250.0.100/24/eth0 spectest::alpha spectest::beta]: 2:IPaddr["10.250.0.100/24/eth0"] 2:spectest["alpha"] 2:spectest["beta"]`}},
		{"node lower-cased, blanks collapsed, trailing comment", "  NODE1\t\t httpd   # web\n",
			[]string{`1 node1 [httpd]: 1:httpd[]`}},
		{"continuation joins without blank", "node1 10.0.0.1 \\\n  httpd\nnode2 a\\\nb\n",
			[]string{`1 node1 [10.0.0.1 httpd]: 1:IPaddr["10.0.0.1"] 2:httpd[]`, `3 node2 [ab]: 3:ab[]`}},
		{"comment kills the backslash", "node1 a # x \\\nnode2 b\n",
			[]string{`1 node1 [a]: 1:a[]`, `2 node2 [b]: 2:b[]`}},
		{"several groups, several args", "node1 Filesystem::/dev/sda1::/data1::ext2\nnode2 135.9.216.3/28/eth0/135.9.216.12 IPaddr::10.0.0.2/24\n",
			[]string{`1 node1 [Filesystem::/dev/sda1::/data1::ext2]: 1:Filesystem["/dev/sda1" "/data1" "ext2"]`,
				`2 node2 [135.9.216.3/28/eth0/135.9.216.12 IPaddr::10.0.0.2/24]: 2:IPaddr["135.9.216.3/28/eth0/135.9.216.12"] 2:IPaddr["10.0.0.2/24"]`}},
		{"CRLF and no final newline", "node1 a\r\nnode2 b", []string{`1 node1 [a]: 1:a[]`, `2 node2 [b]: 2:b[]`}},
		{"odd colons as ResourceManager splits them", "n a:x::b\n", []string{`1 n [a:x::b]: 1:a:x["a:b"]`}},
		{"empty", "\n\n# only\n   \n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse("haresources", strings.NewReader(tt.text), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := render(res); !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	res, err := Parse("haresources", strings.NewReader("node1 a \\\n b # c\nnode2\nnode3 x \\"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.Error())
	}
	want := []string{
		"haresources:2: `#` in a continued line is not a comment for heartbeat 3.0.6's ResourceManager: the words after it are resources",
		"haresources:3: group of node node2 has no resources",
		"haresources:4: the last line ends with a backslash; heartbeat 3.0.6 keeps it as part of the last resource",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	// 3.0.6 takes "#" and "c" as resources of node1's group.
	if k := res.Groups[0].Key; k != "a b # c" {
		t.Errorf("key %q", k)
	}
}

func TestIsIP(t *testing.T) {
	for w, want := range map[string]bool{
		"10.0.0.1": true, "10.0.0.1/24/eth0/10.0.0.255": true, "1a.2.3.4": true,
		"httpd": false, "10.0.0": false, "IPaddr::10.0.0.1": false, "": false, "1.2.3.": false,
	} {
		if got := IsIP(w); got != want {
			t.Errorf("IsIP(%q) = %v", w, got)
		}
	}
}

func TestTestdataAccepted(t *testing.T) {
	files, _ := filepath.Glob("testdata/haresources*")
	if len(files) < 2 {
		t.Fatalf("%d files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Parse(f, strings.NewReader(string(b)), Options{})
		if err != nil || len(res.Groups) == 0 {
			t.Errorf("%s: %v, %d groups", f, err, len(res.Groups))
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/haresources*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("n ::\nn a::\nn ::a\\\n\\\n")
	f.Fuzz(func(t *testing.T, text string) {
		res, _ := Parse("haresources", strings.NewReader(text), Options{})
		for _, g := range res.Groups {
			if g.Node == "" || g.Line <= 0 {
				t.Fatalf("bad group %+v", g)
			}
			for _, r := range g.Resources {
				if r.Text == "" || r.Line < g.Line {
					t.Fatalf("bad resource %+v", r)
				}
			}
		}
	})
}
