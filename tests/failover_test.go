//go:build integration

package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
// node1 takes its group soon after both are up, node2 takes it over after
// node1's daemon is killed, and gets it back... no: a killed node keeps its
// resources, so the test removes them as the lab did.
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
	if err := n1.WaitLog(ctx, "Status update for node node2: status active"); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitFor(ctx, "node1 to hold its group", func() error { return holds(ctx, n1, c) }); err != nil {
		t.Fatal(err)
	}
	if err := idle(ctx, n2, c); err != nil {
		t.Fatal(err)
	}
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
