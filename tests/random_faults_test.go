//go:build integration

package tests

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// The randomized acceptance test of issue 6: seeded sequences of faults on
// a two-node heartbeat-go cluster (the lab group: VIP, spectest::alpha,
// spectest::beta; the short timings of the scenarios), with the group's
// placement checked after every step has settled.
const (
	// faultSequences is how many sequences run (issue 6 asks for 50),
	// each on its own cluster and in parallel with the others (raise it
	// for a longer soak).
	faultSequences = 50
	// faultSteps is the number of random steps of a sequence; a last step
	// then revives everything.
	faultSteps = 6
	// faultSeedEnv sets the first sequence's seed (sequence k uses seed+k);
	// without it the seed comes from the clock. Rerun one sequence with
	// HBGO_FAULT_SEED=S go test -tags integration -run 'TestRandomFaults/seed=S$'.
	faultSeedEnv = "HBGO_FAULT_SEED"

	settleFirst   = time.Second      // after a step, before the first check
	settleStable  = 2 * time.Second  // the invariant must hold this long in a row
	settleTimeout = 45 * time.Second // initdead, deadtime and the resources' work fit in
	stepTimeout   = 30 * time.Second // for one step's commands
)

// TestRandomFaults drives faultSequences seeded sequences of faultSteps
// random steps on a Go with Go cluster: kill -9 of a node (its VIP and
// spectest state then removed by hand, as a crashed machine loses them),
// SIGSTOP and SIGCONT of a daemon (frozen across steps, or for 0.5-2.5 s
// within one), the link between the nodes cut (isolated bridge ports, or a
// node's port down) and restored, graceful stop, start, and hb_standby or
// hb_takeover with every argument, run as 3.0.6's script or as our tool.
// After each step it waits until the invariant has held for settleStable:
//
//   - no node ever runs part of the group (VIP, alpha and beta together or
//     none);
//   - while the nodes hear each other (both running, not frozen, link up)
//     exactly one node runs the group and the client is served by it;
//   - otherwise every running node runs the group (it cannot know that the
//     other is not serving), every stopped node runs none of it, and a
//     frozen node keeps what it had.
//
// A failing sequence logs its seed and the trail of steps and states.
func TestRandomFaults(t *testing.T) {
	t.Parallel()
	base := rand.Uint64() >> 1
	if v := os.Getenv(faultSeedEnv); v != "" {
		var err error
		if base, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", faultSeedEnv, v, err)
		}
	}
	t.Logf("seeds %d to %d (%s=%d reproduces them)", base, base+faultSequences-1, faultSeedEnv, base)
	for k := range uint64(faultSequences) {
		seed := base + k
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runFaults(t, seed)
		})
	}
}

// faultNode is what the test did to one node.
type faultNode struct {
	up     bool // the daemon runs (maybe frozen)
	frozen bool // SIGSTOPped
}

// faults is one running sequence.
type faults struct {
	s     *scen
	rng   *rand.Rand
	nodes [2]faultNode
	cut   bool // the nodes cannot hear each other
	trail []string
	begin time.Time
}

// action is a step the sequence may take next.
type action struct {
	name string
	do   func(ctx context.Context) error
}

func runFaults(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	failback := []string{"on", "off"}[rng.IntN(2)]
	s := newScen(t, goGo, scenOpts{failback: failback}, 4*time.Minute)
	f := &faults{s: s, rng: rng, begin: time.Now()}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d, auto_failback %s; trail:\n%s", seed, failback, strings.Join(f.trail, "\n"))
		}
	})
	f.note("auto_failback " + failback + ", both nodes started")
	s.start(1)
	s.start(2)
	f.nodes = [2]faultNode{{up: true}, {up: true}}
	f.settle()
	for range faultSteps {
		choices := f.actions()
		f.step(choices[rng.IntN(len(choices))])
	}
	f.step(action{"revive everything", f.revive})
}

// note adds a line to the trail.
func (f *faults) note(line string) {
	f.trail = append(f.trail, fmt.Sprintf("%6.1fs %s", time.Since(f.begin).Seconds(), line))
}

// step takes one action and waits for the cluster to settle.
func (f *faults) step(a action) {
	f.s.t.Helper()
	f.note(a.name)
	ctx, cancel := context.WithTimeout(f.s.ctx, stepTimeout)
	defer cancel()
	if err := a.do(ctx); err != nil {
		f.s.t.Fatalf("%s: %v", a.name, err)
	}
	f.settle()
}

// actions lists the steps possible in the current state.
func (f *faults) actions() []action {
	var as []action
	for i := 1; i <= 2; i++ {
		n := &f.nodes[i-1]
		name := f.s.n(i).Name
		add := func(what string, do func(context.Context) error) {
			as = append(as, action{what + " " + name, do})
		}
		if !n.up {
			add("start", func(context.Context) error { return f.start(i) })
			continue
		}
		add("kill -9", func(ctx context.Context) error { return f.kill(ctx, i) })
		if n.frozen {
			add("SIGCONT", func(context.Context) error { return f.signal(i, syscall.SIGCONT) })
			continue
		}
		add("SIGSTOP", func(context.Context) error { return f.signal(i, syscall.SIGSTOP) })
		freeze := time.Duration(500+f.rng.IntN(2000)) * time.Millisecond
		add(fmt.Sprintf("SIGSTOP for %v, SIGCONT:", freeze), func(context.Context) error { return f.blip(i, freeze) })
		add("graceful stop of", func(ctx context.Context) error { return f.stop(ctx, i) })
		tool := []string{"hb_standby", "hb_takeover"}[f.rng.IntN(2)]
		arg := []string{"", "all", "foreign", "local", "failback"}[f.rng.IntN(5)]
		path := "/usr/share/heartbeat/" + tool // 3.0.6's script, through the FIFO
		if f.rng.IntN(2) == 0 {
			path = cluster.GoBinary(f.s.t, tool)
		}
		add(strings.TrimSpace(path+" "+arg)+" on", func(ctx context.Context) error {
			args := []string{}
			if arg != "" {
				args = append(args, arg)
			}
			_, err := f.s.n(i).Exec(ctx, path, args...)
			return err
		})
	}
	if f.cut {
		as = append(as, action{"link restored", func(ctx context.Context) error {
			f.cut = false
			return f.s.c.Heal(ctx)
		}})
		return as
	}
	as = append(as, action{"link cut (isolated ports)", func(ctx context.Context) error {
		f.cut = true
		return f.s.c.Isolate(ctx, f.s.c.Nodes...)
	}})
	unplug := f.s.n(1 + f.rng.IntN(2))
	as = append(as, action{"link down on " + unplug.Name, func(ctx context.Context) error {
		f.cut = true
		return unplug.Unplug(ctx)
	}})
	return as
}

// start starts node i's daemon.
func (f *faults) start(i int) error {
	f.s.start(i)
	f.nodes[i-1] = faultNode{up: true}
	return nil
}

// signal sends sig to node i's daemon and records a freeze or a thaw.
func (f *faults) signal(i int, sig syscall.Signal) error {
	pid, err := f.s.n(i).DaemonPID()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return err
	}
	f.nodes[i-1].frozen = sig == syscall.SIGSTOP
	return nil
}

// blip freezes node i's daemon for d.
func (f *faults) blip(i int, d time.Duration) error {
	if err := f.signal(i, syscall.SIGSTOP); err != nil {
		return err
	}
	time.Sleep(d)
	return f.signal(i, syscall.SIGCONT)
}

// stop stops node i's daemon gracefully (SIGTERM) and waits for its exit.
func (f *faults) stop(ctx context.Context, i int) error {
	if err := f.s.n(i).Stop(ctx); err != nil {
		return err
	}
	f.nodes[i-1] = faultNode{}
	return nil
}

// kill crashes node i: SIGKILL to every process of the node but its HTTP
// server (the daemon and any resource script it runs), then the VIP and
// the spectest state go, as they would with the machine.
func (f *faults) kill(ctx context.Context, i int) error {
	n := f.s.n(i)
	err := cluster.WaitFor(ctx, n.Name+"'s processes to die", func() error {
		var left []string
		for _, p := range n.Pids() {
			if p.Comm != "httpd" {
				_ = syscall.Kill(p.Host, syscall.SIGKILL)
				left = append(left, p.Comm)
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("%v live", left)
		}
		return nil
	})
	if err != nil {
		return err
	}
	f.nodes[i-1] = faultNode{}
	if vip, err := n.HasAddr(ctx, "eth0", f.s.c.VIP()); err != nil {
		return err
	} else if vip {
		if _, err := n.NS.Run(ctx, "ip", "addr", "del", f.s.c.VIP().String()+"/24", "dev", "eth0"); err != nil {
			return err
		}
	}
	for _, name := range []string{"spectest.alpha", "spectest.beta", "heartbeat.pid"} {
		if err := os.Remove(filepath.Join(n.Dir, "run", name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// revive ends a sequence: thaws frozen daemons, restores the link and
// starts stopped nodes, so that the last check is of two nodes that hear
// each other.
func (f *faults) revive(ctx context.Context) error {
	for i := 1; i <= 2; i++ {
		if f.nodes[i-1].frozen {
			if err := f.signal(i, syscall.SIGCONT); err != nil {
				return err
			}
		}
	}
	if f.cut {
		f.cut = false
		if err := f.s.c.Heal(ctx); err != nil {
			return err
		}
	}
	for i := 1; i <= 2; i++ {
		if !f.nodes[i-1].up {
			if err := f.start(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// groupOn is which parts of the group run on a node.
type groupOn struct{ vip, alpha, beta bool }

func (g groupOn) all() bool  { return g.vip && g.alpha && g.beta }
func (g groupOn) none() bool { return !g.vip && !g.alpha && !g.beta }

func (g groupOn) String() string {
	switch {
	case g.all():
		return "all"
	case g.none():
		return "none"
	}
	return fmt.Sprintf("PART(vip %t, alpha %t, beta %t)", g.vip, g.alpha, g.beta)
}

func (f *faults) groupOn(ctx context.Context, n *cluster.Node) (groupOn, error) {
	var g groupOn
	var err error
	if g.vip, err = n.HasAddr(ctx, "eth0", f.s.c.VIP()); err != nil {
		return g, err
	}
	for r, p := range map[string]*bool{"alpha": &g.alpha, "beta": &g.beta} {
		_, err := os.Stat(filepath.Join(n.Dir, "run", "spectest."+r))
		*p = err == nil
	}
	return g, nil
}

// hear reports whether the two daemons run unfrozen and are connected.
func (f *faults) hear() bool {
	for _, n := range f.nodes {
		if !n.up || n.frozen {
			return false
		}
	}
	return !f.cut
}

// check tests the invariant once and describes the state.
func (f *faults) check(ctx context.Context) (string, error) {
	var on [2]groupOn
	var state []string
	for i := range on {
		var err error
		if on[i], err = f.groupOn(ctx, f.s.c.Nodes[i]); err != nil {
			return "", err
		}
		state = append(state, fmt.Sprintf("%s %s", f.s.c.Nodes[i].Name, on[i]))
	}
	desc := strings.Join(state, ", ")
	for i, g := range on {
		if !g.all() && !g.none() {
			return desc, fmt.Errorf("node%d runs part of the group (%s)", i+1, desc)
		}
	}
	if f.hear() {
		if on[0].all() == on[1].all() {
			return desc, fmt.Errorf("the nodes hear each other and the group runs on %d of them (%s)", 2*btoi(on[0].all()), desc)
		}
		holder := f.s.n(2 - btoi(on[0].all())).Name
		if got := f.s.served(); got != holder {
			return desc, fmt.Errorf("%s runs the group, the client is served by %q (%s)", holder, got, desc)
		}
		return desc + ", served by " + holder, nil
	}
	for i, n := range f.nodes {
		switch {
		case n.up && !n.frozen && !on[i].all():
			return desc, fmt.Errorf("node%d hears no peer and does not run the group (%s)", i+1, desc)
		case !n.up && !on[i].none():
			return desc, fmt.Errorf("node%d is down and runs the group (%s)", i+1, desc)
		}
	}
	return desc, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// settle waits until the invariant has held for settleStable and notes
// the state; it fails the test with the last violation after
// settleTimeout.
func (f *faults) settle() {
	f.s.t.Helper()
	time.Sleep(settleFirst)
	ctx, cancel := context.WithTimeout(f.s.ctx, settleTimeout)
	defer cancel()
	var since time.Time
	for {
		desc, err := f.check(ctx)
		switch {
		case err != nil:
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		case time.Since(since) >= settleStable:
			f.note("  settled: " + desc)
			return
		}
		select {
		case <-ctx.Done():
			f.note("  NOT SETTLED: " + fmt.Sprint(err))
			f.s.t.Fatalf("not settled after %v: %v", settleTimeout, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
