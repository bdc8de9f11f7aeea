package heartbeat

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/heartbeat-go/heartbeat-go/resource.d/resourcetest"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// messages returns the logged texts, each prefixed by its script tag if it has one.
func messages(h *test.Hook) []string {
	var out []string
	for _, e := range h.AllEntries() {
		tag := ""
		if t, ok := e.Data[halog.FieldTag].(halog.ScriptTag); ok {
			tag = t.String() + " "
		}
		out = append(out, tag+e.Message)
	}
	return out
}

func requireLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("logged\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRunnerLines checks the ResourceManager lines and the agent calls of a
// failed start and of failed stops.
func TestRunnerLines(t *testing.T) {
	logger, hook := test.NewNullLogger()
	r := &runner{log: logrus.NewEntry(logger), resourceDir: "/etc/ha.d//resource.d", stopRetries: 2,
		sleep: func(context.Context, time.Duration) error { return nil }}
	var rec resourcetest.Recorder
	ip := resourcetest.New("IPaddr", &rec)
	bad := resourcetest.New("apache2", &rec)
	bad.FailStart(-1)
	g := &Group{Owner: "node1", Key: "10.250.0.100/24/eth0 apache2", Resources: []Resource{
		{Name: "IPaddr", Args: []string{"10.250.0.100/24/eth0"}, Agent: ip},
		{Name: "apache2", Agent: bad},
	}}
	var se *StartError
	if err := r.acquire(context.Background(), g); !errors.As(err, &se) || !errors.Is(err, resourcetest.ErrInjected) {
		t.Fatalf("acquire: %v, want a *StartError", err)
	}
	rm := "ResourceManager(default) "
	requireLines(t, messages(hook), []string{
		rm + "info: Acquiring resource group: node1 10.250.0.100/24/eth0 apache2",
		rm + "info: Running /etc/ha.d/resource.d/IPaddr 10.250.0.100/24/eth0 start",
		rm + "info: Running /etc/ha.d/resource.d/apache2  start",
		rm + "ERROR: Return code 1 from /etc/ha.d/resource.d/apache2",
		rm + "CRIT: Giving up resources due to failure of apache2",
		rm + "info: Releasing resource group: node1 10.250.0.100/24/eth0 apache2",
		rm + "info: Running /etc/ha.d/resource.d/apache2  stop",
		rm + "info: Running /etc/ha.d/resource.d/IPaddr 10.250.0.100/24/eth0 stop",
	})
	requireLines(t, rec.Ops(), []string{"IPaddr status", "IPaddr start", "apache2 status", "apache2 start", "apache2 stop", "IPaddr stop"})

	// A stop that keeps failing while the resource runs: fence.
	hook.Reset()
	if err := ip.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ip.FailStop(-1)
	rec.Reset()
	var stopErr *StopError
	if err := r.release(context.Background(), g); !errors.As(err, &stopErr) || stopErr.Resource != "IPaddr::10.250.0.100/24/eth0" {
		t.Fatalf("release: %v, want a *StopError of IPaddr", err)
	}
	requireLines(t, messages(hook)[3:], []string{
		rm + "info: Retrying failed stop operation [IPaddr::10.250.0.100/24/eth0]",
		rm + "info: Retrying failed stop operation [IPaddr::10.250.0.100/24/eth0]",
		rm + "CRIT: Resource STOP failure. Reboot required!",
		rm + "CRIT: Killing heartbeat ungracefully!",
	})
	requireLines(t, rec.Ops(), []string{"apache2 stop", "IPaddr stop", "IPaddr stop", "IPaddr stop", "IPaddr status"})

	// A stop that fails although the resource then says stopped: go on.
	hook.Reset()
	ip.StopLeavesRunning(false)
	if err := r.release(context.Background(), g); err != nil {
		t.Fatalf("release of a stopped resource whose stop fails: %v", err)
	}
	requireLines(t, messages(hook)[3:], []string{
		rm + "info: Retrying failed stop operation [IPaddr::10.250.0.100/24/eth0]",
		rm + "info: Retrying failed stop operation [IPaddr::10.250.0.100/24/eth0]",
		rm + "ERROR: Resource script for IPaddr::10.250.0.100/24/eth0 probably not LSB-compliant.",
		rm + "WARN: it (IPaddr::10.250.0.100/24/eth0) MUST succeed on a stop when already stopped",
		rm + "WARN: Machine reboot narrowly avoided!",
	})
}

// TestExitCode checks the code of the "Return code" line: a script's exit
// status, also wrapped, and 1 for failures without one.
func TestExitCode(t *testing.T) {
	exit7 := exec.Command("sh", "-c", "exit 7").Run()
	var ee *exec.ExitError
	if !errors.As(exit7, &ee) {
		t.Fatalf("sh -c 'exit 7': %v, want an *exec.ExitError", exit7)
	}
	killed := exec.Command("sh", "-c", "kill -9 $$").Run() // ExitCode -1
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"exit status", exit7, 7},
		{"wrapped", fmt.Errorf("starting apache2: %w", exit7), 7},
		{"killed by a signal", killed, 1},
		{"no exit status", resourcetest.ErrInjected, 1},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func keys(t *testing.T, text string) *authkeys.Keys {
	t.Helper()
	k, err := authkeys.Parse("authkeys", strings.NewReader(text), authkeys.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestBadPacketLines checks 3.0.6's lines for a netstring datagram signed with another
// key, and the suppression of repeated reports.
func TestBadPacketLines(t *testing.T) {
	theirs := keys(t, "auth 1\n1 sha1 theirs\n")
	ours := keys(t, "auth 1\n1 sha1 ours\n")
	m := &wire.Message{}
	m.Set("t", "status")
	wire.AddControlFields(m, wire.Origin{Node: "node2", Seq: 1, Generation: 5, Time: time.Unix(1, 0), TTL: 3})
	buf, err := wire.Encode(m, theirs)
	if err != nil {
		t.Fatal(err)
	}
	logger, hook := test.NewNullLogger()
	l := &Loop{Log: logrus.NewEntry(logger), Keys: ours}
	at := time.Unix(100, 0)
	from := netip.MustParseAddrPort("10.250.0.2:694")
	for _, dt := range []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 1500 * time.Millisecond} {
		l.receive(nil, media.Packet{Buf: buf, From: from, At: at.Add(dt)})
	}
	d, err := wire.Parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	got := messages(hook)
	n := 3 + len(d.Msg.Fields) // mismatch, netstring line, dump header, one line per field
	if len(got) != 2*n+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(got), 2*n+1, strings.Join(got, "\n"))
	}
	for i, prefix := range []string{"authtoken does not match, authtoken=", "netstring authentication failed, s=###\n", "MSG: Dumping message with "} {
		if !strings.HasPrefix(got[i], prefix) {
			t.Errorf("line %d %q, want %q…", i, got[i], prefix)
		}
	}
	if got[3] != "MSG[0] : [t=status]" {
		t.Errorf("first field %q", got[3])
	}
	if got[n] != "2 more packet(s) from 10.250.0.2 failed authentication or decoding" {
		t.Errorf("after the suppressed ones: %q", got[n])
	}
}

// TestPartitionHealAuditQuiet: node1 restarts, takes its group back, and
// the link goes down just then, so node1 declares node2 dead (and reports
// that it holds node2's groups too) while node2 may only see a late
// heartbeat. After the heal both must know what the other holds: node2
// asks for node1's messages lost in the partition, and those retransmitted
// reports must not overwrite node1's later one, or node2 keeps logging
// "Both machines own our resources!" twice a second for ever (seen in
// the failover benchmark's link-down runs). Every combination of the
// restart-to-cut gap and the cut's length that hit it is run.
func TestPartitionHealAuditQuiet(t *testing.T) {
	for gap := time.Duration(0); gap <= time.Second; gap += 100 * time.Millisecond {
		for cut := 3 * time.Second; cut <= 6*time.Second; cut += 100 * time.Millisecond {
			s := rejoinWithCut(t, gap, cut)
			s.run(10 * time.Second)
			if h := s.holders(0); len(h) != 1 {
				t.Fatalf("cut %v after the restart for %v: the group runs on %v", gap, cut, h)
			}
			for i, sn := range s.nodes {
				peer := s.nodes[1-i]
				if got, want := sn.n.peers[peer.name].hold, peer.n.hold; got != want {
					t.Fatalf("cut %v after the restart for %v: %s believes %s holds %v, it holds %v\n%s", gap, cut, sn.name, peer.name, got, want, s.logs())
				}
				sn.hook.Reset()
			}
			s.run(5 * time.Second)
			for _, sn := range s.nodes {
				if s.logged(sn.name, "Both machines own") {
					t.Fatalf("cut %v after the restart for %v: %s still logs the audit lines 15 s after the heal\n%s", gap, cut, sn.name, s.logs())
				}
			}
		}
	}
}

// TestPartitionAtStartHeals: both nodes start while the link is down, so
// each declares the other dead at initdead without ever having heard it,
// and each runs the group. Once they hear each other, the partition must
// heal as any other (heartbeat-go: the owner keeps the group, the other
// releases it), although neither has a sequence history of the other. A
// node that boots after its peer declared it dead at initdead still joins
// as usual (failback with auto_failback on).
func TestPartitionAtStartHeals(t *testing.T) {
	for name, mode := range map[string]AutoFailback{"on": FailbackOn, "off": FailbackOff} {
		t.Run(name, func(t *testing.T) {
			s := newSim(t, mode)
			s.cut = true
			s.start("node2")
			s.run(3 * time.Second)
			s.start("node1")
			s.run(15 * time.Second)
			s.requireHolders("node1", "node2")
			s.cut = false
			s.run(10 * time.Second)
			s.requireLogged("node1", "Cluster node node2 returning after partition.")
			s.requireLogged("node2", "Cluster node node1 returning after partition.")
			s.requireHolders("node1")
		})
	}
	t.Run("boot after initdead", func(t *testing.T) {
		s := newSim(t, FailbackOn)
		s.start("node2")
		s.run(15 * time.Second)
		s.requireHolders("node2")
		s.start("node1")
		s.run(15 * time.Second)
		s.requireHolders("node1")
		if s.logged("node2", "returning after partition") {
			t.Fatalf("a booting node1 taken for one back from a partition\n%s", s.logs())
		}
	})
}
