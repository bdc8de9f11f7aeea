//go:build integration

package tests

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/heartbeat-go/heartbeat-go/tests/cluster"
)

// TestInteropMixed forms a cluster of one heartbeat-go node and one real
// heartbeat 3.0.6 node, in both placements: they see each other active
// without authentication errors, the preferred node (node1) acquires its
// group, and when node1's daemon is killed node2 takes the group over.
func TestInteropMixed(t *testing.T) {
	for _, goNode := range []int{0, 1} {
		name := []string{"go-node1", "go-node2"}[goNode]
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			bin := cluster.GoBinary(t, "heartbeat")
			c := cluster.New(t, cluster.Options{
				Haresources: labHaresources,
				ResourceD:   map[string]string{"spectest": cluster.Spectest},
			})
			for i, n := range c.Nodes {
				var err error
				if i == goNode {
					err = n.StartGo(bin, "-f")
				} else {
					err = n.StartReal(ctx)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			n1, n2 := c.Nodes[0], c.Nodes[1]
			bothActive(t, ctx, c)
			if err := cluster.WaitFor(ctx, "node1 to hold its group", func() error { return holds(ctx, n1, c) }); err != nil {
				t.Fatal(err)
			}
			if err := idle(ctx, n2, c); err != nil {
				t.Fatal(err)
			}
			killNode1(t, ctx, c)
			for _, n := range c.Nodes {
				log, err := n.ReadLog()
				if err != nil {
					t.Fatal(err)
				}
				for _, bad := range []string{"authentication failed", "authtoken does not match", "Invalid authentication", "Both machines own", "bad packet"} {
					if strings.Contains(log, bad) {
						t.Errorf("%s logged %q:\n%s", n.Name, bad, log)
					}
				}
			}
		})
	}
}
