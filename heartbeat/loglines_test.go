package heartbeat

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/media"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// fakeAgent is a resource whose operations fail on demand.
type fakeAgent struct {
	running   bool
	startErr  error
	stopErr   error
	stopCalls int
}

func (a *fakeAgent) Start(context.Context) error {
	if a.startErr != nil {
		return a.startErr
	}
	a.running = true
	return nil
}

func (a *fakeAgent) Stop(context.Context) error {
	a.stopCalls++
	if a.stopErr != nil {
		return a.stopErr
	}
	a.running = false
	return nil
}

func (a *fakeAgent) Status(context.Context) (bool, error) { return a.running, nil }
func (a *fakeAgent) String() string                       { return "fake" }

type exitErr int

func (e exitErr) Error() string { return "exit status" }
func (e exitErr) ExitCode() int { return int(e) }

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

// TestRunnerLines checks the ResourceManager lines of a failed start and a failed stop.
func TestRunnerLines(t *testing.T) {
	logger, hook := test.NewNullLogger()
	r := &runner{log: logrus.NewEntry(logger), resourceDir: "/etc/ha.d//resource.d", stopRetries: 2,
		sleep: func(context.Context, time.Duration) error { return nil }}
	ip := &fakeAgent{}
	bad := &fakeAgent{startErr: exitErr(7)}
	g := &Group{Owner: "node1", Key: "10.250.0.100/24/eth0 apache2", Resources: []Resource{
		{Name: "IPaddr", Args: []string{"10.250.0.100/24/eth0"}, Agent: ip},
		{Name: "apache2", Agent: bad},
	}}
	var se *StartError
	if err := r.acquire(context.Background(), g); !errors.As(err, &se) {
		t.Fatalf("acquire: %v, want a *StartError", err)
	}
	rm := "ResourceManager(default) "
	requireLines(t, messages(hook), []string{
		rm + "info: Acquiring resource group: node1 10.250.0.100/24/eth0 apache2",
		rm + "info: Running /etc/ha.d/resource.d/IPaddr 10.250.0.100/24/eth0 start",
		rm + "info: Running /etc/ha.d/resource.d/apache2  start",
		rm + "ERROR: Return code 7 from /etc/ha.d/resource.d/apache2",
		rm + "CRIT: Giving up resources due to failure of apache2",
		rm + "info: Releasing resource group: node1 10.250.0.100/24/eth0 apache2",
		rm + "info: Running /etc/ha.d/resource.d/apache2  stop",
		rm + "info: Running /etc/ha.d/resource.d/IPaddr 10.250.0.100/24/eth0 stop",
	})

	hook.Reset()
	ip.running, ip.stopErr = true, errors.New("busy")
	var stopErr *StopError
	if err := r.release(context.Background(), g); !errors.As(err, &stopErr) {
		t.Fatalf("release: %v, want a *StopError", err)
	}
	requireLines(t, messages(hook)[3:], []string{
		rm + "info: Retrying failed stop operation [IPaddr::10.250.0.100/24/eth0]",
		rm + "info: Retrying failed stop operation [IPaddr::10.250.0.100/24/eth0]",
		rm + "CRIT: Resource STOP failure. Reboot required!",
		rm + "CRIT: Killing heartbeat ungracefully!",
	})

	hook.Reset()
	ip.running = false
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
