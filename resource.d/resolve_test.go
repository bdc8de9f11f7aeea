package resource

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestLookupOrder: built-in, resource.d, init.d, OCF, systemd (spec 3.2,
// case 37), and what does not count as a script.
func TestLookupOrder(t *testing.T) {
	l := newLab(t)
	for _, name := range []string{"both", "drbddisk", "probe"} {
		l.script("ha.d/resource.d", name, "exit 0\n")
	}
	for _, name := range []string{"both", "initonly", "noexec", "ocfalso"} {
		l.script("init.d", name, "exit 0\n")
	}
	l.script("ocf/resource.d/heartbeat", "ocfonly", "exit 0\n")
	l.script("ocf/resource.d/heartbeat", "ocfalso", "exit 0\n")
	// Not scripts: a file without x bits, a directory.
	if err := os.WriteFile(l.path("ha.d/resource.d/noexec"), []byte("exit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(l.path("ha.d/resource.d/initonly"), 0o755); err != nil {
		t.Fatal(err)
	}
	l.script("ha.d/resource.d", "IPaddr", "exit 0\n")
	r := l.resolver()
	for _, tc := range []struct {
		word string
		kind Kind
		path string
		args []string
	}{
		{"both::x", KindHeartbeat, "ha.d/resource.d/both", []string{"x"}},
		{"initonly", KindLSB, "init.d/initonly", nil},
		{"noexec", KindLSB, "init.d/noexec", nil},
		{"ocfonly::a=1", KindOCF, "ocf/resource.d/heartbeat/ocfonly", []string{"a=1"}},
		{"ocfalso", KindLSB, "init.d/ocfalso", nil},
		{"drbddisk::r0", KindBuiltin, "", []string{"r0"}},
		{"probe", KindBuiltin, "", nil},
		// Built-in although resource.d/IPaddr exists; a bare address is IPaddr (case 37).
		{"10.0.0.5/24/eth0", KindBuiltin, "", []string{"10.0.0.5/24/eth0"}},
		{"IPaddr::10.0.0.5/24/eth0", KindBuiltin, "", []string{"10.0.0.5/24/eth0"}},
		{"IPaddr2::10.0.0.6/24", KindBuiltin, "", []string{"10.0.0.6/24"}},
		{"IPv6addr::2001:db8:0:0:0:0:0:1/64", KindBuiltin, "", []string{"2001:db8:0:0:0:0:0:1/64"}},
		{"Filesystem::/dev/sdb1::/data::ext4", KindBuiltin, "", []string{"/dev/sdb1", "/data", "ext4"}},
	} {
		t.Run(tc.word, func(t *testing.T) {
			res, err := r.Lookup(t.Context(), tc.word)
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if tc.path != "" {
				want = l.path(tc.path)
			}
			if res.Kind != tc.kind || res.Path != want || strings.Join(res.Args, "|") != strings.Join(tc.args, "|") {
				t.Errorf("Lookup = %v %q %q, want %v %q %q", res.Kind, res.Path, res.Args, tc.kind, want, tc.args)
			}
			if res.Agent == nil || res.Agent.String() != tc.word {
				t.Errorf("agent %v, want one named %q", res.Agent, tc.word)
			}
		})
	}
	for _, word := range []string{"missing", "missing::arg"} {
		if _, err := r.Resolve(t.Context(), word); !errors.Is(err, ErrNotFound) {
			t.Errorf("Resolve(%q) = %v, want ErrNotFound", word, err)
		}
	}
}

// TestLookupErrors: bad words and bad arguments fail with errors that name
// the word, and are not ErrNotFound.
func TestLookupErrors(t *testing.T) {
	l := newLab(t)
	l.script("ocf/resource.d/heartbeat", "Dummy", "exit 0\n")
	r := l.resolver()
	for _, tc := range []struct{ word, msg string }{
		{"::x", "empty resource name"},
		{"../../bin/sh", "invalid resource name"},
		{"..", "invalid resource name"},
		{"Dummy::state", `argument "state" is not name=value`},
		{"Dummy::1a=b", `argument "1a=b" is not name=value`},
		{"drbddisk::r0::r1", "at most one argument"},
		{"probe::port=0", "invalid port"},
		{"probe::port=65536", "invalid port"},
		{"probe::port=http", "invalid port"},
		{"probe::addr=host", "invalid addr"},
		{"probe::61000", "unknown argument"},
		{"IPaddr::10.0.0.300/24", "10.0.0.300"},
		{"Filesystem::/dev/sdb1", "Filesystem::/dev/sdb1"},
	} {
		t.Run(tc.word, func(t *testing.T) {
			_, err := r.Resolve(t.Context(), tc.word)
			if err == nil || errors.Is(err, ErrNotFound) ||
				!strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), `"`+tc.word+`"`) {
				t.Errorf("Resolve(%q) = %v, want an error naming the word with %q", tc.word, err, tc.msg)
			}
		})
	}
}

// TestExplain is what `heartbeat -t` prints per word.
func TestExplain(t *testing.T) {
	l := newLab(t)
	l.script("ha.d/resource.d", "spectest", "exit 0\n")
	l.script("ocf/resource.d/heartbeat", "Dummy", "exit 0\n")
	r := l.resolver()
	for word, want := range map[string]string{
		"spectest::alpha":     "spectest::alpha: heartbeat resource script " + l.path("ha.d/resource.d/spectest"),
		"Dummy::state=/tmp/x": "Dummy::state=/tmp/x: OCF resource agent " + l.path("ocf/resource.d/heartbeat/Dummy"),
		"drbddisk::r0":        "drbddisk::r0: built-in agent drbddisk",
		"probe::port=61000":   "probe::port=61000: built-in agent probe",
	} {
		got, err := r.Explain(t.Context(), word)
		if err != nil || got != want {
			t.Errorf("Explain(%q) = %q, %v; want %q", word, got, err, want)
		}
	}
}

func TestParseWord(t *testing.T) {
	for _, tc := range []struct {
		word, name string
		args       []string
	}{
		{"httpd", "httpd", nil},
		{"10.250.0.100/24/eth0", "IPaddr", []string{"10.250.0.100/24/eth0"}},
		{"10.0.0.1", "IPaddr", []string{"10.0.0.1"}},
		{"1.2.3", "1.2.3", nil}, // three dots needed
		{"Filesystem::/dev/drbd1::/data::ext4", "Filesystem", []string{"/dev/drbd1", "/data", "ext4"}},
		{"a::b:::c", "a", []string{"b", ":c"}},
		{"a::", "a", nil},
		{"a:b::c", "a:b", []string{"c"}},
	} {
		name, args, err := ParseWord(tc.word)
		if err != nil || name != tc.name || strings.Join(args, "|") != strings.Join(tc.args, "|") {
			t.Errorf("ParseWord(%q) = %q %q %v, want %q %q", tc.word, name, args, err, tc.name, tc.args)
		}
	}
}

// failingStop stands for a sub-package agent whose stop fails.
type failingStop struct{ Agent }

var errUnmount = errors.New("device busy")

func (failingStop) Stop(context.Context) error { return errUnmount }

// TestNamedStopError: agents of the sub-packages are named by their word and
// fail a stop with this package's *StopError.
func TestNamedStopError(t *testing.T) {
	a, err := adopt("Filesystem::/dev/x::/data", failingStop{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var se *StopError
	if err := a.Stop(t.Context()); !errors.As(err, &se) || !errors.Is(err, errUnmount) || se.Resource != "Filesystem::/dev/x::/data" {
		t.Errorf("Stop = %v, want *StopError around the agent's error", err)
	}
	if a.String() != "Filesystem::/dev/x::/data" {
		t.Errorf("String = %q", a.String())
	}
	if _, err := adopt("x", failingStop{}, errUnmount); !errors.Is(err, errUnmount) {
		t.Errorf("adopt kept no constructor error: %v", err)
	}
}
