//go:build integration

package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/authkeys"
	"github.com/heartbeat-go/heartbeat-go/heartbeat/wire"
	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
	"github.com/heartbeat-go/heartbeat-go/tests/pcap"
)

// The acceptance tests of issue 4 (spec §4, §8 cases 16-23): the wire
// protocol and membership of heartbeat-go against itself and against the
// real heartbeat 3.0.6, over bcast, mcast and ucast.
//
// Every test builds its clusters one after the other on the test goroutine
// (the harness may t.Fatal) and then runs their scenarios concurrently: the
// scenarios mostly wait for heartbeats, and `go test` runs only GOMAXPROCS
// parallel tests, so t.Parallel alone would serialise the minute-long runs.
// A scenario reports its first failure as an error; timing numbers are
// logged, and bounds on them are generous (ordering matters, not speed).

// mixedWindow is how long a mixed Go/C cluster must run without an
// authentication error, an unrecovered lost packet or a full history queue.
const mixedWindow = 60 * time.Second

// The lab timing (shared/testdata ha.cf).
const (
	keepalive = time.Second
	deadtime  = 5 * time.Second
	initdead  = 10 * time.Second
)

// Media lines as ha.cf writes them; the ucast line is a template.
const (
	bcastLine = "bcast eth0"
	mcastLine = "mcast eth0 239.0.0.43 694 1 0"
	ucastLine = "ucast eth0 {{index .Peers 0}}"
)

// authMethods are the key indices of config/authkeys.all-methods.
var authMethods = []struct {
	name  string
	index int
}{{"sha1", 1}, {"md5", 2}, {"crc", 3}}

// allMethodsKeys is config/authkeys.all-methods signing with key index.
func allMethodsKeys(index int) string {
	return fmt.Sprintf("auth %d\n1 sha1 spec-test-secret\n2 md5 spec-md5-secret\n3 crc\n", index)
}

// labHACfWith returns the lab ha.cf with its bcast line replaced by medium
// and the directives named in set given the values there (templates allowed).
func labHACfWith(medium string, set map[string]string) string {
	var b strings.Builder
	for line := range strings.Lines(cluster.LabHACf) {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "bcast":
			line = medium + "\n"
		case len(f) > 0 && set[f[0]] != "":
			line = f[0] + " " + set[f[0]] + "\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

// impl says which daemon runs on a node.
type impl string

const (
	goImpl impl = "go"
	cImpl  impl = "c"
)

// scenario is one cluster and what to do with it.
type scenario struct {
	name  string
	opts  cluster.Options
	impls []impl // per node
	run   func(ctx context.Context, e *env) error
}

// env is a scenario's running cluster.
type env struct {
	t     *testing.T
	name  string
	c     *cluster.Cluster
	bin   string
	impls []impl
	dir   string
}

func (e *env) logf(format string, args ...any) {
	e.t.Logf("%s: %s", e.name, fmt.Sprintf(format, args...))
}

// runScenarios builds every cluster, then runs all scenarios at once within
// timeout, and fails the test for each scenario that returned an error.
func runScenarios(t *testing.T, timeout time.Duration, scs []scenario) {
	start := time.Now()
	bin := cluster.GoBinary(t, "heartbeat")
	envs := make([]*env, len(scs))
	for i, s := range scs {
		envs[i] = &env{t: t, name: s.name, c: cluster.New(t, s.opts), bin: bin, impls: s.impls, dir: t.TempDir()}
		// The harness copies the host's /var/lib/heartbeat: if a heartbeat
		// ever ran on the host, every node would share its uuid and
		// generation (3.0.6 then logs "nodename node1 uuid changed to
		// node2" each second and never sees its peer).
		for _, n := range envs[i].c.Nodes {
			for _, f := range []string{"hb_uuid", "hb_generation", "hostcache", "delhostcache"} {
				if err := os.Remove(filepath.Join(n.Dir, "lib", f)); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
			}
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for i, s := range scs {
		wg.Go(func() {
			e := envs[i]
			if err := s.run(ctx, e); err != nil {
				t.Errorf("%s: %v", s.name, err)
				for _, n := range e.c.Nodes {
					log, _ := n.ReadLog()
					out, _ := n.ReadFile("go.out")
					t.Logf("%s: %s (%s) ha-log ends:\n%s\ngo.out ends:\n%s", s.name, n.Name, e.impls[n.Index-1], lastLines(log, 40), lastLines(out, 10))
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d scenario(s) ran in %v", len(scs), time.Since(start).Round(time.Second))
}

// start starts node n's daemon.
func (e *env) start(ctx context.Context, n *cluster.Node) error {
	if e.impls[n.Index-1] == goImpl {
		return n.StartGo(e.bin, "-f")
	}
	return n.StartReal(ctx)
}

// startAll starts the nodes in order and returns when the last was started.
func (e *env) startAll(ctx context.Context) (time.Time, error) {
	var last time.Time
	for _, n := range e.c.Nodes {
		last = time.Now()
		if err := e.start(ctx, n); err != nil {
			return last, err
		}
	}
	return last, nil
}

// waitActive waits until each node logs the other's link up and status
// active (spec §6.3), and returns how long that took from since.
func waitActive(ctx context.Context, since time.Time, a, b *cluster.Node) (time.Duration, error) {
	for _, w := range [][2]*cluster.Node{{a, b}, {b, a}} {
		for _, line := range []string{
			"Link " + w[1].Name + ":eth0 up.",
			"Status update for node " + w[1].Name + ": status active",
		} {
			if err := w[0].WaitLog(ctx, line); err != nil {
				return 0, err
			}
		}
	}
	return time.Since(since), nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// logSince returns n's ha-log after byte offset mark.
func logSince(n *cluster.Node, mark int) string {
	s, _ := n.ReadLog()
	if mark > len(s) {
		return ""
	}
	return s[mark:]
}

// authErrors are the lines of spec §2.5 and ours for a bad datagram.
var authErrors = []string{
	"authtoken does not match", "authentication failed", "Invalid authentication",
	"Bad/invalid auth token", "bad packet", "failed authentication or decoding",
}

// healthy checks a log of a running cluster: no authentication error, no
// full history queue, no death or replay, and every lost-packet warning
// followed by its "No pkts missing" line.
func healthy(name, log string) error {
	bad := append([]string{"Message hist queue is filling up", "is dead", "attempted replay attack",
		"lost a lot of packets", "Irretrievably lost", "returning after partition"}, authErrors...)
	for _, b := range bad {
		if i := strings.Index(log, b); i >= 0 {
			return fmt.Errorf("%s logged %q: %s", name, b, lineAt(log, i))
		}
	}
	return lostRecovered(name, log)
}

var lostRE = regexp.MustCompile(`(\d+) lost packet\(s\) for \[(\w+)\] \[(\d+):(\d+)\]`)

// lostRecovered checks that every "N lost packet(s) for [X]" is followed by
// "No pkts missing from X!".
func lostRecovered(name, log string) error {
	for _, m := range lostRE.FindAllStringSubmatchIndex(log, -1) {
		from := log[m[4]:m[5]]
		if !strings.Contains(log[m[1]:], "No pkts missing from "+from+"!") {
			return fmt.Errorf("%s: lost packets never recovered: %s", name, lineAt(log, m[0]))
		}
	}
	return nil
}

func lineAt(s string, i int) string {
	start := strings.LastIndexByte(s[:i], '\n') + 1
	end := strings.IndexByte(s[i:], '\n')
	if end < 0 {
		return s[start:]
	}
	return s[start : i+end]
}

// capture records every UDP datagram crossing the bridge (tcpdump on br0 in
// the switch namespace: a promiscuous bridge sees all forwarded frames).
type capture struct {
	cmd  *exec.Cmd
	path string
	errc chan error
}

func startCapture(ctx context.Context, e *env) (*capture, error) {
	path := filepath.Join(e.dir, "br0.pcap")
	cmd := e.c.Switch.Cmd(ctx, "tcpdump", "-i", "br0", "-n", "-U", "-s", "0", "-Z", "root", "-w", path, "udp")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("tcpdump: %w", err)
	}
	ready := make(chan error, 1)
	go func() {
		var got bytes.Buffer
		buf := make([]byte, 512)
		signalled := false
		for {
			k, err := stderr.Read(buf)
			got.Write(buf[:k])
			if !signalled && strings.Contains(got.String(), "listening on") {
				signalled = true
				ready <- nil
			}
			if err != nil {
				if !signalled {
					ready <- fmt.Errorf("tcpdump: %s", got.String())
				}
				return
			}
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, err
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, errors.New("tcpdump did not start listening")
	}
	c := &capture{cmd: cmd, path: path, errc: make(chan error, 1)}
	go func() { c.errc <- cmd.Wait() }()
	return c, nil
}

// stop ends the capture and returns its datagrams.
func (c *capture) stop() ([]pcap.Datagram, error) {
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.errc:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.errc
	}
	return pcap.ReadFile(c.path)
}

// wireReport is what checkSent counted.
type wireReport struct {
	datagrams, statuses, boosted, acks, peerSeqs, rexmits int
}

// sentSpec is what a Go node's datagrams must look like.
type sentSpec struct {
	node, peer string
	addr       netip.Addr
	keysText   string        // authkeys the node signs with
	deadtime   time.Duration // the node's own deadtime
}

// checkSent checks every datagram the Go node sent (spec §8 cases 16, 22,
// 23): netstring framing, the control fields of §4.3 in order after the
// creator's, both MACs verifying with the active key (whose index it
// names), re-encoding byte for byte; status dt = deadtime+2 s during the
// first seconds and deadtime afterwards; about one NS_ackmsg per ten
// sequenced messages of the peer, all for the same residue of seq mod 10.
func checkSent(dgs []pcap.Datagram, s sentSpec) (wireReport, error) {
	var r wireReport
	keys, err := authkeys.Parse("authkeys", strings.NewReader(s.keysText), authkeys.Options{})
	if err != nil {
		return r, err
	}
	active, _ := keys.ActiveKey()
	var first time.Time
	var ackRes []uint64
	peerSeqs := map[uint64]bool{}
	for _, dg := range dgs {
		if dg.Dst.Port() != 694 {
			continue
		}
		d, err := wire.Parse(dg.Payload)
		if dg.Src.Addr() != s.addr {
			// The peer's sequenced messages heard after our start, for the ACK ratio.
			if err == nil && !first.IsZero() {
				if t, _ := d.Msg.Value(wire.FieldType); !strings.HasPrefix(t, "NS_") {
					if src, _ := d.Msg.Value(wire.FieldSrc); src == s.peer {
						if seq, err := d.Msg.Hex(wire.FieldSeq); err == nil {
							peerSeqs[seq] = true
						}
					}
				}
			}
			continue
		}
		if err != nil {
			return r, fmt.Errorf("datagram %d of %s does not parse: %w: %q", r.datagrams, s.node, err, dg.Payload)
		}
		if first.IsZero() {
			first = dg.Time
		}
		r.datagrams++
		if !bytes.HasPrefix(dg.Payload, []byte("###\n")) || d.Format != wire.Netstring {
			return r, fmt.Errorf("%s sent a datagram that is not netstring: %q", s.node, dg.Payload)
		}
		if err := d.Verify(keys); err != nil {
			return r, fmt.Errorf("%s: outer MAC: %w: %q", s.node, err, dg.Payload)
		}
		if err := wire.VerifyInner(d.Msg, keys); err != nil {
			return r, fmt.Errorf("%s: inner MAC: %w: %q", s.node, err, dg.Payload)
		}
		if idx, _, _ := strings.Cut(string(d.Token), " "); idx != strconv.Itoa(keys.Active) {
			return r, fmt.Errorf("%s signed with key %s, want %d (%s)", s.node, idx, keys.Active, active.Method)
		}
		if again, err := wire.Encode(d.Msg, keys); err != nil || !bytes.Equal(again, dg.Payload) {
			return r, fmt.Errorf("%s: datagram does not re-encode byte for byte (%v):\n%q\n%q", s.node, err, dg.Payload, again)
		}
		if err := fieldOrder(d.Msg); err != nil {
			return r, fmt.Errorf("%s: %w: %q", s.node, err, dg.Payload)
		}
		t, _ := d.Msg.Value(wire.FieldType)
		switch t {
		case "status":
			r.statuses++
			dt, _ := d.Msg.Value("dt")
			since := dg.Time.Sub(first)
			boost := fmt.Sprintf("%x", (s.deadtime + 2*time.Second).Milliseconds())
			plain := fmt.Sprintf("%x", s.deadtime.Milliseconds())
			// The boost lasts 5 s from the daemon's start, which precedes
			// its first datagram by up to a few seconds on a loaded machine.
			switch {
			case since < 3*time.Second && dt != boost:
				return r, fmt.Errorf("%s: status %v after start has dt=%s, want %s", s.node, since, dt, boost)
			case since > 9*time.Second && dt != plain:
				return r, fmt.Errorf("%s: status %v after start has dt=%s, want %s", s.node, since, dt, plain)
			case dt == boost:
				r.boosted++
			}
		case "NS_ackmsg":
			if dest, _ := d.Msg.Value(wire.FieldDest); dest == s.peer {
				seq, err := d.Msg.Hex("ackseq")
				if err != nil {
					return r, fmt.Errorf("%s: ackseq: %w", s.node, err)
				}
				ackRes = append(ackRes, seq%10)
			}
		case "NS_rexmit":
			r.rexmits++
			f, _ := d.Msg.Value("firstseq")
			l, _ := d.Msg.Value("lastseq")
			if _, err := strconv.ParseUint(f, 10, 64); err != nil || f != l {
				return r, fmt.Errorf("%s: NS_rexmit firstseq=%q lastseq=%q, want one decimal seq", s.node, f, l)
			}
		}
	}
	r.acks, r.peerSeqs = len(ackRes), len(peerSeqs)
	if r.datagrams == 0 || r.boosted == 0 || r.statuses == r.boosted {
		return r, fmt.Errorf("%s: %d datagrams, %d statuses, %d with the start-up dt: too few to check", s.node, r.datagrams, r.statuses, r.boosted)
	}
	if want := r.peerSeqs / 10; r.acks < want-2 || r.acks > want+2 {
		return r, fmt.Errorf("%s sent %d NS_ackmsg for %d sequenced messages of %s, want about %d", s.node, r.acks, r.peerSeqs, s.peer, want)
	}
	for _, res := range ackRes {
		if res != ackRes[0] {
			return r, fmt.Errorf("%s acknowledges seqs of residues %v mod 10, want one", s.node, ackRes)
		}
	}
	return r, nil
}

// fieldOrder checks spec §4.3: the creator's fields (t first, but dest
// before t in repnodes), then destuuid if dest is set, src, srcuuid, seq,
// hg, ts, ld, ttl, auth; NS_ messages have neither seq nor ld.
func fieldOrder(m *wire.Message) error {
	var names []string
	for _, f := range m.Fields {
		names = append(names, f.Name)
	}
	t, _ := m.Value(wire.FieldType)
	tail := []string{"src", "srcuuid", "seq", "hg", "ts", "ld", "ttl", "auth"}
	if strings.HasPrefix(t, "NS_") {
		tail = []string{"src", "srcuuid", "hg", "ts", "ttl", "auth"}
	}
	if _, ok := m.Get(wire.FieldDestUUID); ok {
		tail = append([]string{"destuuid"}, tail...)
	}
	if len(names) <= len(tail) || !slices.Equal(names[len(names)-len(tail):], tail) {
		return fmt.Errorf("fields %v do not end in %v", names, tail)
	}
	head := names[:len(names)-len(tail)]
	if head[0] != "t" && (t != "repnodes" || head[0] != "dest" || head[1] != "t") {
		return fmt.Errorf("fields %v do not start with t", names)
	}
	for _, f := range m.Fields {
		if (f.Name == "srcuuid" || f.Name == "destuuid") != (f.Type == wire.TypeBinary) || (f.Type == wire.TypeBinary && len(f.Value) != 16) {
			return fmt.Errorf("field %s has type %d and %d bytes", f.Name, f.Type, len(f.Value))
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		return fmt.Errorf("duplicate fields in %v", names)
	}
	return nil
}

// dropOne makes receiver drop the next status datagram of sender (an
// iptables rule whose quota covers one datagram, so the retransmission
// passes) and waits for the gap to be reported and filled (spec §8 case 20):
// "1 lost packet(s) for [sender] [a:a+2]", then "No pkts missing from sender!".
func dropOne(ctx context.Context, receiver, sender *cluster.Node) (string, error) {
	mark := receiver.LogMark()
	rule := []string{"INPUT", "-p", "udp", "--dport", "694",
		"-m", "string", "--algo", "bm", "--string", "(0)t=status,",
		"-m", "string", "--algo", "bm", "--string", "(0)src=" + sender.Name + ",",
		"-m", "quota", "--quota", "450", "-j", "DROP"}
	if _, err := receiver.NS.Run(ctx, "iptables", append([]string{"-I"}, rule...)...); err != nil {
		return "", err
	}
	defer receiver.NS.Run(context.WithoutCancel(ctx), "iptables", append([]string{"-D"}, rule...)...)
	lost := "lost packet(s) for [" + sender.Name + "]"
	if err := receiver.WaitLogSince(ctx, mark, lost); err != nil {
		return "", err
	}
	if err := receiver.WaitLogSince(ctx, mark, "No pkts missing from "+sender.Name+"!"); err != nil {
		return "", err
	}
	out, err := receiver.NS.Run(ctx, "iptables", "-L", "INPUT", "-n", "-v", "-x")
	if err != nil {
		return "", err
	}
	if f := strings.Fields(lineAt(out, strings.Index(out, "DROP"))); len(f) == 0 || f[0] != "1" {
		return "", fmt.Errorf("%s: the drop rule matched %q datagrams, want 1:\n%s", receiver.Name, f, out)
	}
	log := logSince(receiver, mark)
	m := lostRE.FindStringSubmatch(log)
	if m == nil || m[1] != "1" {
		return "", fmt.Errorf("%s: want one lost packet, log:\n%s", receiver.Name, log)
	}
	a, _ := strconv.Atoi(m[3])
	c, _ := strconv.Atoi(m[4])
	if c != a+2 {
		return "", fmt.Errorf("%s: gap [%d:%d], want one seq missing", receiver.Name, a, c)
	}
	if err := lostRecovered(receiver.Name, log); err != nil {
		return "", err
	}
	return m[0], nil
}

// killAndDetect kills victim's daemon and returns how long other took to
// declare it dead, after checking that other had not before.
func killAndDetect(ctx context.Context, victim, other *cluster.Node) (time.Duration, error) {
	mark := other.LogMark()
	if log, _ := other.ReadLog(); strings.Contains(log, "node "+victim.Name+": is dead") {
		return 0, fmt.Errorf("%s declared %s dead before it was killed", other.Name, victim.Name)
	}
	t0 := time.Now()
	if err := victim.Kill(ctx); err != nil {
		return 0, err
	}
	if err := other.WaitLogSince(ctx, mark, "node "+victim.Name+": is dead"); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// TestWireGoGo: two heartbeat-go nodes over bcast, mcast and ucast (with
// sha1, md5 and crc keys): both active within a few keepalives of the
// second start, a lost datagram is retransmitted on request, every
// datagram is well-formed (cases 16, 19, 22, 23), and cutting the link gets
// each declared dead by the other after deadtime.
func TestWireGoGo(t *testing.T) {
	var scs []scenario
	for i, medium := range []string{bcastLine, mcastLine, ucastLine} {
		m := authMethods[i]
		keys := allMethodsKeys(m.index)
		scs = append(scs, scenario{
			name:  strings.Fields(medium)[0] + "/" + m.name,
			opts:  cluster.Options{HACf: labHACfWith(medium, nil), Authkeys: keys},
			impls: []impl{goImpl, goImpl},
			run: func(ctx context.Context, e *env) error {
				n1, n2 := e.c.Nodes[0], e.c.Nodes[1]
				cp, err := startCapture(ctx, e)
				if err != nil {
					return err
				}
				if err := e.start(ctx, n1); err != nil {
					return err
				}
				if err := n1.WaitLog(ctx, "Local status now set to: 'up'"); err != nil {
					return err
				}
				second := time.Now()
				if err := e.start(ctx, n2); err != nil {
					return err
				}
				took, err := waitActive(ctx, second, n1, n2)
				if err != nil {
					return err
				}
				e.logf("both active %v after the second start", took.Round(time.Millisecond))
				if took > 10*keepalive {
					return fmt.Errorf("both active only %v after the second start", took)
				}
				line, err := dropOne(ctx, n2, n1)
				if err != nil {
					return err
				}
				e.logf("node2: %s, recovered", line)
				// Past the start-up dt of both, so deadtime is what counts.
				if err := sleepCtx(ctx, time.Until(second.Add(8*time.Second))); err != nil {
					return err
				}
				for _, n := range e.c.Nodes {
					log, _ := n.ReadLog()
					if err := healthy(n.Name, log); err != nil {
						return err
					}
				}
				marks := []int{n1.LogMark(), n2.LogMark()}
				cut := time.Now()
				if err := e.c.Isolate(ctx, n1, n2); err != nil {
					return err
				}
				var detect [2]time.Duration
				for i, w := range [][2]*cluster.Node{{n1, n2}, {n2, n1}} {
					if err := w[0].WaitLogSince(ctx, marks[i], "node "+w[1].Name+": is dead"); err != nil {
						return err
					}
					detect[i] = time.Since(cut)
					log := logSince(w[0], marks[i])
					dead := strings.Index(log, "node "+w[1].Name+": is dead")
					link := strings.Index(log, "Link "+w[1].Name+":eth0 dead.")
					if link >= 0 && link < dead {
						return fmt.Errorf("%s: link dead before node dead:\n%s", w[0].Name, log)
					}
				}
				e.logf("link cut: node1 declared node2 dead after %v, node2 node1 after %v (deadtime %v)",
					detect[0].Round(time.Millisecond), detect[1].Round(time.Millisecond), deadtime)
				for _, d := range detect {
					if d < deadtime-keepalive-500*time.Millisecond || d > 3*deadtime {
						return fmt.Errorf("death detected %v after the cut, want about deadtime %v", d, deadtime)
					}
				}
				dgs, err := cp.stop()
				if err != nil {
					return err
				}
				for _, w := range [][2]*cluster.Node{{n1, n2}, {n2, n1}} {
					r, err := checkSent(dgs, sentSpec{node: w[0].Name, peer: w[1].Name, addr: w[0].Addr(), keysText: keys, deadtime: deadtime})
					if err != nil {
						return err
					}
					e.logf("%s: %d datagrams well-formed, %d statuses (%d with dt=deadtime+2s), %d NS_ackmsg for %d seqs, %d NS_rexmit",
						w[0].Name, r.datagrams, r.statuses, r.boosted, r.acks, r.peerSeqs, r.rexmits)
				}
				return nil
			},
		})
	}
	runScenarios(t, 2*time.Minute, scs)
}

// TestWireMixed: heartbeat-go with the real heartbeat 3.0.6 over every
// medium with every authentication method, each placement of the Go node:
// both see the other's link up and status active; a datagram dropped in
// either direction is retransmitted (case 20); for mixedWindow neither log
// shows an authentication error, an unrecovered loss or a full history
// queue (cases 19, 22); every Go datagram is well-formed (16, 23); killing
// one side gets it declared dead by the other.
func TestWireMixed(t *testing.T) {
	var scs []scenario
	i := 0
	for _, medium := range []string{bcastLine, mcastLine, ucastLine} {
		for _, m := range authMethods {
			goIdx, killGo := i%2, i%3 != 0
			i++
			impls := []impl{cImpl, cImpl}
			impls[goIdx] = goImpl
			keys := allMethodsKeys(m.index)
			name := fmt.Sprintf("%s/%s/go-node%d", strings.Fields(medium)[0], m.name, goIdx+1)
			scs = append(scs, scenario{
				name:  name,
				opts:  cluster.Options{HACf: labHACfWith(medium, nil), Authkeys: keys},
				impls: impls,
				run: func(ctx context.Context, e *env) error {
					goN, cN := e.c.Nodes[goIdx], e.c.Nodes[1-goIdx]
					cp, err := startCapture(ctx, e)
					if err != nil {
						return err
					}
					second, err := e.startAll(ctx)
					if err != nil {
						return err
					}
					took, err := waitActive(ctx, second, goN, cN)
					if err != nil {
						return err
					}
					up := time.Now()
					e.logf("both active %v after the second start", took.Round(time.Millisecond))
					for _, w := range [][2]*cluster.Node{{goN, cN}, {cN, goN}} {
						line, err := dropOne(ctx, w[0], w[1])
						if err != nil {
							return err
						}
						e.logf("%s (%s): %s, recovered", w[0].Name, e.impls[w[0].Index-1], line)
					}
					if err := sleepCtx(ctx, time.Until(up.Add(mixedWindow))); err != nil {
						return err
					}
					for _, n := range e.c.Nodes {
						log, _ := n.ReadLog()
						if err := healthy(n.Name, log); err != nil {
							return err
						}
					}
					victim, other := cN, goN
					if killGo {
						victim, other = goN, cN
					}
					d, err := killAndDetect(ctx, victim, other)
					if err != nil {
						return err
					}
					e.logf("%s (%s) killed: declared dead by %s after %v", victim.Name, e.impls[victim.Index-1], other.Name, d.Round(time.Millisecond))
					if d > 3*deadtime {
						return fmt.Errorf("death detected only %v after the kill", d)
					}
					dgs, err := cp.stop()
					if err != nil {
						return err
					}
					r, err := checkSent(dgs, sentSpec{node: goN.Name, peer: cN.Name, addr: goN.Addr(), keysText: keys, deadtime: deadtime})
					if err != nil {
						return err
					}
					e.logf("%s: %d datagrams well-formed, %d statuses (%d with dt=deadtime+2s), %d NS_ackmsg for %d seqs of 3.0.6, %d NS_rexmit",
						goN.Name, r.datagrams, r.statuses, r.boosted, r.acks, r.peerSeqs, r.rexmits)
					if r.rexmits == 0 {
						return fmt.Errorf("%s never sent NS_rexmit", goN.Name)
					}
					return nil
				},
			})
		}
	}
	runScenarios(t, mixedWindow+3*time.Minute, scs)
}

// testdataPcaps returns the datagrams of every 3.0.6 capture by file name.
func testdataPcaps() (map[string][]pcap.Datagram, error) {
	files, err := filepath.Glob(filepath.Join("pcap", "testdata", "*.pcap"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no captures in pcap/testdata: %v", err)
	}
	out := map[string][]pcap.Datagram{}
	for _, f := range files {
		dgs, err := pcap.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out[filepath.Base(f)] = dgs
	}
	return out, nil
}

// injector sends datagrams from the client namespace to a node's port 694.
type injector struct{ conn *net.UDPConn }

func newInjector(e *env, to *cluster.Node) (*injector, error) {
	var conn *net.UDPConn
	err := cluster.InNS(e.c.Client.Name, func() (err error) {
		conn, err = net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(to.Addr(), 694)))
		return err
	})
	return &injector{conn: conn}, err
}

// send writes the datagrams, pausing for pause after every tenth so that
// the socket buffer and the daemon's queue (or neither) overflow.
func (in *injector) send(dgs [][]byte, pause time.Duration) error {
	for i, b := range dgs {
		if _, err := in.conn.Write(b); err != nil {
			return err
		}
		if i%10 == 9 {
			time.Sleep(pause)
		}
	}
	return nil
}

// unpaced is the pause for sends whose datagrams may be dropped anyway.
const unpaced = time.Millisecond

// listen returns a socket in the client namespace that receives the
// cluster's broadcasts.
// listenAndStart opens the client's listening socket on the heartbeat
// port (it sees every broadcast), then starts both nodes and waits until
// they are active.
func listenAndStart(ctx context.Context, e *env) (*net.UDPConn, error) {
	conn, err := listen(e)
	if err != nil {
		return nil, err
	}
	second, err := e.startAll(ctx)
	if err == nil {
		_, err = waitActive(ctx, second, e.c.Nodes[0], e.c.Nodes[1])
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func listen(e *env) (*net.UDPConn, error) {
	var conn *net.UDPConn
	err := cluster.InNS(e.c.Client.Name, func() (err error) {
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{Port: 694})
		return err
	})
	return conn, err
}

// liveFrom returns the next n sequenced datagrams src broadcasts.
func liveFrom(ctx context.Context, conn *net.UDPConn, src string, n int) ([][]byte, error) {
	var out [][]byte
	buf := make([]byte, 65536)
	for len(out) < n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, err := conn.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("listening for %s: %w", src, err)
		}
		d, err := wire.Parse(buf[:k])
		if err != nil {
			continue
		}
		t, _ := d.Msg.Value(wire.FieldType)
		if s, _ := d.Msg.Value(wire.FieldSrc); s == src && !strings.HasPrefix(t, "NS_") {
			out = append(out, bytes.Clone(buf[:k]))
		}
	}
	return out, nil
}

var replayRE = regexp.MustCompile(`should_drop_message: attempted replay attack \[(\w+)\]\? \[gen = (\d+), curgen = (\d+)\]`)
var moreReplaysRE = regexp.MustCompile(`(\d+) more replayed packet\(s\) from (\w+) dropped`)
var generationRE = regexp.MustCompile(`Heartbeat generation: (\d+)`)

// replayCount counts the replays of src a log reports, logged or summed up.
func replayCount(log, src string) int {
	n := 0
	for _, m := range replayRE.FindAllStringSubmatch(log, -1) {
		if m[1] == src {
			n++
		}
	}
	for _, m := range moreReplaysRE.FindAllStringSubmatch(log, -1) {
		if m[2] == src {
			k, _ := strconv.Atoi(m[1])
			n += k
		}
	}
	return n
}

// isSequencedFrom reports whether b is a sequenced message of node src.
func isSequencedFrom(b []byte, src string) bool {
	d, err := wire.Parse(b)
	if err != nil {
		return false
	}
	t, _ := d.Msg.Value(wire.FieldType)
	s, _ := d.Msg.Value(wire.FieldSrc)
	return s == src && !strings.HasPrefix(t, "NS_")
}

// TestWireSection8 runs the two-node cases of spec §8 that need a cluster
// of their own: 17 (captured packets authenticate), 18 (key mismatch), 21
// (replays), 23 (the peer's dt is its deadtime), Go with Go and Go with C.
func TestWireSection8(t *testing.T) {
	caps, err := testdataPcaps()
	if err != nil {
		t.Fatal(err)
	}
	goGo, cGo := []impl{goImpl, goImpl}, []impl{cImpl, goImpl}
	var scs []scenario
	scs = append(scs, scenario{
		name:  "17-captures",
		opts:  cluster.Options{Authkeys: allMethodsKeys(1)},
		impls: goGo,
		run:   func(ctx context.Context, e *env) error { return case17(ctx, e, caps) },
	})
	mismatch := "auth 1\n1 sha1 {{if eq .Name \"node2\"}}wrong-secret{{else}}spec-test-secret{{end}}\n"
	for _, impls := range [][]impl{goGo, cGo} {
		pair := string(impls[0]) + "-" + string(impls[1])
		scs = append(scs, scenario{
			name: "18-key-mismatch/" + pair,
			opts: cluster.Options{Authkeys: mismatch, Haresources: labHaresources,
				ResourceD: map[string]string{"spectest": cluster.Spectest}},
			impls: impls,
			run:   case18,
		}, scenario{
			name:  "21-replay/" + pair,
			impls: impls,
			run:   func(ctx context.Context, e *env) error { return case21(ctx, e, caps["01-startup.pcap"]) },
		}, scenario{
			name: "23-peer-dt/" + pair,
			opts: cluster.Options{HACf: labHACfWith(bcastLine, map[string]string{
				"deadtime": `{{if eq .Name "node1"}}8{{else}}5{{end}}`,
				"initdead": `{{if eq .Name "node1"}}16{{else}}10{{end}}`,
			})},
			impls: impls,
			run:   case23,
		})
	}
	runScenarios(t, 2*time.Minute, scs)
}

// case17 replays the UDP payload of every captured 3.0.6 datagram into a Go
// node configured with the lab's keys. "Accepted" means: it authenticates
// (no authentication or decoding error is logged) and reaches the sequence
// bookkeeping, which drops each one from the peer as a replay (the
// captures are of older generations; NS_ messages carry the generation
// too): the count of replays logged or summed up must equal the count of
// node1's datagrams sent, and the node's state stays as it was.
// Only 07-auth-mismatch's datagrams from node2 (key wrong-secret) fail.
func case17(ctx context.Context, e *env, caps map[string][]pcap.Datagram) error {
	n1, n2 := e.c.Nodes[0], e.c.Nodes[1]
	second, err := e.startAll(ctx)
	if err != nil {
		return err
	}
	if _, err := waitActive(ctx, second, n1, n2); err != nil {
		return err
	}
	in, err := newInjector(e, n2)
	if err != nil {
		return err
	}
	var good, mismatched [][]byte
	want := 0
	for _, name := range slices.Sorted(maps.Keys(caps)) {
		for _, dg := range caps[name] {
			switch {
			case name == "07-auth-mismatch.pcap" && dg.Src.Addr() == netip.MustParseAddr("10.250.0.2"):
				mismatched = append(mismatched, dg.Payload)
			default:
				good = append(good, dg.Payload)
				if d, err := wire.Parse(dg.Payload); err == nil {
					if src, _ := d.Msg.Value(wire.FieldSrc); src == "node1" {
						want++
					}
				}
			}
		}
	}
	mark := n2.LogMark()
	if err := in.send(good, 10*time.Millisecond); err != nil {
		return err
	}
	// One more replay after a second makes a rate-limited log sum up.
	if err := sleepCtx(ctx, 1500*time.Millisecond); err != nil {
		return err
	}
	last := caps["01-startup.pcap"][0].Payload
	if err := in.send([][]byte{last}, 0); err != nil {
		return err
	}
	want++
	if err := cluster.WaitFor(ctx, "the replays to be counted", func() error {
		if got := replayCount(logSince(n2, mark), "node1"); got != want {
			return fmt.Errorf("node2 reports %d replays of node1, want %d", got, want)
		}
		return nil
	}); err != nil {
		return err
	}
	log := logSince(n2, mark)
	for _, b := range append([]string{"Status update for node", "Heartbeat restart", "is dead", "lost packet", "receive queue full"}, authErrors...) {
		if strings.Contains(log, b) {
			return fmt.Errorf("replaying the captures: node2 logged %q: %s", b, lineAt(log, strings.Index(log, b)))
		}
	}
	e.logf("%d captured datagrams authenticated; the %d of node1 dropped as replays", len(good), want)
	mark = n2.LogMark()
	if err := in.send(mismatched, unpaced); err != nil {
		return err
	}
	if err := n2.WaitLogSince(ctx, mark, "authtoken does not match"); err != nil {
		return err
	}
	e.logf("%d datagrams of 07-auth-mismatch's node2 rejected", len(mismatched))
	return nil
}

// case18: node2 has another key. Each logs authentication errors (ours at
// most about once a second), declares the other dead after initdead and runs
// the group (node1 its own, node2 by takeover). The count of suppressed
// errors is the flood test's: here a peer sends about one datagram a
// second, so whether any is suppressed depends on jitter.
func case18(ctx context.Context, e *env) error {
	n1, n2 := e.c.Nodes[0], e.c.Nodes[1]
	t0 := time.Now()
	if _, err := e.startAll(ctx); err != nil {
		return err
	}
	for _, w := range [][2]*cluster.Node{{n1, n2}, {n2, n1}} {
		if err := w[0].WaitLog(ctx, "node "+w[1].Name+": is dead"); err != nil {
			return err
		}
		e.logf("%s (%s) declared %s dead %v after the start", w[0].Name, e.impls[w[0].Index-1], w[1].Name, time.Since(t0).Round(time.Millisecond))
	}
	if d := time.Since(t0); d < initdead-2*time.Second {
		return fmt.Errorf("peers declared dead %v after the start, before initdead %v", d, initdead)
	}
	for _, n := range e.c.Nodes {
		if err := cluster.WaitFor(ctx, n.Name+" to run the group", func() error {
			for _, r := range []string{"alpha", "beta"} {
				if _, err := os.Stat(filepath.Join(n.Dir, "run", "spectest."+r)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	elapsed := time.Since(t0)
	for _, n := range e.c.Nodes {
		log, _ := n.ReadLog()
		errs := strings.Count(log, "authtoken does not match")
		if errs == 0 {
			return fmt.Errorf("%s logged no authentication error", n.Name)
		}
		e.logf("%s (%s): %d \"authtoken does not match\" in %v", n.Name, e.impls[n.Index-1], errs, elapsed.Round(time.Second))
		if e.impls[n.Index-1] != goImpl {
			continue
		}
		if limit := int(elapsed/time.Second) + 2; errs > limit {
			return fmt.Errorf("%s logged %d authentication errors in %v, want at most one a second", n.Name, errs, elapsed)
		}
	}
	return nil
}

// case21: node1's datagram of an older generation (from 01-startup.pcap)
// sent to node2 is dropped as a replay naming both generations; a
// duplicate of node1's latest datagrams is dropped without a word.
func case21(ctx context.Context, e *env, startup []pcap.Datagram) error {
	n1, n2 := e.c.Nodes[0], e.c.Nodes[1]
	conn, err := listenAndStart(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	log1, _ := n1.ReadLog()
	g := generationRE.FindStringSubmatch(log1)
	if g == nil {
		return errors.New("node1 logged no generation")
	}
	var old []byte
	var oldGen uint64
	for _, dg := range startup {
		if isSequencedFrom(dg.Payload, "node1") {
			d, err := wire.Parse(dg.Payload)
			if err != nil {
				return err
			}
			if oldGen, err = d.Msg.Hex(wire.FieldGen); err != nil {
				return err
			}
			old = dg.Payload
			break
		}
	}
	in, err := newInjector(e, n2)
	if err != nil {
		return err
	}
	mark := n2.LogMark()
	if err := in.send([][]byte{old}, 0); err != nil {
		return err
	}
	want := fmt.Sprintf("should_drop_message: attempted replay attack [node1]? [gen = %d, curgen = %s]", oldGen, g[1])
	if err := n2.WaitLogSince(ctx, mark, want); err != nil {
		return err
	}
	e.logf("old datagram: %q", want)
	live, err := liveFrom(ctx, conn, "node1", 3)
	if err != nil {
		return err
	}
	mark = n2.LogMark()
	if err := in.send(append(live, live...), 0); err != nil {
		return err
	}
	if err := sleepCtx(ctx, 2*keepalive); err != nil {
		return err
	}
	log := logSince(n2, mark)
	for _, b := range append([]string{"Status update", "Heartbeat restart", "replay", "lost packet", "should_drop_message"}, authErrors...) {
		if strings.Contains(log, b) {
			return fmt.Errorf("duplicates of node1's datagrams: node2 logged %q: %s", b, lineAt(log, strings.Index(log, b)))
		}
	}
	e.logf("%d duplicates dropped silently", 2*len(live))
	return nil
}

// case23: node1 has deadtime 8 and node2 (Go) deadtime 5. node2 must wait
// node1's advertised dt, not its own deadtime, before declaring it dead.
func case23(ctx context.Context, e *env) error {
	n1, n2 := e.c.Nodes[0], e.c.Nodes[1]
	first := time.Now()
	second, err := e.startAll(ctx)
	if err != nil {
		return err
	}
	if _, err := waitActive(ctx, second, n1, n2); err != nil {
		return err
	}
	// Past node1's start-up dt (deadtime + 2 s for ~5 s).
	if err := sleepCtx(ctx, time.Until(first.Add(8*time.Second))); err != nil {
		return err
	}
	d, err := killAndDetect(ctx, n1, n2)
	if err != nil {
		return err
	}
	peerDT := 8 * time.Second
	e.logf("node1 (dt 8 s) killed: node2 (deadtime 5 s) declared it dead after %v", d.Round(time.Millisecond))
	if d < peerDT-keepalive-500*time.Millisecond || d > 3*peerDT {
		return fmt.Errorf("node2 declared node1 dead %v after the kill, want about node1's dt %v", d, peerDT)
	}
	return nil
}

// daemonPID finds the Go daemon's process in node n.
func daemonPID(n *cluster.Node) (int, error) {
	var pids []int
	for _, p := range n.Pids() {
		if p.Comm == "heartbeat" {
			pids = append(pids, p.Host)
		}
	}
	if len(pids) != 1 {
		return 0, fmt.Errorf("%s: heartbeat processes %v, want one", n.Name, pids)
	}
	return pids[0], nil
}

// TestWireRollingKeyChange changes the signing key of a Go with Go cluster
// one node at a time (authkeys with keys 1 and 2, `auth 1` → `auth 2`,
// SIGHUP): while the nodes sign with different keys each still verifies
// the other's datagrams, so nobody is declared dead and nothing partitions.
func TestWireRollingKeyChange(t *testing.T) {
	keys := func(active int) string {
		return fmt.Sprintf("auth %d\n1 sha1 spec-test-secret\n2 sha1 rolled-secret\n", active)
	}
	runScenarios(t, 2*time.Minute, []scenario{{
		name:  "rolling",
		opts:  cluster.Options{Authkeys: keys(1)},
		impls: []impl{goImpl, goImpl},
		run: func(ctx context.Context, e *env) error {
			n1, n2 := e.c.Nodes[0], e.c.Nodes[1]
			cp, err := startCapture(ctx, e)
			if err != nil {
				return err
			}
			second, err := e.startAll(ctx)
			if err != nil {
				return err
			}
			if _, err := waitActive(ctx, second, n1, n2); err != nil {
				return err
			}
			var switched [2]time.Time
			for i, n := range e.c.Nodes {
				if err := os.WriteFile(filepath.Join(n.Dir, "ha.d", "authkeys"), []byte(keys(2)), 0o600); err != nil {
					return err
				}
				pid, err := daemonPID(n)
				if err != nil {
					return err
				}
				mark := n.LogMark()
				switched[i] = time.Now()
				if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
					return err
				}
				if err := n.WaitLogSince(ctx, mark, "Rereading authentication file."); err != nil {
					return err
				}
				// Several heartbeats signed with different keys.
				if err := sleepCtx(ctx, 3*keepalive); err != nil {
					return err
				}
			}
			if err := sleepCtx(ctx, deadtime+2*time.Second); err != nil {
				return err
			}
			for _, n := range e.c.Nodes {
				log, _ := n.ReadLog()
				if err := healthy(n.Name, log); err != nil {
					return err
				}
				if strings.Contains(log, "Heartbeat restart") || strings.Contains(log, "Late heartbeat") {
					return fmt.Errorf("%s: %s", n.Name, lastLines(log, 20))
				}
			}
			dgs, err := cp.stop()
			if err != nil {
				return err
			}
			// Which key each node signed with, before and after its reload.
			mixed := 0
			for _, dg := range dgs {
				d, err := wire.Parse(dg.Payload)
				if err != nil || dg.Dst.Port() != 694 {
					continue
				}
				idx, _, _ := strings.Cut(string(d.Token), " ")
				for i, n := range e.c.Nodes {
					if dg.Src.Addr() != n.Addr() {
						continue
					}
					// A second of slack around the SIGHUP.
					switch {
					case dg.Time.Before(switched[i].Add(-time.Second)) && idx != "1",
						dg.Time.After(switched[i].Add(time.Second)) && idx != "2":
						return fmt.Errorf("%s signed with key %s at %v (reload at %v)", n.Name, idx, dg.Time, switched[i])
					}
					if i == 1 && idx == "1" && dg.Time.After(switched[0].Add(time.Second)) {
						mixed++
					}
				}
			}
			e.logf("%d datagrams of node2 signed with key 1 while node1 signed with key 2; no death, no auth error", mixed)
			if mixed == 0 {
				return errors.New("the nodes never used different keys at the same time")
			}
			return nil
		},
	}})
}

// floodSize is how many bad datagrams TestWireFlood sends.
const floodSize = 10000

// TestWireFlood sends 10,000 forged, replayed, truncated and random
// datagrams at node2 of a running Go with Go cluster: none is accepted
// (no status change, no restart, no death, no gap), the cluster stays
// together, and node2's ha-log grows by fewer than 100 lines.
func TestWireFlood(t *testing.T) {
	caps, err := testdataPcaps()
	if err != nil {
		t.Fatal(err)
	}
	runScenarios(t, 2*time.Minute, []scenario{{
		name:  "flood",
		impls: []impl{goImpl, goImpl},
		run:   func(ctx context.Context, e *env) error { return flood(ctx, e, caps["01-startup.pcap"]) },
	}})
}

func flood(ctx context.Context, e *env, startup []pcap.Datagram) error {
	n1, n2 := e.c.Nodes[0], e.c.Nodes[1]
	conn, err := listenAndStart(ctx, e)
	if err != nil {
		return err
	}
	defer conn.Close()
	live, err := liveFrom(ctx, conn, "node1", 3)
	if err != nil {
		return err
	}
	var old [][]byte
	for _, dg := range startup {
		if isSequencedFrom(dg.Payload, "node1") {
			old = append(old, dg.Payload)
		}
	}
	valid := append(slices.Clone(live), old...)

	// Forged: node1 announcing a restart and its death, signed with keys
	// node2 does not have (wrong secret, unknown index, wrong method).
	var forgers []*authkeys.Keys
	for _, k := range []string{"auth 1\n1 sha1 wrong-secret\n", "auth 7\n7 sha1 spec-test-secret\n", "auth 1\n1 crc\n", "auth 1\n1 md5 spec-test-secret\n"} {
		keys, err := authkeys.Parse("forged", strings.NewReader(k), authkeys.Options{})
		if err != nil {
			return err
		}
		forgers = append(forgers, keys)
	}
	rng := rand.New(rand.NewPCG(4, 10000))
	dgs := make([][]byte, 0, floodSize)
	for i := range floodSize {
		var b []byte
		switch i % 4 {
		case 0:
			m := &wire.Message{}
			for _, kv := range [][2]string{{"t", "status"}, {"st", "dead"}, {"dt", "1388"}, {"protocol", "1"}} {
				m.Set(kv[0], kv[1])
			}
			wire.AddControlFields(m, wire.Origin{Node: "node1", Seq: rng.Uint64N(1 << 20), Generation: uint64(time.Now().Unix()) + 1000 + rng.Uint64N(1000), Time: time.Now(), TTL: 3})
			b, err = wire.Encode(m, forgers[rng.IntN(len(forgers))])
			if err != nil {
				return err
			}
		case 1:
			b = valid[rng.IntN(len(valid))]
		case 2:
			v := valid[rng.IntN(len(valid))]
			b = v[:1+rng.IntN(len(v)-1)]
		case 3:
			b = make([]byte, 1+rng.IntN(1400))
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			if rng.IntN(2) == 0 {
				copy(b, "###\n")
			}
		}
		dgs = append(dgs, b)
	}
	in, err := newInjector(e, n2)
	if err != nil {
		return err
	}
	before, _ := n2.ReadLog()
	mark1, mark2 := n1.LogMark(), len(before)
	t0 := time.Now()
	if err := in.send(dgs, unpaced); err != nil {
		return err
	}
	sent := time.Since(t0)
	// One more forged datagram a second later makes the rate-limited
	// report sum up what it suppressed.
	if err := sleepCtx(ctx, 1500*time.Millisecond); err != nil {
		return err
	}
	if err := in.send(dgs[:1], 0); err != nil {
		return err
	}
	// Long enough for node1 to notice if node2 had stopped sending.
	if err := sleepCtx(ctx, deadtime+keepalive); err != nil {
		return err
	}
	log2 := logSince(n2, mark2)
	grown := strings.Count(log2, "\n")
	e.logf("%d bad datagrams sent in %v; node2's ha-log grew by %d lines", len(dgs), sent.Round(time.Millisecond), grown)
	for _, b := range []string{"Status update for node", "Heartbeat restart", "is dead", "lost packet", "returning after partition", "Late heartbeat"} {
		if strings.Contains(log2, b) {
			return fmt.Errorf("node2 logged %q during the flood: %s", b, lineAt(log2, strings.Index(log2, b)))
		}
	}
	if log1 := logSince(n1, mark1); strings.Contains(log1, "is dead") || strings.Contains(log1, "Status update for node") {
		return fmt.Errorf("node1 during the flood:\n%s", log1)
	}
	if grown >= 100 {
		return fmt.Errorf("node2's ha-log grew by %d lines:\n%s", grown, lastLines(log2, 60))
	}
	if !strings.Contains(log2, "more packet(s) from") || replayCount(log2, "node1") == 0 {
		return fmt.Errorf("node2 did not report the forged and replayed datagrams:\n%s", log2)
	}
	return nil
}
