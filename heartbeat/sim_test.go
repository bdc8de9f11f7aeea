package heartbeat

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/heartbeat/halog"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
)

// The simulation runs whole clusters of Nodes in virtual time: messages are
// delivered after a fixed latency (unless the link is cut), resource jobs
// take a fixed time, and after every event the invariants are checked. It
// exercises the protocol logic of Node without sockets or scripts; the
// event loop and the real media are covered by the integration tests.

const (
	simLatency = time.Millisecond
	simJobTime = 200 * time.Millisecond
)

var simEpoch = time.Date(2026, 11, 22, 17, 16, 40, 0, time.UTC)

type simNode struct {
	name      string
	n         *Node
	hook      *test.Hook
	up        bool // process running
	frozen    bool // SIGSTOPped: no ticks, no receives
	queue     []Job
	cur       *Job
	jobEnd    time.Time
	running   map[int]bool // the truth: groups whose resources run here
	failOn    map[int]bool // groups whose start fails here
	announced []int        // groups announced again (gratuitous ARP) after a heal
	restartAt time.Time    // a restart after a partition: the daemon starts again then
	gen       uint64
}

type delivery struct {
	at   time.Time
	to   string
	msg  Msg
	link string
}

type sim struct {
	t      *testing.T
	now    time.Time
	cfg    Config
	nodes  []*simNode
	byName map[string]*simNode
	flight []delivery
	cut    bool // partition between all nodes
	split  bool // cut across random faults (TestSimRandomFaults)
	drop   func(from, to string, m Msg) bool
	// twice reports a moment where a group ran on two nodes that could hear
	// each other (checked after settling, see requireSingle).
}

func newSim(t *testing.T, mode AutoFailback, names ...string) *sim {
	t.Helper()
	if len(names) == 0 {
		names = []string{"node1", "node2"}
	}
	s := &sim{t: t, now: simEpoch, byName: map[string]*simNode{}}
	s.cfg = Config{
		Nodes:            names,
		Links:            []string{"eth0"},
		Keepalive:        time.Second,
		Deadtime:         5 * time.Second,
		Warntime:         3 * time.Second,
		Initdead:         10 * time.Second,
		AutoFailback:     mode,
		Hopfudge:         1,
		MaxStartFailures: 1,
		Groups: []*Group{
			{Owner: "node1", Key: "10.250.0.100/24/eth0 spectest::alpha spectest::beta"},
		},
	}
	for _, name := range names {
		sn := &simNode{name: name, running: map[int]bool{}, failOn: map[int]bool{}, gen: 100}
		s.nodes = append(s.nodes, sn)
		s.byName[name] = sn
	}
	return s
}

func (s *sim) node(name string) *simNode { return s.byName[name] }

// newRunningSim starts node1 and node2 together and lets them settle.
func newRunningSim(t *testing.T, mode AutoFailback) *sim {
	t.Helper()
	s := newSim(t, mode)
	s.start("node1")
	s.start("node2")
	s.run(5 * time.Second)
	return s
}

// operator applies an operator request (hb_standby, hb_takeover) to a node
// and sends what it produced.
func (s *sim) operator(name string, req func(*Node)) {
	req(s.node(name).n)
	s.flush(s.node(name))
}

// start boots a node's daemon (a new generation each time).
func (s *sim) start(name string) {
	sn := s.node(name)
	cfg := s.cfg
	cfg.Node = name
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	logger.AddHook(simClock{s}) // before the recording hook: entries carry virtual time
	hook := test.NewLocal(logger)
	logger.SetLevel(logrus.DebugLevel)
	sn.gen++
	sn.n = NewNode(cfg, sn.gen, s.now, logrus.NewEntry(logger), 1)
	sn.hook = hook
	sn.up = true
	sn.restartAt = time.Time{}
	sn.queue, sn.cur = nil, nil
	sn.n.Start(s.now)
	s.flush(sn)
}

// simClock stamps log entries with the simulation's virtual time.
type simClock struct{ s *sim }

func (simClock) Levels() []logrus.Level { return logrus.AllLevels }

func (c simClock) Fire(e *logrus.Entry) error {
	e.Time = c.s.now
	return nil
}

// kill stops a node's daemon at once (kill -9): its resources keep running.
func (s *sim) kill(name string) {
	sn := s.node(name)
	sn.up = false
	sn.cur = nil
	sn.queue = nil
}

// crash stops a node's machine: its daemon and its resources.
func (s *sim) crash(name string) {
	s.kill(name)
	clear(s.node(name).running)
}

func (s *sim) flush(sn *simNode) {
	for _, o := range sn.n.TakeOut() {
		m := slices.Clone(o.Msg)
		m = append(m, KV{fSrc, sn.name})
		if o.Seq != 0 {
			m = append(m, KV{fSeq, hex(o.Seq)})
		}
		m = append(m, KV{fHg, hex(sn.n.gen)})
		for _, to := range s.nodes {
			if to != sn && (s.cut || (s.drop != nil && s.drop(sn.name, to.name, m))) {
				continue
			}
			s.flight = append(s.flight, delivery{at: s.now.Add(simLatency), to: to.name, msg: m, link: "eth0"})
		}
	}
	sn.queue = append(sn.queue, sn.n.TakeJobs()...)
	if sn.cur == nil && len(sn.queue) > 0 {
		j := sn.queue[0]
		sn.queue = sn.queue[1:]
		sn.cur = &j
		sn.jobEnd = s.now.Add(simJobTime)
	}
}

// finishJob applies a job to the truth and reports it to the node.
func (s *sim) finishJob(sn *simNode) {
	j := *sn.cur
	sn.cur = nil
	var r JobResult
	r.Job = j
	if j.Announce() {
		sn.announced = append(sn.announced, j.Groups...)
		sn.n.JobDone(s.now, r)
		s.flush(sn)
		return
	}
	for _, g := range j.Groups {
		// A start of what runs already succeeds (ResourceManager checks
		// status first, and an LSB start of a running service exits 0).
		if j.Acquire() && sn.failOn[g] && !sn.running[g] {
			r.Failed = append(r.Failed, g)
			delete(sn.running, g)
			continue
		}
		sn.running[g] = j.Acquire()
		if !j.Acquire() {
			delete(sn.running, g)
		}
	}
	r.Job.Groups = slices.DeleteFunc(slices.Clone(j.Groups), func(g int) bool { return slices.Contains(r.Failed, g) })
	sn.n.JobDone(s.now, r)
	s.flush(sn)
}

// run advances virtual time by d, processing every event in order.
func (s *sim) run(d time.Duration) {
	s.t.Helper()
	end := s.now.Add(d)
	for steps := 0; ; steps++ {
		if steps > 1_000_000 {
			s.t.Fatal("simulation does not settle")
		}
		next := end
		for _, f := range s.flight {
			if f.at.Before(next) {
				next = f.at
			}
		}
		for _, sn := range s.nodes {
			if !sn.up && !sn.restartAt.IsZero() && sn.restartAt.Before(next) {
				next = sn.restartAt
			}
			if !sn.up || sn.frozen {
				continue
			}
			if dl := sn.n.NextDeadline(); dl.Before(next) {
				next = dl
			}
			if sn.cur != nil && sn.jobEnd.Before(next) {
				next = sn.jobEnd
			}
		}
		if next.After(end) || (next.Equal(end) && !s.due(end)) {
			s.now = end
			return
		}
		if next.After(s.now) {
			s.now = next
		}
		s.step()
	}
}

// due reports whether some event is due exactly at t.
func (s *sim) due(t time.Time) bool {
	for _, f := range s.flight {
		if !f.at.After(t) {
			return true
		}
	}
	for _, sn := range s.nodes {
		if sn.up && !sn.frozen && (!sn.n.NextDeadline().After(t) || (sn.cur != nil && !sn.jobEnd.After(t))) {
			return true
		}
		if !sn.up && !sn.restartAt.IsZero() && !sn.restartAt.After(t) {
			return true
		}
	}
	return false
}

func (s *sim) step() {
	for _, sn := range s.nodes {
		if !sn.up && !sn.restartAt.IsZero() && !sn.restartAt.After(s.now) {
			s.start(sn.name)
		}
	}
	var later []delivery
	var now []delivery
	for _, f := range s.flight {
		if f.at.After(s.now) {
			later = append(later, f)
		} else {
			now = append(now, f)
		}
	}
	s.flight = later
	for _, f := range now {
		sn := s.node(f.to)
		if !sn.up {
			continue
		}
		if sn.frozen {
			s.flight = append(s.flight, delivery{at: s.now.Add(10 * time.Millisecond), to: f.to, msg: f.msg, link: f.link})
			continue
		}
		sn.n.Receive(s.now, f.msg, f.link)
		s.flush(sn)
	}
	for _, sn := range s.nodes {
		if !sn.up || sn.frozen {
			continue
		}
		if sn.cur != nil && !sn.jobEnd.After(s.now) {
			s.finishJob(sn)
		}
		if !sn.n.NextDeadline().After(s.now) {
			sn.n.Tick(s.now)
			s.flush(sn)
		}
		if sn.n.Done() {
			sn.up = false
			if sn.n.RestartWanted() {
				// The daemon re-execs after deadtime + 1 s (spec 5.7).
				sn.restartAt = s.now.Add(s.cfg.Deadtime + time.Second)
			}
		}
	}
}

// holders lists the nodes where group g runs.
func (s *sim) holders(g int) []string {
	var on []string
	for _, sn := range s.nodes {
		if sn.running[g] {
			on = append(on, sn.name)
		}
	}
	return on
}

// requireHolders fails unless group 0 runs exactly on the named nodes.
func (s *sim) requireHolders(want ...string) {
	s.t.Helper()
	s.requireGroupOn(0, want...)
}

// requireGroupOn fails unless group g runs exactly on the named nodes.
func (s *sim) requireGroupOn(g int, want ...string) {
	s.t.Helper()
	if got := s.holders(g); !slices.Equal(got, want) {
		s.t.Fatalf("at +%v group %d runs on %v, want %v\n%s", s.now.Sub(simEpoch), g, got, want, s.logs())
	}
}

func (s *sim) requireHold(name string, want Holding) {
	s.t.Helper()
	if got := s.node(name).n.hold; got != want {
		s.t.Fatalf("at +%v %s holds %v, want %v\n%s", s.now.Sub(simEpoch), name, got, want, s.logs())
	}
}

// requireNoTransition fails if a running node's rscstatus is "transition".
func (s *sim) requireNoTransition() {
	s.t.Helper()
	for _, sn := range s.nodes {
		if sn.up {
			if h := sn.n.Snapshot().Hold; h == "transition" {
				s.t.Fatalf("at +%v %s: rscstatus %s (group on %v)\n%s", s.now.Sub(simEpoch), sn.name, h, s.holders(0), s.logs())
			}
		}
	}
}

// logs renders every node's log for failure messages.
func (s *sim) logs() string {
	var b strings.Builder
	for _, sn := range s.nodes {
		if sn.hook == nil {
			continue
		}
		fmt.Fprintf(&b, "--- %s\n", sn.name)
		for _, e := range sn.hook.AllEntries() {
			fmt.Fprintf(&b, "+%v %s: %s\n", e.Time.Sub(simEpoch), halog.PriorityOf(e), e.Message)
		}
	}
	return b.String()
}

// logged reports whether a node logged a line containing text.
func (s *sim) logged(name, text string) bool {
	for _, e := range s.node(name).hook.AllEntries() {
		if strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}

func (s *sim) requireLogged(name string, texts ...string) {
	s.t.Helper()
	for _, text := range texts {
		if !s.logged(name, text) {
			s.t.Fatalf("%s did not log %q\n%s", name, text, s.logs())
		}
	}
}

func TestSimStartTogether(t *testing.T) {
	for _, mode := range []AutoFailback{FailbackOn, FailbackOff, FailbackLegacy} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			s := newSim(t, mode)
			s.start("node1")
			s.start("node2")
			// Both Go: serving within 2 x keepalive plus the start time,
			// not after 3.0.6's 10 s RQSTDELAY.
			s.run(2*s.cfg.Keepalive + simJobTime + 10*simLatency)
			s.requireHolders("node1")
			s.run(20 * time.Second)
			s.requireHolders("node1")
			if mode != FailbackLegacy {
				s.requireHold("node1", HoldLocal)
				s.requireHold("node2", HoldLocal)
			}
			s.requireLogged("node1", "Comm_now_up(): updating status to active", "Status update for node node2: status active", "Initial resource acquisition complete")
		})
	}
}

func TestSimAloneAfterInitdead(t *testing.T) {
	s := newSim(t, FailbackOn)
	s.start("node2")
	s.run(s.cfg.Initdead - 10*time.Millisecond)
	s.requireHolders()
	s.run(time.Second)
	s.requireHolders("node2")
	s.requireHold("node2", HoldAll)
	s.requireLogged("node2", "node node1: is dead", "No STONITH device configured.", "Shared disks are not protected.", "Resources being acquired from node1.", "mach_down takeover complete.")
}

func TestSimHardFailover(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.requireHolders("node1")
	s.kill("node1")
	// The dead node keeps its resources (no STONITH): clear them as the lab did.
	delete(s.node("node1").running, 0)
	s.run(s.cfg.Deadtime - 500*time.Millisecond)
	s.requireHolders()
	s.run(2 * time.Second)
	s.requireHolders("node2")
	s.requireHold("node2", HoldAll)
	s.requireLogged("node2", "node node1: is dead", "Link node1:eth0 dead.")
}

func TestSimRejoin(t *testing.T) {
	tests := []struct {
		mode AutoFailback
		want string
	}{
		{FailbackOn, "node1"},
		{FailbackOff, "node2"},
		{FailbackLegacy, "node1"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.mode), func(t *testing.T) {
			s := newSim(t, tt.mode)
			s.start("node1")
			s.start("node2")
			s.run(5 * time.Second)
			s.requireHolders("node1")
			s.crash("node1")
			s.run(8 * time.Second)
			s.requireHolders("node2")
			s.start("node1")
			s.run(8 * time.Second)
			s.requireHolders(tt.want)
			s.requireLogged("node2", "Heartbeat restart on node node1")
		})
	}
}

func TestSimStandbyAndTakeover(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(5 * time.Second)
	s.requireHolders("node2")
	s.requireHold("node1", HoldNone)
	s.requireHold("node2", HoldAll)
	s.requireLogged("node1", "node1 wants to go standby [all]", "standby: node2 can take our all resources", "Local standby process completed [all].", "Other node completed standby takeover of all resources.")
	s.requireLogged("node2", "standby: acquire [all] resources from node1", "Standby resource acquisition done [all].")

	s.operator("node1", func(n *Node) { n.Takeover(s.now, "all") })
	s.run(5 * time.Second)
	s.requireHolders("node1")
	s.requireHold("node1", HoldAll)
	s.requireHold("node2", HoldNone)
}

func TestSimGracefulShutdown(t *testing.T) {
	for _, mode := range []AutoFailback{FailbackOn, FailbackLegacy} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			s := newSim(t, mode)
			s.start("node1")
			s.start("node2")
			s.run(5 * time.Second)
			s.node("node1").n.Shutdown(s.now)
			s.flush(s.node("node1"))
			// Release plus takeover, no deadtime wait.
			s.run(3 * simJobTime)
			s.requireHolders("node2")
			if s.node("node1").up {
				t.Fatal("node1 did not finish its shutdown")
			}
			s.requireLogged("node1", "Heartbeat shutdown in progress.", "All HA resources relinquished.", "node1 Heartbeat shutdown complete.")
			s.requireLogged("node2", "Received shutdown notice from 'node1'.")
			s.run(10 * time.Second)
			s.requireLogged("node2", "Dead node node1 gave up resources.")
			s.requireHolders("node2")
		})
	}
}

func TestSimPartitionGoOnly(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.cut = true
	s.run(15 * time.Second)
	// Without STONITH both sides take everything, as 3.0.6 does.
	s.requireHolders("node1", "node2")
	s.cut = false
	s.run(3 * time.Second)
	s.requireLogged("node1", "Cluster node node2 returning after partition.")
	// The rightful owner keeps serving; only node2 released.
	s.requireHolders("node1")
	// ... and announces its address again, so clients that learnt node2's
	// MAC during the partition come back.
	if !slices.Equal(s.node("node1").announced, []int{0}) || len(s.node("node2").announced) != 0 {
		t.Fatalf("announced again: node1 %v, node2 %v; want node1 [0] only", s.node("node1").announced, s.node("node2").announced)
	}
	s.run(10 * time.Second)
	s.requireHolders("node1")
	s.requireHold("node1", HoldAll&^HoldForeign)
}

func TestSimStartFailureHandsOver(t *testing.T) {
	s := newSim(t, FailbackOn)
	s.node("node1").failOn[0] = true
	s.start("node1")
	s.start("node2")
	s.run(10 * time.Second)
	s.requireHolders("node2")
	if s.node("node1").n.hold&HoldLocal != 0 {
		t.Fatalf("node1 still claims its group after the failure")
	}

	// Failing on both nodes: left stopped, no ping-pong.
	s = newSim(t, FailbackOn)
	s.node("node1").failOn[0] = true
	s.node("node2").failOn[0] = true
	s.start("node1")
	s.start("node2")
	s.run(30 * time.Second)
	s.requireHolders()
	s.requireLogged("node2", "failed to start 1 time(s) here")
}

func TestSimLostPacketRetransmitted(t *testing.T) {
	s := newSim(t, FailbackOn)
	dropped := false
	s.drop = func(from, to string, m Msg) bool {
		if from == "node1" && to == "node2" && m.Get(fSeq) == "8" && !dropped {
			dropped = true
			return true
		}
		return false
	}
	s.start("node1")
	s.start("node2")
	s.run(5 * time.Second)
	if !dropped {
		t.Fatal("nothing was dropped")
	}
	s.requireLogged("node2", "1 lost packet(s) for [node1] [7:9]", "No pkts missing from node1!")
	s.requireHolders("node1")
}

func TestSimFrozenNodeLateHeartbeat(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.node("node1").frozen = true
	s.run(3500 * time.Millisecond)
	s.node("node1").frozen = false
	s.run(2 * time.Second)
	s.requireLogged("node2", "Late heartbeat: Node node1: interval")
	if s.logged("node2", "is dead") {
		t.Fatalf("a freeze shorter than deadtime killed the node\n%s", s.logs())
	}
	s.requireHolders("node1")
}

// simFault is one step of TestSimRandomFaults: what an operator or the
// environment does to the cluster.
type simFault int

const (
	faultKill     simFault = iota // kill -9 of the daemon; the machine's resources die with it
	faultFreeze                   // SIGSTOP, a pause, SIGCONT
	faultCut                      // link down, a pause, link up
	faultSplit                    // link down until the next split fault (other faults meanwhile)
	faultStop                     // graceful stop (SIGTERM)
	faultStart                    // start a stopped daemon
	faultStandby                  // hb_standby all|local|foreign|failback
	faultTakeover                 // hb_takeover all|local|foreign|failback
	faultBreak                    // a group's start fails on the node from now on, or works again
	numFaults
)

var faultNames = [...]string{"kill", "freeze", "cut", "split", "stop", "start", "standby", "takeover", "break"}

func (f simFault) String() string { return faultNames[f] }

// simSettle is long enough for anything a fault sets off to finish:
// initdead, deadtime plus a takeover, a standby exchange.
const simSettle = 40 * time.Second

// TestSimRandomFaults drives seeded random fault sequences on a two-node
// cluster and checks after every step, once the cluster has settled, that
// no group runs on two nodes that hear each other, that no group runs where
// no daemon does, that each node's own view of what runs there is the
// truth, and that every running node is stable (rscstatus is not
// "transition"). With the one group of newSim it also checks that the group
// runs when a running node can start it (on each side of a partition).
// Some steps fire two faults back to back without settling in between.
// TestSimRandomFaultsGroups runs the same with three groups, node1's two
// and one of node2, and settles twice as long: a set that fails to start on
// both nodes in turn goes back and forth through standby timeouts.
func TestSimRandomFaults(t *testing.T) { randomFaults(t, nil, simSettle) }

func TestSimRandomFaultsGroups(t *testing.T) {
	randomFaults(t, []*Group{
		{Owner: "node1", Key: "10.250.0.100/24/eth0 spectest::alpha"},
		{Owner: "node1", Key: "10.250.0.101/24/eth0 spectest::beta"},
		{Owner: "node2", Key: "10.250.0.102/24/eth0 spectest::gamma"},
	}, 2*simSettle)
}

// simSeeds is how many random fault sequences randomFaults runs.
var simSeeds = 200

// randomFaults runs simSeeds sequences, on groups in place of newSim's if
// groups is not nil, letting the cluster settle for settle after each step.
func randomFaults(t *testing.T, groups []*Group, settle time.Duration) {
	for seed := range uint64(simSeeds) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x6865617274))
			mode := []AutoFailback{FailbackOn, FailbackOff, FailbackLegacy}[rng.IntN(3)]
			s := newSim(t, mode)
			if groups != nil {
				s.cfg.Groups = groups
			}
			s.start("node1")
			s.start("node2")
			s.run(settle)
			var trail []string
			s.requireSettled(trail)
			for range 20 {
				for range 1 + rng.IntN(2) {
					trail = append(trail, s.fault(rng))
				}
				s.run(settle)
				s.requireSettled(trail)
			}
			if s.split {
				trail = append(trail, s.apply(rng, s.nodes[0], faultSplit))
				s.run(settle)
				s.requireSettled(trail)
			}
		})
	}
}

// fault applies one random fault to a random node and describes it.
func (s *sim) fault(rng *rand.Rand) string {
	return s.apply(rng, s.nodes[rng.IntN(len(s.nodes))], simFault(rng.IntN(int(numFaults))))
}

// apply applies fault f to node sn and describes it.
func (s *sim) apply(rng *rand.Rand, sn *simNode, f simFault) string {
	sets := []string{"all", "local", "foreign", "failback"}
	at := fmt.Sprintf("+%v %s %s", s.now.Sub(simEpoch), f, sn.name)
	switch f {
	case faultKill:
		// A daemon waiting to restart after a partition is alive too.
		if sn.up || !sn.restartAt.IsZero() {
			s.kill(sn.name)
			sn.restartAt = time.Time{}
			clear(sn.running) // a crash: the machine's resources die with it
		}
	case faultSplit:
		s.split = !s.split
		s.cut = s.split
		at = fmt.Sprintf("+%v link %s", s.now.Sub(simEpoch), map[bool]string{true: "down", false: "up"}[s.split])
	case faultFreeze, faultCut:
		d := time.Duration(500+rng.IntN(12_000)) * time.Millisecond
		at += " for " + d.String()
		if f == faultFreeze {
			sn.frozen = true
			s.run(d)
			sn.frozen = false
		} else {
			s.cut = true
			s.run(d)
			s.cut = s.split
		}
	case faultStop:
		if sn.up {
			sn.n.Shutdown(s.now)
			s.flush(sn)
		}
	case faultStart:
		if !sn.up && sn.restartAt.IsZero() {
			s.start(sn.name)
		}
	case faultBreak:
		g := rng.IntN(len(s.cfg.Groups))
		sn.failOn[g] = !sn.failOn[g]
		if !sn.failOn[g] {
			at = fmt.Sprintf("+%v fix %s", s.now.Sub(simEpoch), sn.name)
		}
		at += fmt.Sprint(" group ", g)
	case faultStandby, faultTakeover:
		set := sets[rng.IntN(len(sets))]
		at += " " + set
		if !sn.up {
			break
		}
		if f == faultStandby {
			h, _ := ParseHolding(set)
			sn.n.Standby(s.now, h)
		} else {
			sn.n.Takeover(s.now, set)
		}
		s.flush(sn)
	}
	return at
}

// requireSettled checks the invariants of TestSimRandomFaults.
func (s *sim) requireSettled(trail []string) {
	s.t.Helper()
	fail := func(format string, args ...any) {
		s.t.Helper()
		s.t.Fatalf("after %s:\n%s\n%s", strings.Join(trail, "\n"), fmt.Sprintf(format, args...), s.logs())
	}
	var up []string
	for _, sn := range s.nodes {
		if !sn.up {
			if len(sn.running) > 0 {
				fail("%s is down but runs %v", sn.name, sn.running)
			}
			continue
		}
		up = append(up, sn.name)
		st := sn.n.Snapshot()
		if st.Hold == "transition" {
			fail("%s is not stable", sn.name)
		}
		for _, p := range sn.n.order {
			if s.cfg.AutoFailback == FailbackOn && p.alive() && p.stable && p.failbackDue && sn.n.stable() {
				fail("%s still owes %s a failback check: a later hb_standby of %s would bounce back", sn.name, p.name, p.name)
			}
		}
		for g, run := range st.Running {
			if run != sn.running[g] {
				fail("%s believes group %d running=%t, truth %t", sn.name, g, run, sn.running[g])
			}
		}
	}
	for g := range s.cfg.Groups {
		holders := s.holders(g)
		if !s.split && len(holders) > 1 {
			fail("daemons %v run, group %d runs on %v", up, g, holders)
		}
	}
	if len(s.cfg.Groups) > 1 {
		// Groups move in sets (a node's own, the peer's): a group
		// may stay stopped while a node could start it alone.
		return
	}
	holders := s.holders(0)
	if s.split {
		// Without STONITH each side of a partition runs the group if it can.
		for _, sn := range s.nodes {
			if sn.up && !sn.running[0] && s.canStart(sn) {
				fail("partitioned daemons %v run, the group runs on %v", up, holders)
			}
		}
	} else if len(holders) == 0 && slices.ContainsFunc(s.nodes, s.canStart) {
		fail("daemons %v run, one of them can start the group, nobody runs it", up)
	}
}

// canStart reports whether node sn would start the group if it had to: its
// daemon runs, the start works there and has not failed there too often. In
// legacy mode a start failure strands the group, as in 3.0.6.
func (s *sim) canStart(sn *simNode) bool {
	if !sn.up || sn.failOn[0] || sn.n.exhausted(0) {
		return false
	}
	return s.cfg.AutoFailback != FailbackLegacy ||
		!slices.ContainsFunc(s.nodes, func(o *simNode) bool { return o.up && o.n.failures[0] > 0 })
}

func TestSimStandbyNoReply(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	// node2 never hears node1's request.
	s.drop = func(from, to string, m Msg) bool { return m.Type() == tAskResources && to == "node2" }
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(standbyTimeout + time.Second)
	s.requireLogged("node1", "No reply to standby request.  Standby request cancelled.")
	s.requireHolders("node1")
	// The cancelled request does not block the next one.
	s.drop = nil
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(5 * time.Second)
	s.requireHolders("node2")
}

// TestSimFailedEverywhereNotHeld: a group that fails to start on both
// nodes is held by neither (rscstatus tells the truth, issue 6 item 4),
// and in legacy mode a node is stable once its own work is done.
func TestSimFailedEverywhereNotHeld(t *testing.T) {
	s := newSim(t, FailbackOn)
	s.node("node1").failOn[0] = true
	s.node("node2").failOn[0] = true
	s.start("node1")
	s.start("node2")
	s.run(30 * time.Second)
	s.requireHolders()
	s.requireHold("node1", HoldNone)
	s.requireHold("node2", HoldLocal) // its empty local set, as 3.0.6

	s = newSim(t, FailbackLegacy)
	s.start("node1")
	s.start("node2")
	s.run(5 * time.Second)
	s.crash("node1")
	s.run(10 * time.Second)
	s.start("node1")
	s.run(10 * time.Second)
	s.requireHolders("node1")
	for _, sn := range s.nodes {
		if !sn.n.stable() {
			t.Fatalf("%s is not stable in legacy mode\n%s", sn.name, s.logs())
		}
	}
}

// TestSimLegacyIPRequestWaitsForActivePeer: 3.0.6 loses an ip-request that
// arrives before its own communication is up, so node1 must not send one
// before node2 reports status active.
func TestSimLegacyIPRequestWaitsForActivePeer(t *testing.T) {
	s := newSim(t, FailbackLegacy)
	var order []string
	s.drop = func(from, to string, m Msg) bool {
		if from == "node2" && to == "node1" && m.Type() == tStatus {
			order = append(order, "node2 "+m.Get(fSt))
		}
		if from == "node1" && to == "node2" && m.Type() == tIPRequest {
			order = append(order, "node1 ip-request")
		}
		return false
	}
	// node2 comes up between two of node1's heartbeats: node1 hears it
	// at once, node2 hears node1 only with its next heartbeat.
	s.start("node1")
	s.run(1500 * time.Millisecond)
	s.start("node2")
	s.run(5 * time.Second)
	s.requireHolders("node1")
	i := slices.Index(order, "node1 ip-request")
	if i < 0 || !slices.Contains(order[:i], "node2 active") {
		t.Fatalf("message order %v: node1 asked before node2 was active", order)
	}
}

// TestSimLegacyStandbyOnTheWire: in legacy mode hb_standby is refused, but
// the request still goes to the peer, which refuses it too (as 3.0.6 does).
func TestSimLegacyStandbyOnTheWire(t *testing.T) {
	s := newRunningSim(t, FailbackLegacy)
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(time.Second)
	s.requireLogged("node1", "Standby mode only implemented when nice_failback on")
	s.requireLogged("node2", "Standby mode only implemented when nice_failback on")
	s.requireHolders("node1")
}

// TestSimSingleNode: a cluster of one node takes its groups at once, in
// every mode (3.0.6 never does with auto_failback on or off).
func TestSimSingleNode(t *testing.T) {
	for _, mode := range []AutoFailback{FailbackOn, FailbackOff, FailbackLegacy} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			s := newSim(t, mode, "node1")
			s.start("node1")
			s.run(time.Second)
			s.requireHolders("node1")
			s.requireNoTransition()
		})
	}
}

// rejoinWithCut runs a fast two-node cluster (keepalive 500 ms, deadtime
// 3 s), crashes node1, restarts it, cuts the link gap later for cut and
// heals it.
func rejoinWithCut(t *testing.T, gap, cut time.Duration) *sim {
	s := newSim(t, FailbackOn)
	s.cfg.Keepalive, s.cfg.Deadtime, s.cfg.Warntime, s.cfg.Initdead = 500*time.Millisecond, 3*time.Second, 2*time.Second, 6*time.Second
	s.start("node1")
	s.start("node2")
	s.run(5 * time.Second)
	s.crash("node1")
	s.run(5 * time.Second)
	s.start("node1")
	s.run(gap)
	s.cut = true
	s.run(cut)
	s.cut = false
	return s
}

// TestSimPartitionDuringRejoin: node1 restarts after a crash and its link
// is cut at once; after the heal, auto_failback on gives it its group back
// whatever the length of the cut (for a 5 s cut the failback came due
// while node2 was still running its second takeover, and was lost).
func TestSimPartitionDuringRejoin(t *testing.T) {
	for cut := 3 * time.Second; cut <= 6*time.Second; cut += 500 * time.Millisecond {
		t.Run(cut.String(), func(t *testing.T) {
			s := rejoinWithCut(t, 0, cut)
			s.run(60 * time.Second)
			s.requireHolders("node1")
		})
	}
}

// TestSimStartDuringPartition: node1 stops, the link is cut, node1 starts
// again alone and takes its group after initdead while node2 still runs
// it. After the heal node2 sees a restarted node1 that is active at once,
// and node1 sees node2 return: the two must settle on one holder even if
// node1's first status after the heal is lost.
func TestSimStartDuringPartition(t *testing.T) {
	for _, lose := range []bool{false, true} {
		t.Run(map[bool]string{false: "no loss", true: "first status lost"}[lose], func(t *testing.T) {
			s := newSim(t, FailbackOn)
			s.cfg.Keepalive, s.cfg.Deadtime, s.cfg.Warntime, s.cfg.Initdead = 500*time.Millisecond, 3*time.Second, 2*time.Second, 6*time.Second
			s.start("node1")
			s.start("node2")
			s.run(3 * time.Second)
			s.node("node1").n.Shutdown(s.now)
			s.flush(s.node("node1"))
			s.run(3 * time.Second)
			s.cut = true
			s.run(3 * time.Second)
			s.start("node1")
			s.run(8 * time.Second)
			s.requireHolders("node1", "node2")
			s.cut = false
			lost := !lose
			s.drop = func(from, to string, m Msg) bool {
				if from == "node1" && m.Type() == tStatus && !lost {
					lost = true
					return true
				}
				return false
			}
			s.run(20 * time.Second)
			s.requireHolders("node1")
		})
	}
}

// TestSimTakeoverDuringHeal: node1 restarts after a crash and is cut off
// at once for just over deadtime. It takes its group, and node2, which ran
// it, starts a heal release; node2 then declares node1 dead again (a late
// heartbeat) and queues a takeover behind the heal. The group that
// takeover starts must count as held, or the next heal does not release
// it and it runs on both nodes for ever. (Found by TestSimRandomFaults;
// node2's freeze sets the phase of its timers that the race needs.)
func TestSimTakeoverDuringHeal(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.crash("node1")
	s.run(time.Minute)
	s.node("node2").frozen = true
	s.run(4803 * time.Millisecond)
	s.node("node2").frozen = false
	s.run(30 * time.Second)
	s.start("node1")
	s.cut = true
	s.run(5210 * time.Millisecond)
	s.cut = false
	s.run(30 * time.Second)
	s.requireLogged("node2", "Late heartbeat: Node node1")
	s.requireHolders("node1")
}

// TestSimStandbyAnswerAfterPeerDeclaredUsDead: node1 asks to go standby
// and node2 accepts, but node2's "other" is lost and node2 hears nothing
// more from node1 for longer than deadtime: node2 declares node1 dead and
// cancels the standby. Then node1 hears node2 again, gets the
// retransmitted "other", releases its group and says "done". node2 must
// finish the takeover it offered instead of ignoring that "done", or node1
// waits for node2's answer for ever (rscstatus "transition"; 3.0.6 waits
// an hour, but restarts both nodes on the heal anyway).
func TestSimStandbyAnswerAfterPeerDeclaredUsDead(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	t0 := s.now
	s.drop = func(from, to string, m Msg) bool {
		// node1 advertised deadtime + 2 s while it started.
		quiet := s.now.After(t0) && s.now.Before(t0.Add(s.cfg.Deadtime+dtBoost+time.Second))
		if from == "node1" {
			return quiet // node2 hears nothing from node1 but its "me"
		}
		return quiet && m.Type() == tAskResources && m.Get(fInfo) == "other"
	}
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(simSettle)
	s.requireLogged("node2", "node node1: is dead", "Cancelling pending standby operation", "Cluster node node1 returning after partition.")
	s.requireLogged("node1", "standby: node2 can take our all resources", "Local standby process completed [all].")
	s.requireNoTransition()
	s.requireHolders("node2")
	s.requireHold("node1", HoldNone)
	s.requireHold("node2", HoldAll)
}

// TestSimStaleStandbyAnswer: node1's "other" to a standby request of
// node2 is lost until both gave up on it and node2 asked twice more. The
// retransmitted old "other" must not be taken as the answer to node2's
// latest request, which node1 never heard: node2 would release, say
// "done", and wait for node1's answer for ever (rscstatus "transition").
func TestSimStaleStandbyAnswer(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	release := s.now.Add(standbyTimeout + 4*time.Second)
	s.drop = func(from, to string, m Msg) bool {
		if m.Type() != tAskResources {
			return false
		}
		switch {
		case from == "node1" && m.Get(fInfo) == "other" && m.Get(fRscHold) == "foreign":
			return s.now.Before(release) // the first answer comes late
		case from == "node2" && m.Get(fInfo) == "me" && m.Get(fRscHold) == "local":
			return true // node1 never hears the third request
		}
		return false
	}
	s.operator("node2", func(n *Node) { n.Standby(s.now, HoldForeign) })
	s.run(standbyTimeout + time.Second)
	s.requireLogged("node2", "No reply to standby request.  Standby request cancelled.")
	s.operator("node2", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(2 * time.Second)
	s.requireLogged("node1", "Standby resource acquisition done [all].")
	s.operator("node2", func(n *Node) { n.Standby(s.now, HoldLocal) })
	s.run(simSettle)
	s.requireNoTransition()
	s.requireHolders("node1")
}

// TestSimPeerRestartDuringStandby: node1 asks to go standby, node2 agrees,
// node1 releases its group and says "done"; node2 crashes before it takes
// the group and is back within deadtime, so node1 never declares it dead.
// The restarted node2 knows nothing of the exchange: node1 must not wait
// for its "done" for ever, and the group must run again.
func TestSimPeerRestartDuringStandby(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	for i := 0; !s.logged("node2", "standby: acquire [all] resources from node1"); i++ {
		if i == 1000 {
			t.Fatalf("node2 never took the group\n%s", s.logs())
		}
		s.run(10 * time.Millisecond)
	}
	s.crash("node2")
	s.run(time.Second)
	s.start("node2")
	s.run(simSettle)
	s.requireNoTransition()
	// Nobody holds node1's group: node1 takes it back.
	s.requireHolders("node1")
}

// TestSimSlowStandbyRelease: node1's release of its group for hb_standby
// takes 15 s (a slow stop). node2, which agreed to take it, waits for it
// as 3.0.6 does (an hour once the release has begun) instead of giving up
// after 10 s, and a request of node2's own meanwhile is refused as "in
// progress", not answered by node1's late "done".
func TestSimSlowStandbyRelease(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	for i := 0; ; i++ {
		if c := s.node("node1").cur; c != nil && c.Why == "standby-give" {
			s.node("node1").jobEnd = s.now.Add(15 * time.Second)
			break
		}
		if i == 1000 {
			t.Fatalf("node1 did not release its group\n%s", s.logs())
		}
		s.run(10 * time.Millisecond)
	}
	s.run(11 * time.Second)
	s.operator("node2", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(30 * time.Second)
	s.requireLogged("node2", "Standby in progress- new request from node2 ignored")
	if s.logged("node2", "No reply to standby request") {
		t.Fatalf("node2 gave up waiting for the slow release\n%s", s.logs())
	}
	s.requireNoTransition()
	s.requireHolders("node2")
}

// TestSimLegacyPartitionGoOnly: with auto_failback legacy there are no
// holding reports to settle a heal on, so two heartbeat-go nodes both give
// up everything and restart as 3.0.6 does, and node1 ends with its group.
func TestSimLegacyPartitionGoOnly(t *testing.T) {
	s := newRunningSim(t, FailbackLegacy)
	s.cut = true
	s.run(15 * time.Second)
	s.requireHolders("node1", "node2")
	s.cut = false
	s.run(60 * time.Second)
	for _, sn := range s.nodes {
		if sn.gen != 102 { // started once more
			t.Fatalf("%s did not restart (generation %d)\n%s", sn.name, sn.gen, s.logs())
		}
	}
	s.requireHolders("node1")
}

// waitLogged runs the simulation in small steps until name logs text.
func (s *sim) waitLogged(name, text string) {
	s.t.Helper()
	for i := 0; !s.logged(name, text); i++ {
		if i == 100_000 {
			s.t.Fatalf("%s never logged %q\n%s", name, text, s.logs())
		}
		s.run(100 * time.Microsecond)
	}
}

// TestSimOwedStandbyDuringOutage: node2 answers node1's standby "other",
// then the link is down for 12 s (longer than standbyTimeout, shorter than
// deadtime): node2 gives up waiting for the release to begin while node1
// releases its group. When node1's "done" arrives, node2 takes the group,
// also if its operator asked for a standby of its own meanwhile (that
// request is dropped; node1 would refuse it as in progress).
func TestSimOwedStandbyDuringOutage(t *testing.T) {
	for _, own := range []bool{false, true} {
		t.Run(fmt.Sprint("own standby ", own), func(t *testing.T) {
			s := newSim(t, FailbackOn)
			s.cfg.Deadtime, s.cfg.Warntime, s.cfg.Initdead = 30*time.Second, 10*time.Second, 60*time.Second
			s.start("node1")
			s.start("node2")
			s.run(5 * time.Second)
			s.requireHolders("node1")
			s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
			s.waitLogged("node2", "node1 wants to go standby")
			s.cut = true // node2's "other" is on its way
			start := s.now
			s.run(11 * time.Second)
			s.requireLogged("node2", "No reply to standby request.  Standby request cancelled.")
			if own {
				s.operator("node2", func(n *Node) { n.Standby(s.now, HoldAll) })
			}
			s.run(start.Add(12 * time.Second).Sub(s.now))
			s.cut = false
			s.run(time.Minute)
			s.requireNoTransition()
			s.requireHolders("node2")
		})
	}
}

// TestSimShutdownDuringStandby: node2 answers node1's standby and is told
// to stop at once. As in 3.0.6 the exchange is resource activity: node2
// finishes taking the group, then shuts down and hands it back, and takes
// nothing once its final release has begun.
func TestSimShutdownDuringStandby(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.waitLogged("node2", "node1 wants to go standby")
	s.operator("node2", func(n *Node) { n.Shutdown(s.now) })
	s.requireLogged("node2", "Shutdown delayed until current resource activity finishes.")
	n2 := s.node("node2")
	for i := 0; n2.up; i++ {
		if i == 100_000 {
			t.Fatalf("node2 never finished its shutdown\n%s", s.logs())
		}
		s.run(time.Millisecond)
	}
	if n2.cur != nil || len(n2.queue) > 0 {
		t.Fatalf("node2 stopped with resource work left: %v %v\n%s", n2.cur, n2.queue, s.logs())
	}
	s.run(30 * time.Second)
	s.requireHolders("node1")
}

// TestSimStandbyRefusedByRequester: as in 3.0.6 the requesting node runs
// the same checks as its peer: a standby asked while the peer is in flux
// (it has just come back and not yet reported) or while this node's own
// resources are in flux is refused at once, without asking the peer.
func TestSimStandbyRefusedByRequester(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		until     func(s *sim) bool // the moment to ask
	}{
		{"peer in flux", "standby message [me] from node2 ignored.  Other side is in flux.", func(s *sim) bool {
			p := s.node("node2").n.order[0]
			return p.alive() && !p.stable
		}},
		{"local in flux", "standby message [me] from node2 ignored.  local resources in flux.", func(s *sim) bool {
			return s.node("node2").cur != nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newRunningSim(t, FailbackOff)
			s.crash("node1")
			if tc.name == "peer in flux" {
				s.run(30 * time.Second)
				s.start("node1")
			}
			for i := 0; !tc.until(s); i++ {
				if i == 100_000 {
					t.Fatalf("the moment to ask never came\n%s", s.logs())
				}
				s.run(time.Millisecond)
			}
			asked := false
			s.drop = func(from, to string, m Msg) bool {
				asked = asked || m.Type() == tAskResources
				return false
			}
			s.operator("node2", func(n *Node) { n.Standby(s.now, HoldAll) })
			s.requireLogged("node2", tc.log)
			if s.logged("node2", "node2 wants to go standby") || asked || s.node("node2").n.standby != standbyNone {
				t.Fatalf("node2 went on with a refused standby\n%s", s.logs())
			}
			s.run(30 * time.Second)
			s.requireHolders("node2")
			s.requireNoTransition()
			// Once both are up and stable the same request goes through.
			if !s.node("node1").up {
				s.start("node1")
				s.run(10 * time.Second)
			}
			s.operator("node2", func(n *Node) { n.Standby(s.now, HoldAll) })
			s.run(10 * time.Second)
			s.requireHolders("node1")
		})
	}
}

// TestSimFailbackStartFailure: node1 gets its group back by auto_failback
// and fails to start it; it hands the group straight back to node2, whose
// stable report is still behind its "done" at that moment.
func TestSimFailbackStartFailure(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.crash("node1")
	s.run(30 * time.Second)
	s.requireHolders("node2")
	s.node("node1").failOn[0] = true
	s.start("node1")
	s.run(60 * time.Second)
	s.requireLogged("node1", "failed to start 1 time(s) here")
	s.requireHolders("node2")
	s.requireNoTransition()
}

// TestSimLegacyIPRequestRetry: a 3.0.6 peer can lose its answer to our
// ip-request (its reply goes through its FIFO); node1 asks again after
// ipRequestRetry and then starts its group, once.
func TestSimLegacyIPRequestRetry(t *testing.T) {
	s := newSim(t, FailbackLegacy)
	requests, lost := 0, false
	s.drop = func(from, to string, m Msg) bool {
		switch {
		case to == "node2" && m.Type() == tIPRequest:
			requests++
		case to == "node1" && m.Type() == tIPRequestRsp && !lost:
			// The peer loses its answer: the datagram arrives (no gap to
			// retransmit) but carries nothing node1 acts on.
			lost = true
			for k := range m {
				if m[k].Name == fT {
					m[k].Value = "ip-request-lost"
				}
			}
		}
		return false
	}
	s.start("node1")
	s.start("node2")
	s.run(ipRequestRetry - time.Second)
	s.requireHolders()
	s.run(5 * time.Second)
	s.requireLogged("node1", "No answer to ip-request for 10.250.0.100/24/eth0: asking again")
	s.requireHolders("node1")
	s.run(2 * ipRequestRetry)
	if requests != 2 {
		t.Fatalf("node1 sent %d ip-requests, want 2\n%s", requests, s.logs())
	}
	s.requireHolders("node1")
	s.requireNoTransition()
}

// TestSimStrandedHandedOffLater: node1's group fails to start while node2
// is down, so nobody can take it then; node1 hands it over once node2 comes.
func TestSimStrandedHandedOffLater(t *testing.T) {
	for _, mode := range []AutoFailback{FailbackOn, FailbackOff} {
		t.Run(fmt.Sprint("mode", mode), func(t *testing.T) {
			s := newSim(t, mode)
			s.node("node1").failOn[0] = true
			s.start("node1")
			s.run(20 * time.Second) // initdead: node2 declared dead, the start fails
			s.requireHolders()
			s.requireHold("node1", HoldForeign)
			s.start("node2")
			s.run(10 * time.Second)
			s.requireHolders("node2")
			s.requireLogged("node1", "node1 wants to go standby [local]")
			s.requireNoTransition()
		})
	}
}

// TestSimNoTakeoverOfFailedGroup: a group that failed to start on node2 is
// neither claimed there when node1 dies nor taken there by a standby; node1
// keeps it, or gets it back when it returns.
func TestSimNoTakeoverOfFailedGroup(t *testing.T) {
	s := newRunningSim(t, FailbackOff)
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.node("node2").failOn[0] = true
	s.run(20 * time.Second) // node2 fails, node1 takes its group back
	s.requireHolders("node1")
	s.requireNoTransition()
	s.requireLogged("node2", "failed to start 1 time(s) here")

	// A second standby is refused by node2: the group stays on node1.
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(15 * time.Second)
	s.requireLogged("node2", "standby message [me] from node1 ignored: resource group 10.250.0.100/24/eth0 failed to start here")
	s.requireHolders("node1")
	s.requireNoTransition()

	// node1 dies: node2 does not start the group again, nor claim it...
	s.crash("node1")
	s.run(10 * time.Second)
	s.requireHolders()
	s.requireHold("node2", HoldLocal)
	// ...so node1 takes its group back when it returns (auto_failback off).
	s.start("node1")
	s.run(10 * time.Second)
	s.requireHolders("node1")
	s.requireNoTransition()
}

// twoGroups gives owner two groups in place of newSim's one.
func twoGroups(s *sim, owner string) {
	s.cfg.Groups = []*Group{
		{Owner: owner, Key: "10.250.0.100/24/eth0 spectest::alpha"},
		{Owner: owner, Key: "10.250.0.101/24/eth0 spectest::beta"},
	}
}

// count is how many lines of a node's log contain text.
func (s *sim) count(name, text string) int {
	c := 0
	for _, e := range s.node(name).hook.AllEntries() {
		if strings.Contains(e.Message, text) {
			c++
		}
	}
	return c
}

// TestSimOneOfTwoGroupsFails: node1's second group fails to start while
// node2 is down. node1 keeps holding (and running) the first, without
// acquiring it again and again, and hands both to node2 once it comes.
func TestSimOneOfTwoGroupsFails(t *testing.T) {
	s := newSim(t, FailbackOff)
	twoGroups(s, "node1")
	s.node("node1").failOn[1] = true
	s.start("node1")
	s.requireHandedToNode2()
	if c := s.count("node1", "Local Resource acquisition completed"); c > 2 {
		t.Fatalf("node1 acquired its groups %d times\n%s", c, s.logs())
	}
	s.requireNoTransition()
}

// TestSimPartialTakeoverHeld: node1 takes over node2's two groups but only
// the first starts (the second failed here before). node1 holds node2's
// set while the first runs, so node2, back, does not start it too.
func TestSimPartialTakeoverHeld(t *testing.T) {
	s := newSim(t, FailbackOff)
	twoGroups(s, "node2")
	s.start("node1")
	s.start("node2")
	s.run(5 * time.Second)
	s.node("node1").n.failures[1] = s.cfg.MaxStartFailures
	s.crash("node2")
	s.requireHandedToNode2()
	s.requireNoTransition()
}

// requireHandedToNode2 checks that 20 s on group 0 runs on node1, which
// holds both sets, and that once node2 starts node1 hands it the set with
// the group that does not start on node1: both groups run on node2.
func (s *sim) requireHandedToNode2() {
	s.t.Helper()
	s.run(20 * time.Second)
	s.requireHolders("node1")
	s.requireHold("node1", HoldAll)
	s.start("node2")
	s.run(30 * time.Second)
	s.requireGroupOn(0, "node2")
	s.requireGroupOn(1, "node2")
}

// TestSimNoFailbackAfterStandby: node1 restarted within deadtime, when
// node2 held none of its groups, so no failback was due; node2 must not
// take it for one later and hand back what node1's hb_standby gave it.
func TestSimNoFailbackAfterStandby(t *testing.T) {
	s := newRunningSim(t, FailbackOn)
	s.crash("node1")
	s.run(2 * time.Second)
	s.start("node1")
	s.run(15 * time.Second)
	s.requireLogged("node2", "Heartbeat restart on node node1")
	s.requireHolders("node1")
	s.operator("node1", func(n *Node) { n.Standby(s.now, HoldAll) })
	s.run(15 * time.Second)
	s.requireHolders("node2")
	if s.logged("node2", "node2 wants to go standby") {
		t.Fatalf("node2 gave back what node1's hb_standby gave it\n%s", s.logs())
	}
}
