//go:build integration && bench

package tests

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// TestFailoverBench measures, for kill -9, link down, link up (the
// partition heals), graceful stop and failback, the outage a client sees (the last answer from the VIP before
// the new owner's first answer, to that answer; a request starts every
// probeGap) and the time to the first gratuitous ARP for the VIP on the
// wire: from the survivor's "is dead" line (seen in ha-log within
// logPoll) after a kill or a cut link, from the trigger after a healed
// link, a graceful stop or a restart ("-" when the new owner sent none;
// negative when it came before the test saw the line). Medians over benchRuns runs, Go with Go and, for a
// side-by-side comparison, two real 3.0.6 nodes, run one after the other
// so that the two clusters do not compete for the CPUs. It prints a table;
// it asserts no speed (run: make bench).
func TestFailoverBench(t *testing.T) {
	results := map[placement]map[string][]sample{}
	places := []placement{goGo, {realNode, realNode}}
	for _, p := range places {
		t.Run(p.String(), func(t *testing.T) {
			results[p] = benchPlacement(t, p)
		})
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tnodes\toutage\tto first GARP\tGARP from\truns\t")
	for _, sc := range benchScenarios {
		for _, p := range places {
			s := results[p][sc.name]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t\n", sc.name, p, median(s, func(x sample) (time.Duration, bool) { return x.outage, true }),
				median(s, func(x sample) (time.Duration, bool) { return x.garp, x.garpSeen }), sc.garpFrom, len(s))
		}
	}
	tw.Flush()
	t.Log("failover benchmark, medians (keepalive 500ms, deadtime 3):\n" + b.String())
}

// benchScenarios are the table's rows: what the time to the first
// gratuitous ARP is counted from.
var benchScenarios = []struct{ name, garpFrom string }{
	{"kill -9", `"is dead"`},
	{"link down", `"is dead"`},
	{"link up", "heal"},
	{"graceful", "SIGTERM"},
	{"failback", "restart"},
}

const (
	benchRuns = 5
	probeGap  = 50 * time.Millisecond
	logPoll   = 5 * time.Millisecond
)

// sample is one run of a scenario.
type sample struct {
	outage, garp time.Duration
	garpSeen     bool // the new owner sent a gratuitous ARP
}

// median of f over the samples where f reports a value, "-" if none.
func median(s []sample, f func(sample) (time.Duration, bool)) string {
	var d []time.Duration
	for _, x := range s {
		if v, ok := f(x); ok {
			d = append(d, v)
		}
	}
	if len(d) == 0 {
		return "-"
	}
	slices.Sort(d)
	return d[len(d)/2].Round(time.Millisecond).String()
}

// prober asks the VIP every probeGap, each request on its own (a request
// sent into the outage waits for its timeout, the next ones do not), and
// remembers when an answer arrived and from which node.
type prober struct {
	mu      sync.Mutex
	answers []answer // in order of arrival
}

type answer struct {
	at   time.Time
	node string
}

func (pr *prober) run(ctx context.Context, s *scen) {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(probeGap)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		wg.Go(func() {
			if got := s.served(); got != "" {
				pr.mu.Lock()
				pr.answers = append(pr.answers, answer{at: time.Now(), node: got})
				pr.mu.Unlock()
			}
		})
	}
}

// answered fails until some node has answered.
func (pr *prober) answered() error {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if len(pr.answers) == 0 {
		return errors.New("no answer from the VIP yet")
	}
	return nil
}

// outage is the gap the client saw around a fault at from: from the last
// answer before node want's first answer at or after from, to that answer.
func (pr *prober) outage(from time.Time, want string) (time.Duration, bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	var last time.Time
	for _, a := range pr.answers {
		if !a.at.Before(from) && a.node == want {
			return a.at.Sub(last), !last.IsZero()
		}
		last = a.at
	}
	return 0, false
}

// arpWatch records the gratuitous ARPs for the VIP that reach the client
// namespace: broadcast, sender and target protocol address the VIP (both
// the request and the reply form; the ARP replies to the client's own
// requests are unicast and do not count), with their sender.
type arpWatch struct {
	mu    sync.Mutex
	garps []garp
}

type garp struct {
	at  time.Time
	mac string
}

func (w *arpWatch) start(t *testing.T, ctx context.Context, s *scen) {
	vip := s.c.VIP().As4()
	filter := fmt.Sprintf("arp and ether broadcast and arp[14:4] = arp[24:4] and arp[14:4] = 0x%02x%02x%02x%02x", vip[0], vip[1], vip[2], vip[3])
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", s.c.Client.Name, "tcpdump", "-i", "eth0", "-n", "-e", "-tt", "-l", filter)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errOut, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Wait() })
	// tcpdump says "listening on eth0" once the capture runs.
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errOut)
		var text strings.Builder
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening on") {
				listening <- ""
				for sc.Scan() {
				}
				return
			}
			text.WriteString(sc.Text() + "\n")
		}
		listening <- text.String()
	}()
	if msg := <-listening; msg != "" {
		t.Fatalf("tcpdump: %s", msg)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			// 1733085000.123456 SRC-MAC > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), ...
			f := strings.Fields(sc.Text())
			if len(f) < 2 {
				continue
			}
			sec, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.garps = append(w.garps, garp{at: time.Unix(0, int64(sec*1e9)), mac: f[1]})
			w.mu.Unlock()
		}
	}()
}

// first returns the first gratuitous ARP from mac at or after from (the
// old owner may still be repeating its own).
func (w *arpWatch) first(from time.Time, mac string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, g := range w.garps {
		if !g.at.Before(from) && g.mac == mac {
			return g.at, true
		}
	}
	return time.Time{}, false
}

// mac returns the hardware address of node n's eth0.
func mac(ctx context.Context, n *cluster.Node) (string, error) {
	out, err := n.NS.Run(ctx, "cat", "/sys/class/net/eth0/address")
	return strings.TrimSpace(out), err
}

// logAt waits until node n's ha-log has substr after byte offset mark and
// returns when it saw it (within logPoll).
func logAt(ctx context.Context, n *cluster.Node, mark int, substr string) (time.Time, error) {
	for {
		log, err := n.ReadLog()
		if err != nil {
			return time.Time{}, err
		}
		if len(log) >= mark && strings.Contains(log[mark:], substr) {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s: waiting for %q in ha-log: %w", n.Name, substr, ctx.Err())
		case <-time.After(logPoll):
		}
	}
}

// benchPlacement runs every scenario benchRuns times on one cluster.
func benchPlacement(t *testing.T, p placement) map[string][]sample {
	s := newScen(t, p, scenOpts{}, 6*time.Minute)
	pctx, stop := context.WithCancel(s.ctx)
	var w arpWatch
	w.start(t, pctx, s)
	s.up()
	var pr prober
	probing := make(chan struct{})
	go func() {
		pr.run(pctx, s)
		close(probing)
	}()
	defer func() {
		stop()
		<-probing
	}()
	s.wait("the prober's first answer", pr.answered)
	res := map[string][]sample{}
	// measure waits until the client is served by node want, which runs
	// the group (the other node may still run it too: an unplugged node
	// keeps it), and records one sample.
	measure := func(name string, from, ref time.Time, want int) {
		n := s.n(want)
		s.wait(n.Name+" to serve", func() error {
			if err := holds(s.ctx, n, s.c); err != nil {
				return err
			}
			if got := s.served(); got != n.Name {
				return fmt.Errorf("the client is served by %q", got)
			}
			return nil
		})
		time.Sleep(300 * time.Millisecond) // let the last probes and tcpdump catch up
		out, ok := pr.outage(from, s.n(want).Name)
		if !ok {
			t.Fatalf("%s: no outage measured", name)
		}
		addr, err := mac(s.ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		sm := sample{outage: out}
		if at, ok := w.first(from, addr); ok {
			sm.garp, sm.garpSeen = at.Sub(ref), true
		}
		res[name] = append(res[name], sm)
	}
	dead := func(mark int) time.Time {
		at, err := logAt(s.ctx, s.n(2), mark, "node node1: is dead")
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	rejoin := func() {
		from := time.Now()
		s.start(1)
		measure("failback", from, from, 1)
		s.owner(1)
	}
	for run := range benchRuns {
		t.Logf("%s: run %d", p, run+1)
		m2 := s.n(2).LogMark()
		from := time.Now()
		s.crash(1)
		measure("kill -9", from, dead(m2), 2)
		s.owner(2)
		rejoin()

		// The unplugged node1 keeps its group, but nobody reaches it.
		m2 = s.n(2).LogMark()
		from = time.Now()
		if err := s.n(1).Unplug(s.ctx); err != nil {
			t.Fatal(err)
		}
		measure("link down", from, dead(m2), 2)
		from = time.Now()
		if err := s.c.Heal(s.ctx); err != nil {
			t.Fatal(err)
		}
		measure("link up", from, from, 1)
		s.owner(1)

		from = time.Now()
		if err := s.n(1).Stop(s.ctx); err != nil {
			t.Fatal(err)
		}
		measure("graceful", from, from, 2)
		s.owner(2)
		rejoin()
	}
	return res
}
