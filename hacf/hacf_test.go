package hacf

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/hacf/scan"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in string
		ms int64
		ok bool
	}{
		{"1", 1000, true},
		{"0.5", 500, true},
		{"500ms", 500, true},
		{"500MS", 500, true},
		{"500 ms", 500, true},
		{"2500msec", 2500, true},
		{"1000000us", 1000, true},
		{"1500usec", 2, true}, // 1.5 ms rounds up
		{"499us", 0, true},
		{"0.001", 1, true},
		{".25", 250, true},
		{"2s", 0, false},
		{"2sec", 0, false},
		{"2m", 0, false},
		{"-1", 0, false},
		{"abc", 0, false},
		{"", 0, false},
		{"5msx", 5, true}, // cl_get_msec compares two letters only
	}
	for _, tt := range tests {
		ms, ok := ParseTime(tt.in)
		if ms != tt.ms || ok != tt.ok {
			t.Errorf("ParseTime(%q) = %d, %v; want %d, %v", tt.in, ms, ok, tt.ms, tt.ok)
		}
	}
}

func TestAtoiAndBool(t *testing.T) {
	for in, want := range map[string]int{"694": 694, " 12x": 12, "abc": 0, "-3": -3, "+7": 7, "99999999999999999999": 1 << 40} {
		if got := Atoi(in); got != want && !(want == 1<<40 && got > 1<<31) {
			t.Errorf("Atoi(%q) = %d, want %d", in, got, want)
		}
	}
	for _, s := range []string{"true", "ON", "Yes", "y", "1"} {
		if v, ok := ParseBool(s); !v || !ok {
			t.Errorf("ParseBool(%q) = %v, %v", s, v, ok)
		}
	}
	for _, s := range []string{"false", "Off", "NO", "n", "0"} {
		if v, ok := ParseBool(s); v || !ok {
			t.Errorf("ParseBool(%q) = %v, %v", s, v, ok)
		}
	}
	if _, ok := ParseBool("maybe"); ok {
		t.Error("ParseBool(maybe) accepted")
	}
}

// base is a minimal valid ha.cf.
const base = "bcast eth0\nnode node1 node2\n"

func parse(t *testing.T, text string) (*Config, error) {
	t.Helper()
	return Parse("ha.cf", strings.NewReader(text), Options{LegacyName: "/etc/ha.d//ha.cf"})
}

func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := parse(t, text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := c.Validate("node1"); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return c
}

// TestQuirks covers the lexical rules of spec 1.1 that files in the field rely on.
func TestQuirks(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		nodes []string
		keep  time.Duration
	}{
		{"CRLF line ends", "bcast eth0\r\nnode node1\r\nkeepalive 2\r\n", []string{"node1"}, 2 * time.Second},
		{"tabs", "bcast\teth0\nnode\tnode1\t node2\nkeepalive\t2", []string{"node1", "node2"}, 2 * time.Second},
		{"trailing comment", "bcast eth0 # the LAN\nnode node1#first\nkeepalive 2# two\n", []string{"node1"}, 2 * time.Second},
		{"no final newline", "bcast eth0\nnode node1\nkeepalive 2", []string{"node1"}, 2 * time.Second},
		{"commas", "bcast eth0\nnode node1,node2, NODE3\nkeepalive 2", []string{"node1", "node2", "node3"}, 2 * time.Second},
		{"leading blanks and blank lines", "\n   \n  bcast eth0\n\t node node1\n\n", []string{"node1"}, time.Second},
		{"last wins", "bcast eth0\nnode node1\nkeepalive 3\nkeepalive 2", []string{"node1"}, 2 * time.Second},
		{"several values, last wins", "bcast eth0\nnode node1\nkeepalive 3 2", []string{"node1"}, 2 * time.Second},
		{"comment-only and # anywhere", "# x\n#bcast eth9\nbcast eth0\nnode node1 # node9\n", []string{"node1"}, time.Second},
		{"500ms", "bcast eth0\nnode node1\nkeepalive 500ms\ndeadtime 2500ms", []string{"node1"}, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.text)
			var names []string
			for _, n := range c.Nodes {
				names = append(names, n.Name)
			}
			if !slices.Equal(names, tt.nodes) {
				t.Errorf("nodes = %v, want %v", names, tt.nodes)
			}
			if c.Keepalive != tt.keep {
				t.Errorf("keepalive = %v, want %v", c.Keepalive, tt.keep)
			}
		})
	}
}

// TestRefused checks that what 3.0.6 refuses is refused, at the right line,
// with 3.0.6's own lines where it has some.
func TestRefused(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		want   string   // the error, as FILE:LINE: message
		legacy []string // 3.0.6's lines for it
	}{
		{"unknown directive", base + "foo bar\n", "ha.cf:3: Illegal directive [foo]", []string{"ERROR: Illegal directive [foo] in /etc/ha.d//ha.cf"}},
		{"directive is case-sensitive", base + "KeepAlive 2\n", "ha.cf:3: Illegal directive [KeepAlive]", []string{"ERROR: Illegal directive [KeepAlive] in /etc/ha.d//ha.cf"}},
		{"comma is not a blank after the directive", "node,node1\n" + base, "ha.cf:1: Illegal directive [node,node1]", []string{"ERROR: Illegal directive [node,node1] in /etc/ha.d//ha.cf"}},
		{"keepalive 2s", base + "keepalive 2s\n", "ha.cf:3: invalid time [2s] (a number of seconds, or with ms or us)", nil},
		{"keepalive 0", base + "keepalive 0\n", "ha.cf:3: invalid time [0] (a number of seconds, or with ms or us)", nil},
		{"warntime 0", base + "warntime 0\n", "ha.cf:3: Warn time [0] is invalid.", []string{"Warn time [0] is invalid."}},
		{"udpport abc", base + "udpport abc\n", "ha.cf:3: invalid port [abc] specified.", []string{"heartbeat: invalid port [abc] specified."}},
		{"baud twice", base + "baud 19200\nbaud 9600\n", "ha.cf:4: Baudrate multiply specified.", []string{"heartbeat: Baudrate multiply specified."}},
		{"baud bad", base + "baud 1200\n", "ha.cf:3: invalid baudrate [1200] specified.", []string{"heartbeat: invalid baudrate [1200] specified."}},
		{"watchdog twice", base + "watchdog /dev/watchdog\nwatchdog /dev/watchdog\n", "ha.cf:4: Watchdog device multiply specified.", []string{"heartbeat: Watchdog device multiply specified."}},
		{"auto_failback maybe", base + "auto_failback maybe\n", "ha.cf:3: invalid auto_failback value [maybe]", nil},
		{"logfacility", base + "logfacility local9\n", "ha.cf:3: Log facility(local9) not valid", []string{"ERROR: Log facility(local9) not valid"}},
		{"hbgenmethod", base + "hbgenmethod clock\n", "ha.cf:3: Illegal hb generation method [clock]", []string{"ERROR: Illegal hb generation method [clock]"}},
		{"rtprio", base + "rtprio 100\n", "ha.cf:3: Illegal realtime priority [100]", []string{"ERROR: Illegal realtime priority [100]"}},
		{"crm twice", base + "crm off\npacemaker off\n", "ha.cf:4: pacemaker/crm directive used multiple times!", []string{"ERROR: pacemaker/crm directive used multiple times!"}},
		{"pacemaker on", base + "crm on\n", "ha.cf:3: pacemaker (crm) is not supported: heartbeat-go runs haresources (v1) only", nil},
		{"mcast bad group", "node node1\nmcast eth0 10.0.0.1 694 1 0\n", "ha.cf:2: mcast: [eth0] bad addr [10.0.0.1]", []string{"ERROR: glib: mcast [eth0] bad addr [10.0.0.1]"}},
		{"mcast bad ttl", "node node1\nmcast eth0 239.0.0.1 694 5 0\n", "ha.cf:2: mcast: [eth0] bad ttl [5]", []string{"ERROR: glib:  mcast [eth0] bad ttl [5]"}},
		{"mcast missing loop", "node node1\nmcast eth0 239.0.0.1 694 1\n", "ha.cf:2: mcast: [eth0] missing loop", []string{"ERROR: glib: mcast [eth0] missing loop"}},
		{"ucast without peer", "node node1\nucast eth0\n", "ha.cf:2: ucast: [eth0] missing target IP address/hostname", []string{"ERROR: glib: ucast: [eth0] missing target IP address/hostname"}},
		{"apiauth without ids", base + "apiauth ipfail\n", "ha.cf:3: Invalid apiauth directive [ipfail]", []string{"ERROR: Invalid apiauth directive [ipfail]", "info: Syntax: apiauth client [uid=uidlist] [gid=gidlist]", "info: Where uidlist is a comma-separated list of uids,", "info: and gidlist is a comma-separated list of gids", "info: One or the other must be specified."}},
		{"respawn relative", base + "respawn hacluster ipfail\n", "ha.cf:3: Client child command [ipfail] is not full pathname", []string{"ERROR: Client child command [ipfail] is not full pathname"}},
		{"autojoin", base + "autojoin some\n", "ha.cf:3: Invalid autojoin directive [some]", []string{"ERROR: Invalid autojoin directive [some]"}},
		{"NUL byte", base + "keep\x00alive 1\n", "ha.cf:3: line contains a NUL byte (binary file?)", nil},
		{"long line", base + "# " + strings.Repeat("x", 6000) + "\n", "ha.cf:3: line longer than 5118 bytes (heartbeat 3.0.6 would split it)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.text)
			errs := scan.Errors(err)
			if len(errs) != 1 || errs[0].Error() != tt.want {
				t.Fatalf("errors = %v, want [%s]", err, tt.want)
			}
			var legacy []string
			for _, l := range errs[0].Legacy {
				legacy = append(legacy, l.String())
			}
			if !slices.Equal(legacy, tt.legacy) {
				t.Errorf("legacy = %q, want %q", legacy, tt.legacy)
			}
			if last := c.Log[len(c.Log)-1].String(); last != "ERROR: Heartbeat not started: configuration error." {
				t.Errorf("last log line %q", last)
			}
		})
	}
}

// TestValidate covers the post-parse checks of spec 1.3 / cases 1, 7, 8, 9, 12, 13 of spec 8.
func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		text string
		node string
		err  string   // "" when valid
		log  []string // the lines Validate logs
	}{
		{"node not listed", base, "node3", "ha.cf: Current node [node3] not in configuration!", []string{
			"info: Pacemaker support: false",
			"ERROR: Current node [node3] not in configuration!",
			"info: By default, cluster nodes are named by `uname -n` and must be declared with a 'node' directive in the ha.cf file.",
			"info: See also: http://linux-ha.org/wiki/Ha.cf#node_directive",
			"WARN: Deprecated 'legacy' auto_failback option selected.", "WARN: Please convert to 'auto_failback on'.", "WARN: See documentation for conversion details.",
			"info: No log entry found in ha.cf -- use logd",
			"WARN: Initializing connection to logging daemon failed. Logging daemon may not be running",
			"info: Enabling logging daemon ",
			"info: logfile and debug file are those specified in logd config file (default /etc/logd.cf)"}},
		{"deadtime too small", base + "auto_failback on\nlogfile /x\ndeadtime 2\n", "node1", "ha.cf:5: Dead time [2000] is too small compared to keeplive [1000]", []string{
			"info: Pacemaker support: false",
			"ERROR: Dead time [2000] is too small compared to keeplive [1000]",
			"WARN: Logging daemon is disabled --enabling logging daemon is recommended"}},
		{"initdead smaller", base + "auto_failback on\nlogfile /x\ndeadtime 5\ninitdead 3\n", "node1", "ha.cf:6: Initial dead time [3000] is smaller than deadtime [5000]", []string{
			"info: Pacemaker support: false",
			"ERROR: Initial dead time [3000] is smaller than deadtime [5000]",
			"WARN: Logging daemon is disabled --enabling logging daemon is recommended"}},
		{"initdead 8 warns", base + "auto_failback on\nlogfile /x\ndeadtime 5\ninitdead 8\n", "node1", "", []string{
			"info: Pacemaker support: false",
			"WARN: Initial dead time [8000 ms] may be too small!",
			"info: Initial dead time accounts for slow network startup time",
			"info: It should be >= deadtime and >= 10 seconds",
			"WARN: Logging daemon is disabled --enabling logging daemon is recommended"}},
		{"initdead omitted, deadtime 5", base + "auto_failback off\nlogfile /x\ndeadtime 5\n", "node1", "", []string{
			"info: Pacemaker support: false",
			"WARN: Logging daemon is disabled --enabling logging daemon is recommended"}},
		{"no media", "node node1\nauto_failback on\nlogfile /x\n", "node1", "ha.cf: No heartbeat media defined", []string{
			"info: Pacemaker support: false",
			"ERROR: No heartbeat media defined",
			"WARN: Logging daemon is disabled --enabling logging daemon is recommended"}},
		{"no nodes", "bcast eth0\nauto_failback on\nlogfile /x\n", "node1", "ha.cf: no nodes defined", []string{
			"info: Pacemaker support: false",
			"ERROR: no nodes defined",
			"ERROR: Current node [node1] not in configuration!",
			"info: By default, cluster nodes are named by `uname -n` and must be declared with a 'node' directive in the ha.cf file.",
			"info: See also: http://linux-ha.org/wiki/Ha.cf#node_directive",
			"WARN: Logging daemon is disabled --enabling logging daemon is recommended"}},
		{"use_logd off and no log", base + "auto_failback on\nuse_logd off\n", "node1", "ha.cf:4: No log entry found in ha.cf and use_logd is set to off", []string{
			"info: Pacemaker support: false",
			"ERROR: No log entry found in ha.cf and use_logd is set to off"}},
		{"autojoin with haresources", base + "auto_failback on\nlogfile /x\nautojoin any\n", "node1", "ha.cf:5: R1 style resource management conflicts with autojoin set", []string{
			"info: Pacemaker support: false",
			"WARN: Logging daemon is disabled --enabling logging daemon is recommended",
			"ERROR: R1 style resource management conflicts with  autojoin set",
			"ERROR: You need either unset autojoin or enable crm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			start := len(c.Log)
			err = c.Validate(tt.node)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.err != "" && (len(scan.Errors(err)) == 0 || scan.Errors(err)[0].Error() != tt.err):
				t.Fatalf("Validate = %v, want %s", err, tt.err)
			}
			var got []string
			for _, l := range c.Log[start:] {
				got = append(got, l.String())
			}
			if !slices.Equal(got, tt.log) {
				t.Errorf("log\n got %q\nwant %q", got, tt.log)
			}
		})
	}
}

// TestParams checks what cl_status hbparameter would print: values as written,
// computed defaults in 3.0.6's "%ldms" form.
func TestParams(t *testing.T) {
	c := mustParse(t, base+"keepalive 500ms\ndeadtime 5\n")
	want := map[string]string{
		"keepalive": "500ms", "deadtime": "5", "warntime": "2500ms", "initdead": "12000ms",
		"deadping": "5000ms", "udpport": "694", "auto_failback": "legacy", "baud": "19200",
		"hopfudge": "1", "debug": "0", "use_logd": "yes",
	}
	for k, v := range want {
		if got := c.Params[k].Value; got != v {
			t.Errorf("Params[%s] = %q, want %q", k, got, v)
		}
	}
	c = mustParse(t, base)
	if got := c.Params["keepalive"].Value; got != "1000ms" {
		t.Errorf("default keepalive = %q, want 1000ms", got)
	}
	if c.Initdead != 30*time.Second || c.Warntime != 15*time.Second {
		t.Errorf("initdead %v warntime %v", c.Initdead, c.Warntime)
	}
}

func TestMedia(t *testing.T) {
	c := mustParse(t, "node node1\nbcast eth0 eth1\nudpport 700\nucast eth0 10.0.0.2\nudp eth2\nmcast eth0 239.0.0.43 1694 1 0\nping 10.0.0.254\nserial /dev/ttyS0\n")
	var got []string
	for _, m := range c.Media {
		got = append(got, fmt.Sprintf("%s@%d %+v", m.Type(), m.Line(), m))
	}
	want := []string{
		"bcast@2 &{Iface:eth0 Port:694 At:2}",
		"bcast@2 &{Iface:eth1 Port:694 At:2}",
		"ucast@4 &{Iface:eth0 Peer:10.0.0.2 Port:700 At:4}",
		"bcast@5 &{Iface:eth2 Port:694 At:5}", // bcast's port was fixed at line 2
		"mcast@6 &{Iface:eth0 Group:239.0.0.43 Port:1694 TTL:1 Loop:0 At:6}",
		"ping@7 &{Kind:ping Args:[10.0.0.254] At:7}",
		"serial@8 &{Kind:serial Args:[/dev/ttyS0] At:8}",
	}
	if !slices.Equal(got, want) {
		t.Errorf("media\n got %q\nwant %q", got, want)
	}
	if c.Log[0].String() != "WARN: WARNING: directive 'udp' replaced by 'bcast'" {
		t.Errorf("udp alias: %q", c.Log[0])
	}
	if n := c.Nodes[len(c.Nodes)-1]; n.Name != "10.0.0.254" || n.Type != PingNode {
		t.Errorf("ping node %+v", n)
	}
}

type ifaces map[string]bool

func (f ifaces) Broadcast(name string) (netip.Addr, error) {
	if !f[name] {
		return netip.Addr{}, fmt.Errorf("%s: %w", name, syscall.ENODEV)
	}
	return netip.MustParseAddr("10.0.0.255"), nil
}

func (f ifaces) Addr(name string) (netip.Addr, error) {
	_, err := f.Broadcast(name)
	return netip.MustParseAddr("10.0.0.1"), err
}

func TestInterfaceCheck(t *testing.T) {
	c, err := Parse("ha.cf", strings.NewReader("node node1\nbcast eth0 eth9\nmcast eth8 239.0.0.1 694 1 0\n"), Options{Interfaces: ifaces{"eth0": true}})
	errs := scan.Errors(err)
	if len(errs) != 2 {
		t.Fatalf("errors %v", err)
	}
	var legacy []string
	for _, e := range errs {
		for _, l := range e.Legacy {
			legacy = append(legacy, l.String())
		}
	}
	want := []string{
		"ERROR: glib: Get broadcast for interface eth9 failed: No such device",
		"ERROR: glib: IP interface [eth9] does not exist",
		"ERROR: Illegal bcast [UDP/IP broadcast] in config file [eth9]",
		"ERROR: glib: mcast device [eth8] is invalid or not set up properly",
	}
	if !slices.Equal(legacy, want) {
		t.Errorf("legacy\n got %q\nwant %q", legacy, want)
	}
	if len(c.Media) != 1 {
		t.Errorf("media %v", c.Media)
	}
}

func TestNiceFailback(t *testing.T) {
	c := mustParse(t, base+"auto_failback on\nnice_failback on\n")
	if c.AutoFailback != Off {
		t.Errorf("after auto_failback on: %v, want off", c.AutoFailback)
	}
	c = mustParse(t, base+"nice_failback on\n")
	if c.AutoFailback != Legacy {
		t.Errorf("alone: %v, want legacy (3.0.6 looks at its global, not the value)", c.AutoFailback)
	}
	if got := c.Log[1].String(); got != "ERROR: nice_failback on has been strictly interpreted as 'auto_failback legacy'" {
		t.Errorf("log %q", got)
	}
}

func TestTestdataAccepted(t *testing.T) {
	files, _ := filepath.Glob("testdata/ha.cf*")
	if len(files) < 6 {
		t.Fatalf("testdata has %d ha.cf files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(f, strings.NewReader(string(b)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			node := "node1"
			if strings.Contains(f, "debian") {
				node = "ken3"
			}
			if err := c.Validate(node); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWriteDefaults(t *testing.T) {
	for _, wiki := range []bool{false, true} {
		name := "testdata/heartbeat-D.txt"
		if wiki {
			name = "testdata/heartbeat-DW.txt"
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := WriteDefaults(&b, wiki, "3.0.6"); err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s differs:\n%s", name, b.String())
		}
	}
}
