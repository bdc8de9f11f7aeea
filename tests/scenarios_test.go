//go:build integration

package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// The acceptance scenarios of issue 6: spec section 8 cases 24-37 and 42,
// each Go with Go and, where two nodes matter, Go with the real heartbeat
// 3.0.6 on the other node. Every scenario checks what a client sees (a real
// HTTP client in the client namespace against the VIP; each node runs a
// tiny HTTP server answering "served by nodeN"), what `cl_status
// rscstatus` says on the nodes (Debian's cl_status against either daemon's
// API socket) and the ha-log lines of spec 5 and 6.3.
//
// Unless a case depends on the lab's values, ha.cf uses short timings
// (keepalive 500ms, deadtime 3, warntime 2, initdead 6) and the scenarios
// run in parallel.

// kind is the daemon a node runs.
type kind int

const (
	goNode kind = iota
	realNode
)

func (k kind) String() string { return [...]string{"go", "c"}[k] }

// placement names who runs node1 and node2.
type placement [2]kind

func (p placement) String() string { return p[0].String() + "-" + p[1].String() }

var (
	goGo = placement{goNode, goNode}
	goC  = placement{goNode, realNode}
	cGo  = placement{realNode, goNode}
	// twoNode is every placement a two-node case runs in.
	twoNode = []placement{goGo, goC, cGo}
)

// shortHACf is the lab ha.cf with short timings; %s is auto_failback.
const shortHACf = `logfile /var/log/ha-log
debugfile /var/log/ha-debug
keepalive 500ms
deadtime 3
warntime 2
initdead 6
udpport 694
bcast eth0
auto_failback %s
node node1
node node2
crm off
`

// scen is one running scenario cluster.
type scen struct {
	t     *testing.T
	ctx   context.Context
	c     *cluster.Cluster
	place placement
	bin   string
}

// scenOpts tune a scenario cluster.
type scenOpts struct {
	failback    string // auto_failback; "on" by default
	haCf        string // whole ha.cf, overrides failback
	haresources string // default labHaresources
	resourceD   map[string]string
}

var httpdOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "hbscen-httpd")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "httpd")
	out, err := exec.Command("go", "build", "-o", p, "github.com/heartbeat-go/heartbeat-go/contrib/demo/httpd").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building contrib/demo/httpd: %w: %s", err, out)
	}
	return p, nil
})

// newScen builds a cluster, starts an HTTP server in every node, and
// bounds the scenario's run time.
func newScen(t *testing.T, place placement, o scenOpts, limit time.Duration) *scen {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	t.Cleanup(cancel)
	if o.failback == "" {
		o.failback = "on"
	}
	if o.haCf == "" {
		o.haCf = fmt.Sprintf(shortHACf, o.failback)
	}
	if o.haresources == "" {
		o.haresources = labHaresources
	}
	rd := map[string]string{"spectest": cluster.Spectest}
	for k, v := range o.resourceD {
		rd[k] = v
	}
	s := &scen{t: t, ctx: ctx, place: place, bin: cluster.GoBinary(t, "heartbeat")}
	s.c = cluster.New(t, cluster.Options{HACf: o.haCf, Haresources: o.haresources, ResourceD: rd})
	for _, n := range s.c.Nodes {
		// The harness copies the host's /var/lib/heartbeat: a uuid left
		// there by a daemon run on the host would be shared by both nodes.
		for _, f := range []string{"hb_uuid", "hb_generation"} {
			if err := os.Remove(filepath.Join(n.Dir, "lib", f)); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
	}
	httpd, err := httpdOnce()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range s.c.Nodes {
		if err := n.StartGo(httpd, "-serve", "0.0.0.0:80", "-name", n.Name); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range s.c.Nodes {
				log, _ := n.ReadLog()
				t.Logf("--- %s ha-log:\n%s", n.Name, log)
			}
		}
	})
	return s
}

func (s *scen) n(i int) *cluster.Node { return s.c.Nodes[i-1] }

// start starts node i's daemon as the placement says.
func (s *scen) start(i int) {
	s.t.Helper()
	n := s.n(i)
	var err error
	if s.place[i-1] == goNode {
		err = n.StartGo(s.bin, "-f")
	} else {
		err = n.StartReal(s.ctx)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	// Wait for the pid file, so that stop and kill find the daemon.
	s.wait(n.Name+"'s daemon", func() error { _, err := n.DaemonPID(); return err })
}

func (s *scen) wait(what string, cond func() error) {
	s.t.Helper()
	if err := cluster.WaitFor(s.ctx, what, cond); err != nil {
		s.t.Fatal(err)
	}
}

// served asks the VIP once from the client: the node name that answers,
// or "" when nobody does.
func (s *scen) served() string {
	ctx, cancel := context.WithTimeout(s.ctx, time.Second)
	defer cancel()
	_, body, err := s.c.HTTPGet(ctx, "http://"+s.c.VIP().String()+"/")
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.TrimSpace(body), "served by ")
}

// owner waits until the client is served by node i and node i runs the
// whole group while the other node runs none of it (i = 0: nobody serves
// and no node runs any of it).
func (s *scen) owner(i int) {
	s.t.Helper()
	want := ""
	if i > 0 {
		want = s.n(i).Name
	}
	s.wait(fmt.Sprintf("the group on node%d only", i), func() error {
		for j, n := range s.c.Nodes {
			if j+1 == i {
				if err := holds(s.ctx, n, s.c); err != nil {
					return err
				}
			} else if err := idle(s.ctx, n, s.c); err != nil {
				return err
			}
		}
		if got := s.served(); got != want {
			return fmt.Errorf("the client is served by %q, want %q", got, want)
		}
		return nil
	})
}

// stays checks that node i keeps the group (owner(i) holds) for d.
func (s *scen) stays(i int, d time.Duration) {
	s.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		s.owner(i)
		time.Sleep(200 * time.Millisecond)
	}
}

// rsc waits until `cl_status rscstatus` on node i prints want.
func (s *scen) rsc(i int, want ...string) {
	s.t.Helper()
	s.wait(fmt.Sprintf("rscstatus %s on node%d", strings.Join(want, " or "), i), func() error {
		out, err := s.n(i).Exec(s.ctx, "/usr/bin/cl_status", "rscstatus")
		if err != nil {
			return err
		}
		if got := strings.TrimSpace(out); !slices.Contains(want, got) {
			return fmt.Errorf("rscstatus = %q", got)
		}
		return nil
	})
}

// logs waits until node i's ha-log, from mark on, has every line.
func (s *scen) logs(i, mark int, lines ...string) {
	s.t.Helper()
	for _, l := range lines {
		if err := s.n(i).WaitLogSince(s.ctx, mark, l); err != nil {
			s.t.Fatal(err)
		}
	}
}

// notLogged fails if node i's ha-log, from mark on, has line.
func (s *scen) notLogged(i, mark int, line string) {
	s.t.Helper()
	log, err := s.n(i).ReadLog()
	if err != nil {
		s.t.Fatal(err)
	}
	if len(log) >= mark && strings.Contains(log[mark:], line) {
		s.t.Fatalf("node%d logged %q", i, line)
	}
}

// ordered waits for the lines in node i's ha-log (a release may still be
// under way) and fails unless they appear in this order.
func (s *scen) ordered(i int, lines ...string) {
	s.t.Helper()
	s.logs(i, 0, lines...)
	log, err := s.n(i).ReadLog()
	if err != nil {
		s.t.Fatal(err)
	}
	at := 0
	for _, l := range lines {
		k := strings.Index(log[at:], l)
		if k < 0 {
			s.t.Fatalf("node%d: %q missing or out of order in %q", i, l, lines)
		}
		at += k + len(l)
	}
}

// up starts both daemons and waits until node1 serves.
func (s *scen) up() {
	s.t.Helper()
	s.start(1)
	s.start(2)
	s.owner(1)
	s.rsc(1, "local")
	s.rsc(2, "local")
}

// signal sends sig to node i's daemon.
func (s *scen) signal(i int, sig syscall.Signal) {
	s.t.Helper()
	pid, err := s.n(i).DaemonPID()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		s.t.Fatal(err)
	}
}

// crash kills node i's daemon with SIGKILL and then removes its resources
// (VIP and spectest state), as the 3.0.6 lab did by hand: without STONITH a
// killed node keeps them (spec 5.4).
func (s *scen) crash(i int) {
	s.t.Helper()
	n := s.n(i)
	pid, err := n.DaemonPID()
	if err != nil {
		s.t.Fatal(err)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	// 3.0.6's children (FIFO reader, media) die with the machine too.
	s.wait(n.Name+"'s daemon to die", func() error {
		for _, p := range n.Pids() {
			if p.Comm == "heartbeat" {
				_ = syscall.Kill(p.Host, syscall.SIGKILL)
				return fmt.Errorf("pid %d lives", p.Host)
			}
		}
		return nil
	})
	if _, err := n.NS.Run(s.ctx, "ip", "addr", "del", s.c.VIP().String()+"/24", "dev", "eth0"); err != nil {
		s.t.Fatal(err)
	}
	for _, r := range []string{"alpha", "beta"} {
		if err := os.Remove(filepath.Join(n.Dir, "run", "spectest."+r)); err != nil {
			s.t.Fatal(err)
		}
	}
	// A restarted daemon must not find the dead one's pid file.
	_ = os.Remove(filepath.Join(n.Dir, "run", "heartbeat.pid"))
}

// touch creates a file in node i's /run.
func (s *scen) touch(i int, name string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.n(i).Dir, "run", name), nil, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// script runs a 3.0.6 operator script (hb_standby, hb_takeover) in node i.
func (s *scen) script(i int, name string, args ...string) {
	s.t.Helper()
	if _, err := s.n(i).Exec(s.ctx, "/usr/share/heartbeat/"+name, args...); err != nil {
		s.t.Fatal(err)
	}
}

// lostRequest is what a 3.0.6 node logs when it sends an empty message in
// place of one it should send: under load it loses a request an operator
// wrote into its FIFO this way (and ip-request answers, see the README).
const lostRequest = "ERROR: msg2string: Message with zero fields"

// request runs cmd, operator scripts, in node i and waits for done in node
// j's ha-log. When node i is a 3.0.6 node that lost a request, the
// operator's answer is to run the scripts again, and so does request (at
// most twice); a request a heartbeat-go node loses fails the test.
func (s *scen) request(i int, cmd string, j int, done string) {
	s.t.Helper()
	for try := 0; ; try++ {
		mi, mj := s.n(i).LogMark(), s.n(j).LogMark()
		if _, err := s.n(i).Exec(s.ctx, "sh", "-c", cmd); err != nil {
			s.t.Fatal(err)
		}
		if s.place[i-1] != realNode || try == 2 {
			s.logs(j, mj, done)
			return
		}
		ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
		err := s.n(j).WaitLogSince(ctx, mj, done)
		cancel()
		if err == nil {
			return
		}
		log, rerr := s.n(i).ReadLog()
		if rerr != nil {
			s.t.Fatal(rerr)
		}
		if len(log) < mi || !strings.Contains(log[mi:], lostRequest) {
			s.t.Fatal(err)
		}
		s.t.Logf("node%d (3.0.6) lost a request (%q): running %q again", i, lostRequest, cmd)
	}
}

// eachPlacement runs f as a parallel subtest per placement.
func eachPlacement(t *testing.T, places []placement, f func(t *testing.T, p placement)) {
	t.Parallel()
	for _, p := range places {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			f(t, p)
		})
	}
}

// Case 24: both start within a second; node1 acquires its group (alpha
// before beta) and both record the initial acquisition.
func TestScenarioSimultaneousStart(t *testing.T) {
	eachPlacement(t, twoNode, func(t *testing.T, p placement) {
		s := newScen(t, p, scenOpts{}, 2*time.Minute)
		s.up()
		for i := 1; i <= 2; i++ {
			s.logs(i, 0, "info: Initial resource acquisition complete (", "info: Status update for node node"+[]string{"", "2", "1"}[i]+": status active")
		}
		s.ordered(1, "resource.d/spectest alpha start", "resource.d/spectest beta start")
	})
}

// Case 25: node2 alone waits initdead, declares node1 dead and takes all.
func TestScenarioAloneAfterInitdead(t *testing.T) {
	t.Parallel()
	s := newScen(t, goGo, scenOpts{}, time.Minute)
	begin := time.Now()
	s.start(2)
	s.logs(2, 0, "WARN: node node1: is dead", "WARN: No STONITH device configured.", "WARN: Shared disks are not protected.",
		"info: Resources being acquired from node1.", "info: mach_down takeover complete.")
	if d := time.Since(begin); d < 5*time.Second {
		t.Fatalf("node2 declared node1 dead %v after its start, before initdead (6 s)", d)
	}
	s.owner(2)
	s.rsc(2, "all")
}

// Cases 26, 27, 28: kill -9 of node1's daemon, takeover by node2 (nodestatus
// dead, rscstatus all), then node1's return: with auto_failback on the
// group comes back, with off it stays on node2.
func TestScenarioHardFailureAndRejoin(t *testing.T) {
	for _, fb := range []string{"on", "off"} {
		t.Run(fb, func(t *testing.T) {
			eachPlacement(t, twoNode, func(t *testing.T, p placement) {
				s := newScen(t, p, scenOpts{failback: fb}, 2*time.Minute)
				s.up()
				m2 := s.n(2).LogMark()
				s.crash(1)
				s.logs(2, m2, "WARN: node node1: is dead", "WARN: No STONITH device configured.", "info: Resources being acquired from node1.", "info: mach_down takeover complete.")
				s.owner(2)
				s.rsc(2, "all")
				out, err := s.n(2).Exec(s.ctx, "/usr/bin/cl_status", "nodestatus", "node1")
				if err == nil || strings.TrimSpace(out) != "dead" {
					t.Fatalf("cl_status nodestatus node1 on node2 = %q, %v; want dead, exit 1", out, err)
				}

				m1, m2 := s.n(1).LogMark(), s.n(2).LogMark()
				s.start(1)
				s.logs(2, m2, "info: Heartbeat restart on node node1")
				if fb == "on" {
					s.logs(2, m2, "info: node2 wants to go standby [foreign]")
					s.logs(1, m1, "info: Standby resource acquisition done [foreign].")
					s.owner(1)
					s.rsc(1, "local")
					s.rsc(2, "local")
					return
				}
				s.logs(1, m1, "info: Local Resource acquisition completed. (none)")
				s.stays(2, 3*time.Second)
				s.rsc(1, "none")
				s.rsc(2, "all")
			})
		})
	}
}

// Case 29: hb_standby and hb_takeover with every argument, run as the
// stock 3.0.6 scripts through the FIFO.
func TestScenarioStandbyTakeover(t *testing.T) {
	eachPlacement(t, twoNode, func(t *testing.T, p placement) {
		s := newScen(t, p, scenOpts{}, 3*time.Minute)
		s.up()
		steps := []struct {
			node   int
			script string
			arg    string
			owner  int
			done   string // a line of the giving node's log that ends the step
		}{
			{1, "hb_standby", "", 2, "info: Other node completed standby takeover of all resources."},
			{1, "hb_takeover", "", 1, "info: Other node completed standby takeover of all resources."},
			{1, "hb_standby", "local", 2, "info: Other node completed standby takeover of local resources."},
			{2, "hb_standby", "failback", 1, "info: Other node completed standby takeover of foreign resources."},
			// node1 holds no foreign group: nothing moves.
			{1, "hb_standby", "foreign", 1, "info: Other node completed standby takeover of foreign resources."},
			// node2's foreign = node1's local: node1 runs hb_standby local.
			{2, "hb_takeover", "foreign", 2, "info: Other node completed standby takeover of local resources."},
			// failback reaches the peer unchanged and means all (spec 5.5).
			{1, "hb_takeover", "failback", 1, "info: Other node completed standby takeover of all resources."},
		}
		for _, st := range steps {
			giver := st.node
			if st.script == "hb_takeover" {
				giver = 3 - st.node
			}
			cmd := strings.TrimSpace("/usr/share/heartbeat/" + st.script + " " + st.arg)
			t.Logf("node%d: %s", st.node, cmd)
			s.request(st.node, cmd, giver, st.done)
			s.owner(st.owner)
			switch st {
			case steps[0]: // spec case 29: node1 none, node2 all
				s.rsc(1, "none")
				s.rsc(2, "all")
			case steps[1]: // hb_takeover afterwards: node1 all, node2 none
				s.rsc(1, "all")
				s.rsc(2, "none")
			}
		}
	})
}

// Case 30: a second hb_standby while one runs is refused; with
// auto_failback legacy hb_standby is refused altogether (and case 42's
// rscstatus: 3.0.6 prints none in legacy mode, Go the truth).
func TestScenarioStandbyRefused(t *testing.T) {
	eachPlacement(t, twoNode, func(t *testing.T, p placement) {
		// slowres takes 2 s to stop, so the first standby still runs
		// when the second request arrives.
		s := newScen(t, p, scenOpts{
			haresources: "node1 {{.VIP}}/24/eth0 spectest::alpha spectest::beta slowres\n",
			resourceD:   map[string]string{"slowres": strings.Replace(fmt.Sprintf(statusScript, "slowres", "running"), "stop) ", "stop) sleep 2; ", 1)},
		}, 2*time.Minute)
		s.up()
		// A heartbeat-go node1 refuses the second request itself and
		// does not send it; a 3.0.6 node1 sends it, and the
		// heartbeat-go node2's refusal is the one under test.
		refuser := 1
		if p[0] == realNode {
			refuser = 2
		}
		// Both messages go through the FIFO before the peer's answer.
		s.request(1, "/usr/share/heartbeat/hb_standby; /usr/share/heartbeat/hb_standby", refuser, "Standby in progress- new request from node1 ignored [")
		s.owner(2)
	})
	t.Run("legacy", func(t *testing.T) {
		eachPlacement(t, twoNode, func(t *testing.T, p placement) {
			s := newScen(t, p, scenOpts{failback: "legacy"}, 2*time.Minute)
			s.start(1)
			s.start(2)
			s.owner(1)
			m1, m2 := s.n(1).LogMark(), s.n(2).LogMark()
			s.script(1, "hb_standby")
			s.logs(1, m1, "info: Standby mode only implemented when nice_failback on")
			s.logs(2, m2, "info: Standby mode only implemented when nice_failback on")
			s.stays(1, 2*time.Second)
		})
	})
}

// Case 31: SIGTERM on node1: it releases right to left, sends shutdone,
// and node2 takes over at once, without waiting for deadtime.
func TestScenarioGracefulStop(t *testing.T) {
	eachPlacement(t, twoNode, func(t *testing.T, p placement) {
		s := newScen(t, p, scenOpts{}, 2*time.Minute)
		s.up()
		m1, m2 := s.n(1).LogMark(), s.n(2).LogMark()
		if err := s.n(1).Stop(s.ctx); err != nil {
			t.Fatal(err)
		}
		s.logs(1, m1, "info: Heartbeat shutdown in progress.", "info: All HA resources relinquished.", "info: node1 Heartbeat shutdown complete.")
		s.ordered(1, "resource.d/spectest beta stop", "resource.d/spectest alpha stop")
		s.logs(2, m2, "info: Received shutdown notice from 'node1'.", "info: Standby resource acquisition done [all].")
		s.owner(2)
		s.rsc(2, "all")
		// The takeover did not wait for deadtime.
		s.logs(2, m2, "WARN: node node1: is dead")
		log, _ := s.n(2).ReadLog()
		if strings.Index(log[m2:], "Standby resource acquisition done [all].") > strings.Index(log[m2:], "node node1: is dead") {
			t.Fatal("node2 took over only after declaring node1 dead")
		}
		s.logs(2, m2, "info: Dead node node1 gave up resources.")
	})
}

// Case 32: a partition of 8 s (deadtime 3): both take everything; on heal
// both log the partition lines. Go with Go: node1 keeps serving and only
// node2 releases (no restart). Go with 3.0.6: both restart as 3.0.6 does
// and node1 ends with its group.
func TestScenarioPartition(t *testing.T) {
	eachPlacement(t, twoNode, func(t *testing.T, p placement) {
		s := newScen(t, p, scenOpts{}, 3*time.Minute)
		s.up()
		m1, m2 := s.n(1).LogMark(), s.n(2).LogMark()
		if err := s.c.Isolate(s.ctx, s.n(1), s.n(2)); err != nil {
			t.Fatal(err)
		}
		s.logs(1, m1, "WARN: node node2: is dead")
		s.logs(2, m2, "WARN: node node1: is dead", "info: mach_down takeover complete.")
		s.wait("both to hold the group", func() error {
			if err := holds(s.ctx, s.n(1), s.c); err != nil {
				return err
			}
			return holds(s.ctx, s.n(2), s.c)
		})
		time.Sleep(3 * time.Second)
		healed := time.Now()
		if err := s.c.Heal(s.ctx); err != nil {
			t.Fatal(err)
		}
		for i, peer := range []string{"node2", "node1"} {
			s.logs(i+1, m1*(1-i)+m2*i, "CRIT: Cluster node "+peer+" returning after partition.",
				"info: For information on cluster partitions, See URL: http://linux-ha.org/wiki/Split_Brain",
				"WARN: Deadtime value may be too small.")
		}
		if p == goGo {
			s.owner(1)
			// node1 announces the VIP again once node2 let go of it, so the
			// client, which learnt node2's MAC during the partition, comes
			// back at once (measured: 0.4 s) instead of when its neighbour
			// entry fails over (about 9.5 s without the announcement, up to
			// 40 s under steady client traffic).
			d := time.Since(healed)
			t.Logf("the client reached node1 %v after the heal", d.Round(10*time.Millisecond))
			if d > 5*time.Second {
				t.Errorf("the client reached node1 only %v after the heal", d.Round(time.Second))
			}
			s.stays(1, 3*time.Second)
			s.notLogged(1, m1, "Restarting heartbeat.")
			s.notLogged(2, m2, "Restarting heartbeat.")
			s.rsc(1, "local")
			s.rsc(2, "local")
			return
		}
		for i := 1; i <= 2; i++ {
			s.logs(i, []int{m1, m2}[i-1], "info: Heartbeat restart triggered.")
		}
		s.owner(1)
		// heartbeat-go restarts faster than 3.0.6: node1 may still hear
		// the shutdown notice of node2's old incarnation and then take
		// every set ("all"), as 3.0.6 does on a shutdown notice; node2
		// has no group of its own to get back.
		s.rsc(1, "local", "all")
	})
}

// Case 33: node1's daemon frozen (SIGSTOP) between warntime and deadtime
// only gives a late-heartbeat warning; frozen longer than deadtime it
// takes the partition path (Go with Go: node1 keeps the group).
func TestScenarioFreeze(t *testing.T) {
	eachPlacement(t, twoNode, func(t *testing.T, p placement) {
		// deadtime 5 leaves room between warntime (2) and deadtime.
		s := newScen(t, p, scenOpts{haCf: strings.Replace(fmt.Sprintf(shortHACf, "on"), "deadtime 3", "deadtime 5", 1)}, 2*time.Minute)
		s.up()
		m2 := s.n(2).LogMark()
		s.signal(1, syscall.SIGSTOP)
		time.Sleep(3500 * time.Millisecond)
		s.signal(1, syscall.SIGCONT)
		s.logs(2, m2, "WARN: Late heartbeat: Node node1: interval ")
		s.stays(1, 3*time.Second)
		s.notLogged(2, m2, "is dead")

		if p != goGo {
			return
		}
		m2 = s.n(2).LogMark()
		s.signal(1, syscall.SIGSTOP)
		s.logs(2, m2, "WARN: node node1: is dead", "info: mach_down takeover complete.")
		s.signal(1, syscall.SIGCONT)
		s.logs(2, m2, "CRIT: Cluster node node1 returning after partition.")
		s.owner(1)
		s.stays(1, 2*time.Second)
	})
}

// Case 34, our improvement: beta fails to start on node1, which releases
// the group (right to left) and hands it to node2, once; failing there
// too, the group is left stopped with a CRIT line and rscstatus tells the
// truth on both nodes.
func TestScenarioStartFailure(t *testing.T) {
	eachPlacement(t, []placement{goGo, goC}, func(t *testing.T, p placement) {
		s := newScen(t, p, scenOpts{}, 2*time.Minute)
		s.touch(1, "spectest.fail-start.beta")
		s.start(1)
		s.start(2)
		s.logs(1, 0, "ERROR: Return code 1 from /etc/ha.d/", "CRIT: Giving up resources due to failure of spectest::beta")
		s.ordered(1, "spectest beta start", "spectest beta stop", "spectest alpha stop")
		s.owner(2)
		s.rsc(1, "none")
		s.rsc(2, "all")
	})
	t.Run("both-fail", func(t *testing.T) {
		t.Parallel()
		s := newScen(t, goGo, scenOpts{}, 2*time.Minute)
		s.touch(1, "spectest.fail-start.beta")
		s.touch(2, "spectest.fail-start.beta")
		s.start(1)
		s.start(2)
		s.logs(2, 0, "CRIT: Giving up resources due to failure of spectest::beta", "failed to start 1 time(s) here: leaving it stopped on node2")
		s.owner(0)
		s.stays(0, 3*time.Second)
		s.rsc(1, "none")
		s.rsc(2, "local") // its empty local set, as 3.0.6 counts it
	})
}

// Case 35: beta's stop fails on node1 while it runs: 10 retries, then the
// fence path (reboot -nf, masked in the harness); node2 must not start the
// group while beta may still run on node1.
func TestScenarioStopFailure(t *testing.T) {
	t.Parallel()
	s := newScen(t, goGo, scenOpts{}, 2*time.Minute)
	s.up()
	s.touch(1, "spectest.fail-stop.beta")
	m1 := s.n(1).LogMark()
	s.signal(1, syscall.SIGTERM)
	s.logs(1, m1, "info: Retrying failed stop operation [spectest::beta]", "CRIT: Resource STOP failure. Reboot required!")
	s.wait("reboot -nf", func() error {
		masked, err := s.n(1).ReadFile("log/masked-commands.log")
		if err != nil || !strings.Contains(masked, "reboot -nf") {
			return fmt.Errorf("masked-commands.log = %q, %v", masked, err)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(s.n(1).Dir, "run", "spectest.beta")); err != nil {
		t.Fatalf("beta no longer runs on node1: %v", err)
	}
	// Twice deadtime later node2 still runs nothing of the group.
	for end := time.Now().Add(6 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		if err := idle(s.ctx, s.n(2), s.c); err != nil {
			t.Fatal(err)
		}
	}
}

// statusScript is a resource whose status prints $STATUS_TEXT and which
// logs every start to /var/log/NAME.log.
const statusScript = `#!/bin/sh
eval OP=\${$#}
case "$OP" in
  start) echo start >> /var/log/%[1]s.log; touch /run/%[1]s;;
  stop) rm -f /run/%[1]s;;
  status) printf '%%s' '%[2]s';;
esac
exit 0
`

// Case 36: the status convention: OK counts as running (start skipped),
// "Not running" and empty output as stopped (start run).
func TestScenarioStatusConvention(t *testing.T) {
	t.Parallel()
	s := newScen(t, goGo, scenOpts{
		haresources: "node1 {{.VIP}}/24/eth0 spectest::alpha spectest::beta okres notrunres emptyres\n",
		resourceD: map[string]string{
			"okres":     fmt.Sprintf(statusScript, "okres", "OK"),
			"notrunres": fmt.Sprintf(statusScript, "notrunres", "is NOT currently Running"),
			"emptyres":  fmt.Sprintf(statusScript, "emptyres", ""),
		},
	}, time.Minute)
	s.up()
	s.wait("emptyres started", func() error {
		_, err := os.Stat(filepath.Join(s.n(1).Dir, "run", "emptyres"))
		return err
	})
	for name, started := range map[string]bool{"okres": false, "notrunres": true, "emptyres": true} {
		log, _ := s.n(1).ReadFile("log/" + name + ".log")
		if got := strings.Contains(log, "start"); got != started {
			t.Errorf("%s started: %t, want %t", name, got, started)
		}
	}
}

// Case 37: IPaddr::IP/24/eth0 behaves as the bare IP of the other cases,
// and a script missing from resource.d is taken from /etc/init.d.
func TestScenarioIPaddrAndInitd(t *testing.T) {
	t.Parallel()
	name := fmt.Sprintf("hbscen-initd-%d", os.Getpid())
	path := filepath.Join("/etc/init.d", name)
	if err := os.WriteFile(path, []byte(fmt.Sprintf(statusScript, name, "")), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	s := newScen(t, goGo, scenOpts{
		haresources: "node1 IPaddr::{{.VIP}}/24/eth0 spectest::alpha spectest::beta " + name + "\n",
	}, time.Minute)
	s.up()
	s.logs(1, 0, "resource.d/IPaddr "+s.c.VIP().String()+"/24/eth0 start")
	s.wait(name+" started from /etc/init.d", func() error {
		_, err := os.Stat(filepath.Join(s.n(1).Dir, "run", name))
		return err
	})
	s.crash(1)
	s.owner(2)
}

// Case 42: auto_failback legacy: node1 restarted while node2 holds its
// group asks for it with ip-request, node2 releases, node1 takes it back.
func TestScenarioLegacyRejoin(t *testing.T) {
	eachPlacement(t, twoNode, func(t *testing.T, p placement) {
		s := newScen(t, p, scenOpts{failback: "legacy"}, 2*time.Minute)
		s.start(1)
		s.start(2)
		s.owner(1)
		s.crash(1)
		s.owner(2)
		m1, m2 := s.n(1).LogMark(), s.n(2).LogMark()
		s.start(1)
		s.logs(2, m2, "info: Heartbeat restart on node node1")
		s.logs(1, m1, "info: Initial resource acquisition complete (ip-request-resp)")
		s.owner(1)
		for i := 1; i <= 2; i++ {
			want := "none" // 3.0.6: always none in legacy mode
			if s.place[i-1] == goNode && i == 1 {
				want = "local" // heartbeat-go tells the truth
			}
			s.rsc(i, want)
		}
	})
}
