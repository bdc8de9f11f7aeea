//go:build integration

package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// holds reports whether node n runs the lab group: the VIP on eth0 and both
// spectest resources.
func holds(ctx context.Context, n *cluster.Node, c *cluster.Cluster) error {
	if ok, err := n.HasAddr(ctx, "eth0", c.VIP()); err != nil || !ok {
		return fmt.Errorf("%s: VIP %s on eth0: %t, %v", n.Name, c.VIP(), ok, err)
	}
	for _, r := range []string{"alpha", "beta"} {
		if _, err := os.Stat(filepath.Join(n.Dir, "run", "spectest."+r)); err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
	}
	return nil
}

// idle reports whether node n runs none of the lab group.
func idle(ctx context.Context, n *cluster.Node, c *cluster.Cluster) error {
	if ok, err := n.HasAddr(ctx, "eth0", c.VIP()); err != nil || ok {
		return fmt.Errorf("%s: VIP %s on eth0: %t, %v", n.Name, c.VIP(), ok, err)
	}
	for _, r := range []string{"alpha", "beta"} {
		if _, err := os.Stat(filepath.Join(n.Dir, "run", "spectest."+r)); err == nil {
			return fmt.Errorf("%s: spectest.%s still runs", n.Name, r)
		}
	}
	return nil
}

// TestGoFailover runs two heartbeat-go nodes with the lab configuration:
// node1 takes its group soon after both are up, runs with a real-time
// policy, and node2 takes the group over after node1's daemon is killed.
func TestGoFailover(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	bin := cluster.GoBinary(t, "heartbeat")
	c := cluster.New(t, cluster.Options{
		Haresources: labHaresources,
		ResourceD:   map[string]string{"spectest": cluster.Spectest},
	})
	n1, n2 := c.Nodes[0], c.Nodes[1]
	for _, n := range c.Nodes {
		if err := n.StartGo(bin, "-f"); err != nil {
			t.Fatal(err)
		}
	}
	bothActive(t, ctx, c)
	if err := cluster.WaitFor(ctx, "node1 to hold its group", func() error { return holds(ctx, n1, c) }); err != nil {
		t.Fatal(err)
	}
	if err := idle(ctx, n2, c); err != nil {
		t.Fatal(err)
	}
	// realtime on (the default): every thread runs SCHED_RR and the
	// memory is locked, as 3.0.6 does.
	if err := realtime(n1); err != nil {
		log, _ := n1.ReadLog()
		t.Fatalf("%v\n%s", err, log)
	}
	killNode1(t, ctx, c)
	// The lines of 3.0.6's mach_down script, which operators grep for.
	for _, line := range []string{
		"mach_down(default)[",
		"info: Taking over resource group " + c.VIP().String() + "/24/eth0",
		"info: /usr/share/heartbeat/mach_down: nice_failback: foreign resources acquired",
		"info: mach_down takeover complete for node node1.",
		"info: mach_down takeover complete.",
	} {
		if err := n2.WaitLog(ctx, line); err != nil {
			t.Error(err)
		}
	}
}

// realtime checks that every thread of node n's daemon runs SCHED_RR and
// that its memory is locked.
func realtime(n *cluster.Node) error {
	for _, p := range n.Pids() {
		if p.Comm != "heartbeat" {
			continue
		}
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", p.Host))
		if err != nil {
			return err
		}
		for _, task := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", p.Host, task.Name()))
			if err != nil {
				return err
			}
			// Field 41 is the policy; the command name (field 2) has no blank here.
			f := strings.Fields(string(b))
			if len(f) < 41 || f[40] != "2" {
				return fmt.Errorf("%s: thread %s of pid %d has policy %v, want 2 (SCHED_RR)", n.Name, task.Name(), p.Host, f[40:41])
			}
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Host))
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmLck:") && strings.Fields(line)[1] == "0" {
				return fmt.Errorf("%s: memory not locked: %s", n.Name, line)
			}
		}
		return nil
	}
	return fmt.Errorf("%s: no heartbeat process", n.Name)
}

// TestTimingUnderLoad keeps both CPUs of the machine busy with processes
// in both nodes while two heartbeat-go nodes run with tight timings: the
// real-time policy keeps the heartbeats on time, so no late heartbeat and
// no death is logged.
func TestTimingUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	bin := cluster.GoBinary(t, "heartbeat")
	c := cluster.New(t, cluster.Options{HACf: `logfile /var/log/ha-log
keepalive 200ms
warntime 1
deadtime 2
initdead 4
bcast eth0
auto_failback on
node node1 node2
`})
	for _, n := range c.Nodes {
		if err := n.StartGo(bin, "-f"); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range c.Nodes {
		if err := n.WaitLog(ctx, "Comm_now_up(): updating status to active"); err != nil {
			t.Fatal(err)
		}
	}
	marks := []int{c.Nodes[0].LogMark(), c.Nodes[1].LogMark()}
	// Four busy loops per node: twice as many runnable threads as CPUs.
	for _, n := range c.Nodes {
		for range 4 {
			cmd := n.Cmd(ctx, "sh", "-c", "while :; do :; done")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		}
	}
	select {
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	case <-time.After(15 * time.Second):
	}
	for i, n := range c.Nodes {
		log, err := n.ReadLog()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(log[min(marks[i], len(log)):], "\n") {
			if strings.Contains(line, "Late heartbeat") || strings.Contains(line, "is dead") {
				t.Errorf("%s under load: %s", n.Name, line)
			}
		}
	}
}

// bothActive waits until each of the two nodes reports the other active.
func bothActive(t *testing.T, ctx context.Context, c *cluster.Cluster) {
	t.Helper()
	n1, n2 := c.Nodes[0], c.Nodes[1]
	for _, w := range []struct {
		n    *cluster.Node
		line string
	}{
		{n1, "Status update for node node2: status active"},
		{n2, "Status update for node node1: status active"},
	} {
		if err := w.n.WaitLog(ctx, w.line); err != nil {
			t.Fatal(err)
		}
	}
}

// killNode1 kills node1's daemon (its resources stay, as after kill -9)
// and waits until node2 declares it dead and holds the lab group.
func killNode1(t *testing.T, ctx context.Context, c *cluster.Cluster) {
	t.Helper()
	n1, n2 := c.Nodes[0], c.Nodes[1]
	if err := n1.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n2.WaitLog(ctx, "node node1: is dead"); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitFor(ctx, "node2 to take the group", func() error { return holds(ctx, n2, c) }); err != nil {
		t.Fatal(err)
	}
}
