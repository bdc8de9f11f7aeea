package config

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// fakeIfaces has exactly the interfaces of the 3.0.6 lab node: eth0.
type fakeIfaces struct{}

func (fakeIfaces) Broadcast(iface string) (netip.Addr, error) {
	if iface == "eth0" {
		return netip.MustParseAddr("10.250.0.255"), nil
	}
	return netip.Addr{}, fmt.Errorf("interface %s: %w", iface, syscall.ENODEV)
}

func (f fakeIfaces) Addr(iface string) (netip.Addr, error) {
	_, err := f.Broadcast(iface)
	return netip.MustParseAddr("10.250.0.1"), err
}

// labDir writes the lab configuration of the 3.0.6 captures into a temp dir
// and applies edit to it.
func labDir(t *testing.T, edit func(dir string)) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"ha.cf", "authkeys", "haresources"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if edit != nil {
		edit(dir)
	}
	return dir
}

func load(dir, node string) *Config {
	return Load(Options{Dir: dir, Node: node, Interfaces: fakeIfaces{}})
}

func rewrite(t *testing.T, dir, name string, f func(string) string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(f(string(b))), 0o600); err != nil {
		t.Fatal(err)
	}
}

func replace(t *testing.T, dir, name, old, new string) {
	t.Helper()
	rewrite(t, dir, name, func(s string) string {
		if !strings.Contains(s, old) {
			t.Fatalf("%s has no %q", name, old)
		}
		return strings.Replace(s, old, new, 1)
	})
}

// golden is one case of testdata/config-errors.txt (real heartbeat 3.0.6).
type golden struct {
	exit  int
	lines []string // "PRIO: text" of the log lines, stderr-only lines as is
}

var (
	stamp      = regexp.MustCompile(`^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \S+ heartbeat: \[(\d+)\]: (.*)$`)
	udpportBug = "heartbeat: udpport setting must precede media statements"
)

// readGolden parses the stderr sections of config-errors.txt: the lines the
// validating process printed, without the core-dump warnings of the daemon
// proper and without the udpport bug text heartbeat-go does not repeat.
func readGolden(t *testing.T) map[string]golden {
	t.Helper()
	f, err := os.Open("testdata/config-errors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]golden{}
	var name, section string
	var g golden
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "### case: "):
			if name != "" {
				out[name] = g
			}
			name, g, section = strings.TrimPrefix(line, "### case: "), golden{}, ""
		case strings.HasPrefix(line, "exit code: "):
			fmt.Sscanf(line, "exit code: %d", &g.exit)
		case strings.HasPrefix(line, "--- "):
			section = line
		case section == "--- stderr:" && strings.HasPrefix(line, "    "):
			text := strings.TrimPrefix(strings.TrimPrefix(line, "    "), udpportBug)
			if m := stamp.FindStringSubmatch(text); m != nil {
				text = m[2]
			}
			if strings.Contains(text, "Core dumps") || strings.Contains(text, "core_pattern") || strings.Contains(text, "core_uses_pid") {
				continue
			}
			g.lines = append(g.lines, text)
		}
	}
	out[name] = g
	return out
}

func TestConfigErrorsGolden(t *testing.T) {
	golden := readGolden(t)
	type tc struct {
		node string
		edit func(t *testing.T, dir string)
		// want is the FILE:LINE problem (relative file name) for refused cases.
		want string
	}
	cases := map[string]tc{
		"uname -n (node3) not listed as node": {node: "node3", want: "ha.cf: Current node [node3] not in configuration!"},
		"unknown directive 'foo bar'": {edit: func(t *testing.T, d string) {
			rewrite(t, d, "ha.cf", func(s string) string { return s + "foo bar\n" })
		}, want: "ha.cf:15: Illegal directive [foo]"},
		"authkeys mode 0644": {edit: func(t *testing.T, d string) {
			os.Chmod(filepath.Join(d, "authkeys"), 0o644)
		}, want: "authkeys: Bad permissions on keyfile (mode 0644), 600 recommended"},
		"authkeys missing": {edit: func(t *testing.T, d string) {
			os.Remove(filepath.Join(d, "authkeys"))
		}, want: "authkeys: cannot open: no such file or directory"},
		"keepalive 2s (unit s not accepted)": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "keepalive 1\n", "keepalive 2s\n")
		}, want: "ha.cf:5: invalid time [2s] (a number of seconds, or with ms or us)"},
		"deadtime 2 with keepalive 1 (deadtime <= 2*keepalive)": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "deadtime 5\n", "deadtime 2\n")
		}, want: "ha.cf:6: Dead time [2000] is too small compared to keeplive [1000]"},
		"initdead 3 < deadtime 5": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "initdead 10\n", "initdead 3\n")
		}, want: "ha.cf:8: Initial dead time [3000] is smaller than deadtime [5000]"},
		"auth 2 but only key 1 defined": {edit: func(t *testing.T, d string) {
			replace(t, d, "authkeys", "auth 1", "auth 2")
		}, want: "authkeys:1: Auth Key [2] not found: no key to sign with"},
		"sha1 without key": {edit: func(t *testing.T, d string) {
			replace(t, d, "authkeys", "1 sha1 spec-test-secret", "1 sha1")
		}, want: "authkeys:2: Auth method [sha1] requires a key"},
		"unknown auth method rot13": {edit: func(t *testing.T, d string) {
			replace(t, d, "authkeys", "1 sha1 spec-test-secret", "1 rot13 abc")
		}, want: "authkeys:2: Invalid authtype [rot13]"},
		"auto_failback maybe": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "auto_failback on", "auto_failback maybe")
		}, want: "ha.cf:11: invalid auto_failback value [maybe]"},
		"no media (bcast removed)": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "bcast eth0\n", "")
		}, want: "ha.cf: No heartbeat media defined"},
		"bcast on nonexistent interface eth9": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "bcast eth0", "bcast eth9")
		}, want: "ha.cf:10: bcast: interface eth9: interface eth9: no such device"},
		"udpport abc": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "udpport 694", "udpport abc")
		}, want: "ha.cf:9: invalid port [abc] specified."},
		"udpport after bcast": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "udpport 694\nbcast eth0\n", "bcast eth0\nudpport 694\n")
		}},
		"keepalive 500ms deadtime 2500ms warntime 1500ms (valid, ms suffix)": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "keepalive 1\ndeadtime 5\nwarntime 3\n", "keepalive 500ms\ndeadtime 2500ms\nwarntime 1500ms\n")
		}},
		"obsolete nice_failback on": {edit: func(t *testing.T, d string) {
			rewrite(t, d, "ha.cf", func(s string) string { return s + "nice_failback on\n" })
		}},
		"haresources names unknown node node9": {edit: func(t *testing.T, d string) {
			replace(t, d, "haresources", "\nnode1 ", "\nnode9 ")
		}, want: "haresources:2: Bad nodename [node9]: not a node of ha.cf"},
		"auto_failback legacy": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "auto_failback on", "auto_failback legacy")
		}},
		"no logfile/debugfile/logfacility": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "logfile /var/log/ha-log\ndebugfile /var/log/ha-debug\nlogfacility local0\n", "")
		}},
		"initdead omitted (deadtime 5)": {edit: func(t *testing.T, d string) {
			replace(t, d, "ha.cf", "initdead 10\n", "")
		}},
	}
	if len(golden) != 21 || len(cases) != len(golden) {
		t.Fatalf("%d golden cases, %d test cases: every case of config-errors.txt needs a row", len(golden), len(cases))
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			g, ok := golden[name]
			if !ok {
				t.Fatalf("no golden case %q", name)
			}
			node := c.node
			if node == "" {
				node = "node1"
			}
			dir := labDir(t, func(d string) {
				if c.edit != nil {
					c.edit(t, d)
				}
			})
			cfg := load(dir, node)
			if got := cfg.OK(); got != (g.exit == 0) {
				t.Fatalf("OK() = %v, 3.0.6 exited %d; problems:\n%s", got, g.exit, problems(cfg))
			}
			var got []string
			for _, l := range cfg.Legacy {
				// 3.0.6 names its compiled-in directory.
				got = append(got, strings.ReplaceAll(l.String(), dir+"//", "/etc/ha.d//"))
			}
			if !slices.Equal(got, g.lines) {
				t.Errorf("legacy lines differ\n got: %q\nwant: %q", got, g.lines)
			}
			if c.want != "" {
				want := filepath.Join(dir, c.want)
				found := false
				for _, p := range cfg.Problems {
					found = found || p.String() == want
				}
				if !found {
					t.Errorf("no problem %q in\n%s", want, problems(cfg))
				}
			}
		})
	}
}

func problems(c *Config) string {
	var b strings.Builder
	for _, p := range c.Problems {
		fmt.Fprintln(&b, p)
	}
	return b.String()
}
